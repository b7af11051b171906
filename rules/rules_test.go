package rules_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contract lists the rule ids scenario files expect, per scenario; they
// may not be renamed.
var contract = map[string][]string{
	"debug-log-exposure":         {"wp-debug-log-public", "wp-debug-display-on"},
	"rogue-plugin-backdoor":      {"fim-new-php-file", "wp-admin-created", "admin-set-changed", "webshell-request"},
	"tampered-plugin-update":     {"fim-plugin-modified"},
	"exposed-db-backup":          {"backup-file-exposed", "fim-archive-in-docroot", "backup-downloaded"},
	"plaintext-pan-order-meta":   {"pan-in-database"},
	"pii-in-options-transients":  {"pii-in-options"},
	"rogue-admin-bulk-export":    {"wp-admin-created", "admin-set-changed", "db-bulk-pii-read", "fim-export-in-uploads"},
	"ajax-sqli-exfiltration":     {"web-sqli-admin-ajax", "db-union-select-pii"},
	"graphql-pii-harvest":        {"graphql-introspection", "graphql-alias-batching", "graphql-pii-harvest"},
	"rest-user-enumeration":      {"rest-user-enumeration", "session-ip-mismatch"},
	"shop-hygiene (no scenario)": {"wp-config-backup-exposed", "wp-login-brute-force", "wp-outbound-http-unblocked"},
	"waf-detection-only-sqli":    {"waf-sqli-passed", "web-sqli-probe", "db-union-select-pii"},
	"waf (no scenario)":          {"waf-request-denied", "waf-high-anomaly-score"},

	// The audit-trail variant expects only rules on the sources that
	// remain; db-bulk-pii-read is named by its attacker steps.
	"rogue-admin-bulk-export-no-audit": {"admin-set-changed", "fim-export-in-uploads", "db-bulk-pii-read"},
}

func TestShippedPack(t *testing.T) {
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack must load")
	for scenario, ids := range contract {
		for _, id := range ids {
			assert.True(t, pack.Has(id), "scenario %s expects rule %s, which the pack lacks", scenario, id)
		}
	}
	for _, r := range pack.Rules() {
		assert.False(t, r.Title == "" || r.Severity == "" || r.Source == "" || r.Kind == "" || r.Description == "",
			"rule %s lacks metadata (title, severity, source, kind and description are required): %+v", r.ID, r)
		assert.True(t, strings.HasSuffix(r.File, r.ID+".yml"), "rule %s lives in %s; name the file after the id", r.ID, r.File)
	}
	if assert.NotNil(t, pack.Schema(), "the pack has no GraphQL schema") {
		assert.NotEmpty(t, pack.Schema().PIIFields(), "the pack's GraphQL schema has no @pii fields")
	}
	again, _ := detect.LoadPack(rules.FS)
	assert.Equal(t, pack.Hash(), again.Hash(), "the pack hash must be stable across loads")
	assert.Len(t, pack.Hash(), 64, "the pack hash %q must be 64 hex digits", pack.Hash())
}

// TestEveryFileIsARule keeps stray files out of the embedded pack: a
// misspelt extension would be skipped silently.
func TestEveryFileIsARule(t *testing.T) {
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		assert.True(t, strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".graphql") || name == "README.md",
			"%s is neither a rule (.yml) nor the schema (.graphql)", name)
		return nil
	})
	require.NoError(t, err, "walk the embedded pack")
}
