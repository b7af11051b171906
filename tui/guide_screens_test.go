package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	guideFile  = "../docs/run-the-tabletop.md"
	screensDir = "../docs/screens/tabletop"
)

// guideScreen is one screenshot of the console for the tabletop guide.
type guideScreen struct{ name, view string }

// TestGuideScreens takes the screenshots of docs/run-the-tabletop.md at
// 80×24, as a terminal under NO_COLOR shows them, and checks that the
// guide and docs/screens/tabletop hold exactly these. After the console
// changes: go test ./tui -run TestGuideScreens -update
func TestGuideScreens(t *testing.T) {
	shots := discussionShots(t)
	shots = append(shots, liveShots(t)...)

	update := false
	if f := flag.Lookup("update"); f != nil {
		update = f.Value.String() == "true"
	}
	guide, err := os.ReadFile(guideFile)
	require.NoError(t, err)
	text := string(guide)
	for _, s := range shots {
		t.Run(s.name, func(t *testing.T) {
			checkFrame(t, s.view, 80, 24)
			file := filepath.Join(screensDir, s.name+".txt")
			// The block's content runs up to the first closing fence, which
			// a screen (no ``` in it) never holds.
			block := regexp.MustCompile("(?s)<!-- screen: " + regexp.QuoteMeta(s.name) + " -->\n```text\n(.*?)```\n<!-- /screen -->")
			require.True(t, block.MatchString(text), "the guide has no <!-- screen: %s --> block", s.name)
			if update {
				require.NoError(t, os.MkdirAll(screensDir, 0o755))
				require.NoError(t, os.WriteFile(file, []byte(s.view+"\n"), 0o644))
				require.NotContains(t, s.view, "```")
				text = block.ReplaceAllLiteralString(text, "<!-- screen: "+s.name+" -->\n```text\n"+s.view+"\n```\n<!-- /screen -->")
				return
			}
			got, err := os.ReadFile(file)
			require.NoError(t, err, "run go test ./tui -run TestGuideScreens -update")
			assert.Equal(t, s.view+"\n", string(got), "%s is stale: go test ./tui -run TestGuideScreens -update", file)
			inGuide := block.FindStringSubmatch(text)[1]
			assert.Equal(t, s.view+"\n", inGuide, "the guide's %s screen is stale: go test ./tui -run TestGuideScreens -update", s.name)
		})
	}
	if update {
		require.NoError(t, os.WriteFile(guideFile, []byte(text), 0o644))
	}
}

// discussionShots walks a discussion exercise from setup to the signed
// bundle, as the guide tells it.
func discussionShots(t *testing.T) []guideScreen {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		// As `breachdrill tabletop --discussion` on a machine with Docker:
		// live mode is offered but not chosen.
		c.Mode = ModeDiscussion
		c.Live = &fakeLive{}
		c.CheckDocker = func(context.Context) error { return nil }
		save := c.Save
		c.Save = func(ctx context.Context, events []timeline.Event, ran []*scenarios.Scenario) (Saved, error) {
			s, err := save(ctx, events, ran)
			s.Path = filepath.Join("evidence", filepath.Base(s.Path))
			return s, err
		}
	}))
	var out []guideScreen
	shot := func(name string) { out = append(out, guideScreen{name, d.view()}) }
	d.keys("/", "debug", "enter", "space")
	shot("setup-scenarios")
	d.keys("tab", "a", "Ana Ruiz", "enter", "Ben Okafor", "enter", "Chen Li", "tab", "enter", "Dana Kim", "tab", "tab", "enter")
	shot("setup-participants")
	d.keys("enter", "tab")
	shot("setup-mode")
	d.keys("enter")
	r.clock.Advance(90 * time.Second)
	d.send(tickMsg{})
	d.keys("d", "Declare a security incident", "enter")
	r.clock.Advance(4 * time.Minute)
	d.send(tickMsg{})
	d.keys("p", "b")
	r.clock.Advance(30 * time.Second)
	d.keys("d", "tab", "Pull the access log", "enter")
	shot("run")
	d.keys("e", "y")
	d.keys("p", "s", "u", "up", "up", "c", "Debug log found within minutes", "enter")
	shot("hotwash-ratings")
	d.keys("tab", "s", "Triage owned at once", "enter", "a", "Nobody knew the log rotation", "enter")
	shot("hotwash-findings")
	d.keys("tab", "a", "Turn debug logging off in production builds", "enter", "Ben Okafor", "enter", "enter")
	shot("hotwash-plan")
	// Writing the bundle signs and renders it: on a loaded machine that
	// takes longer than the driver waits for a command, so wait for it.
	// Not signed off in this example: the second w writes it anyway.
	guideKeysWaiting(d, 30*time.Second, "w", "w")
	require.Contains(t, d.view(), "Evidence bundle written")
	shot("done")
	return out
}

// guideKeysWaiting sends keys like driver.keys, but waits up to wait for
// the commands they start (none of which may block, as waiting on an
// engine would).
func guideKeysWaiting(d *driver, wait time.Duration, keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		for _, msg := range keyMsgs(k) {
			next, cmd := d.m.Update(msg)
			d.m = next.(Model)
			guideRunWaiting(d, cmd, wait)
		}
	}
}

func guideRunWaiting(d *driver, cmd tea.Cmd, wait time.Duration) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var out tea.Msg
	select {
	case out = <-done:
	case <-time.After(wait):
		require.FailNowf(d.t, "a command took too long", "want it done within %s", wait)
	}
	switch msg := out.(type) {
	case nil:
	case tea.QuitMsg:
		d.quit = true
	case tea.BatchMsg:
		for _, c := range msg {
			guideRunWaiting(d, c, wait)
		}
	default:
		next, cmd := d.m.Update(msg)
		d.m = next.(Model)
		guideRunWaiting(d, cmd, wait)
	}
}

// liveShots show the run screen of a live exercise: the stack's login,
// alerts as the engine raises them, containment.
func liveShots(t *testing.T) []guideScreen {
	r := newRig(t)
	live := &fakeLive{}
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"plaintext-pan-order-meta"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter")
	x := d.m.x
	x.mode = ModeLive
	access, _ := live.Provision(context.Background(), func(string) {})
	x.access = &access
	id := d.m.run.sc.ID
	d.send(injectedMsg{scenario: id})
	r.clock.Advance(40 * time.Second)
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindAlert, Scenario: id,
		Data: []byte(`{"rule":"pan-in-database","title":"Full card numbers stored in the shop's database","severity":"critical","source":"state","window":"observe"}`)}})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no full card numbers in order meta","pass":false}`)}})
	var out []guideScreen
	out = append(out, guideScreen{"live-alert", d.view()})
	r.clock.Advance(2 * time.Minute)
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no full card numbers in order meta","pass":true}`)}})
	d.send(containedMsg{scenario: id})
	out = append(out, guideScreen{"live-contained", d.view()})
	return out
}

func TestGuideScreensAreNamedInTheGuide(t *testing.T) {
	b, err := os.ReadFile(guideFile)
	require.NoError(t, err)
	names := regexp.MustCompile(`<!-- screen: ([a-z-]+) -->`).FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, names)
	for _, n := range names {
		_, err := os.Stat(filepath.Join(screensDir, n[1]+".txt"))
		assert.NoError(t, err, "the guide shows screen %s, which no test takes", n[1])
	}
	assert.False(t, strings.Contains(string(b), "\x1b["), "escape sequences in the guide")
}
