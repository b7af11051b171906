package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The reference for people who write scenario files, generated from the
// registry: the Markdown page (docs/reference/scenario-actions.md, also
// `breachdrill scenarios actions --markdown`) and the JSON Schema editors
// use (docs/schema/scenario.schema.json). Run `go generate ./scenarios`
// after changing an action, a check or an argument; a test fails while the
// published files differ from what the registry generates.
//
//go:generate go run ../internal/docgen/gen -root ..

// Entry documents one action or check.
type Entry struct {
	Name      string
	Doc       string
	Shorthand string // the argument a bare value stands for ("" if none)
	Example   string // one list item, as a scenario file writes it
	Args      []Arg
	// Constants: the arguments are wp-config.php constants by name
	// ({WP_DEBUG: true}) rather than fixed names.
	Constants bool
}

// Arg documents one argument of an action or check.
type Arg struct {
	Name     string
	Type     string // as a reader says it: string, integer, duration, list of integers, ...
	Doc      string
	Default  string
	Required bool
	// Templated says which placeholders the value may use: "" none, "yes"
	// those of Placeholders, "i" those and {{i}} (the repeat counter).
	Templated string
	Enum      []string
	Pattern   string
	Min, Max  *int

	schema map[string]any
}

// Placeholder is a {{name}} a scenario file may write in templated values.
type Placeholder struct {
	Name, Means, Example string
}

// Placeholders lists what Env.Expand fills in (and {{i}}, which
// http.request fills in per repetition).
var Placeholders = []Placeholder{
	{"{{prefix}}", "the stack's table prefix", "wp_"},
	{"{{date}}", "today's date (UTC) as YYYYMMDD, when the step runs", "20261130"},
	{"{{admin_user}}", "the login of the stack's administrator (random per run)", "drilladmin"},
	{"{{i}}", "in http.request (path, query, body, form, json), the repetition: 1, 2, ... repeat; 1 in the HTTP checks", "3"},
}

// Actions documents every action, by name.
func Actions() []Entry { return entries(actionRegistry) }

// Checks documents every check, by name.
func Checks() []Entry { return entries(checkRegistry) }

func entries[T any](reg map[string]spec[T]) []Entry {
	var out []Entry
	for _, name := range sortedKeys(reg) {
		sp := reg[name]
		e := Entry{Name: name, Doc: sp.doc, Shorthand: sp.shorthand, Example: sp.example}
		v := any(sp.new())
		if _, ok := v.(interface{ constantsArgs() }); ok {
			e.Constants = true
		} else {
			walkArgs(reflect.TypeOf(v), func(n string, f reflect.StructField) { e.Args = append(e.Args, describeArg(n, f)) })
		}
		out = append(out, e)
	}
	return out
}

// scalar is what a string argument accepts: YAML reads an unquoted 123
// or true into a string field as written.
func scalar() map[string]any { return map[string]any{"type": []any{"string", "number", "boolean"}} }

// durationPattern is what time.ParseDuration accepts, without a sign.
const durationPattern = `^(0|([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`

var (
	durationType = reflect.TypeOf(time.Duration(0))
	paramsType   = reflect.TypeOf(params{})
	intListType  = reflect.TypeOf(intList{})
)

