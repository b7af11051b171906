package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeRule(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
}

func TestRulesCLI(t *testing.T) {
	rule := "title: t\nname: bad-rule\nlevel: high\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-uri-stemm|endswith: .php\n  condition: sel\n"
	bad := t.TempDir()
	writeRule(t, bad, "bad.yml", rule)
	mine := t.TempDir()
	writeRule(t, mine, "webshell-request.yml", strings.Replace(strings.Replace(rule, "bad-rule", "webshell-request", 1), "cs-uri-stemm", "cs-uri-stem", 1))
	// A second folder as the community publishes rules: no name (the id is
	// derived from the file name), a UUID, and one rule for a proxy log.
	community := t.TempDir()
	writeRule(t, community, "web_susp_php_in_uploads.yml", "title: PHP in uploads\nid: 0b4b8b6e-5a0c-4f5e-9d5a-3c2b1a0f9e8d\nstatus: test\nlogsource:\n  category: webserver\ndetection:\n  selection:\n    cs-uri-stem|contains: /uploads/\n    cs-uri-query: null\n  condition: selection\nlevel: medium\n")
	writeRule(t, community, "proxy_susp_ua.yml", "title: Proxy UA\nid: 1c5c9c7f-6b1d-4a6f-8e6b-4d3c2b1a0f9e\nlogsource:\n  category: proxy\ndetection:\n  selection:\n    c-useragent: x\n  condition: selection\nlevel: low\n")

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		notStdout  []string
		jsonOutput bool
	}{
		{name: "validate the shipped pack", args: []string{"rules", "validate", filepath.Join("..", "..", "rules")}, stdout: []string{"rules OK"}, notStdout: []string{"not applicable"}},
		{name: "validate a bad pack", args: []string{"rules", "validate", bad}, code: 2, stderr: []string{filepath.Join(bad, "bad.yml") + `:8:5: search sel: field "cs-uri-stemm"`}},
		{name: "validate lists not-applicable rules", args: []string{"rules", "validate", community},
			stdout: []string{"2 rules OK, 1 not applicable", "proxy-susp-ua (" + filepath.Join(community, "proxy_susp_ua.yml") + "): logsource", "no forward proxy"}},
		{name: "validate --strict refuses them at file:line:col", args: []string{"rules", "validate", "--strict", community}, code: 2,
			stderr: []string{filepath.Join(community, "proxy_susp_ua.yml") + ":4:3: not applicable (--strict)"}},
		{name: "list takes several --rules", args: []string{"rules", "list", "--rules", mine, "--rules", community},
			stdout: []string{"web-susp-php-in-uploads", "proxy-susp-ua", "not applicable", "pan-in-database"}, stderr: []string{"webshell-request: replaced"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout %q stderr %q", r.stdout, r.stderr)
			for _, s := range tt.stdout {
				assert.Contains(t, r.stdout, s)
			}
			for _, s := range tt.notStdout {
				assert.NotContains(t, r.stdout, s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, r.stderr, s)
			}
		})
	}

	t.Run("list --json with both folders", func(t *testing.T) {
		r := runCLI(t, nil, "rules", "list", "--json", "--rules", mine, "--rules", community)
		require.Equal(t, 0, r.code, r.stderr)
		var out struct {
			Hash       string   `json:"hash"`
			Overridden []string `json:"overridden"`
			Rules      []struct {
				ID, Kind, Source, Severity string
				SigmaID                    string `json:"sigma_id"`
				NotApplicable              string `json:"not_applicable"`
			} `json:"rules"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
		assert.Len(t, out.Hash, 64)
		assert.Equal(t, []string{"webshell-request"}, out.Overridden)
		byID := map[string]int{}
		for i, x := range out.Rules {
			byID[x.ID] = i
		}
		require.Contains(t, byID, "web-susp-php-in-uploads", "the first --rules folder must not be dropped")
		assert.Equal(t, "0b4b8b6e-5a0c-4f5e-9d5a-3c2b1a0f9e8d", out.Rules[byID["web-susp-php-in-uploads"]].SigmaID)
		require.Contains(t, byID, "proxy-susp-ua")
		assert.Contains(t, out.Rules[byID["proxy-susp-ua"]].NotApplicable, "no forward proxy")
	})
}
