package harness_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
)

// The same rogue-admin export, first on a shop without an audit trail, then
// with it, against the real WooCommerce: each attacker step is scored from
// what the logs really recorded. Without the trail the bulk read cannot be
// proved and the administrator shows only in WordPress's own data; with it
// (after the variant's revert and the reset put the trail back) every step
// is proved, the bulk read from server_audit.
func TestReconstructionWithAndWithoutTheAuditTrail(t *testing.T) {
	stacktest.Images(t)
	shop := testShop()
	shop.WooCommerce = stacktest.WooCommerce(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	without, ok := cat.Get("rogue-admin-bulk-export-no-audit")
	require.True(t, ok)
	with, ok := cat.Get("rogue-admin-bulk-export")
	require.True(t, ok)
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err)
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: []*scenarios.Scenario{without, with}, Pack: pack,
		Provision: shop,
		Runner:    harness.Options{BaselineWindow: time.Second},
		Say:       func(s string) { t.Log(s) },
	})
	require.NoError(t, err)
	require.Len(t, res.Results, 2)
	byID := map[string]timeline.ScenarioResult{}
	for _, r := range res.Results {
		byID[r.Info.ID] = r
		assert.Equal(t, timeline.OutcomePassed, r.Outcome, "%s: %s", r.Info.ID, r.Reason)
		require.NotNil(t, r.Reconstruction, "%s declares attacker steps, so it is scored", r.Info.ID)
		for _, st := range r.Reconstruction.Steps {
			var found []string
			for _, f := range st.Found {
				found = append(found, f.Evidence+" → "+f.Source)
			}
			t.Logf("%s %s reconstructed=%v found=%q missing=%q", r.Info.ID, st.ID, st.Reconstructed, found, st.Missing)
		}
	}
	sources := func(r timeline.ScenarioResult) map[string][]string {
		out := map[string][]string{}
		for _, st := range r.Reconstruction.Steps {
			out[st.ID] = []string{}
			for _, f := range st.Found {
				out[st.ID] = append(out[st.ID], f.Source)
			}
		}
		return out
	}
	off := byID[without.ID]
	assert.Equal(t, "3 of 4 steps", off.Reconstruction.Score())
	assert.Equal(t, map[string][]string{
		"admin-created":     {"state"},
		"customers-read":    {},
		"export-written":    {"fim"},
		"export-downloaded": {"access"},
	}, sources(off), "without the trail: the admin only from WordPress's own data, the bulk read from nothing")
	on := byID[with.ID]
	// Both audit logs record until the warm-up switches them off: a
	// request still running when the plugin's file goes (on a busy
	// machine) may write a line. So the off run is judged by what its
	// trail holds of the attack (nothing, above) and by recording less than
	// the run with the trail on.
	lines := func(r timeline.ScenarioResult) map[string]int {
		out := map[string]int{}
		for _, src := range r.Reconstruction.Sources {
			out[src.Log] = src.Lines
		}
		return out
	}
	offLines, onLines := lines(off), lines(on)
	assert.Less(t, offLines["audit"], onLines["audit"], "the audit plugin's log records less with the plugin gone")
	assert.NotZero(t, offLines["access"], "the access log still records")
	assert.Equal(t, "4 of 4 steps", on.Reconstruction.Score(), "the trail is back on for the next scenario")
	assert.Equal(t, map[string][]string{
		"admin-created":     {"audit", "db-audit", "state"},
		"customers-read":    {"db-audit", "db-audit"},
		"export-written":    {"fim"},
		"export-downloaded": {"access"},
	}, sources(on), "with the trail every step is proved, the bulk read by server_audit's own line and by the rule on it")
}
