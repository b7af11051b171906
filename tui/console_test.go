package tui

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// started drives a console through setup into the run screen of
// debug-log-exposure with two people.
func started(t *testing.T, r *rig) *driver {
	t.Helper()
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Dana Kim", Role: RoleScribe}}
	}))
	d.keys("enter")
	d.contains(t, "A customer sends support")
	return d
}

// endAndWrite ends the exercise from the quit menu and writes the bundle
// from the hot wash as it stands.
func endAndWrite(t *testing.T, d *driver) Saved {
	t.Helper()
	d.keys("q")
	d.contains(t, "p pause and save • e end • esc keep going")
	d.keys("e")
	d.contains(t, "hot wash")
	d.keys("w", "w")
	return mustSaved(t, d)
}

func TestQuitOffersPauseOrEnd(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	r.clock.Advance(time.Minute)
	d.keys("d", "q is a letter while typing", "enter")
	d.contains(t, "q is a letter while typing")
	d.keys("q")
	d.contains(t, "Pause and save for later, or end the exercise (the hot wash follows)?", "p pause and save • e end • esc keep going")
	d.keys("esc")
	require.False(t, d.quit)
	require.NotContains(t, d.view(), "Pause and save for later", "esc keeps the exercise going")

	saved := endAndWrite(t, d)
	events := readBundleTimeline(t, saved.Path)
	assert.Len(t, ofKind(events, timeline.KindDecision), 1)
	end := ofKind(events, timeline.KindScenarioEnd)
	require.Len(t, end, 1)
	assert.Equal(t, timeline.OutcomeInterrupted, decode[timeline.ScenarioEnd](t, end[0]).Outcome, "ended early, the scenario says so")
	last := events[len(events)-1]
	require.Equal(t, timeline.KindRunEnd, last.Kind)
	assert.Equal(t, outcomeCompleted, decode[timeline.RunEnd](t, last).Outcome, "ending goes through the hot wash")
}

func TestQuitDuringSetupRecordsNothing(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t))
	d.keys("q")
	d.contains(t, "Nothing has been recorded yet")
	d.keys("y")
	require.True(t, d.quit, "y quits")
	_, ok := d.m.Saved()
	assert.False(t, ok, "a console quit before the exercise started saves no bundle")
	entries, _ := os.ReadDir(r.out)
	assert.Empty(t, entries, "no files left in --out")
}

