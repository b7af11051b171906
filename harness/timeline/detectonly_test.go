package timeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A watch session measures detection only: nothing to contain, so no
// containment verdict; an expected rule that never fired is still a miss.
func TestMeasureDetectOnly(t *testing.T) {
	tests := []struct {
		name       string
		detectOnly bool
		fired      bool
		want       string
	}{
		{"watch, expected rule fired", true, true, OutcomePassed},
		{"watch, expected rule missed", true, false, OutcomeMissed},
		{"drill without containment", false, true, OutcomeNotContained},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := New()
			tl.MustAppend(Entry{Kind: KindRunStart, Data: RunInfo{ExerciseID: "x", Kind: ExerciseWatch}})
			tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s", Data: ScenarioInfo{ID: "s", Expect: []Expect{{Rule: "r1", WithinSeconds: 5}}, DetectOnly: tt.detectOnly}})
			if tt.fired {
				tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s", Data: Alert{Rule: "r1", Window: "observe"}})
			}
			tl.MustAppend(Entry{Kind: KindScenarioEnd, Scenario: "s", Data: ScenarioEnd{Outcome: OutcomePassed}})
			res := Measure(tl.Events())
			require.Len(t, res, 1)
			assert.Equal(t, tt.want, res[0].Outcome)
		})
	}
}
