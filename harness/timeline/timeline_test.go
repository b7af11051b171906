package timeline

import (
	"bytes"
	"strings"
	"testing"
	"time"

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
	if err := WriteJSONL(&buf, events); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatal("secret reached the timeline")
	}
	back, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if p := Verify(back); len(p) != 0 {
		t.Fatalf("intact timeline failed verification: %v", p)
	}
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
			if len(p) == 0 {
				t.Fatal("tampering not detected")
			}
			if p[0].Seq != tt.seq {
				t.Fatalf("first problem at seq %d, want %d: %v", p[0].Seq, tt.seq, p)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	type step struct {
		kind Kind
		data any
	}
	start := step{KindScenarioStart, ScenarioInfo{ID: "s", Expect: []Expect{{Rule: "r1", WithinSeconds: 2.5}}}}
	tests := []struct {
		name    string
		steps   []step
		outcome string
		ttd     float64
	}{
		{"passed", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomePassed, 1},
		{"missed", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "other"}}, {KindContained, nil}}, OutcomeMissed, -1},
		{"late", []step{start, {KindInjected, nil}, {KindNote, Note{}}, {KindNote, Note{}}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomeLate, 3},
		{"baseline noise", []step{start, {KindAlert, Alert{Rule: "r1", Window: "baseline"}}, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}, {KindContained, nil}}, OutcomeFalsePositive, 1},
		{"not contained", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1"}}}, OutcomeNotContained, 1},
		{"fired during inject", []step{start, {KindAlert, Alert{Rule: "r1", Window: "observe"}}, {KindInjected, nil}, {KindContained, nil}}, OutcomePassed, 0},
		{"revert noise ignored", []step{start, {KindInjected, nil}, {KindAlert, Alert{Rule: "r1", Window: "revert"}}, {KindContained, nil}}, OutcomeMissed, -1},
		{"fault wins", []step{start, {KindInjected, nil}, {KindFault, Fault{Error: "container died"}}}, OutcomeInfra, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := New(WithClock(fakeClock(time.Second)))
			for _, s := range tt.steps {
				tl.MustAppend(Entry{Kind: s.kind, Scenario: "s", Data: s.data})
			}
			res := Measure(tl.Events())
			if len(res) != 1 {
				t.Fatalf("got %d results", len(res))
			}
			if res[0].Outcome != tt.outcome {
				t.Fatalf("outcome %q (%s), want %q", res[0].Outcome, res[0].Reason, tt.outcome)
			}
			if tt.ttd >= 0 && (res[0].TimeToDetect == nil || *res[0].TimeToDetect != tt.ttd) {
				t.Fatalf("time to detect %v, want %v", res[0].TimeToDetect, tt.ttd)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 95: 10, 10: 1, 100: 10} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
}

func TestRestoreContinuesTheChain(t *testing.T) {
	now := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tl := New(WithClock(clock))
	tl.MustAppend(Entry{Kind: KindRunStart, Summary: "start"})
	now = now.Add(time.Minute)
	tl.MustAppend(Entry{Kind: KindNote, Summary: "a note", Data: Note{Text: "x"}})

	now = now.Add(time.Hour)
	back, err := Restore(tl.Events(), WithClock(clock))
	require.NoError(t, err)
	ev := back.MustAppend(Entry{Kind: KindNote, Summary: "after the break"})
	assert.Equal(t, int64(3), ev.Seq)
	assert.Equal(t, time.Hour+time.Minute, ev.Offset(), "offsets count from the first event")
	assert.Empty(t, Verify(back.Events()))

	bad := tl.Events()
	bad[1].Summary = "edited"
	_, err = Restore(bad)
	require.Error(t, err)
	_, err = Restore(nil)
	require.Error(t, err)
}
