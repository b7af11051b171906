package harness_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real drill of the two scenarios that handle the most secrets (one
// rotates the database password and the salts, one creates accounts): the
// bundle verifies, and none of the run's secrets, the rotated ones
// included, appears in any byte of it.
func TestDrillBundleVerifiesAndHoldsNoSecret(t *testing.T) {
	stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cat, err := scenarios.Builtin()
	require.NoError(t, err, "the built-in catalogue")
	list, err := cat.Select([]string{"debug-log-exposure", "rogue-plugin-backdoor"})
	require.NoError(t, err, "select the scenarios")
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack")
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: list, Pack: pack,
		Provision: testShop(),
		Runner:    harness.Options{BaselineWindow: time.Second},
		Say:       func(s string) { t.Log(s) },
	})
	require.NoError(t, err, "drill")
	for _, r := range res.Results {
		assert.Equal(t, timeline.OutcomePassed, r.Outcome, "%s: %s", r.Info.ID, r.Reason)
	}
	// The run created secrets beyond the stack's own: rotated password and
	// salts, the backdoor's administrator's password.
	require.GreaterOrEqual(t, len(res.Secrets), 12+8, "secrets recorded: the rotated ones are missing")

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	dir := filepath.Join(t.TempDir(), "bundle")
	in := reports.Input{Events: res.Events, RulePackHash: pack.Hash(), ToolVersion: "test"}
	// No WithSecrets here: this proves the engine kept them out, not that
	// the writer's last-line guard caught them.
	_, err = reports.WriteBundle(ctx, dir, in, reports.WithKey(key))
	require.NoError(t, err, "write the bundle")
	v, err := reports.Verify(ctx, dir)
	require.NoError(t, err, "verify the drill's bundle")
	require.Empty(t, v.Problems, "the drill's bundle must verify")
	require.True(t, v.Signature, "the drill's bundle must be signed")
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range res.Secrets {
			assert.False(t, bytes.Contains(b, []byte(s)), "%s holds a secret of the run", filepath.Base(p))
		}
		return nil
	})
	require.NoError(t, err, "walk the bundle")
}
