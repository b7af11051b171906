// Package docgen writes the generated parts of docs/: the reference of
// scenario actions and checks and the JSON Schemas of scenario files and
// state-check rule files. `go generate ./scenarios` runs it; a test fails
// while the published files differ from what it generates.
package docgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/scenarios"
)

// StateCheckSchemaFile is where the state-check schema is published.
const StateCheckSchemaFile = "docs/schema/state-check.schema.json"

// Files returns every generated file under root by its path from root:
// the reference, the schemas, the generated blocks of the guides, and
// shipped scenario files that lack the schema header (with it added).
func Files(root string) (map[string][]byte, error) {
	sc, err := scenarios.JSONSchema()
	if err != nil {
		return nil, err
	}
	st, err := StateCheckSchema()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		scenarios.ReferenceFile: []byte(scenarios.Markdown()),
		scenarios.SchemaFile:    sc,
		StateCheckSchemaFile:    st,
	}
	guide, err := os.ReadFile(filepath.Join(root, CIGuideFile))
	if err != nil {
		return nil, err
	}
	table, err := ShardTable(3)
	if err != nil {
		return nil, err
	}
	if guide, err = replaceBlock(guide, "shard-table", table); err != nil {
		return nil, fmt.Errorf("%s: %w", CIGuideFile, err)
	}
	files[CIGuideFile] = guide
	shipped, err := filepath.Glob(filepath.Join(root, "scenarios", "catalog", "*", "scenario.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range shipped {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(b, []byte(scenarios.SchemaHeader)) {
			rel, _ := filepath.Rel(root, f)
			files[filepath.ToSlash(rel)] = append([]byte(scenarios.SchemaHeader), b...)
		}
	}
	return files, nil
}

// CIGuideFile holds the shard table generated from the catalogue.
const CIGuideFile = "docs/run-in-ci.md"

// ShardTable is a Markdown table of how --shard K/n deals the shipped
// catalogue.
func ShardTable(n int) (string, error) {
	cat, err := scenarios.Builtin()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| shard | scenarios |\n|---|---|\n")
	for k := 1; k <= n; k++ {
		part, err := scenarios.Shard(cat.All(), k, n)
		if err != nil {
			return "", err
		}
		ids := make([]string, len(part))
		for i, s := range part {
			ids[i] = s.ID
		}
		fmt.Fprintf(&b, "| %d/%d | %s |\n", k, n, strings.Join(ids, ", "))
	}
	return b.String(), nil
}

// replaceBlock puts content between <!-- generated: name --> and
// <!-- /generated --> in a Markdown page.
func replaceBlock(page []byte, name, content string) ([]byte, error) {
	begin, end := "<!-- generated: "+name+" -->\n", "<!-- /generated -->"
	s := string(page)
	i := strings.Index(s, begin)
	if i < 0 {
		return nil, fmt.Errorf("no %q block", name)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return nil, fmt.Errorf("block %q is not closed with %s", name, end)
	}
	return []byte(s[:i+len(begin)] + content + s[i+j:]), nil
}