func describeArg(name string, f reflect.StructField) Arg {
	a := Arg{Name: name, Doc: f.Tag.Get("doc"), Default: f.Tag.Get("default"), Required: f.Tag.Get("bd") == "required",
		Templated: f.Tag.Get("tmpl"), Pattern: f.Tag.Get("pattern")}
	if e := f.Tag.Get("enum"); e != "" {
		a.Enum = strings.Split(e, ",")
	}
	for tag, dst := range map[string]**int{"min": &a.Min, "max": &a.Max} {
		if v, err := strconv.Atoi(f.Tag.Get(tag)); err == nil {
			*dst = &v
		}
	}
	switch t := f.Type; {
	case t == durationType:
		a.Type, a.schema = "duration", map[string]any{"type": "string", "pattern": durationPattern}
	case t == paramsType:
		a.Type = "mapping or string"
		a.schema = map[string]any{"anyOf": []any{scalar(), map[string]any{"type": "object", "additionalProperties": scalar()}}}
	case t == intListType:
		a.Type = "integer or list of integers"
		a.schema = map[string]any{"anyOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}}}
	case t.Kind() == reflect.String:
		a.Type, a.schema = "string", scalar()
	case t.Kind() == reflect.Int:
		a.Type, a.schema = "integer", map[string]any{"type": "integer"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Int:
		a.Type, a.schema = "list of integers", map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		a.Type, a.schema = "list of strings", map[string]any{"type": "array", "items": scalar()}
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.String:
		a.Type, a.schema = "mapping of strings", map[string]any{"type": "object", "additionalProperties": scalar()}
	case t.Kind() == reflect.Bool:
		a.Type, a.schema = "boolean", map[string]any{"type": "boolean"}
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		a.Type, a.schema = "number", map[string]any{"type": "number"}
	default:
		// A type this table does not know yet is documented loosely
		// rather than refused: TestReferenceDocumentsEveryArgument names
		// it, so it gets a precise entry here.
		a.Type, a.schema = "value ("+t.String()+")", map[string]any{}
	}
	if a.Pattern != "" {
		a.schema["pattern"] = a.Pattern
		// The pattern only constrains strings; YAML reads an unquoted 644
		// as a number, which the field receives as written. Numbers stay
		// allowed only where digits could match.
		if !regexp.MustCompile(a.Pattern).MatchString("644") {
			a.schema["type"] = "string"
		}
	}
	if len(a.Enum) > 0 {
		a.schema["enum"] = toAny(a.Enum)
	}
	if a.Min != nil {
		a.schema["minimum"] = *a.Min
	}
	if a.Max != nil {
		a.schema["maximum"] = *a.Max
	}
	if a.Doc != "" {
		a.schema["description"] = a.Doc
	}
	if a.Default != "" {
		a.schema["default"] = a.Default
		if a.Type == "integer" {
			if n, err := strconv.Atoi(a.Default); err == nil {
				a.schema["default"] = n
			}
		}
	}
	return a
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// ---- JSON Schema -------------------------------------------------------------

// SchemaFile is where the scenario schema is published, relative to the
// repository root; shipped scenario files point at it.
const SchemaFile = "docs/schema/scenario.schema.json"

// SchemaHeader is the first line of every shipped scenario file: it points
// editors that use the YAML language server at the published schema.
const SchemaHeader = "# yaml-language-server: $schema=../../../" + SchemaFile + "\n"

// JSONSchema is the JSON Schema (draft-07, what editors support best) of a scenario file, for
// editors (yaml-language-server) and for other tools. It says what
// `scenarios validate` says about a file's shape; checks that need more than
// the file (does an expected rule exist in the pack, is an artifact there)
// stay with validate.
func JSONSchema() ([]byte, error) {
	stringOrList := func(item map[string]any) map[string]any {
		return map[string]any{"anyOf": []any{item, map[string]any{"type": "array", "items": item}}}
	}
	withPattern := func(p, desc string) map[string]any {
		return map[string]any{"type": "string", "pattern": p, "description": desc}
	}
	duration := func(desc string) map[string]any {
		return map[string]any{"type": "string", "pattern": durationPattern, "description": desc}
	}
	described := func(desc string) map[string]any {
		s := scalar()
		s["description"] = desc
		return s
	}
	steps := func(desc string) map[string]any {
		return map[string]any{"type": "array", "description": desc, "items": map[string]any{"$ref": "#/definitions/action"}}
	}
	preconds := toAny(sortedKeys(knownPreconditions))
	props := map[string]any{
		"id":           withPattern(idPattern.String(), "lower-case words joined by '-', like debug-log-exposure; a shipped id replaces the shipped scenario"),
		"title":        described("one line: what happens"),
		"summary":      described("a paragraph for the report and the console"),
		"severity":     map[string]any{"enum": toAny(Severities), "description": "how bad the breach is"},
		"attack":       stringOrList(withPattern(attackPattern.String(), "MITRE ATT&CK technique id, like T1552.001")),
		"seed_pattern": described("the failure pattern this scenario enacts"),
		"data_at_risk": stringOrList(described("kind of data at risk; customer-pii, card-numbers, billing-addresses, email-addresses and order-history start the notification clocks, card-numbers makes PCI DSS 12.10.7 apply")),
		"controls":     stringOrList(withPattern(controlPattern.String(), "framework:control the exercise gives evidence for, like SOC2:CC7.4, ISO27001:5.26, PCI:12.10.7, GDPR:33, DORA:19")),
		"objectives":   stringOrList(described("an exercise objective, rated P/S/M/U in the hot wash")),
		"preconditions": stringOrList(map[string]any{"enum": preconds,
			"description": "what the stack must offer: " + strings.Join(sortedKeys(knownPreconditions), ", ")}),
		"warmup":         steps("set-up the breach needs that is not the attack (a second tenant, the shop's gateway): runs before the clean baseline window, untimed"),
		"inject":         steps("the attack: actions run in order; T0 is the start of the first"),
		"expect":         map[string]any{"type": "array", "minItems": 1, "description": "rules that must fire", "items": map[string]any{"$ref": "#/definitions/expectation"}},
		"contain_within": duration("deadline for containment after the first alert (default 2m)"),
		"respond":        steps("the playbook: actions run in order after detection"),
		"verify":         map[string]any{"type": "array", "minItems": 1, "description": "checks that prove containment", "items": map[string]any{"$ref": "#/definitions/check"}},
		"revert":         steps("actions that put back what the reset point does not cover"),
		"tabletop":       map[string]any{"type": "array", "description": "timed narrative for a discussion exercise, in time order", "items": map[string]any{"$ref": "#/definitions/tabletopInject"}},
		"attacker_steps": map[string]any{"type": "array", "description": "the attack's steps as an investigator must establish them, each with the logs or rules that would show it; scored after the run against what was really recorded", "items": map[string]any{"$ref": "#/definitions/attackerStep"}},
	}
	defs := map[string]any{
		"action": registrySchema(Actions(), "an action: a mapping with one key, the action's name"),
		"check":  registrySchema(Checks(), "a check: a mapping with one key, the check's name"),
		"expectation": map[string]any{
			"type": "object", "additionalProperties": false, "required": []any{"rule"},
			"properties": map[string]any{
				"rule":   map[string]any{"type": []any{"string", "number"}, "minLength": 1, "description": "id of a rule in the pack (breachdrill rules list)"},
				"within": duration("deadline from the start of the inject step that caused the alert (default 30s)"),
			},
		},
		"attackerStep": map[string]any{
			"type": "object", "additionalProperties": false, "required": []any{"id", "what", "evidence"},
			"properties": map[string]any{
				"id":   withPattern(idPattern.String(), "lower-case words joined by '-', like admin-created"),
				"what": described("what the attacker did, in a line"),
				"evidence": map[string]any{"type": "array", "minItems": 1, "description": "traces the step would leave", "items": map[string]any{
					"type": "object", "additionalProperties": false,
					"oneOf": []any{map[string]any{"required": []any{"log"}}, map[string]any{"required": []any{"rule"}}},
					"properties": map[string]any{
						"log":   map[string]any{"enum": toAny(evidenceLogs()), "description": "a log of the stack; its lines written from T0 to the response are searched"},
						"rule":  map[string]any{"type": "string", "minLength": 1, "description": "id of a rule in the pack; its alerts after the inject are searched (file integrity, state)"},
						"match": described("regular expression the log line or a matched event must match; empty matches any"),
					},
				}},
			},
		},
		"tabletopInject": map[string]any{
			"type": "object", "additionalProperties": false, "required": []any{"say"},
			"properties": map[string]any{
				"at":     duration("when, from the start of the scenario (0m, 5m, 15m)"),
				"say":    described("what the room hears"),
				"ask":    stringOrList(described("a question for the room")),
				"expect": stringOrList(described("a decision the facilitator looks for")),
			},
		},
	}
	required := []any{"id", "title", "severity", "inject", "expect", "respond", "verify"}
	doc := map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "breachdrill scenario",
		"description":          "One breach: inject, expected detections, response playbook, containment checks, tabletop injects. Generated from the registry in scenarios/; see docs/reference/scenario-actions.md.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             required,
		"properties":           props,
		"definitions":          defs,
	}
	return marshalSchema(doc)
}

// registrySchema is the schema of one list item: exactly one key, an entry's
// name, whose value is its arguments.
func registrySchema(list []Entry, desc string) map[string]any {
	props := map[string]any{}
	for _, e := range list {
		props[e.Name] = entrySchema(e)
	}
	return map[string]any{"type": "object", "description": desc, "minProperties": 1, "maxProperties": 1,
		"additionalProperties": false, "properties": props}
}

func entrySchema(e Entry) map[string]any {
	desc := e.Doc
	if e.Example != "" {
		desc += "\nExample: - " + e.Example
	}
	var shapes []any
	if e.Constants {
		shapes = append(shapes, map[string]any{
			"type": "object", "minProperties": 1,
			"propertyNames":        map[string]any{"pattern": constName.String()},
			"additionalProperties": map[string]any{"type": []any{"string", "number", "boolean", "null"}},
		})
		return map[string]any{"description": desc + "\nArguments: wp-config.php constants by name, with true/false, a number or a string.", "anyOf": shapes}
	}
	props := map[string]any{}
	var required []any
	for _, a := range e.Args {
		props[a.Name] = a.schema
		if a.Required {
			required = append(required, a.Name)
		}
	}
	args := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		args["required"] = required
	}
	if rules := argRules(e.Name); len(rules) > 0 {
		args["allOf"] = rules
	}
	shapes = append(shapes, args)
	if len(required) == 0 {
		shapes = append(shapes, map[string]any{"type": "null"})
	}
	if e.Shorthand != "" {
		for _, a := range e.Args {
			if a.Name == e.Shorthand {
				shapes = append(shapes, a.schema)
			}
		}
		desc += "\nShorthand: a single value stands for " + e.Shorthand + "."
	}
	return map[string]any{"description": desc, "anyOf": shapes}
}

// argRules are the constraints between arguments that their validate
// methods enforce, in schema form.
func argRules(name string) []any {
	oneBody := map[string]any{"not": map[string]any{"anyOf": []any{
		map[string]any{"required": []any{"body", "form"}},
		map[string]any{"required": []any{"body", "json"}},
		map[string]any{"required": []any{"form", "json"}},
	}}}
	switch name {
	case "file.write":
		return []any{map[string]any{"oneOf": []any{
			map[string]any{"required": []any{"content"}},
			map[string]any{"required": []any{"artifact"}},
		}}}
	case "http.request", "http.status", "http.absent", "waf.blocks":
		return []any{oneBody}
	case "waf.rule":
		return []any{map[string]any{"anyOf": []any{
			map[string]any{"required": []any{"path"}},
			map[string]any{"required": []any{"args"}},
		}}}
	}
	return nil
}

func marshalSchema(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---- Markdown ------------------------------------------------------------------

// ReferenceFile is where the Markdown reference is published.
const ReferenceFile = "docs/reference/scenario-actions.md"

// Markdown is the reference page of every action and check: arguments with
// their types, defaults and descriptions, and an example each.
func Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Scenario actions and checks\n\n")
	w("<!-- Generated from the registry in scenarios/ by `go generate ./scenarios`\n")
	w("     (or `breachdrill scenarios actions --markdown`). Do not edit by hand. -->\n\n")
	w("Every step of `inject:`, `respond:` and `revert:` is an **action**; every item of\n")
	w("`verify:` is a **check**. Each is a list item with one key, its name, whose value\n")
	w("is a mapping of arguments:\n\n")
	w("```yaml\ninject:\n  - http.request: {path: /wp-content/debug.log, want_status: [200]}\n```\n\n")
	w("An entry with a *shorthand* also takes a single value, which stands for that\n")
	w("argument (`- file.delete: wp-content/debug.log`). An entry whose arguments are\n")
	w("all optional may be written with `{}`. Values marked *templated* may use the\n")
	w("placeholders below. The guide is [Write a scenario](../write-a-scenario.md); the\n")
	w("JSON Schema editors use is [`scenario.schema.json`](../schema/scenario.schema.json).\n\n")
	w("## Placeholders\n\n| placeholder | stands for | e.g. |\n|---|---|---|\n")
	for _, p := range Placeholders {
		w("| `%s` | %s | `%s` |\n", p.Name, p.Means, p.Example)
	}
	section := func(title, intro string, list []Entry) {
		w("\n## %s\n\n%s\n\n| name | what it does |\n|---|---|\n", title, intro)
		for _, e := range list {
			w("| [`%s`](#%s) | %s |\n", e.Name, anchor(e.Name), e.Doc)
		}
		for _, e := range list {
			w("\n### `%s`\n\n%s.\n\n", e.Name, upperFirst(e.Doc))
			switch {
			case e.Constants:
				w("Arguments: wp-config.php constants by name (upper case, digits, `_`), each with\n")
				w("`true`/`false`, a number or a string; YAML's type decides the PHP literal\n")
				w("(`true`, `42`, `'text'`). At least one.\n")
			case len(e.Args) == 0:
				w("No arguments: write `{}`.\n")
			default:
				w("| argument | type | required | default | templated | description |\n|---|---|---|---|---|---|\n")
				for _, a := range e.Args {
					req := ""
					if a.Required {
						req = "yes"
					}
					tmpl := ""
					switch a.Templated {
					case "yes":
						tmpl = "yes"
					case "i":
						tmpl = "yes, and `{{i}}`"
					}
					w("| `%s` | %s | %s | %s | %s | %s |\n", a.Name, argType(a), req, cell(a.Default), tmpl, cell(a.Doc))
				}
			}
			if e.Shorthand != "" {
				w("\nShorthand: a single value stands for `%s`.\n", e.Shorthand)
			}
			if e.Example != "" {
				w("\n```yaml\n- %s\n```\n", e.Example)
			}
		}
	}
	section("Actions", "Used in `inject:`, `respond:` and `revert:`. An action that fails stops its stage; an inject whose attack did not work (`want_status`, `want_body`) fails rather than letting the scenario pass.", Actions())
	section("Checks", "Used in `verify:`. Checks run after the playbook, again and again until every one passes or `contain_within` runs out; a check that cannot look (the database is down) is an infrastructure error, not a failed check.", Checks())
	return b.String()
}

func argType(a Arg) string {
	t := a.Type
	if len(a.Enum) > 0 {
		t = "one of " + strings.Join(quoteAll(a.Enum), ", ")
	}
	switch {
	case a.Min != nil && a.Max != nil:
		t += fmt.Sprintf(", %d to %d", *a.Min, *a.Max)
	case a.Pattern != "":
		t += ", matching `" + strings.ReplaceAll(a.Pattern, "|", `\|`) + "`"
	}
	return t
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return out
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// anchor is the id GitHub gives the heading "`name`".
func anchor(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return -1
	}, name)
}

// The wp-config.php actions and checks take constants by name.
func (*wpconfigSet) constantsArgs() {}
func (*wpconfigIs) constantsArgs()  {}

// JSONValue turns what a YAML decoder produced into JSON values, as an
// editor's language server sees the file it checks against JSONSchema:
// mapping keys become strings, timestamps RFC 3339 text.
func JSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, e := range x {
			out[fmt.Sprint(k)] = JSONValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return v
}
