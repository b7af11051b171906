package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinCatalogue(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatalf("shipped catalogue does not load:\n%v", err)
	}
	want := []string{"ajax-sqli-exfiltration", "debug-log-exposure", "exposed-db-backup", "graphql-pii-harvest",
		"payment-webhook-forgery", "pii-in-options-transients", "plaintext-pan-order-meta", "rest-user-enumeration", "rogue-admin-bulk-export",
		"rogue-admin-bulk-export-no-audit", "rogue-plugin-backdoor", "shared-hosting-cross-tenant", "sqlmap-ajax-sqli", "tampered-plugin-update",
		"waf-detection-only-sqli"}
	var got []string
	for _, s := range c.All() {
		got = append(got, s.ID)
		if len(s.Tabletop) == 0 || len(s.Objectives) == 0 || len(s.Controls) == 0 {
			t.Errorf("%s: every shipped scenario needs tabletop injects, objectives and controls", s.ID)
		}
		if s.Hash == "" || s.Artifacts == nil {
			t.Errorf("%s: no hash or artifacts", s.ID)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("catalogue ids\n got %v\nwant %v", got, want)
	}
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
			if err == nil {
				t.Fatal("accepted a broken file")
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want Problems", err)
			}
			for _, p := range ps {
				if strings.Contains(p.Msg, tt.contains) {
					if p.Line != tt.line {
						t.Errorf("reported at line %d, want %d: %v", p.Line, tt.line, p)
					}
					if !strings.HasPrefix(p.Error(), "x.yaml:") {
						t.Errorf("no file name: %v", p)
					}
					return
				}
			}
			t.Fatalf("no problem mentions %q:\n%v", tt.contains, err)
		})
	}
	if _, err := Parse("x.yaml", []byte(good)); err != nil {
		t.Fatalf("good file rejected: %v", err)
	}
}

func TestUnknownRuleAndOverrides(t *testing.T) {
	dir := t.TempDir()
	override := strings.Replace(good, "id: sample", "id: debug-log-exposure", 1)
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(override), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(good), 0o644)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Overrides) != 1 || c.Overrides[0].ID != "debug-log-exposure" {
		t.Fatalf("override not reported: %+v", c.Overrides)
	}
	s, _ := c.Get("debug-log-exposure")
	if s.Title != "A sample" {
		t.Fatal("user file did not replace the shipped scenario")
	}
	err = c.CheckRules([]*Scenario{s}, func(id string) bool { return id == "r2" }, []string{"r2"})
	if err == nil || !strings.Contains(err.Error(), `a.yaml:7:`) || !strings.Contains(err.Error(), `unknown rule id "r1" (did you mean "r2"?)`) {
		t.Fatalf("unknown rule not reported at its position: %v", err)
	}

	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(good), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `duplicate id "sample"`) {
		t.Fatalf("duplicate id not reported: %v", err)
	}
}

func TestShard(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	all := c.All()
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		part, err := Shard(all, k, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(part) < len(all)/3 || len(part) > len(all)/3+1 {
			t.Errorf("shard %d/3 has %d of %d", k, len(part), len(all))
		}
		again, _ := Shard(all, k, 3)
		for i := range part {
			seen[part[i].ID]++
			if again[i].ID != part[i].ID {
				t.Fatal("sharding is not deterministic")
			}
		}
	}
	if len(seen) != len(all) {
		t.Fatalf("shards cover %d of %d scenarios", len(seen), len(all))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s in %d shards", id, n)
		}
	}
	for _, bad := range [][2]int{{0, 3}, {4, 3}, {1, 0}} {
		if _, err := Shard(all, bad[0], bad[1]); err == nil {
			t.Errorf("shard %d/%d accepted", bad[0], bad[1])
		}
	}
}

// Salts may hold ")", ";" and quotes; replacing one must replace all of it.
func TestSetConstantWithAwkwardValues(t *testing.T) {
	for _, old := range []string{`'a);b'`, `'x\'); define(y'`, `"q);\"z"`, `'$1${2}\\'`} {
		src := []byte("<?php\ndefine( 'AUTH_KEY', " + old + " );\ndefine( 'NEXT', 1 );\n")
		out, err := setConstant(src, "AUTH_KEY", phpString("new);value$1"))
		if err != nil {
			t.Fatal(err)
		}
		want := "<?php\ndefine( 'AUTH_KEY', 'new);value$1' );\ndefine( 'NEXT', 1 );\n"
		if string(out) != want {
			t.Errorf("replacing %s:\n got %q\nwant %q", old, out, want)
		}
		if v, ok := getConstant(src, "AUTH_KEY"); !ok || v != old {
			t.Errorf("getConstant = %q, want %q", v, old)
		}
	}
}

func TestSetConstant(t *testing.T) {
	src := []byte("<?php\ndefine( 'WP_DEBUG', false );\n/* That's all, stop editing! */\nrequire_once ABSPATH . 'wp-settings.php';\n")
	out, err := setConstant(src, "WP_DEBUG", "true")
	if err != nil {
		t.Fatal(err)
	}
	out, err = setConstant(out, "WP_DEBUG_LOG", "'/tmp/$x.log'")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := getConstant(out, "WP_DEBUG"); v != "true" {
		t.Fatalf("WP_DEBUG = %q", v)
	}
	if v, _ := getConstant(out, "WP_DEBUG_LOG"); v != "'/tmp/$x.log'" {
		t.Fatalf("WP_DEBUG_LOG = %q in\n%s", v, out)
	}
	if strings.Index(string(out), "WP_DEBUG_LOG") > strings.Index(string(out), "stop editing") {
		t.Fatal("new constant added below the stop-editing line")
	}
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
			if s.ID == "" || s.Title == "" || len(s.Inject) == 0 || len(s.Expect) == 0 || len(s.Verify) == 0 {
				t.Fatalf("accepted a scenario without its required parts: %+v", s)
			}
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("error without problems: %v", err)
		}
		for _, p := range ps {
			if p.File != "fuzz.yaml" || p.Msg == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
		}
	})
}
