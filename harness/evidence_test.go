package harness_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real drill, end to end, and what its evidence claims: time zero is the
// first inject step, each detection is measured from the step it is
// attributed to, the containment checks failed before the response and
// passed after it, every figure names its two events, and the people
// exposed by a downloaded dump are counted from the dump, not from the
// canaries in it.
func TestDrillEvidenceSaysWhatWasMeasured(t *testing.T) {
	stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	list, pack := drillInputs(t, "exposed-db-backup", "debug-log-exposure")
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: list, Pack: pack,
		Provision: testShop(),
		Runner:    harness.Options{BaselineWindow: time.Second},
		Say:       func(s string) { t.Log(s) },
	})
	require.NoError(t, err)
	require.Len(t, res.Results, 2)
	events := map[int64]timeline.Event{}
	for _, e := range res.Events {
		events[e.Seq] = e
	}
	for _, r := range res.Results {
		t.Run(r.Info.ID, func(t *testing.T) {
			assert.Equal(t, timeline.OutcomePassed, r.Outcome, r.Reason)
			require.NotNil(t, r.T0)
			require.NotNil(t, r.Injected)
			assert.True(t, r.T0.Before(*r.Injected), "T0 is the first inject step's start, before the inject completes")
			for _, x := range r.Expectations {
				require.True(t, x.Fired, x.Rule)
				require.NotNil(t, x.Step, "%s is attributed to an inject step", x.Rule)
				require.NotNil(t, x.LatencySeconds)
				step, alert := events[x.Step.Seq], events[x.AlertSeq]
				assert.Equal(t, timeline.KindStepStart, step.Kind)
				assert.InDelta(t, alert.Offset().Seconds()-step.Offset().Seconds(), *x.LatencySeconds, 1e-6, "latency = alert − its step's start, unclamped")
			}
			require.NotEmpty(t, r.Containment)
			for _, c := range r.Containment {
				require.NotNil(t, c.Before, c.Name)
				require.NotNil(t, c.After, c.Name)
				assert.False(t, *c.Before, "%s must fail before the response", c.Name)
				assert.True(t, *c.After, "%s must pass after it", c.Name)
			}
			for _, f := range r.Figures {
				from, to := events[f.From.Seq], events[f.To.Seq]
				assert.InDelta(t, to.Offset().Seconds()-from.Offset().Seconds(), f.Seconds, 1e-6, f.String())
			}
			detect, ok := r.Figure(timeline.MetricDetect)
			require.True(t, ok)
			assert.Equal(t, timeline.KindStepStart, detect.From.Kind)
			assert.Equal(t, timeline.KindAlert, detect.To.Kind)
			contain, ok := r.Figure(timeline.MetricContain)
			require.True(t, ok)
			assert.Equal(t, timeline.KindAlert, contain.From.Kind)
			assert.Equal(t, timeline.KindContained, contain.To.Kind)
		})
	}

	var backup timeline.ScenarioResult
	backupAt := -1
	for i, r := range res.Results {
		if r.Info.ID == "exposed-db-backup" {
			backup, backupAt = r, i
		}
	}
	require.GreaterOrEqual(t, backupAt, 0)
	require.NotEmpty(t, backup.Exposures)
	x := backup.Exposures[0]
	t.Logf("dump: %d bytes, %d data subjects, %d records, %d canaries", x.Bytes, x.Subjects, x.Records, len(x.Canaries))
	assert.Equal(t, stacktest.Customers, x.Subjects, "a full dump exposes every seeded customer")
	assert.Greater(t, x.Subjects, len(x.Canaries), "canaries prove provenance; they are not the count")
	assert.Equal(t, harness.SubjectsMethod, x.Method)

	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "bundle")
	b, err := reports.WriteBundle(ctx, dir, reports.Input{Events: res.Events, RulePackHash: pack.Hash(), ToolVersion: "test"}, reports.WithKey(key), reports.WithSecrets(res.Secrets...))
	require.NoError(t, err)
	assert.Equal(t, reports.ResultPassed, b.Result)
	v, err := reports.Verify(ctx, dir, reports.WithTrustedKeys(pub))
	require.NoError(t, err)
	assert.True(t, v.Trusted(), "%v", v.Problems)
	var results reports.Results
	readResults(t, filepath.Join(dir, reports.ResultsFile), &results)
	assert.Equal(t, stacktest.Customers, results.Scenarios[backupAt].DataSubjects)
	md := mustRead(t, filepath.Join(dir, reports.ReportMDFile))
	assert.Contains(t, md, "after step 1 (")
	assert.Contains(t, md, "| passes |")
	assert.True(t, strings.Contains(md, "| fails | passes |"), "before/after side by side")
}

func readResults(t *testing.T, p string, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, p)), v))
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
