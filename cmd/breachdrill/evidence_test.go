package main

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedBundle writes a small, genuine bundle signed by a key it keeps in
// dir, and returns the bundle, the key file and its public key file.
func signedBundle(t *testing.T, dir string) (bundle, keyFile, pubFile string) {
	t.Helper()
	keyFile = filepath.Join(dir, "ci-signing-key")
	key, _, err := reports.LoadOrCreateKey(keyFile)
	require.NoError(t, err)
	pubPEM, err := reports.MarshalPublicKey(key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	pubFile = filepath.Join(dir, "ci-signing.pub")
	require.NoError(t, os.WriteFile(pubFile, pubPEM, 0o644))

	tl := timeline.New()
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Data: timeline.RunInfo{ExerciseID: "drill-cli", Kind: timeline.ExerciseDrill, Scenarios: []string{"s"}}})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: "s", Data: timeline.ScenarioInfo{ID: "s", Expect: []timeline.Expect{{Rule: "r", WithinSeconds: 30}}}})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindStepStart, Scenario: "s", Data: timeline.Step{Stage: "inject", Index: 1, Action: "http.request"}})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindAlert, Scenario: "s", Data: timeline.Alert{Rule: "r", Window: "observe"}})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindContained, Scenario: "s"})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: "s", Data: timeline.ScenarioEnd{}})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Data: timeline.RunEnd{Outcome: "passed"}})
	bundle = filepath.Join(dir, "evidence", "drill-cli")
	_, err = reports.WriteBundle(context.Background(), bundle, reports.Input{Events: tl.Events()}, reports.WithKey(key))
	require.NoError(t, err)
	return bundle, keyFile, pubFile
}

// TestVerifyTrustsOnlyPinnedSigners runs the CLI as an auditor would, on a
// machine with no signing key of its own.
func TestVerifyTrustsOnlyPinnedSigners(t *testing.T) {
	dir := t.TempDir()
	bundle, _, pub := signedBundle(t, dir)
	trustFile := filepath.Join(dir, "trusted-keys.pem")
	pubPEM, err := os.ReadFile(pub)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(trustFile, pubPEM, 0o644))
	approver := filepath.Join(dir, "approver-key")
	_, _, err = reports.LoadOrCreateKey(approver)
	require.NoError(t, err)
	auditor := []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "auditor-config"), reports.TrustFileEnv + "="}

	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"nothing pinned", auditor, []string{"evidence", "verify", bundle}, 1, "integrity OK, signer not trusted"},
		{"pinned with --trusted-key", auditor, []string{"evidence", "verify", "--trusted-key", pub, bundle}, 0, "OK " + bundle},
		{"pinned in the trust file", append(auditor, reports.TrustFileEnv+"="+trustFile), []string{"evidence", "verify", bundle}, 0, "pinned: trust file"},
		{"approve without --as", auditor, []string{"evidence", "approve", bundle}, 2, "--as"},
		{"approve with a name but no role", auditor, []string{"evidence", "approve", bundle, "--as", "Dana Kim"}, 2, "Name, role"},
		{"approve a missing bundle", auditor, []string{"evidence", "approve", filepath.Join(dir, "nope"), "--as", "Dana Kim, CISO", "--key", approver}, 2, "BUNDLE"},
		{"approve", auditor, []string{"evidence", "approve", bundle, "--as", "Dana Kim, Head of Security", "--key", approver}, 0, "approved " + bundle},
		{"verify shows the approval", auditor, []string{"evidence", "verify", "--trusted-key", pub, bundle}, 0, "approved by Dana Kim (Head of Security)"},
		{"quarter with a policy that loosens by typo", auditor, []string{"evidence", "quarter", "2026-Q4", "--in", filepath.Join(dir, "evidence"), "--out", filepath.Join(dir, "pack"), "--policy", writePolicy(t, dir, "tabletop:\n  min_participant: 1\n")}, 2, "--policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tt.want)
		})
	}
}

func writePolicy(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "policy-"+time.Now().Format("150405.000000")+".yaml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}
