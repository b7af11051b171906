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

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
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
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.Select([]string{"debug-log-exposure", "rogue-plugin-backdoor"})
	if err != nil {
		t.Fatal(err)
	}
	pack, err := detect.LoadPack(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	res, err := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: list, Pack: pack,
		Provision: harness.ProvisionOptions{Source: containers.SourceDebian, Customers: 100, Orders: 200, Seed: 3},
		Runner:    harness.Options{BaselineWindow: time.Second},
		Say:       func(s string) { t.Log(s) },
	})
	if err != nil {
		t.Fatalf("drill: %v", err)
	}
	for _, r := range res.Results {
		if r.Outcome != timeline.OutcomePassed {
			t.Errorf("%s: %s (%s)", r.Info.ID, r.Outcome, r.Reason)
		}
	}
	// The run created secrets beyond the stack's own: rotated password and
	// salts, the backdoor's administrator's password.
	if len(res.Secrets) < 12+8 {
		t.Fatalf("only %d secrets recorded; rotated ones are missing", len(res.Secrets))
	}

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	dir := filepath.Join(t.TempDir(), "bundle")
	in := reports.Input{Events: res.Events, RulePackHash: pack.Hash(), ToolVersion: "test"}
	// No WithSecrets here: this proves the engine kept them out, not that
	// the writer's last-line guard caught them.
	if _, err := reports.WriteBundle(ctx, dir, in, reports.WithKey(key)); err != nil {
		t.Fatal(err)
	}
	v, err := reports.Verify(ctx, dir)
	if err != nil || len(v.Problems) > 0 || !v.Signature {
		t.Fatalf("the drill's bundle does not verify: %v %+v", err, v.Problems)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range res.Secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret of the run", filepath.Base(p))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
