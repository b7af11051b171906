package harness_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The web container's log streams are cut when the response starts, long
// after the observe phase: the stack stays healthy, only detection goes
// blind. The scenario must end as an infrastructure error with the fault
// in the record, not as contained.
func TestEngineFaultDuringTheResponseEndsTheScenario(t *testing.T) {
	stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	list, pack := drillInputs(t, "debug-log-exposure")
	cut := false
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: list, Pack: pack,
		Provision: testShop(),
		Runner: harness.Options{BaselineWindow: time.Second, Progress: func(p harness.Progress) {
			if p.Phase == "respond" && p.Detail == "" && !cut {
				cut = true
				killLogStreams(t)
			}
		}},
		Say: func(s string) { t.Log(s) },
	})
	require.True(t, cut, "the response phase was never reached")
	require.Error(t, err)
	assert.True(t, fault.IsInfra(err), "%v", err)
	require.Len(t, res.Results, 1)
	r := res.Results[0]
	assert.Equal(t, timeline.OutcomeInfra, r.Outcome)
	require.NotEmpty(t, r.Faults)
	assert.Contains(t, strings.Join(r.Faults, "\n"), "detection engine")
	assert.Contains(t, strings.Join(r.Faults, "\n"), "log stream ended")
}

// killLogStreams ends every tail the engine runs in this run's web
// container: what a log stream dying looks like from outside.
func killLogStreams(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=org.breachdrill.owner-pid="+strconv.Itoa(os.Getpid()), "--filter", "label=org.breachdrill.role=wp").Output()
	require.NoError(t, err)
	id := strings.TrimSpace(string(out))
	require.NotEmpty(t, id, "no wp container of this run")
	script := `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = tail ] && kill ${p#/proc/}; done; true`
	b, err := exec.Command("docker", "exec", id, "sh", "-c", script).CombinedOutput()
	require.NoError(t, err, string(b))
}