func TestSetupRefusesToStartIncomplete(t *testing.T) {
	tests := []struct {
		name     string
		selected []string
		people   []timeline.Participant
		want     string
	}{
		{"no scenario", nil, []timeline.Participant{{Name: "Ana", Role: RoleScribe}}, "pick at least one scenario"},
		{"nobody", []string{"debug-log-exposure"}, nil, "add the people in the room"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			d := drive(t, r.model(t, func(c *Config) { c.Selected, c.Participants = tt.selected, tt.people }))
			d.keys("enter")
			d.contains(t, tt.want, "breachdrill tabletop · setup")
			assert.Nil(t, r.timeline(), "the record stays closed")
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		input bool
	}{
		{"unknown scenario", func(c *Config) { c.Selected = []string{"no-such-breach"} }, true},
		{"live without an engine", func(c *Config) { c.Mode = ModeLive }, false},
		{"no save", func(c *Config) { c.Save = nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			cfg := r.config(t)
			tt.edit(&cfg)
			_, err := New(context.Background(), cfg)
			require.Error(t, err, "New refuses it")
			assert.Equal(t, tt.input, fault.IsInput(err), "IsInput(%v)", err)
		})
	}
}

func TestInjectSchedule(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	require.NotContains(t, d.view(), "A security researcher", "the 5m inject does not come at T+0")
	// Paused, the clock stands still and nothing comes due.
	d.keys("space")
	r.clock.Advance(10 * time.Minute)
	d.send(tickMsg{})
	d.contains(t, "T+00:00 · ex T+00:00 PAUSED", "space resume")
	require.NotContains(t, d.view(), "A security researcher", "no inject comes due while the clock is paused")
	d.keys("space")
	r.clock.Advance(5 * time.Minute)
	d.send(tickMsg{})
	d.contains(t, "T+05:00", "A security researcher", "next at T+15:00")
	r.clock.Advance(10 * time.Minute)
	d.send(tickMsg{})
	d.contains(t, "injects 3/3 · all delivered")
	d.keys("i")
	d.contains(t, "every inject of this scenario has been delivered")

	events := readBundleTimeline(t, endAndWrite(t, d).Path)
	var pauses []string
	for _, e := range ofKind(events, timeline.KindTabletopClock) {
		pauses = append(pauses, e.Summary)
	}
	assert.Equal(t, []string{"exercise clock paused at T+00:00 (exercise T+00:00)", "exercise clock resumed at T+00:00 (exercise T+00:00)",
		"the facilitator ended the exercise at T+15:00 (exercise T+15:00): the hot wash follows"}, pauses)
	injects := ofKind(events, timeline.KindTabletopInject)
	if assert.Len(t, injects, 3, "every inject delivered") {
		assert.Equal(t, 15*time.Minute, injects[1].Time.Sub(start), "second inject 15m after the start (5m on the clock after a 10m pause)")
	}
}

func mustSaved(t *testing.T, d *driver) Saved {
	t.Helper()
	d.settle(30*time.Second, func() bool { _, ok := d.m.Saved(); return ok })
	s, ok := d.m.Saved()
	require.True(t, ok, "saved within 30s; error: %v", d.m.Err())
	return s
}

func TestRegulatoryClocksStartOnce(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	d.contains(t, "not started · b when the breach is confirmed")
	r.clock.Advance(3 * time.Minute)
	d.keys("b")
	r.clock.Advance(90 * time.Minute)
	d.send(tickMsg{})
	d.contains(t, "clocks GDPR 70:30:00 · DORA 4h 02:30:00 · DORA 24h 22:30:00 · NYDFS 70:30:00")
	d.keys("b")
	d.contains(t, "already running")
	clocks := ofKind(readBundleTimeline(t, endAndWrite(t, d).Path), timeline.KindClock)
	require.Len(t, clocks, 6, "clocks recorded: GDPR, DORA ×4, NYDFS")
	for _, e := range clocks {
		c := decode[timeline.Clock](t, e)
		want := start.Add(3*time.Minute + time.Duration(c.Hours*float64(time.Hour)))
		assert.True(t, c.Deadline.Equal(want), "%s due %v, want %v", c.Regime, c.Deadline, want)
	}
}

func TestScreensFitAnyTerminal(t *testing.T) {
	sizes := [][2]int{{80, 24}, {60, 16}, {132, 43}, {40, 10}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		r := newRig(t)
		d := drive(t, r.model(t, func(c *Config) {
			c.Selected = []string{"debug-log-exposure", "plaintext-pan-order-meta"}
			c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
		}))
		d.send(termSize(w, h))
		check := func(stage string) {
			t.Helper()
			v := d.view()
			lines := strings.Split(v, "\n")
			assert.Len(t, lines, h, "%dx%d %s: the screen fills the terminal", w, h, stage)
			for i, l := range lines {
				assert.LessOrEqual(t, lipgloss.Width(l), w, "%dx%d %s: line %d fits", w, h, stage, i+1)
			}
		}
		check("setup")
		d.keys("tab", "tab")
		check("mode")
		d.keys("enter")
		r.clock.Advance(20 * time.Minute)
		d.send(tickMsg{})
		d.keys("b", "p", "d", strings.Repeat("a very long decision ", 12), "enter")
		check("run")
		d.keys("e", "y")
		check("second scenario")
		d.keys("e", "y")
		check("hot wash")
	}
}

func TestNoColor(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		styled bool
	}{
		{"NO_COLOR set", []string{"NO_COLOR=1", "TERM=xterm-256color", "COLORTERM=truecolor"}, false},
		{"colour terminal", []string{"TERM=xterm-256color", "COLORTERM=truecolor"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rend := lipgloss.NewRenderer(os.Stdout, termenv.WithEnvironment(environ(tt.env)), termenv.WithTTY(true))
			r := newRig(t)
			d := drive(t, r.model(t, func(c *Config) { c.Renderer = rend; c.Selected = []string{"debug-log-exposure"} }))
			assert.Equal(t, tt.styled, strings.Contains(d.view(), "\x1b["), "escape sequences on screen")
			// Without colour the selection is still visible.
			d.contains(t, "› [x] debug-log-exposure")
		})
	}
}

type environ []string

func (e environ) Environ() []string { return e }
func (e environ) Getenv(k string) string {
	for _, kv := range e {
		if name, v, _ := strings.Cut(kv, "="); name == k {
			return v
		}
	}
	return ""
}

func TestDockerDecidesTheDefaultMode(t *testing.T) {
	tests := []struct {
		name   string
		mode   Mode
		docker error
		want   Mode
		reason string
	}{
		{"auto, Docker answers", ModeAuto, nil, ModeLive, ""},
		{"auto, no Docker", ModeAuto, errors.New("no engine"), ModeDiscussion, "Docker is not reachable: no engine"},
		{"live asked, no Docker", ModeLive, errors.New("no engine"), ModeDiscussion, "Docker is not reachable: no engine"},
		{"discussion asked", ModeDiscussion, nil, ModeDiscussion, "discussion mode was asked for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			checked := false
			d := drive(t, r.model(t, func(c *Config) {
				c.Mode = tt.mode
				c.Live = &fakeLive{}
				c.CheckDocker = func(context.Context) error { checked = true; return tt.docker }
			}))
			assert.Equal(t, tt.mode != ModeDiscussion, checked, "Docker is checked unless discussion was asked for")
			assert.Equal(t, tt.want, d.m.setup.mode, "the default mode")
			assert.Contains(t, d.m.setup.liveWhyNot, tt.reason, "why live is unavailable")
		})
	}
}

// TestKeysTypedTogether: a terminal read that holds several keys ("aAna")
// is taken key by key — a command, then text.
func TestKeysTypedTogether(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) { c.Selected = []string{"debug-log-exposure"} }))
	d.keys("tab")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("aAna Ruiz")}, tea.KeyMsg{Type: tea.KeyEnter})
	d.contains(t, "Ana Ruiz                       incident commander")
}
