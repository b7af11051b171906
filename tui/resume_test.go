package tui

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pausedExercise runs debug-log-exposure for a while — two injects, a
// decision corrected, a note by someone chosen, a phase, the breach — and
// pauses it for later. It returns the record and the hot wash draft.
func pausedExercise(t *testing.T, r *rig) ([]timeline.Event, []byte) {
	t.Helper()
	var draft []byte
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Dana Kim", Role: RoleScribe}}
		c.SaveDraft = func(_ string, _ int, b []byte) error { draft = b; return nil }
		c.TimeScale = 60
	}))
	d.keys("enter")
	r.clock.Advance(6 * time.Minute)
	d.send(tickMsg{})
	d.keys("d", "Declare an incident", "enter", "n", "tab", "Ana asked for the log", "enter", "p", "b")
	d.keys("tab", "up", "c", " now", "enter")
	r.clock.Advance(time.Minute)
	d.keys("q", "p")
	d.settle(10*time.Second, func() bool { return d.quit })
	require.True(t, d.quit, "pause and save quits")
	require.True(t, d.m.PausedForLater())
	_, saved := d.m.Saved()
	require.False(t, saved, "pausing writes no bundle")
	return r.timeline().Events(), draft
}

func TestPauseAndResume(t *testing.T) {
	r := newRig(t)
	events, _ := pausedExercise(t, r)
	last := events[len(events)-1]
	require.Equal(t, timeline.KindTabletopClock, last.Kind)
	c := decode[timeline.TabletopClock](t, last)
	assert.Equal(t, "saved", c.State)
	assert.Equal(t, 7*60.0, c.ScenarioSeconds)

	// A lunch break later, the console comes back where it stopped.
	r.clock.Advance(time.Hour)
	resumed := r.model(t, func(c *Config) {
		c.Resume = &Resume{Events: events}
		c.OpenTimeline = func(context.Context, string) (*timeline.Timeline, error) {
			return timeline.Restore(events, timeline.WithClock(r.clock.Now))
		}
	})
	d := drive(t, resumed)
	d.contains(t, "debug-log-exposure (1/1) · discussion", "T+07:00 · ex T+07:00 PAUSED", "injects 2/3",
		"A security researcher", "L1 (corrected) Ana Ruiz (incident commander): Declare an", "incident now",
		"L2 note by Ana Ruiz: Ana asked for the log", "[detect]", "resumed from the saved record")
	// The regulatory clocks run in exercise time from the breach and stand
	// still through the break: a minute of the exercise is an hour.
	d.contains(t, "GDPR 71:00:00")
	d.keys("space")
	r.clock.Advance(8 * time.Minute)
	d.send(tickMsg{})
	d.contains(t, "T+15:00 · ex T+15:00", "injects 3/3")
	d.keys("d", "Rotate the keys", "enter")
	d.contains(t, "L3 Ana Ruiz")
	saved := endAndWrite(t, d)
	all := readBundleTimeline(t, saved.Path)
	assert.Len(t, ofKind(all, timeline.KindRunStart), 1, "one exercise, one run.start")
	assert.Len(t, ofKind(all, timeline.KindTabletopInject), 3)
	assert.Len(t, ofKind(all, timeline.KindDecision), 2)
	assert.Len(t, ofKind(all, timeline.KindArtificiality), 1)
}

