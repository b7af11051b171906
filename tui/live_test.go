package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
)

// stackLive runs live mode on a stack the test started, with the real
// engine: what the command wires, minus provisioning.
type stackLive struct {
	stack   *containers.Stack
	pack    *detect.Pack
	secrets *harness.Secrets
}

func (l *stackLive) Provision(_ context.Context, progress func(string)) (Access, error) {
	progress("stack " + l.stack.RunID() + " is up")
	info, creds := l.stack.Info(), l.stack.Credentials()
	return Access{URL: info.URL + "/", AdminURL: info.URL + "/wp-admin/", User: creds.AdminUser, Password: creds.AdminPassword,
		Stack: &timeline.StackInfo{RunID: info.RunID, ImageSource: string(info.Images.Source), ImageDB: info.Images.DB, ImageWP: info.Images.WP,
			WordPressVersion: info.WordPressVersion, WooCommerceMode: info.WooCommerceMode, MariaDBVersion: info.MariaDBVersion, PHPVersion: info.PHPVersion}}, nil
}

func (l *stackLive) Start(ctx context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (Session, error) {
	lv, err := harness.StartLive(ctx, l.stack, tl, l.secrets,
		harness.Options{Pack: l.pack, Interval: time.Second, Poll: time.Second, BaselineWindow: 2 * time.Second}, s)
	if err != nil {
		return nil, err
	}
	return lv, nil
}

func (l *stackLive) Close(context.Context) error { return nil } // stacktest removes it

// liveRecord is the record the console opened, and a signal for each event
// appended to it, so a test waits on the engine instead of polling it.
type liveRecord struct {
	opened  chan struct{}
	mu      sync.Mutex
	tl      *timeline.Timeline
	changed <-chan timeline.Event
}

func newLiveRecord() *liveRecord { return &liveRecord{opened: make(chan struct{})} }

func (r *liveRecord) open(tl *timeline.Timeline) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// One slot: an append while the test reads the record leaves a
	// pending signal, so no event goes unnoticed.
	r.changed, _ = tl.Subscribe(1)
	r.tl = tl
	close(r.opened)
}

func (r *liveRecord) events() []timeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tl.Events()
}

// engineWait bounds each wait on the engine: minutes more than a quiet
// machine needs (seconds), so only a stuck engine reaches it.
const engineWait = 10 * time.Minute

// recorded waits until the record holds an event of kind that pred
// accepts — the engine's own state, however long a loaded machine takes —
// and returns it. engineWait or the test's own deadline bounds it; a
// fault the engine records ends the wait at once. A failure shows the end
// of the record: which check still fails, which alert never came.
func (r *liveRecord) recorded(t *testing.T, kind timeline.Kind, pred func(timeline.Event) bool) timeline.Event {
	t.Helper()
	deadline := time.Now().Add(engineWait)
	if d, ok := t.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second) // leave time to report
	}
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	select {
	case <-r.opened:
	case <-timeout.C:
		require.FailNowf(t, "the console never opened its record", "waiting for %s", kind)
	}
	for {
		events := r.events()
		for _, e := range events {
			if e.Kind == kind && (pred == nil || pred(e)) {
				return e
			}
			// The engine said it cannot go on: waiting longer would only
			// hide why.
			require.NotEqual(t, timeline.KindFault, e.Kind, "waiting for %s, the engine recorded a fault: %s %s", kind, e.Summary, e.Data)
		}
		select {
		case <-r.changed:
		case <-timeout.C:
			var tail []string
			for _, e := range events[max(0, len(events)-25):] {
				tail = append(tail, fmt.Sprintf("%4d %-16s %s %s", e.Seq, e.Kind, e.Summary, e.Data))
			}
			require.FailNowf(t, "the engine never recorded "+string(kind), "within %s; the record ends:\n%s",
				engineWait, strings.Join(tail, "\n"))
		}
	}
}

