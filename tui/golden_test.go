package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
)

// checkFrame fails unless the screen is exactly the terminal: every line
// within the width, exactly height lines.
func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	assert.Len(t, lines, h, "the screen fills the %d-line terminal:\n%s", h, view)
	for i, l := range lines {
		assert.LessOrEqual(t, ansi.StringWidth(l), w, "line %d fits the %d-cell terminal: %q", i+1, w, l)
	}
}

// shoot pins the screen on show at 80×24 and at 120×36 (go test ./tui
// -update rewrites the golden files), and checks each fills its terminal.
func shoot(t *testing.T, d *driver, name string) {
	t.Helper()
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		t.Run(fmt.Sprintf("%s-%dx%d", name, size[0], size[1]), func(t *testing.T) {
			m, _ := d.m.Update(termSize(size[0], size[1]))
			view := m.View()
			checkFrame(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(view))
		})
	}
	// Back to the size the driver runs at.
	d.m.Update(termSize(80, 24))
}

// TestScreens pins every screen of a discussion exercise, from setup to
// the bundle, at 80×24 and 120×36.
func TestScreens(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		// The last screen shows the bundle's path: shown as under
		// --out evidence, it is the same on every run.
		save := c.Save
		c.Save = func(ctx context.Context, events []timeline.Event, ran []*scenarios.Scenario) (Saved, error) {
			s, err := save(ctx, events, ran)
			s.Path = filepath.Join("evidence", filepath.Base(s.Path))
			return s, err
		}
		c.TimeScale = 60
	}))
	shot := func(name string) { shoot(t, d, name) }
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
	d.keys("d", "tab", "Pull the access log and the error log for the last seven days, then check who could read debug.log", "enter")
	shot("run")
	d.keys("d", "Page the DPO")
	shot("run-typing-decision")
	d.keys("enter", "space")
	shot("run-paused")
	d.keys("space", "g", "down", "2", "Only after a prompt", "enter")
	shot("run-guide")
	d.keys("tab", "up")
	shot("run-log")
	d.keys("enter")
	shot("reader")
	d.keys("esc", "?")
	shot("run-full-help")
	d.keys("?", "q")
	shot("quit-menu")
	d.keys("esc", "e")
	shot("run-confirm-end")
	d.keys("y")
	d.keys("p", "s", "u", "up", "up", "c", "Debug log found within minutes", "enter", "n", "Eve Stone", "enter", "Found the path fast")
	shot("hotwash-evaluator-note")
	d.keys("enter")
	shot("hotwash-ratings")
	d.keys("tab", "s", "Triage owned at once", "enter", "a", "Nobody knew the log rotation", "enter")
	shot("hotwash-findings")
	d.keys("tab", "a", "Turn debug logging off in production builds", "enter", "Ben Okafor", "enter", "enter")
	shot("hotwash-plan")
	d.keys("enter")
	d.contains(t, "Turn debug logging off in production builds", "owner Ben Okafor · due 2026-12-20 · open")
	d.keys("esc")
	d.keys("tab", "a", "enter", "5", "enter", "The injects felt real", "enter", "More time for the DPO", "enter")
	shot("hotwash-feedback")
	d.keys("tab", "f", "Dana Kim", "enter", "enter", "a", "Fay Ode", "enter", "CISO", "enter")
	shot("hotwash-signoff")
	d.keys("w")
	d.settle(30*time.Second, func() bool { _, ok := d.m.Saved(); return ok })
	shot("done")
}

// TestLiveRunScreen pins the run screen's live parts — the stack's login,
// the engine's state, alerts, containment — as the engine's messages
// leave them.
func TestLiveRunScreen(t *testing.T) {
	r := newRig(t)
	live := &fakeLive{}
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"plaintext-pan-order-meta"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter")
	// Turn the discussion into what a live run looks like once the
	// engine's messages arrived (the channels they come through block, so
	// this test hands them over itself).
	x := d.m.x
	x.mode = ModeLive
	access, _ := live.Provision(context.Background(), func(string) {})
	x.access = &access
	id := d.m.run.sc.ID
	d.send(injectedMsg{scenario: id})
	r.clock.Advance(40 * time.Second)
	d.send(engineEventMsg{ev: alertEvent(t, id, "pan-in-database")})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no PAN in order meta","pass":false}`)}})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no PAN in options","pass":true}`)}})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindStepStart, Scenario: id, Actor: "breachdrill", Time: start,
		Summary: "inject: file.copy wp-content/uploads/export-customers-{{date}}.csv"}})
	shoot(t, d, "injected")
	for _, rule := range []string{"fim-export-in-uploads", "db-bulk-pii-read", "web-sqli-probe", "backup-file-exposed", "php-file-in-uploads", "wp-debug-display-on"} {
		r.clock.Advance(5 * time.Second)
		d.send(engineEventMsg{ev: alertEvent(t, id, rule)})
	}
	shoot(t, d, "seven-alerts")
	d.keys("tab", "tab", "up", "up", "up")
	shoot(t, d, "alerts-scrolled")
	r.clock.Advance(2 * time.Minute)
	d.send(containedMsg{scenario: id})
	shoot(t, d, "contained")
}

// TestProvisionScreens pins the stack's start and its failure.
func TestProvisionScreens(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Mode = ModeLive
		c.Live = &brokenLive{}
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter")
	shoot(t, d, "provision-failed")
}

// TestFailedScreen pins the screen of an exercise whose record cannot be
// opened.
func TestFailedScreen(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
		c.OpenTimeline = func(context.Context, string) (*timeline.Timeline, error) {
			return nil, errors.New("evidence: permission denied")
		}
	}))
	d.keys("enter")
	d.contains(t, "could not go on", "permission denied")
	shoot(t, d, "failed")
}