// Write writes every generated file under root and returns their paths.
func Write(root string) ([]string, error) {
	files, err := Files(root)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, p := range sortedPaths(files) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

func sortedPaths(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type obj = map[string]any

func list(items ...any) []any { return items }

func strOrList(item obj) obj {
	return obj{"anyOf": list(item, obj{"type": "array", "items": item})}
}

func scalar(desc string) obj {
	return obj{"type": list("string", "number", "boolean"), "description": desc}
}

// durationPattern is what the rule loader accepts: Go durations, or days
// like 1d.
const durationPattern = `^(([0-9]+(\.[0-9]*)?|\.[0-9]+)d|0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

func duration(desc string) obj {
	return obj{"type": "string", "pattern": durationPattern, "description": desc}
}

func closed(props obj, required ...any) obj {
	o := obj{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// StateCheckSchema is the JSON Schema of a state-check rule file (rules/
// checks/*.yml and the same files in a user's --rules DIR). It follows the
// loader in harness/detect/checks.go key by key; rules/README.md says what
// each key does.
func StateCheckSchema() ([]byte, error) {
	status := obj{"type": "integer", "minimum": 100, "maximum": 599}
	bodyMatchers := func(desc string) obj {
		return obj{"type": "array", "description": desc, "items": obj{"oneOf": list(
			closed(obj{"regex": obj{"type": "string", "description": "regular expression (Go RE2) the body must match"}}, "regex"),
			closed(obj{"magic": obj{"enum": list("gzip", "zip", "7z", "bzip2", "xz", "tar", "sql"), "description": "the body starts like a file of this kind"}}, "magic"),
		)}}
	}
	strs := func(desc string) obj { return strOrList(scalar(desc)) }
	http := closed(obj{
		"paths":        strOrList(obj{"type": "string", "pattern": "^/", "description": "URL path requested every interval"}),
		"files":        strOrList(obj{"type": "string", "pattern": "^/", "description": "URL path of a docroot file: requested while file integrity sees the file, else every unseen_every"}),
		"discover":     obj{"type": "object", "additionalProperties": false, "anyOf": list(obj{"required": list("extensions")}, obj{"required": list("names")}), "properties": obj{"extensions": strOrList(obj{"type": "string", "pattern": `^\.`, "description": "file extension with its dot, like .sql.gz"}), "names": strs("base-name glob, like wp-config*"), "listings": strs("folder whose Apache directory listing is read for more files"), "target": obj{"enum": list("files", "dirs"), "description": "probe what was found (files) or the folders holding it (dirs)"}}},
		"unseen_every": duration("how often files not seen in the docroot are probed anyway (default 30s)"),
	})
	http["anyOf"] = list(obj{"required": list("paths")}, obj{"required": list("files")}, obj{"required": list("discover")})
	httpCond := closed(obj{
		"status":             strOrList(status),
		"body_any":           bodyMatchers("fires when any matcher matches"),
		"body_all":           bodyMatchers("fires when every matcher matches"),
		"new_since_baseline": obj{"type": "string", "description": "regular expression with a capturing group: fires on values not seen at the baseline"},
	}, "status")
	count := func(desc string) obj {
		return obj{"type": "integer", "minimum": 1, "maximum": 1000000, "description": desc}
	}
	digits := func(desc string) obj {
		return obj{"type": "integer", "minimum": 12, "maximum": 19, "description": desc}
	}
	sql := closed(obj{"queries": obj{"type": "array", "minItems": 1, "items": closed(obj{
		"tables": obj{"anyOf": list(scalar("table"), obj{"type": "array", "minItems": 1, "items": scalar("table")}), "description": "tables the query reads, without the prefix; a change to them makes it run again"},
		"select": obj{"type": "string", "pattern": `^\s*(?i:select)\b`, "description": "one SELECT returning (label, value) rows; {prefix} and {table} are filled in"},
	}, "tables", "select")}}, "queries")
	sqlCond := closed(obj{
		"luhn_pan":              closed(obj{"min_digits": digits("default 13"), "max_digits": digits("default 19")}),
		"pii":                   closed(obj{"min_emails": count("e-mail addresses in one value that fire"), "min_phones": count("phone numbers in one value that fire"), "canaries": obj{"type": "boolean", "description": "fire on any canary record of the dataset"}}),
		"differs_from_baseline": obj{"type": "boolean", "description": "fire when the set of labels differs from the baseline's"},
		"since_baseline":        obj{"type": "boolean", "description": "skip rows unchanged since the baseline"},
	})
	sqlCond["oneOf"] = list(obj{"required": list("luhn_pan")}, obj{"required": list("pii")}, obj{"required": list("differs_from_baseline")})
	constConds := obj{"type": "array", "items": closed(obj{
		"constant": obj{"type": "string", "minLength": 1, "description": "a PHP constant, like WP_DEBUG"},
		"is":       obj{"type": list("string", "number", "boolean", "null"), "description": "the value that fires"},
		"default":  obj{"type": list("string", "number", "boolean", "null"), "description": "the constant's value when the file does not define it"},
	}, "constant", "is")}
	config := closed(obj{"file": obj{"type": list("string", "number"), "minLength": 1, "description": "PHP file relative to the docroot, like wp-config.php"}}, "file")
	configCond := closed(obj{"all": constConds, "any": constConds})
	configCond["anyOf"] = list(obj{"required": list("all")}, obj{"required": list("any")})
	glob := obj{"type": "string", "pattern": "^[^/]", "description": "docroot path glob; ** stands for any number of folders"}
	file := closed(obj{"globs": obj{"anyOf": list(glob, obj{"type": "array", "minItems": 1, "items": glob})}, "exclude": strOrList(glob)}, "globs")
	fileCond := closed(obj{"exists": obj{"const": true}, "content_regex": obj{"type": "string", "description": "fire only on files whose content matches"}}, "exists")

	kinds := []struct {
		kind      string
		body, con obj
	}{{"http", http, httpCond}, {"sql", sql, sqlCond}, {"config", config, configCond}, {"file", file, fileCond}}
	props := obj{
		"id":          obj{"type": "string", "pattern": `^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`, "description": "the rule id scenario files expect"},
		"title":       obj{"type": list("string", "number"), "minLength": 1, "description": "one line"},
		"description": scalar("what fires it and why it matters"),
		"severity":    obj{"enum": list("informational", "low", "medium", "high", "critical")},
		"kind":        obj{"enum": list("http", "sql", "config", "file"), "description": "what the check looks at; the section of the same name says how"},
		"interval":    duration("how often it runs (at least 100ms; default the engine's, 1s)"),
		"tags":        strs("tag, like attack.t1005"),
		"condition":   obj{"type": "object", "description": "what makes it fire; its keys depend on kind"},
	}
	var branches []any
	for _, k := range kinds {
		props[k.kind] = obj{"type": "object", "description": "for kind: " + k.kind}
		var others []any
		for _, o := range kinds {
			if o.kind != k.kind {
				others = append(others, obj{"required": list(o.kind)})
			}
		}
		branches = append(branches, obj{
			"if":   obj{"properties": obj{"kind": obj{"const": k.kind}}, "required": list("kind")},
			"then": obj{"required": list(k.kind), "properties": obj{k.kind: k.body, "condition": k.con}, "not": obj{"anyOf": others}},
		})
	}
	doc := obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "breachdrill state check",
		"description":          "A state check: a probe of the stack (http, sql, config or file) run on an interval. See rules/README.md and docs/write-rules.md.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             list("id", "title", "severity", "kind", "condition"),
		"properties":           props,
		"allOf":                branches,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("state-check schema: %w", err)
	}
	return buf.Bytes(), nil
}