// liveSuite drives live mode on one real stack.
type liveSuite struct{ stacktest.Suite }

func TestLive(t *testing.T) { suite.Run(t, new(liveSuite)) }

// TestLiveStack drives live mode against a real stack: the scenario is
// really injected when it starts, the detection engine's alert appears on
// screen, the playbook runs on a key, and the console shows containment
// once the engine's checks all pass. It waits on what the engine records,
// not on guessed durations; the screen then follows within a render or
// two, given minutes on a loaded machine.
func (s *liveSuite) TestLiveStack() {
	t, stack := s.T(), s.Stack
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err)
	secrets := harness.NewSecrets(stack.Credentials().Secrets()...)
	out := t.TempDir()
	rec := newLiveRecord()
	cfg := Config{
		Catalog: catalog(t), Selected: []string{"debug-log-exposure"},
		Participants: []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Ben Okafor", Role: RoleTechnicalLead}},
		Mode:         ModeLive, Renderer: asciiRenderer(), ToolVersion: "test",
		CheckDocker: containers.CheckDocker,
		Live:        &stackLive{stack: stack, pack: pack, secrets: secrets},
		OpenTimeline: func(_ context.Context, id string) (*timeline.Timeline, error) {
			f, err := os.Create(filepath.Join(out, "."+id+".timeline.jsonl"))
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { f.Close() })
			tl := timeline.New(timeline.WithSink(f), timeline.WithMask(secrets.Mask))
			rec.open(tl)
			return tl, nil
		},
		Save: BundleSaver(out, "test", secrets.List, reports.WithKey(testKey())),
	}
	m, err := New(context.Background(), cfg)
	require.NoError(t, err)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	const render = 2 * time.Minute
	onScreen := func(want ...string) {
		t.Helper()
		// want[0] names the wait; later ones may be secrets kept out of the log.
		t.Logf("waiting up to %s for the screen to show %q (and %d more)", render, want[0], len(want)-1)
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range want {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(render), teatest.WithCheckInterval(100*time.Millisecond))
	}
	typ := func(keys ...string) {
		for _, k := range keys {
			for _, msg := range keyMsgs(k) {
				tm.Send(msg)
			}
		}
	}

	typ("enter")
	rec.recorded(t, timeline.KindInjected, nil)
	alert := rec.recorded(t, timeline.KindAlert, func(e timeline.Event) bool {
		var a timeline.Alert
		return e.Decode(&a) == nil && a.Rule == "wp-debug-log-public" && a.Window != "baseline"
	})
	onScreen("wp-debug-log-public", stack.Credentials().AdminPassword)
	require.Equal(t, "debug-log-exposure", alert.Scenario)
	typ("r")
	rec.recorded(t, timeline.KindContained, nil)
	onScreen("CONTAINMENT VERIFIED")
	typ("e")
	onScreen("go to the hot wash?")
	typ("y")
	// The engine puts the stack back and ends the scenario first.
	rec.recorded(t, timeline.KindScenarioEnd, nil)
	onScreen("Ratings 0/3")
	typ("w", "w")
	onScreen("Evidence bundle written")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})

	final := tm.FinalModel(t, teatest.WithFinalTimeout(render)).(Model)
	saved, ok := final.Saved()
	require.True(t, ok, "saved; error: %v", final.Err())
	events := readBundleTimeline(t, saved.Path)
	assert.NotEmpty(t, ofKind(events, timeline.KindAlert), "the alert is in the bundle")
	assert.Len(t, ofKind(events, timeline.KindContained), 1, "one containment in the bundle")
	results := timeline.Measure(events)
	require.Len(t, results, 1)
	assert.Equal(t, timeline.OutcomePassed, results[0].Outcome)
	run := decode[timeline.RunInfo](t, events[0])
	require.NotNil(t, run.Stack, "run.start names the stack")
	assert.Equal(t, stack.RunID(), run.Stack.RunID)
}
