package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// checkFrame fails unless the screen is exactly the terminal: every line
// within the width, exactly height lines.
func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%d lines on a %d-line terminal:\n%s", len(lines), h, view)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells on a %d-cell terminal: %q", i+1, n, w, l)
		}
	}
}

// TestScreens pins the main screens at 80×24 (go test ./tui -update
// rewrites the golden files).
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
	}))
	shot := func(name string) {
		t.Run(name, func(t *testing.T) {
			checkFrame(t, d.view(), 80, 24)
			golden.RequireEqual(t, []byte(d.view()))
		})
	}
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
	d.keys("e")
	shot("run-confirm-end")
	d.keys("y")
	d.keys("p", "s", "u", "up", "up", "c", "Debug log found within minutes", "enter")
	shot("hotwash-ratings")
	d.keys("tab", "s", "Triage owned at once", "enter", "a", "Nobody knew the log rotation", "enter")
	shot("hotwash-findings")
	d.keys("tab", "a", "Turn debug logging off in production builds", "enter", "Ben Okafor", "enter", "enter")
	shot("hotwash-plan")
	d.keys("w")
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
	alert := func(rule, title string) timeline.Event {
		return timeline.Event{Kind: timeline.KindAlert, Scenario: id,
			Data: []byte(`{"rule":"` + rule + `","title":"` + title + `","severity":"critical","source":"state","window":"observe"}`)}
	}
	d.send(engineEventMsg{ev: alert("pan-in-order-meta", "Card numbers stored in order meta")})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no PAN in order meta","pass":false}`)}})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindCheck, Scenario: id, Data: []byte(`{"stage":"verify","name":"no PAN in options","pass":true}`)}})
	d.send(engineEventMsg{ev: timeline.Event{Kind: timeline.KindStepStart, Scenario: id, Actor: "breachdrill", Summary: "respond: db.query UPDATE wp_postmeta"}})
	t.Run("injected", func(t *testing.T) {
		checkFrame(t, d.view(), 80, 24)
		golden.RequireEqual(t, []byte(d.view()))
	})
	r.clock.Advance(2 * time.Minute)
	d.send(containedMsg{scenario: id})
	t.Run("contained", func(t *testing.T) {
		checkFrame(t, d.view(), 80, 24)
		golden.RequireEqual(t, []byte(d.view()))
	})
}
