package containers

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRuleFields(t *testing.T) {
	tests := []struct {
		line   string
		fields []string
		target string
		ok     bool
	}{
		{`-A DOCKER-USER -i bd-0123456789 -m comment --comment "breachdrill run bd1" -j BREACHDRILL-0123456789`,
			[]string{"-i", "bd-0123456789", "-m", "comment", "--comment", "breachdrill run bd1", "-j", "BREACHDRILL-0123456789"}, "BREACHDRILL-0123456789", true},
		{`-A DOCKER-USER -j RETURN`, []string{"-j", "RETURN"}, "RETURN", true},
		{`-A INPUT -i eth0 -j ACCEPT`, nil, "", false}, // another chain
		{`-N DOCKER-USER`, nil, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			fields, ok := ruleFields(tc.line, "DOCKER-USER")
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.fields, fields)
			assert.Equal(t, tc.target, jumpTarget(fields))
		})
	}
}

// Names derived from any run id fit the kernel's limits.
func TestNamesFit(t *testing.T) {
	for _, id := range []string{"bd0123abcd", strings.Repeat("x", 200), "run with spaces"} {
		assert.LessOrEqual(t, len(bridgeName(id)), 15)
		assert.LessOrEqual(t, len(inputChain(id)), 28)
		assert.NotEqual(t, forwardChain(id), inputChain(id))
	}
}

// seal puts in the run's chains and jumps, unseal and the orphan sweep
// take out exactly those, and a run that still exists keeps its own.
func TestSealUnsealAndOrphans(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	defer cli.Close()
	fw, iso := isolationSupport(ctx, cli)
	if !iso.Enforced {
		require.Empty(t, os.Getenv("CI"), "CI cannot seal networks: %s", iso.Reason)
		t.Skip(iso.Reason)
	}
	// runs[2] has a bridge but is not in the list of live runs: a run
	// that made its network and sealed it after gc listed the runs.
	runs := []string{"bdtest-" + NewRunID(), "bdtest-" + NewRunID(), "bdtest-" + NewRunID()}
	t.Cleanup(func() {
		for _, r := range runs {
			_ = fw.unseal(context.Background(), r)
		}
	})
	out, err := exec.Command("ip", "link", "add", bridgeName(runs[2]), "type", "bridge").CombinedOutput()
	require.NoError(t, err, "make an interface with the run's bridge name: %s", out)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", bridgeName(runs[2])).Run() })
	for _, r := range runs {
		require.NoError(t, fw.seal(ctx, r))
	}
	rules, err := fw.run(ctx, "-S")
	require.NoError(t, err)
	for _, r := range runs {
		assert.Contains(t, rules, "-N "+forwardChain(r)+"\n")
		assert.Contains(t, rules, "-N "+inputChain(r)+"\n")
		assert.Contains(t, rules, "-A DOCKER-USER -o "+bridgeName(r))
		assert.Contains(t, rules, "-A DOCKER-USER -i "+bridgeName(r))
		assert.Contains(t, rules, "-A FORWARD -o "+bridgeName(r))
		assert.Contains(t, rules, "-A FORWARD -i "+bridgeName(r))
		assert.Contains(t, rules, "-A INPUT -i "+bridgeName(r))
	}

	// runs[0] is live, runs[1] an orphan; every other chain on this host
	// belongs to a run the engine lists, so the sweep is given those too.
	live, err := listRuns(ctx, cli)
	require.NoError(t, err)
	n, err := removeOrphanedSeals(ctx, cli, append(live, RunSummary{RunID: runs[0]}))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1)
	rules, err = fw.run(ctx, "-S")
	require.NoError(t, err)
	assert.Contains(t, rules, "-N "+forwardChain(runs[0])+"\n")
	assert.NotContains(t, rules, runHash(runs[1]))
	assert.Contains(t, rules, "-N "+forwardChain(runs[2])+"\n", "the sweep removed the chains of a run whose bridge is up")

	require.NoError(t, fw.unseal(ctx, runs[0]))
	require.NoError(t, fw.unseal(ctx, runs[0]), "unsealing twice is fine")
	require.NoError(t, fw.unseal(ctx, runs[2]))
	after, err := fw.run(ctx, "-S")
	require.NoError(t, err)
	for _, r := range runs {
		assert.NotContains(t, after, runHash(r), "nothing of the test's runs is left")
	}
}
