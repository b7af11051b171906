package harness_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Scenarios run on two stacks at once make the record a serial run makes:
// one chain that verifies, results in the order given, each scenario's
// events together, and each scenario run on a stack of its own.
func TestParallelExerciseReadsAsSerial(t *testing.T) {
	stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	list, pack := drillInputs(t, "exposed-db-backup", "debug-log-exposure")
	var ids []string // in the run's order, which is the catalogue's
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	var mu sync.Mutex
	var progressed []string
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: list, Pack: pack, Parallel: 2,
		Provision: testShop(),
		Runner: harness.Options{BaselineWindow: time.Second, Progress: func(p harness.Progress) {
			if p.Result != nil {
				mu.Lock()
				progressed = append(progressed, p.Scenario)
				mu.Unlock()
				assert.Equal(t, len(ids), p.Total, "progress counts every scenario of the run")
				assert.Equal(t, ids[p.Index-1], p.Scenario, "progress numbers a scenario by its place in the run")
			}
		}},
		Say: func(s string) { t.Log(s) },
	})
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, progressed, "every scenario reported its end")
	assert.Empty(t, timeline.Verify(res.Events), "the merged record verifies")

	require.Len(t, res.Results, len(ids))
	for i, r := range res.Results {
		assert.Equal(t, ids[i], r.Info.ID, "results are in the order the scenarios were given")
		assert.Equal(t, timeline.OutcomePassed, r.Outcome, "%s: %s", r.Info.ID, r.Reason)
	}
	var order []string
	last := ""
	for _, e := range res.Events {
		if e.Scenario != "" && e.Scenario != last {
			order = append(order, e.Scenario)
			last = e.Scenario
		}
	}
	assert.Equal(t, ids, order, "each scenario's events are together, scenarios in the order given")
	var stacks int
	for _, e := range res.Events {
		if e.Kind == timeline.KindPhase && e.Scenario == "" {
			var ph timeline.Phase
			if e.Decode(&ph) == nil && ph.Name == "provision" {
				stacks++
			}
		}
	}
	assert.Equal(t, 2, stacks, "the record names both stacks' provisioning")
}
