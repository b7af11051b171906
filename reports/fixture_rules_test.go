package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/rules"
)

// The fixtures name only rules the shipped pack has: a report built on a
// rule that does not exist tests a path no real drill takes.
func TestFixtureRulesAreShipped(t *testing.T) {
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack loads")
	for _, s := range catalogueSpecs() {
		ids := append([]string(nil), s.rules...)
		if s.extraAlert != "" {
			ids = append(ids, s.extraAlert)
		}
		for _, id := range ids {
			assert.True(t, pack.Has(id), "fixture %s names rule %q, which is not in the shipped pack", s.id, id)
		}
	}
}
