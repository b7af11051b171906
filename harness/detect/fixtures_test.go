package detect_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ruleRef finds a rule id named where fixtures name one: a Go literal
// (Rule: "x"), JSON ("rule":"x") or a scenario's YAML ({rule: x}). Only
// ids shaped like the pack's (words joined by dashes) are taken:
// single-word placeholders (r1, x) name no rule on purpose.
var ruleRef = regexp.MustCompile(`(?:\bRule:\s*"|"rule":\s*"|\{rule:\s*)([a-z0-9]+(?:-[a-z0-9]+)+)\b`)

// TestFixtureRuleIDsExist: every rule a built-in scenario expects, and
// every rule id the test fixtures of harness/ name, is in the shipped
// pack. A fixture naming a rule that does not exist tests a path no real
// run takes.
func TestFixtureRuleIDsExist(t *testing.T) {
	pack := shippedPack(t)
	cat, err := scenarios.Builtin()
	require.NoError(t, err, "the built-in catalogue")
	assert.NoError(t, cat.CheckRules(cat.All(), pack.Has, pack.IDs()), "every rule a built-in scenario expects must be in the shipped pack")

	var files []string
	for _, glob := range []string{"*_test.go", "../*_test.go", "../timeline/*_test.go", "graphql/*_test.go", "testdata/events/*.yaml"} {
		m, err := filepath.Glob(glob)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	refs := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range ruleRef.FindAllSubmatch(data, -1) {
			refs++
			assert.True(t, pack.Has(string(m[1])), "%s names rule %q, which is not in the shipped pack", f, m[1])
		}
	}
	assert.Positive(t, refs, "the fixtures name no rule at all: the pattern no longer finds them")
}
