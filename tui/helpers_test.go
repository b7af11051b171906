package tui

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/require"
)

// start is the fixed time every test's exercise begins.
var start = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

// fakeClock is the console's and the timeline's clock in tests: it moves
// only when the test says so. The program reads it from its own goroutine.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// asciiRenderer renders as a terminal under NO_COLOR would: no escape
// sequences, so screens compare as text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func testKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = 7
	}
	return ed25519.NewKeyFromSeed(seed)
}

func catalog(t testing.TB) []*scenarios.Scenario {
	t.Helper()
	cat, err := scenarios.Builtin()
	require.NoError(t, err, "the shipped catalogue loads")
	return cat.All()
}

// rig is one test exercise: its clock, where its record and bundle go.
type rig struct {
	clock *fakeClock
	out   string

	mu sync.Mutex
	tl *timeline.Timeline
}

func newRig(t testing.TB) *rig {
	return &rig{clock: newFakeClock(), out: t.TempDir()}
}

func (r *rig) config(t testing.TB) Config {
	return Config{
		Catalog:     catalog(t),
		Now:         r.clock.Now,
		ManualClock: true,
		NewID:       func(time.Time) string { return "tabletop-test" },
		Renderer:    asciiRenderer(),
		ToolVersion: "test",
		OpenTimeline: func(_ context.Context, id string) (*timeline.Timeline, error) {
			f, err := os.Create(filepath.Join(r.out, "."+id+".timeline.jsonl"))
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { f.Close() })
			tl := timeline.New(timeline.WithSink(f), timeline.WithClock(r.clock.Now))
			r.mu.Lock()
			r.tl = tl
			r.mu.Unlock()
			return tl, nil
		},
		Save: BundleSaver(r.out, "test", nil, reports.WithKey(testKey())),
	}
}

func (r *rig) timeline() *timeline.Timeline {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tl
}

func (r *rig) model(t testing.TB, edit ...func(*Config)) Model {
	t.Helper()
	cfg := r.config(t)
	for _, e := range edit {
		e(&cfg)
	}
	m, err := New(context.Background(), cfg)
	require.NoError(t, err, "the console starts")
	return m
}

// driver runs a Model without a program: every command runs at once and
// its message goes straight back in, so a screen after a keystroke is the
// same on every run. It stops at tea.Quit.
type driver struct {
	t    testing.TB
	m    Model
	quit bool
	// late holds what commands left behind returned after all (a bundle
	// written slowly on a loaded machine); it is delivered before the
	// next message.
	late chan tea.Msg
}

func drive(t testing.TB, m Model) *driver {
	d := &driver{t: t, m: m, late: make(chan tea.Msg, 64)}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init())
	return d
}

func (d *driver) send(msgs ...tea.Msg) *driver {
	d.t.Helper()
	d.deliverLate()
	for _, msg := range msgs {
		require.False(d.t, d.quit, "no message after the console quit; got %#v", msg)
		next, cmd := d.m.Update(msg)
		d.m = next.(Model)
		d.run(cmd)
	}
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	// A command that waits on the engine (its next event, containment)
	// would wait forever here: after a moment it is left behind, as a
	// program would leave it running.
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var out tea.Msg
	select {
	case out = <-done:
	case <-time.After(200 * time.Millisecond):
		go func() {
			if msg := <-done; msg != nil {
				d.late <- msg
			}
		}()
		return
	}
	switch msg := out.(type) {
	case nil:
	case tea.QuitMsg:
		d.quit = true
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	default:
		d.send(msg)
	}
}

func (d *driver) deliverLate() {
	for {
		select {
		case msg := <-d.late:
			if !d.quit {
				d.receive(msg)
			}
		default:
			return
		}
	}
}

// settle waits up to timeout for a command left behind to come back, and
// delivers it.
func (d *driver) settle(timeout time.Duration, done func() bool) {
	deadline := time.After(timeout)
	for !done() {
		select {
		case msg := <-d.late:
			if !d.quit {
				d.receive(msg)
			}
		case <-deadline:
			return
		}
	}
}

func (d *driver) receive(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.QuitMsg:
		d.quit = true
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	default:
		next, cmd := d.m.Update(msg)
		d.m = next.(Model)
		d.run(cmd)
	}
}

// keys sends keystrokes: a word like "enter", "tab", "esc", "space",
// "up", "down" is that key; anything else is typed.
func (d *driver) keys(keys ...string) *driver {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsgs(k)...)
	}
	return d
}

func keyMsgs(k string) []tea.Msg {
	special := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc,
		"space": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown, "ctrl+c": tea.KeyCtrlC,
		"backspace": tea.KeyBackspace, "ctrl+u": tea.KeyCtrlU,
	}
	if t, ok := special[k]; ok {
		return []tea.Msg{tea.KeyMsg{Type: t}}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}

func (d *driver) view() string { return d.m.View() }

func (d *driver) contains(t testing.TB, want ...string) {
	t.Helper()
	v := d.view()
	for _, w := range want {
		require.Contains(t, v, w, "the screen shows %q", w)
	}
}

// readBundleTimeline reads the timeline the bundle holds.
func readBundleTimeline(t testing.TB, dir string) []timeline.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, reports.TimelineFile))
	require.NoError(t, err, "the bundle holds a timeline")
	defer f.Close()
	events, err := timeline.ReadJSONL(f)
	require.NoError(t, err, "the bundle's timeline reads")
	require.Empty(t, timeline.Verify(events), "the bundle's timeline verifies")
	return events
}

func ofKind(events []timeline.Event, k timeline.Kind) []timeline.Event {
	var out []timeline.Event
	for _, e := range events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func decode[T any](t testing.TB, e timeline.Event) T {
	t.Helper()
	var v T
	require.NoError(t, e.Decode(&v), "event %d (%s) decodes", e.Seq, e.Kind)
	return v
}

func termSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// shippedPack is the rule pack the binary ships, loaded once.
var shippedPack = sync.OnceValues(func() (*detect.Pack, error) { return detect.LoadPack(rules.FS) })

// alertEvent is the alert the engine records when the shipped pack's rule
// fires in scenario: its title, severity and source are the rule's own, so
// a screen pinned with it shows an alert that can really happen.
func alertEvent(t testing.TB, scenario, rule string, matched ...string) timeline.Event {
	t.Helper()
	pack, err := shippedPack()
	require.NoError(t, err, "the shipped pack loads")
	info, ok := pack.Rule(rule)
	require.True(t, ok, "rule %q is in the shipped pack", rule)
	data, err := json.Marshal(timeline.Alert{Rule: info.ID, Title: info.Title, Severity: info.Severity, Source: string(info.Source),
		Window: "observe", Matched: matched})
	require.NoError(t, err)
	return timeline.Event{Kind: timeline.KindAlert, Scenario: scenario, Data: data}
}
