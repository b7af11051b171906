package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesCLI(t *testing.T) {
	bad := t.TempDir()
	rule := "title: t\nname: bad-rule\nlevel: high\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-uri-stemm|endswith: .php\n  condition: sel\n"
	if err := os.WriteFile(filepath.Join(bad, "bad.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := t.TempDir()
	override := strings.Replace(strings.Replace(rule, "bad-rule", "webshell-request", 1), "cs-uri-stemm", "cs-uri-stem", 1)
	if err := os.WriteFile(filepath.Join(mine, "webshell-request.yml"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, nil, "rules", "validate", filepath.Join("..", "..", "rules"))
	if r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), "rules OK") {
		t.Errorf("validate the shipped pack: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "rules", "validate", bad)
	if want := filepath.Join(bad, "bad.yml") + `:8:5: search sel: field "cs-uri-stemm"`; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("validate a bad pack: exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
	}

	r = runCLI(t, nil, "rules", "list", "--json", "--rules", mine)
	var out struct {
		Hash       string   `json:"hash"`
		Overridden []string `json:"overridden"`
		Rules      []struct {
			ID, Kind, Source, Severity string
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("rules list --json: exit %d, %v: %s", r.code, err, r.stderr)
	}
	if len(out.Hash) != 64 || len(out.Rules) < 30 || strings.Join(out.Overridden, ",") != "webshell-request" {
		t.Errorf("list: hash %q, %d rules, overridden %v", out.Hash, len(out.Rules), out.Overridden)
	}
	r = runCLI(t, nil, "rules", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "pan-in-database") || !strings.Contains(r.stdout, "SEVERITY") {
		t.Errorf("rules list: exit %d, %q", r.code, r.stdout)
	}
}
