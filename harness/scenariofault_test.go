package harness_test

import (
	"context"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A user scenario whose containment check passes whatever the response
// does (the path never existed) proves nothing: the drill ends it as a
// scenario fault before running the response, and the run exits as bad
// input (2), never as contained.
const brokenScenario = `id: broken-check
title: A check that passes before the response
severity: low
inject:
  - wpconfig.set: {WP_DEBUG: true, WP_DEBUG_DISPLAY: true}
  - http.request: {path: /wp-login.php, query: "log[]=admin", want_status: [200]}
expect:
  - {rule: wp-debug-display-on, within: 30s}
contain_within: 1m
respond:
  - wpconfig.set: {WP_DEBUG: false, WP_DEBUG_DISPLAY: false}
verify:
  - http.status: {path: /this-path-was-never-there, want: [404]}
`

func TestCheckPassingBeforeTheResponseIsAScenarioFault(t *testing.T) {
	stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s, err := scenarios.Parse("broken-check.yaml", []byte(brokenScenario))
	require.NoError(t, err)
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err)
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: []*scenarios.Scenario{s}, Pack: pack,
		Provision: testShop(),
		Runner:    harness.Options{BaselineWindow: time.Second},
		Say:       func(s string) { t.Log(s) },
	})
	require.Error(t, err)
	assert.True(t, fault.IsInput(err), "a broken scenario is bad input (exit 2): %v", err)
	assert.False(t, fault.IsInfra(err))
	assert.Equal(t, fault.ExitInput, fault.Code(err))
	require.Len(t, res.Results, 1)
	r := res.Results[0]
	assert.Equal(t, timeline.OutcomeScenarioFault, r.Outcome)
	assert.Contains(t, r.Reason, "/this-path-was-never-there")
	assert.False(t, r.Contained)
	require.Len(t, r.Containment, 1)
	require.NotNil(t, r.Containment[0].Before)
	assert.True(t, *r.Containment[0].Before)
	assert.Nil(t, r.Containment[0].After, "the response and its verification did not run")
	for _, e := range res.Events {
		if e.Kind == timeline.KindStepStart {
			var st timeline.Step
			require.NoError(t, e.Decode(&st))
			assert.NotEqual(t, "respond", st.Stage, "no response ran for a broken scenario")
		}
		if e.Kind == timeline.KindRunEnd {
			var end timeline.RunEnd
			require.NoError(t, e.Decode(&end))
			assert.Equal(t, timeline.OutcomeScenarioFault, end.Outcome)
		}
	}
}
