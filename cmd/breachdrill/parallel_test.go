package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A bad --parallel is refused before anything starts: exit 2, one error
// line naming the flag and the value.
func TestParallelBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"zero", []string{"drill", "--all", "--parallel", "0"}, []string{"--parallel 0", "use 1 to 8"}},
		{"negative", []string{"test", "--all", "--parallel", "-2"}, []string{"--parallel -2"}},
		{"too many", []string{"drill", "--all", "--parallel", "64"}, []string{"--parallel 64", "use 1 to 8"}},
		{"with --run", []string{"drill", "--all", "--parallel", "2", "--run", "bd00000000"}, []string{"--parallel with --run"}},
		{"not a number", []string{"drill", "--all", "--parallel", "two"}, []string{"--parallel"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{"XDG_CONFIG_HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
			start := time.Now()
			res := runCLI(t, env, append(tc.args, "--out", t.TempDir())...)
			assert.Equal(t, 2, res.code, "a bad --parallel is bad input; stderr: %s", res.stderr)
			assert.Less(t, time.Since(start), 2*time.Second, "input must be checked before anything starts")
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			last := lines[len(lines)-1]
			require.NotEmpty(t, last, "an error line")
			for _, w := range tc.want {
				assert.Contains(t, last, w, "the error names the flag")
			}
		})
	}
}

// --help says warm starts are the default, and how to skip them.
func TestColdInHelp(t *testing.T) {
	for _, cmd := range []string{"drill", "test", "stack up"} {
		t.Run(cmd, func(t *testing.T) {
			res := runCLI(t, nil, append(strings.Fields(cmd), "--help")...)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			assert.Contains(t, res.stdout, "--cold", "%s --help names --cold", cmd)
			assert.Contains(t, res.stdout, "warm snapshot", "%s --help says what --cold skips", cmd)
		})
	}
	res := runCLI(t, nil, "gc", "--help")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, "--snapshots", "gc --help names --snapshots")
}
