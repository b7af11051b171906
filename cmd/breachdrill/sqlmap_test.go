package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sqlmap scenario for real: sqlmap (Debian package; CI installs it)
// against the vulnerable AJAX plugin, and the shipped SQL-injection rules
// detect it in time. Without --allow-exec the scenario is refused before a
// stack starts.
func TestSqlmapScenarioDetected(t *testing.T) {
	r := runCLI(t, exerciseEnv(t), "test", "--scenario", "sqlmap-ajax-sqli", "--out", t.TempDir())
	require.Equal(t, 2, r.code, "without --allow-exec: %s", r.stderr)
	assert.Contains(t, r.stderr, "pass --allow-exec")

	_, err := exec.LookPath("sqlmap")
	require.NoError(t, err, "sqlmap is needed for this test: apt-get install sqlmap")
	stacktest.Images(t)
	dir := t.TempDir()
	junit := filepath.Join(dir, "junit.xml")
	r = runCLI(t, exerciseEnv(t), append([]string{"test", "--scenario", "sqlmap-ajax-sqli", "--allow-exec", "--customers", "40", "--orders", "80",
		"--junit", junit, "--out", filepath.Join(dir, "evidence")}, lightTraffic...)...)
	t.Logf("stdout:\n%s", r.stdout)
	require.Equal(t, 0, r.code, "breachdrill test exited %d\n%s", r.code, lastLines(r.stderr, 40))
	rep := readJUnit(t, junit)
	var names []string
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			names = append(names, c.Name)
			assert.Nil(t, c.Failure, "%s %s", c.Classname, c.Name)
		}
	}
	for _, rule := range []string{"web-scanner-user-agent", "web-sqli-admin-ajax", "db-sqli-probe", "db-union-select-pii"} {
		assert.True(t, strings.Contains(strings.Join(names, "\n"), rule), "JUnit has a case for %s: %v", rule, names)
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "evidence", "test-*"))
	require.Len(t, bundles, 1)
	tl, err := os.ReadFile(filepath.Join(bundles[0], "timeline.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(tl), `"kind":"exposure"`, "the dump sqlmap printed is counted as exposure")
	assert.Contains(t, string(tl), "host.exec")
}