func TestResumeRejects(t *testing.T) {
	r := newRig(t)
	events, _ := pausedExercise(t, r)
	ended := append(append([]timeline.Event(nil), events...), timeline.Event{Kind: timeline.KindRunEnd})
	for name, tc := range map[string]struct {
		events []timeline.Event
		want   string
	}{
		"ended":       {ended, "has already ended"},
		"not a run":   {events[1:], "does not open with run.start"},
		"unknown id":  {nil, "does not open with run.start"},
		"bad catalog": {events, "no longer has"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := r.config(t)
			cfg.Resume = &Resume{Events: tc.events}
			if name == "bad catalog" {
				cfg.Catalog = cfg.Catalog[:1]
				if cfg.Catalog[0].ID == "debug-log-exposure" {
					cfg.Catalog = catalog(t)[1:2]
				}
			}
			_, err := New(context.Background(), cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestResumeInTheHotWashKeepsTheDraft(t *testing.T) {
	r := newRig(t)
	var draft []byte
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
		c.SaveDraft = func(_ string, _ int, b []byte) error { draft = b; return nil }
	}))
	d.keys("enter", "e", "y", "p", "s", "tab", "s", "Fast triage", "enter")
	require.NotEmpty(t, draft, "the draft is saved on every change")
	d.keys("q", "p")
	d.settle(10*time.Second, func() bool { return d.quit })
	require.True(t, d.m.PausedForLater())
	events := r.timeline().Events()

	d = drive(t, r.model(t, func(c *Config) {
		c.Resume = &Resume{Events: events, Draft: draft}
		c.OpenTimeline = func(context.Context, string) (*timeline.Timeline, error) { return timeline.Restore(events) }
	}))
	d.contains(t, "hot wash", "Ratings 2/3", "Findings (1)")
}

// TestResumeAfterEndingEarlyGoesToTheHotWash: ended after the first of
// two scenarios and paused in the hot wash, the exercise comes back to
// the hot wash, not to the scenario it skipped.
func TestResumeAfterEndingEarlyGoesToTheHotWash(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure", "plaintext-pan-order-meta"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter", "q", "e")
	d.contains(t, "hot wash")
	d.keys("q", "p")
	d.settle(10*time.Second, func() bool { return d.quit })
	events := r.timeline().Events()
	d = drive(t, r.model(t, func(c *Config) {
		c.Resume = &Resume{Events: events}
		c.OpenTimeline = func(context.Context, string) (*timeline.Timeline, error) { return timeline.Restore(events) }
	}))
	d.contains(t, "hot wash", "Ratings 0/")
}

// TestRoomDisplay shows the record as the room sees it: the current
// inject and its questions, the clocks — and none of the facilitator's
// guide, marks or log.
func TestRoomDisplay(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
		c.TimeScale = 60
	}))
	d.keys("enter")
	r.clock.Advance(6 * time.Minute)
	d.send(tickMsg{})
	d.keys("d", "A secret decision", "enter", "n", "A facilitator's note", "enter", "b", "g", "down", "1", "enter")
	r.clock.Advance(30 * time.Second)

	p, err := NewPresenter(context.Background(), PresentConfig{
		Read:     func(context.Context) ([]timeline.Event, error) { return r.timeline().Events(), nil },
		Now:      r.clock.Now,
		Renderer: asciiRenderer(), ManualClock: true,
	})
	require.NoError(t, err)
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		m, _ := p.Update(termSize(size[0], size[1]))
		m, _ = m.Update(recordReadMsg{events: r.timeline().Events()})
		view := m.View()
		checkFrame(t, view, size[0], size[1])
		assert.Contains(t, view, "A security researcher")
		assert.Contains(t, view, "? Who needs to know now?")
		assert.Contains(t, view, "story +6h30m (×60)")
		assert.Contains(t, view, "GDPR 71:30:00")
		for _, secret := range []string{"A secret decision", "A facilitator's note", "expect", "Declared as a security incident"} {
			assert.NotContains(t, view, secret, "the room display shows no facilitator material")
		}
		t.Run(filepath.Base(t.Name())+"-"+sizeName(size), func(t *testing.T) { golden.RequireEqual(t, []byte(view)) })
	}
}

func sizeName(s [2]int) string {
	return map[int]string{80: "80x24", 120: "120x36"}[s[0]]
}

// TestRoomDisplayFollowsTheRecord: the display reads the record again and
// again, so what the facilitator delivers reaches the room.
func TestRoomDisplayFollowsTheRecord(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	p, err := NewPresenter(context.Background(), PresentConfig{
		Read:     func(context.Context) ([]timeline.Event, error) { return r.timeline().Events(), nil },
		Now:      r.clock.Now,
		Every:    10 * time.Millisecond,
		Renderer: asciiRenderer(),
	})
	require.NoError(t, err)
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(80, 24))
	wait := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
			teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	wait("A customer sends support")
	d.keys("i")
	wait("A security researcher")
	d.keys("q", "e")
	wait("the hot wash is under way")
	d.keys("w", "w")
	wait("The exercise has ended")
	require.NoError(t, tm.Quit())
}
