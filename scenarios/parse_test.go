package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuiltinCatalogue(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err, "the shipped catalogue loads")
	want := []string{"ajax-sqli-exfiltration", "debug-log-exposure", "exposed-db-backup", "graphql-pii-harvest",
		"payment-webhook-forgery", "pii-in-options-transients", "plaintext-pan-order-meta", "rest-user-enumeration", "rogue-admin-bulk-export",
		"rogue-admin-bulk-export-no-audit", "rogue-plugin-backdoor", "shared-hosting-cross-tenant", "sqlmap-ajax-sqli", "tampered-plugin-update",
		"waf-detection-only-sqli"}
	var got []string
	for _, s := range c.All() {
		got = append(got, s.ID)
		assert.NotEmpty(t, s.Tabletop, "%s: every shipped scenario needs tabletop injects", s.ID)
		assert.NotEmpty(t, s.Objectives, "%s: every shipped scenario needs objectives", s.ID)
		assert.NotEmpty(t, s.Controls, "%s: every shipped scenario needs controls", s.ID)
		assert.NotEmpty(t, s.Hash, "%s: a hash", s.ID)
		assert.NotNil(t, s.Artifacts, "%s: artifacts", s.ID)
	}
	require.Equal(t, want, got, "catalogue ids, in order")
}

const good = `id: sample
title: A sample
severity: low
inject:
  - wait: 1s
expect:
  - {rule: r1, within: 5s}
respond:
  - file.delete: wp-content/x
verify:
  - file.absent: wp-content/x
`

// Each class of mistake a user can make is reported at its position with a
// message that says what would be right.
func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		line     int
		contains string
	}{
		{"bad yaml", "id: x\ntitle: a\n  bad: indent\n", 3, "not valid YAML"},
		{"not a mapping", "- a\n- b\n", 1, "mapping of keys"},
		{"unknown key", strings.Replace(good, "title:", "titel:", 1), 2, `did you mean "title"`},
		{"missing key", strings.Replace(good, "severity: low\n", "", 1), 1, `missing "severity"`},
		{"bad severity", strings.Replace(good, "severity: low", "severity: huge", 1), 3, "use one of low, medium, high, critical"},
		{"unknown action", strings.Replace(good, "- wait: 1s", "- file.wrte: {path: x}", 1), 5, `unknown action "file.wrte" (did you mean "file.write"?)`},
		{"missing argument", strings.Replace(good, "- wait: 1s", "- file.write: {content: x}", 1), 5, `file.write needs "path"`},
		{"unknown argument", strings.Replace(good, "- wait: 1s", "- file.delete: {path: x, force: true}", 1), 5, `unknown argument "force" for file.delete`},
		{"wrong type", strings.Replace(good, "- wait: 1s", "- http.request: {path: /x, repeat: many}", 1), 5, `"many" is a str, but a int is needed`},
		{"bad duration", strings.Replace(good, "within: 5s", "within: soon", 1), 7, "write it like 30s"},
		{"unknown check", strings.Replace(good, "- file.absent: wp-content/x", "- file.gone: wp-content/x", 1), 11, `unknown check "file.gone"`},
		{"bad control", good + "controls: [SOC 2]\n", 12, "framework:control"},
		{"duplicate key", good + "id: again\n", 12, `key "id" given twice`},
		{"argument check", strings.Replace(good, "- wait: 1s", "- http.request: {path: no-slash}", 1), 5, "start it with /"},
		{"empty expect", strings.Replace(good, "  - {rule: r1, within: 5s}\n", "  []\n", 1), 7, "expect is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.file))
			require.Error(t, err, "a broken file is refused")
			var ps Problems
			require.ErrorAs(t, err, &ps, "the error is Problems")
			for _, p := range ps {
				if strings.Contains(p.Msg, tt.contains) {
					assert.Equal(t, tt.line, p.Line, "reported at its line: %v", p)
					assert.True(t, strings.HasPrefix(p.Error(), "x.yaml:"), "the problem names the file: %v", p)
					return
				}
			}
			require.Failf(t, "no problem says what is wrong", "none mentions %q:\n%v", tt.contains, err)
		})
	}
	_, err := Parse("x.yaml", []byte(good))
	require.NoError(t, err, "the good file is accepted")
}

