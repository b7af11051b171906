package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveConsole starts a live-mode console on a fake engine, through the
// stack's start to the breach's first alert.
func liveConsole(t *testing.T, r *rig, live *fakeLive) (*teatest.TestModel, func(...string), func(...string)) {
	t.Helper()
	m := r.model(t, func(c *Config) {
		c.Mode = ModeLive
		c.Live = live
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Ben Okafor", Role: RoleTechnicalLead}}
		c.Save = BundleSaver(r.out, "test", func() []string { return []string{"s3cret-Passw0rd-xyz"} }, reports.WithKey(testKey()))
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor := func(want ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range want {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	typ := func(keys ...string) {
		for _, k := range keys {
			for _, msg := range keyMsgs(k) {
				tm.Send(msg)
			}
		}
	}
	typ("enter")
	// The alert arrives, and the stack's login is there for the room.
	waitFor("wp-debug-log-public", "s3cret-Passw0rd-xyz")
	return tm, waitFor, typ
}

func TestLiveModeConsole(t *testing.T) {
	r := newRig(t)
	live := &fakeLive{}
	tm, waitFor, typ := liveConsole(t, r, live)
	typ("r")
	waitFor("CONTAINMENT VERIFIED")
	typ("e")
	waitFor("go to the hot wash?")
	typ("y")
	waitFor("hot wash")
	typ("w")
	waitFor("not rated")
	typ("w")
	waitFor("Evidence bundle written")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	saved, ok := final.Saved()
	require.True(t, ok, "saved; error: %v", final.Err())
	events := readBundleTimeline(t, saved.Path)
	run := decode[timeline.RunInfo](t, events[0])
	if assert.NotNil(t, run.Stack, "run.start names the stack") {
		assert.Equal(t, "bdtest", run.Stack.RunID, "run.start names the stack's run")
	}
	// The engine opens and closes a live scenario; the console must not
	// record either a second time.
	assert.Len(t, ofKind(events, timeline.KindScenarioStart), 1, "one scenario start")
	assert.Len(t, ofKind(events, timeline.KindScenarioEnd), 1, "one scenario end")
	assert.Len(t, ofKind(events, timeline.KindContained), 1, "the engine's containment is in the record")
	assert.Len(t, ofKind(events, timeline.KindAlert), 1, "the engine's alert is in the record")
	// The login shown on screen is in no file of the bundle.
	require.NoError(t, filepath.Walk(saved.Path, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			assert.NotContains(t, string(b), "s3cret-Passw0rd-xyz", "%s holds the stack's password", p)
		}
		return nil
	}))
	live.mu.Lock()
	defer live.mu.Unlock()
	assert.True(t, live.closed, "the stack is removed")
}

func TestLiveQuitClosesTheScenarioFirst(t *testing.T) {
	r := newRig(t)
	live := &fakeLive{}
	tm, waitFor, typ := liveConsole(t, r, live)
	typ("q")
	waitFor("p pause and save • e end")
	typ("e")
	// The engine puts the stack back, then the hot wash; w twice writes
	// the bundle unrated and unsigned.
	waitFor("Ratings 0/3")
	typ("w", "w")
	waitFor("Evidence bundle written")
	typ("enter")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	saved, ok := final.Saved()
	require.True(t, ok, "saved; error: %v", final.Err())
	events := readBundleTimeline(t, saved.Path)
	ends := ofKind(events, timeline.KindScenarioEnd)
	runEnd := ofKind(events, timeline.KindRunEnd)
	require.Len(t, ends, 1, "one scenario end")
	require.Len(t, runEnd, 1, "one run end")
	require.Less(t, ends[0].Seq, runEnd[0].Seq, "the scenario is closed (by the engine) before the run ends")
	assert.Equal(t, outcomeCompleted, decode[timeline.RunEnd](t, runEnd[0]).Outcome)
	live.mu.Lock()
	defer live.mu.Unlock()
	assert.True(t, live.closed, "the stack is removed")
}

// brokenLive is an engine whose stack never starts.
type brokenLive struct{ fakeLive }

func (*brokenLive) Provision(_ context.Context, progress func(string)) (Access, error) {
	progress("starting containers")
	return Access{}, errors.New("image breachdrill/stack not found")
}

func TestStackFailureGoesOnInDiscussion(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Mode = ModeLive
		c.Live = &brokenLive{}
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter")
	d.contains(t, "the stack did not start: image breachdrill/stack not found", "starting containers", "d go on in discussion mode")
	d.keys("d")
	d.contains(t, "debug-log-exposure (1/1) · discussion", "A customer sends support")
	events := readBundleTimeline(t, endAndWrite(t, d).Path)
	run := decode[timeline.RunInfo](t, events[0])
	assert.Nil(t, run.Stack, "a discussion has no stack")
	assert.Contains(t, events[0].Summary, "discussion mode", "run.start says it is a discussion")
}

// slowLive's inject waits until the test lets it finish.
type slowLive struct {
	fakeLive
	release chan struct{}
}

func (l *slowLive) Start(ctx context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (Session, error) {
	sess, err := l.fakeLive.Start(ctx, tl, s)
	if err != nil {
		return nil, err
	}
	return slowSession{sess.(*fakeSession), l.release}, nil
}

type slowSession struct {
	*fakeSession
	release chan struct{}
}

func (s slowSession) Inject(ctx context.Context) error {
	<-s.release
	return s.fakeSession.Inject(ctx)
}

// TestPlaybookWaitsForTheInject: r pressed while the stack is still being
// breached runs the playbook right after, rather than being lost.
func TestPlaybookWaitsForTheInject(t *testing.T) {
	r := newRig(t)
	live := &slowLive{release: make(chan struct{})}
	m := r.model(t, func(c *Config) {
		c.Mode, c.Live = ModeLive, live
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
			teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("injecting…")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	waitFor("the playbook runs as soon as the inject is done")
	close(live.release)
	waitFor("CONTAINMENT VERIFIED")
	require.NoError(t, tm.Quit())
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
