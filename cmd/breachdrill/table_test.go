package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The detection table stays aligned whatever the length of the ids: a
// community rule's id derived from its file name is long.
func TestDetectionTableAligns(t *testing.T) {
	lat := 0.38
	results := []timeline.ScenarioResult{
		{Info: timeline.ScenarioInfo{ID: "ajax-sqli-exfiltration"}, Outcome: timeline.OutcomePassed, Expectations: []timeline.ExpectationResult{
			{Rule: "db-union-select-pii", Fired: true, LatencySeconds: &lat, WithinSeconds: 15},
			{Rule: "web-sql-injection-in-access-logs-with-encoded-keywords", Fired: false, WithinSeconds: 10},
		}},
		{Info: timeline.ScenarioInfo{ID: "a-scenario-with-a-much-longer-identifier-than-usual"}, Outcome: timeline.OutcomePassed, Expectations: []timeline.ExpectationResult{
			{Rule: "x", Fired: true, Late: true, LatencySeconds: &lat, WithinSeconds: 1},
		}},
	}
	var b bytes.Buffer
	failed := printDetectionTable(&b, results)
	assert.Equal(t, 2, failed)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 4)
	col := strings.Index(lines[0], "RESULT")
	for _, l := range lines[1:] {
		fields := strings.Fields(l)
		require.GreaterOrEqual(t, len(fields), 3)
		assert.Equal(t, col, strings.Index(l, " "+fields[2]+" ")+1, "RESULT column in %q", l)
	}
}

// The tests of other packages seed stacktest's dataset so that they and
// the CLI's tests restore one warm snapshot: it must stay the CLI's
// default.
func TestTestDatasetIsTheCLIDefault(t *testing.T) {
	for _, cmd := range []*cobra.Command{newDrillCmd(), newTestCmd()} {
		fl := cmd.Flags()
		for name, want := range map[string]int{"customers": stacktest.Customers, "orders": stacktest.Orders, "seed": stacktest.Seed} {
			f := fl.Lookup(name)
			require.NotNil(t, f, "%s --%s", cmd.Name(), name)
			assert.Equal(t, strconv.Itoa(want), f.DefValue, "%s --%s default", cmd.Name(), name)
		}
	}
}
