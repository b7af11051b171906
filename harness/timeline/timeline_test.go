package timeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock advances by step on every reading, so offsets are exact.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

func sample(t *testing.T) []Event {
	t.Helper()
	tl := New(WithClock(fakeClock(time.Second)), WithMask(func(s string) string { return strings.ReplaceAll(s, "hunter2", "[masked]") }))
	tl.MustAppend(Entry{Kind: KindRunStart, Summary: "drill", Data: RunInfo{ExerciseID: "x", Kind: ExerciseDrill}})
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s1", Data: ScenarioInfo{ID: "s1", Expect: []Expect{{Rule: "r1", WithinSeconds: 5}}, ContainWithinSeconds: 60}})
	tl.MustAppend(Entry{Kind: KindInjected, Scenario: "s1", Summary: "password hunter2 planted"})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "r1", Matched: []string{"GET /x?pw=hunter2"}}})
	tl.MustAppend(Entry{Kind: KindContained, Scenario: "s1"})
	tl.MustAppend(Entry{Kind: KindScenarioEnd, Scenario: "s1", Data: ScenarioEnd{Outcome: OutcomePassed}})
	return tl.Events()
}

func TestChainRoundTripAndMask(t *testing.T) {
	events := sample(t)
	var buf bytes.Buffer
	require.NoError(t, WriteJSONL(&buf, events))
	require.NotContains(t, buf.String(), "hunter2", "a secret reached the timeline")
	back, err := ReadJSONL(&buf)
	require.NoError(t, err)
	assert.Empty(t, Verify(back), "an intact timeline must verify")
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]Event) []Event
		seq    int64
	}{
		{"edited summary", func(e []Event) []Event { e[2].Summary = "nothing happened"; return e }, 3},
		{"edited payload", func(e []Event) []Event { e[3].Data = []byte(`{"rule":"other"}`); return e }, 4},
		{"deleted event", func(e []Event) []Event { return append(e[:2], e[3:]...) }, 4},
		{"swapped events", func(e []Event) []Event { e[2], e[3] = e[3], e[2]; return e }, 4},
		{"rehashed edit", func(e []Event) []Event {
			e[1].Summary = "forged"
			e[1].Hash = e[1].ComputeHash()
			return e
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Verify(tt.mutate(sample(t)))
			require.NotEmpty(t, p, "tampering not detected")
			assert.Equal(t, tt.seq, p[0].Seq, "first problem's seq: %v", p)
		})
	}
}

