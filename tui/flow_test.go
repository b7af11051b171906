package tui

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiscussionExercise runs a whole discussion-mode tabletop through a
// real bubbletea program by keystrokes — setup, two injects, a decision, a
// phase, the hot wash, the bundle — and reads the bundle's timeline back.
func TestDiscussionExercise(t *testing.T) {
	r := newRig(t)
	tm := teatest.NewTestModel(t, r.model(t), teatest.WithInitialTermSize(80, 24))
	typ := func(keys ...string) {
		for _, k := range keys {
			for _, msg := range keyMsgs(k) {
				tm.Send(msg)
			}
		}
	}
	waitFor := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
			teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}

	// Setup: find the scenario, pick it, enter the room, start.
	typ("/", "debug-log", "enter", "space", "tab")
	waitFor("[Participants]")
	typ("a", "Ana Ruiz", "enter", "Ben Okafor", "enter", "Chen Li", "tab", "enter", "Dana Kim", "tab", "tab", "enter", "enter")
	waitFor("Dana Kim")
	typ("enter")
	waitFor("A customer sends support")

	// Two minutes in, the facilitator brings the second inject forward.
	r.clock.Advance(2 * time.Minute)
	typ("i")
	waitFor("A security researcher emails")
	r.clock.Advance(time.Minute)
	typ("d", "Declare a security incident", "enter")
	waitFor("Declare a security incident")
	typ("p")
	waitFor("[detect]")
	// The guide: the newest inject's first expected outcome, observed.
	typ("g", "down", "1", "Ana declared at once", "enter")
	waitFor("Ana declared at once")
	// A correction keeps the original on the record.
	typ("tab", "c", " and page the DPO", "enter")
	waitFor("(corrected)")
	typ("e")
	waitFor("go to the hot wash?")
	typ("y")
	waitFor("hot wash")

	// Hot wash: P, S, M; a comment on the first; a strength, an area for
	// improvement and an improvement item.
	typ("p", "s", "m", "up", "up", "c", "Triage owned at once", "enter")
	waitFor("Triage owned at once")
	typ("n", "Eve Stone", "enter", "Found the log path in four minutes", "enter")
	waitFor("evaluator Eve Stone")
	typ("tab", "s", "The IC declared early", "enter", "a", "Nobody knew the log path", "enter")
	waitFor("Nobody knew the log path")
	typ("tab", "a", "Alert on public debug.log", "enter", "Ben Okafor", "enter", "enter")
	waitFor("Alert on public debug.log")
	typ("tab", "a", "enter", "4", "enter", "Realistic injects", "enter", "Shorter breaks", "enter")
	waitFor("useful 4/5")
	typ("tab", "f", "Dana Kim", "enter", "enter", "a", "Fay Ode", "enter", "CISO", "enter")
	waitFor("Fay Ode, CISO")
	typ("w")
	waitFor("Evidence bundle written")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	saved, ok := final.Saved()
	require.True(t, ok, "a bundle written; error: %v", final.Err())
	assert.Equal(t, filepath.Join(r.out, "tabletop-test"), saved.Path, "the bundle's path")
	v, err := reports.Verify(context.Background(), saved.Path)
	require.NoError(t, err, "verify the bundle")
	require.True(t, v.OK(), "the bundle verifies: %v", v.Problems)
	events := readBundleTimeline(t, saved.Path)

	run := decode[timeline.RunInfo](t, events[0])
	require.Equal(t, timeline.KindRunStart, events[0].Kind, "the first event")
	require.Equal(t, timeline.ExerciseTabletop, run.Kind, "run.start: %+v", run)
	require.Equal(t, "tabletop-test", run.ExerciseID, "run.start: %+v", run)
	wantPeople := []timeline.Participant{
		{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Ben Okafor", Role: RoleTechnicalLead},
		{Name: "Chen Li", Role: RoleLegalDPO}, {Name: "Dana Kim", Role: RoleScribe},
	}
	require.Len(t, run.Participants, len(wantPeople), "participants %+v", run.Participants)
	for i, p := range wantPeople {
		assert.Equal(t, p, run.Participants[i], "participant %d", i)
	}

	injects := ofKind(events, timeline.KindTabletopInject)
	require.Len(t, injects, 2, "injects delivered")
	first, second := decode[timeline.TabletopInject](t, injects[0]), decode[timeline.TabletopInject](t, injects[1])
	assert.True(t, strings.HasPrefix(first.Say, "A customer sends support"), "first inject %q", first.Say)
	assert.True(t, strings.HasPrefix(second.Say, "A security researcher"), "second inject %q", second.Say)
	assert.EqualValues(t, 300, second.AtSeconds, "second inject scheduled at 5m")
	assert.GreaterOrEqual(t, injects[1].Offset(), 2*time.Minute, "second inject brought forward to 2m")
	assert.Less(t, injects[1].Offset(), 5*time.Minute, "second inject brought forward from 5m")

	decisions := ofKind(events, timeline.KindDecision)
	require.Len(t, decisions, 1, "decisions")
	dec := decode[timeline.Decision](t, decisions[0])
	assert.Equal(t, timeline.Decision{ID: "L1", Who: "Ana Ruiz", Role: RoleIncidentCommander, What: "Declare a security incident"}, dec)
	assert.Equal(t, "Ana Ruiz", decisions[0].Actor, "the decision's actor")
	assert.True(t, decisions[0].Time.Equal(start.Add(3*time.Minute)), "decision at %v, want T+3m", decisions[0].Time)

	phases := ofKind(events, timeline.KindPhase)
	if assert.Len(t, phases, 1, "phases %+v", phases) {
		assert.Equal(t, "detect", decode[timeline.Phase](t, phases[0]).Name, "the phase")
		assert.Equal(t, "Dana Kim", phases[0].Actor, "who marked the phase")
	}

	var ratings []timeline.Rating
	for _, e := range ofKind(events, timeline.KindRating) {
		assert.Equal(t, "debug-log-exposure", e.Scenario, "the rating's scenario")
		r := decode[timeline.Rating](t, e)
		// Each hot-wash entry carries when it was given, at or before the
		// moment the record was written.
		require.NotNil(t, r.At, "rating %q carries when it was given", r.Objective)
		assert.False(t, r.At.After(e.Time), "rating given %v, written %v", r.At, e.Time)
		r.At = nil
		ratings = append(ratings, r)
	}
	wantRatings := []timeline.Rating{
		{Objective: "Detect that the debug log is readable from the internet", Rating: "P", Comment: "Triage owned at once"},
		{Objective: "Contain by switching debug output off and removing the log", Rating: "S"},
		{Objective: "Rotate every secret the log or the pages may have shown", Rating: "M"},
	}
	require.Len(t, ratings, len(wantRatings), "ratings %+v", ratings)
	for i := range wantRatings {
		assert.Equal(t, wantRatings[i], ratings[i], "rating %d", i)
	}
	findings := ofKind(events, timeline.KindFinding)
	require.Len(t, findings, 2)
	f0, f1 := decode[timeline.Finding](t, findings[0]), decode[timeline.Finding](t, findings[1])
	require.NotNil(t, f0.At, "a finding carries when it was said")
	require.NotNil(t, f1.At, "a finding carries when it was said")
	f0.At, f1.At = nil, nil
	assert.Equal(t, timeline.Finding{Type: "strength", Text: "The IC declared early"}, f0)
	assert.Equal(t, timeline.Finding{Type: "improvement", Text: "Nobody knew the log path"}, f1)
	items := ofKind(events, timeline.KindImprovement)
	require.Len(t, items, 1)
	item := decode[timeline.Improvement](t, items[0])
	require.NotNil(t, item.At, "a plan item carries when it was entered")
	item.At = nil
	assert.Equal(t, timeline.Improvement{Item: "Alert on public debug.log", Owner: "Ben Okafor", Due: "2026-12-20", Status: "open"}, item)

	// The facilitator's guide, the correction, the evaluation.
	marks := ofKind(events, timeline.KindOutcomeMark)
	require.Len(t, marks, 1)
	mark := decode[timeline.OutcomeMark](t, marks[0])
	assert.Equal(t, timeline.MarkObserved, mark.Mark)
	assert.Equal(t, 2, mark.Inject)
	assert.Equal(t, "Ana declared at once", mark.Note)
	corrections := ofKind(events, timeline.KindCorrection)
	require.Len(t, corrections, 1)
	assert.Equal(t, timeline.Correction{Of: "L1", Action: "edited", Text: "Declare a security incident and page the DPO", Was: "Declare a security incident"},
		decode[timeline.Correction](t, corrections[0]))
	notes := ofKind(events, timeline.KindEvaluatorNote)
	require.Len(t, notes, 1)
	assert.Equal(t, timeline.EvaluatorNote{Objective: wantRatings[0].Objective, Evaluator: "Eve Stone", Text: "Found the log path in four minutes"}, decode[timeline.EvaluatorNote](t, notes[0]))
	feedback := ofKind(events, timeline.KindFeedback)
	require.Len(t, feedback, 1)
	assert.Equal(t, timeline.Feedback{Who: "Ana Ruiz", Role: RoleIncidentCommander, Score: 4, Worked: "Realistic injects", Improve: "Shorter breaks"}, decode[timeline.Feedback](t, feedback[0]))
	signs := ofKind(events, timeline.KindSignOff)
	require.Len(t, signs, 2)
	fac, appr := decode[timeline.SignOff](t, signs[0]), decode[timeline.SignOff](t, signs[1])
	assert.Equal(t, []string{"Dana Kim", "exercise facilitator", "facilitator"}, []string{fac.Name, fac.Role, fac.As})
	assert.Equal(t, []string{"Fay Ode", "CISO", "approver"}, []string{appr.Name, appr.Role, appr.As})
	assert.False(t, appr.At.IsZero())

	// The order a report relies on: the scenario opens before its injects
	// and closes (discussed) before the hot wash; run.end is last.
	order := map[timeline.Kind]int{}
	for i, e := range events {
		if _, seen := order[e.Kind]; !seen {
			order[e.Kind] = i
		}
	}
	end := ofKind(events, timeline.KindScenarioEnd)
	if assert.Len(t, end, 1, "one scenario end") {
		assert.Equal(t, timeline.OutcomeDiscussed, decode[timeline.ScenarioEnd](t, end[0]).Outcome, "the scenario's outcome")
	}
	assert.Less(t, order[timeline.KindScenarioStart], order[timeline.KindTabletopInject], "the scenario opens before its injects: %v", order)
	assert.Less(t, order[timeline.KindScenarioEnd], order[timeline.KindRating], "the scenario closes before the hot wash: %v", order)
	last := events[len(events)-1]
	if assert.Equal(t, timeline.KindRunEnd, last.Kind, "the last event") {
		assert.Equal(t, outcomeCompleted, decode[timeline.RunEnd](t, last).Outcome, "the run's outcome")
	}

	// The results a report shows: the hot wash's M rating fails the
	// tabletop, as reports decides for a major challenge.
	assert.Equal(t, reports.ResultFailed, saved.Result, "an M rating fails the tabletop")
	assert.FileExists(t, filepath.Join(r.out, ".tabletop-test.timeline.jsonl"), "the record file the console wrote as it went")
}