func TestUnknownRuleAndOverrides(t *testing.T) {
	dir := t.TempDir()
	override := strings.Replace(good, "id: sample", "id: debug-log-exposure", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(override), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(good), 0o644))
	c, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, c.Overrides, 1, "the override is reported: %+v", c.Overrides)
	require.Equal(t, "debug-log-exposure", c.Overrides[0].ID, "the override is reported by id")
	s, _ := c.Get("debug-log-exposure")
	require.NotNil(t, s)
	require.Equal(t, "A sample", s.Title, "the user's file replaces the shipped scenario")
	err = c.CheckRules([]*Scenario{s}, func(id string) bool { return id == "r2" }, []string{"r2"})
	require.Error(t, err, "an unknown rule is reported")
	assert.Contains(t, err.Error(), `a.yaml:7:`, "at its position")
	assert.Contains(t, err.Error(), `unknown rule id "r1" (did you mean "r2"?)`, "with a suggestion")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(good), 0o644))
	_, err = Load(dir)
	require.Error(t, err, "a duplicate id is reported")
	assert.Contains(t, err.Error(), `duplicate id "sample"`)
}

func TestShard(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	all := c.All()
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		part, err := Shard(all, k, 3)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(part), len(all)/3, "shard %d/3 holds its share of %d", k, len(all))
		assert.LessOrEqual(t, len(part), len(all)/3+1, "shard %d/3 holds its share of %d", k, len(all))
		again, _ := Shard(all, k, 3)
		require.Len(t, again, len(part), "sharding is deterministic")
		for i := range part {
			seen[part[i].ID]++
			require.Equal(t, part[i].ID, again[i].ID, "sharding is deterministic")
		}
	}
	require.Len(t, seen, len(all), "the shards cover every scenario")
	for id, n := range seen {
		require.Equal(t, 1, n, "%s is in exactly one shard", id)
	}
	for _, bad := range [][2]int{{0, 3}, {4, 3}, {1, 0}} {
		_, err := Shard(all, bad[0], bad[1])
		assert.Error(t, err, "shard %d/%d is refused", bad[0], bad[1])
	}
}

// Salts may hold ")", ";" and quotes; replacing one must replace all of it.
func TestSetConstantWithAwkwardValues(t *testing.T) {
	for _, old := range []string{`'a);b'`, `'x\'); define(y'`, `"q);\"z"`, `'$1${2}\\'`} {
		src := []byte("<?php\ndefine( 'AUTH_KEY', " + old + " );\ndefine( 'NEXT', 1 );\n")
		out, err := setConstant(src, "AUTH_KEY", phpString("new);value$1"))
		require.NoError(t, err)
		want := "<?php\ndefine( 'AUTH_KEY', 'new);value$1' );\ndefine( 'NEXT', 1 );\n"
		assert.Equal(t, want, string(out), "replacing %s", old)
		v, ok := getConstant(src, "AUTH_KEY")
		assert.True(t, ok, "getConstant finds AUTH_KEY = %s", old)
		assert.Equal(t, old, v, "getConstant")
	}
}

func TestSetConstant(t *testing.T) {
	src := []byte("<?php\ndefine( 'WP_DEBUG', false );\n/* That's all, stop editing! */\nrequire_once ABSPATH . 'wp-settings.php';\n")
	out, err := setConstant(src, "WP_DEBUG", "true")
	require.NoError(t, err)
	out, err = setConstant(out, "WP_DEBUG_LOG", "'/tmp/$x.log'")
	require.NoError(t, err)
	v, _ := getConstant(out, "WP_DEBUG")
	require.Equal(t, "true", v, "WP_DEBUG is replaced")
	v, _ = getConstant(out, "WP_DEBUG_LOG")
	require.Equal(t, "'/tmp/$x.log'", v, "WP_DEBUG_LOG is added, in\n%s", out)
	require.Less(t, strings.Index(string(out), "WP_DEBUG_LOG"), strings.Index(string(out), "stop editing"),
		"the new constant goes above the stop-editing line")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	c, _ := Builtin()
	for _, s := range c.All() {
		b, _ := builtin.ReadFile("catalog/" + s.ID + "/scenario.yaml")
		f.Add(b)
	}
	f.Add([]byte("inject: [{wait: {for: [1]}}]"))
	f.Add([]byte("expect: [{rule: [a]}]\ntabletop: [{at: x}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err == nil {
			require.NotEmpty(t, s.ID, "an accepted scenario has an id: %+v", s)
			require.NotEmpty(t, s.Title, "an accepted scenario has a title: %+v", s)
			require.NotEmpty(t, s.Inject, "an accepted scenario has an inject: %+v", s)
			require.NotEmpty(t, s.Expect, "an accepted scenario has expectations: %+v", s)
			require.NotEmpty(t, s.Verify, "an accepted scenario has checks: %+v", s)
			return
		}
		var ps Problems
		require.ErrorAs(t, err, &ps, "the error holds problems")
		require.NotEmpty(t, ps, "the error holds problems: %v", err)
		for _, p := range ps {
			require.Equal(t, "fuzz.yaml", p.File, "the problem names the file: %+v", p)
			require.NotEmpty(t, p.Msg, "the problem says what is wrong: %+v", p)
		}
	})
}