func TestMeasure(t *testing.T) {
	type step struct {
		kind Kind
		data any
	}
	start := step{KindScenarioStart, ScenarioInfo{ID: "s", Expect: []Expect{{Rule: "r1", WithinSeconds: 2.5}}}}
	inject1 := step{KindStepStart, Step{Stage: "inject", Index: 1, Action: "file.write", Args: "write wp-content/debug.log"}}
	inject2 := step{KindStepStart, Step{Stage: "inject", Index: 2, Action: "http.request", Args: "GET /?p=999999 ×3"}}
	before := func(pass bool) step { return step{KindCheck, Check{Stage: CheckBefore, Name: "gone", Pass: pass}} }
	after := step{KindCheck, Check{Stage: CheckAfter, Name: "gone", Pass: true}}
	// The clock moves one second per event, so every figure below is the
	// distance in events between the two events that define it.
	tests := []struct {
		name    string
		steps   []step
		outcome string
		ttd     *float64 // nil: not measured
		latency *float64
		stepIdx int // the step the r1 alert is attributed to (0: none)
	}{
		{"passed", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomePassed, ptr(1), ptr(1), 0},
		{"missed", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "other"}}, {KindContained, nil}}, OutcomeMissed, nil, nil, 0},
		{"late", []step{start, {KindInjected, nil}, {KindNote, Note{}}, {KindNote, Note{}}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomeLate, ptr(3), ptr(3), 0},
		{"baseline noise", []step{start, {KindAlert, Alert{Rule: "r1", Window: "baseline"}}, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomeFalsePositive, ptr(1), ptr(1), 0},
		{"not contained", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}}, OutcomeNotContained, ptr(1), ptr(1), 0},
		// Without step events the end of the inject is T0; an alert before
		// it is shown as negative, never clamped to zero.
		{"fired before the recorded zero", []step{start, {KindAlert, Alert{Rule: "r1", Window: "observe"}}, {KindInjected, nil}, {KindContained, nil}}, OutcomePassed, ptr(-1), ptr(-1), 0},
		{"revert noise ignored", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1", Window: "revert"}}, {KindContained, nil}}, OutcomeMissed, nil, nil, 0},
		{"fault wins", []step{start, {KindInjected, nil}, {KindFault, Fault{Error: "container died"}}}, OutcomeInfra, nil, nil, 0},
		// T0 is the first step's start; a rule that fires during a long
		// inject is measured from it and can be late.
		{"fired during the inject is late", []step{start, inject1, {KindNote, Note{}}, {KindNote, Note{}}, {KindAlert, Alert{Rule: "r1", Matched: []string{"GET /x"}}}, {KindInjected, nil}, {KindContained, nil}}, OutcomeLate, ptr(3), ptr(3), 1},
		// An alert whose evidence names step 2's path is measured from step 2.
		{"attributed to the step whose evidence matched", []step{start, inject1, {KindNote, Note{}}, inject2, {KindAlert, Alert{Rule: "r1", Matched: []string{`{"path":"/?p=999999","status":200}`}}}, {KindInjected, nil}, {KindContained, nil}}, OutcomePassed, ptr(3), ptr(1), 2},
		{"check passing before the response is a scenario fault", []step{start, inject1, {KindAlert, Alert{Rule: "r1"}}, before(true), after, {KindContained, nil}}, OutcomeScenarioFault, ptr(1), ptr(1), 1},
		{"check failing before the response proves containment", []step{start, inject1, {KindAlert, Alert{Rule: "r1"}}, before(false), after, {KindContained, nil}}, OutcomePassed, ptr(1), ptr(1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := New(WithClock(fakeClock(time.Second)))
			for _, s := range tt.steps {
				tl.MustAppend(Entry{Kind: s.kind, Scenario: "s", Data: s.data})
			}
			res := Measure(tl.Events())
			require.Len(t, res, 1)
			r := res[0]
			assert.Equal(t, tt.outcome, r.Outcome, r.Reason)
			assert.Equal(t, tt.ttd, r.TimeToDetect)
			x := r.Expectations[0]
			assert.Equal(t, tt.latency, x.LatencySeconds)
			if tt.stepIdx > 0 {
				require.NotNil(t, x.Step)
				assert.Equal(t, tt.stepIdx, x.Step.Index)
			}
			// Every figure names the two events it spans, and they agree.
			for _, f := range r.Figures {
				assert.Equal(t, f.To.Time.Sub(f.From.Time).Seconds(), f.Seconds, f.String())
				assert.Equal(t, f.Seconds >= 0, f.From.Seq < f.To.Seq, f.String())
			}
		})
	}
}

