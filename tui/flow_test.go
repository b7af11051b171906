package tui

import (
	"bytes"
	"context"
	"os"
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
	if !ok {
		t.Fatalf("no bundle written (err %v)", final.Err())
	}
	if saved.Path != filepath.Join(r.out, "tabletop-test") {
		t.Errorf("bundle at %s", saved.Path)
	}
	if v, err := reports.Verify(context.Background(), saved.Path); err != nil || !v.OK() {
		t.Fatalf("bundle does not verify: %v %v", err, v.Problems)
	}
	events := readBundleTimeline(t, saved.Path)

	run := decode[timeline.RunInfo](t, events[0])
	if events[0].Kind != timeline.KindRunStart || run.Kind != timeline.ExerciseTabletop || run.ExerciseID != "tabletop-test" {
		t.Fatalf("first event %s %+v", events[0].Kind, run)
	}
	wantPeople := []timeline.Participant{
		{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Ben Okafor", Role: RoleTechnicalLead},
		{Name: "Chen Li", Role: RoleLegalDPO}, {Name: "Dana Kim", Role: RoleScribe},
	}
	if len(run.Participants) != len(wantPeople) {
		t.Fatalf("participants %+v", run.Participants)
	}
	for i, p := range wantPeople {
		if run.Participants[i] != p {
			t.Errorf("participant %d: %+v, want %+v", i, run.Participants[i], p)
		}
	}

	injects := ofKind(events, timeline.KindTabletopInject)
	if len(injects) != 2 {
		t.Fatalf("%d injects delivered, want 2", len(injects))
	}
	first, second := decode[timeline.TabletopInject](t, injects[0]), decode[timeline.TabletopInject](t, injects[1])
	if !strings.HasPrefix(first.Say, "A customer sends support") || !strings.HasPrefix(second.Say, "A security researcher") {
		t.Errorf("injects %q, %q", first.Say, second.Say)
	}
	if second.AtSeconds != 300 || injects[1].Offset() < 2*time.Minute || injects[1].Offset() >= 5*time.Minute {
		t.Errorf("second inject scheduled at %vs, delivered at %v: want brought forward from 5m to 2m", second.AtSeconds, injects[1].Offset())
	}

	decisions := ofKind(events, timeline.KindDecision)
	if len(decisions) != 1 {
		t.Fatalf("%d decisions, want 1", len(decisions))
	}
	dec := decode[timeline.Decision](t, decisions[0])
	if dec != (timeline.Decision{ID: "L1", Who: "Ana Ruiz", Role: RoleIncidentCommander, What: "Declare a security incident"}) || decisions[0].Actor != "Ana Ruiz" {
		t.Errorf("decision %+v by %s", dec, decisions[0].Actor)
	}
	if got := decisions[0].Time; !got.Equal(start.Add(3 * time.Minute)) {
		t.Errorf("decision at %v, want T+3m", got)
	}

	phases := ofKind(events, timeline.KindPhase)
	if len(phases) != 1 || decode[timeline.Phase](t, phases[0]).Name != "detect" || phases[0].Actor != "Dana Kim" {
		t.Errorf("phases %+v", phases)
	}

	var ratings []timeline.Rating
	for _, e := range ofKind(events, timeline.KindRating) {
		if e.Scenario != "debug-log-exposure" {
			t.Errorf("rating for scenario %q", e.Scenario)
		}
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
	if len(ratings) != len(wantRatings) {
		t.Fatalf("ratings %+v", ratings)
	}
	for i := range wantRatings {
		if ratings[i] != wantRatings[i] {
			t.Errorf("rating %d: %+v, want %+v", i, ratings[i], wantRatings[i])
		}
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
	if len(end) != 1 || decode[timeline.ScenarioEnd](t, end[0]).Outcome != timeline.OutcomeDiscussed {
		t.Errorf("scenario end %+v", end)
	}
	if !(order[timeline.KindScenarioStart] < order[timeline.KindTabletopInject] && order[timeline.KindScenarioEnd] < order[timeline.KindRating]) {
		t.Errorf("events out of order: %v", order)
	}
	last := events[len(events)-1]
	if last.Kind != timeline.KindRunEnd || decode[timeline.RunEnd](t, last).Outcome != outcomeCompleted {
		t.Errorf("last event %s", last.Kind)
	}

	// The results a report shows: the hot wash's M rating fails the
	// tabletop, as reports decides for a major challenge.
	if saved.Result != reports.ResultFailed {
		t.Errorf("result %s, want %s for an M rating", saved.Result, reports.ResultFailed)
	}
	if _, err := os.Stat(filepath.Join(r.out, ".tabletop-test.timeline.jsonl")); err != nil {
		t.Errorf("the record file the console wrote as it went: %v", err)
	}
}
