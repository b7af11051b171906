package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFixtureRuleIDsAreShipped: a fixture that names a rule the shipped
// pack does not hold pins a screen or a record that cannot happen. Every
// rule id written into an alert, an expectation or an --expect flag in the
// console's and the command's tests is in detect.LoadPack(rules.FS), bar
// the few that stand in for "any id" on purpose (listed with why).
func TestFixtureRuleIDsAreShipped(t *testing.T) {
	pack, err := shippedPack()
	require.NoError(t, err, "the shipped pack loads")
	placeholders := map[string]string{
		"r": "cmd evidence tests: a bundle whose rules do not matter",
		"x": "cmd table test: any short id",
		"web-sql-injection-in-access-logs-with-encoded-keywords": "cmd table test: as long as a community rule's id derived from its file name",
		"no-such-rule": "cmd watch test: --expect of an unknown rule is refused",
		"proxy-ua":     "cmd watch test: the test's own rule, written to a temporary folder",
	}
	// An alert's JSON, a Go literal of an alert or expectation, a flag.
	ids := regexp.MustCompile(`(?:"rule"\s*:\s*"|\bRule:\s*"|"--expect",\s*")([^"]*)"`)
	files, err := filepath.Glob("*_test.go")
	require.NoError(t, err)
	cmdFiles, err := filepath.Glob(filepath.Join("..", "cmd", "breachdrill", "*_test.go"))
	require.NoError(t, err)
	require.NotEmpty(t, cmdFiles, "the command's tests are found beside the console's")
	seen := 0
	for _, f := range append(files, cmdFiles...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range ids.FindAllStringSubmatch(line, -1) {
				id := m[1]
				if _, ok := placeholders[id]; ok || f == "fixtures_test.go" {
					continue
				}
				seen++
				assert.True(t, pack.Has(id), "%s:%d: rule id %q is not in the shipped pack", f, i+1, id)
			}
		}
	}
	assert.Positive(t, seen, "rule ids found in the fixtures")
}