func TestContainIsMeasuredFromTheFirstAlert(t *testing.T) {
	tl := New(WithClock(fakeClock(time.Second)))
	add := func(k Kind, d any) { tl.MustAppend(Entry{Kind: k, Scenario: "s", Data: d}) }
	add(KindScenarioStart, ScenarioInfo{ID: "s", Expect: []Expect{{Rule: "r1", WithinSeconds: 60}}, ContainWithinSeconds: 2})
	add(KindStepStart, Step{Stage: "inject", Index: 1, Action: "a"})
	add(KindNote, Note{})
	add(KindAlert, Alert{Rule: "noise"}) // the first alert: the team could know from here
	add(KindAlert, Alert{Rule: "r1"})
	add(KindNote, Note{})
	add(KindContained, nil)
	add(KindRecovered, nil)
	r := Measure(tl.Events())[0]
	require.NotNil(t, r.TimeToDetect)
	assert.Equal(t, 3.0, *r.TimeToDetect, "first expected alert − T0")
	require.NotNil(t, r.TimeToContain)
	assert.Equal(t, 3.0, *r.TimeToContain, "contained − first alert of any rule")
	require.NotNil(t, r.ContainedInTime)
	assert.False(t, *r.ContainedInTime, "3 s against a 2 s deadline")
	require.NotNil(t, r.TimeToRecover)
	assert.Equal(t, 4.0, *r.TimeToRecover)
	f, ok := r.Figure(MetricContain)
	require.True(t, ok)
	assert.Equal(t, KindAlert, f.From.Kind)
	assert.Equal(t, KindContained, f.To.Kind)
}

func TestNotRunScenariosAreListed(t *testing.T) {
	tl := New(WithClock(fakeClock(time.Second)))
	tl.MustAppend(Entry{Kind: KindRunStart, Data: RunInfo{ExerciseID: "x", Scenarios: []string{"a", "b", "c"}}})
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "a", Data: ScenarioInfo{ID: "a"}})
	tl.MustAppend(Entry{Kind: KindFault, Scenario: "a", Data: Fault{Error: "the wp container stopped"}})
	live := Measure(tl.Events())
	require.Len(t, live, 1, "while the run goes on, scenarios still to come are not 'not run'")
	record := MeasureRecord(tl.Events())
	require.Len(t, record, 3)
	assert.Equal(t, OutcomeInfra, record[0].Outcome)
	for _, r := range record[1:] {
		assert.Equal(t, OutcomeNotRun, r.Outcome)
		assert.Contains(t, r.Reason, "the wp container stopped")
		assert.True(t, Incomplete(r.Outcome))
	}
	tl.MustAppend(Entry{Kind: KindRunEnd, Data: RunEnd{Outcome: OutcomeInfra}})
	assert.Len(t, Measure(tl.Events()), 3, "once the run ended, Measure lists them too")
}

func ptr(f float64) *float64 { return &f }

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 95: 10, 10: 1, 100: 10} {
		assert.Equal(t, want, Percentile(xs, p), "p%v", p)
	}
}

// The case: a salt with '&' reaches the payload JSON-escaped
// (\u0026) and must still be masked; a mask that cuts through an escape
// sequence falls back to masking decoded strings, and the payload stays
// JSON either way.
func TestMaskPayloadEncodings(t *testing.T) {
	const salt = `ab&cd<ef>gh"ij/kl-0123456789-mnopqrstuv`
	masker := redact.New(salt)
	tests := []struct {
		name string
		mask func(string) string
		data any
	}{
		{"json-escaped salt", masker.Mask, Fault{Error: "install: " + salt}},
		{"clipped salt", masker.Mask, Alert{Rule: "r", Matched: []string{"GET /?k=" + salt[:20]}}},
		{"mask that breaks an escape", func(s string) string { return strings.ReplaceAll(masker.Mask(s), `\u003c`, `\u00`) }, Note{Text: "a<b " + salt}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := New(WithMask(tc.mask))
			ev, err := tl.Append(Entry{Kind: KindNote, Summary: "saw " + salt[:15], Data: tc.data})
			require.NoError(t, err)
			require.True(t, json.Valid(ev.Data), "%s", ev.Data)
			line, err := json.Marshal(ev)
			require.NoError(t, err)
			assert.Zero(t, masker.Found(string(line)), "secret left in %s", line)
			var back map[string]any
			require.NoError(t, json.Unmarshal(ev.Data, &back))
			assert.Contains(t, string(line), redact.Marker)
			assert.Empty(t, Verify(tl.Events()))
		})
	}
}
