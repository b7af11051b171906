package scenarios

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/yamlnode"

	"go.yaml.in/yaml/v3"
)

// Parse reads one scenario file. Every problem is reported with file, line
// and column and a message that says what would be right; a file with any
// problem yields no scenario.
func Parse(file string, data []byte) (*Scenario, error) {
	p := &parser{file: file}
	s := p.parse(data)
	if err := p.problems.errOrNil(); err != nil {
		return nil, err
	}
	s.File = file
	s.Hash = hashBytes(data)
	return s, nil
}

type parser struct {
	file     string
	problems Problems
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

var topLevelKeys = []string{"id", "title", "summary", "severity", "attack", "seed_pattern", "data_at_risk", "controls",
	"objectives", "preconditions", "warmup", "inject", "expect", "contain_within", "respond", "verify", "revert", "tabletop",
	"attacker_steps"}

var (
	idPattern      = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	attackPattern  = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	controlPattern = regexp.MustCompile(`^(SOC2|ISO27001|PCI|GDPR|DORA|NYDFS|NIST):[A-Za-z0-9.\-]+$`)
)

func (p *parser) parse(data []byte) *Scenario {
	s := &Scenario{ContainWithin: defaultContainWithin}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.yamlError(err)
		return s
	}
	if len(doc.Content) == 0 {
		p.errorf(nil, "empty file: a scenario needs at least id, title, severity, inject, expect, respond and verify")
		return s
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a scenario file is a mapping of keys (id:, title:, inject:, ...), not a %s", yamlnode.KindName(root))
		return s
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			p.errorf(k, "key %q given twice (first at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		switch k.Value {
		case "id":
			s.ID = p.str(v)
			if s.ID != "" && !idPattern.MatchString(s.ID) {
				p.errorf(v, "id %q: use lower-case words joined by '-', like debug-log-exposure", s.ID)
			}
		case "title":
			s.Title = p.str(v)
		case "summary":
			s.Summary = p.str(v)
		case "severity":
			s.Severity = p.str(v)
			if s.Severity != "" && !contains(Severities, s.Severity) {
				p.errorf(v, "severity %q: use one of %s", s.Severity, strings.Join(Severities, ", "))
			}
		case "attack":
			s.Attack = p.strsEach(v, attackPattern.MatchString, "attack %q: use MITRE ATT&CK technique ids like T1552 or T1552.001")
		case "seed_pattern":
			s.SeedPattern = p.str(v)
		case "data_at_risk":
			s.DataAtRisk = p.strs(v)
		case "controls":
			s.Controls = p.strsEach(v, controlPattern.MatchString, "control %q: write framework:control, like SOC2:CC7.4, ISO27001:5.26, PCI:12.10.7, GDPR:33, DORA:19, NYDFS:500.17")
		case "objectives":
			s.Objectives = p.strs(v)
		case "preconditions":
			s.Preconditions = p.strsEach(v, func(pc string) bool { _, ok := knownPreconditions[pc]; return ok },
				"unknown precondition %q: use "+strings.Join(sortedKeys(knownPreconditions), ", "))
			p.oneWAFMode(v, s.Preconditions)
		case "warmup":
			s.Warmup = p.steps(v, "warmup")
		case "inject":
			s.Inject = p.steps(v, "inject")
		case "respond":
			s.Respond = p.steps(v, "respond")
		case "revert":
			s.Revert = p.steps(v, "revert")
		case "verify":
			s.Verify = p.checks(v)
		case "expect":
			s.Expect = p.expectations(v)
		case "contain_within":
			s.ContainWithin = p.duration(v)
		case "tabletop":
			s.Tabletop = p.tabletop(v)
		case "attacker_steps":
			s.AttackerSteps = p.attackerSteps(v)
		default:
			p.errorf(k, "unknown key %q%s", k.Value, suggest(k.Value, topLevelKeys))
		}
	}
	for _, req := range []string{"id", "title", "severity", "inject", "expect", "respond", "verify"} {
		if _, ok := seen[req]; !ok {
			p.errorf(root, "missing %q: every scenario needs id, title, severity, inject, expect, respond and verify", req)
		}
	}
	return s
}

// yamlError turns a YAML syntax error into a positioned problem.
var yamlLine = regexp.MustCompile(`line (\d+)`)

func (p *parser) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
	}
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Column: 1, Msg: "not valid YAML: " + msg})
}

func (p *parser) str(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "expected a single value here, found a %s", yamlnode.KindName(n))
		return ""
	}
	return n.Value
}

func (p *parser) strs(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode && n.Value != "" {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "expected a list like [a, b], found a %s", yamlnode.KindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, p.str(c))
	}
	return out
}

// strsEach reads a list and reports, at its position, every item that
// valid refuses, with msg (one %q for the item).
func (p *parser) strsEach(n *yaml.Node, valid func(string) bool, msg string) []string {
	items := p.strs(n)
	for i, x := range items {
		if !valid(x) {
			p.errorf(elem(n, i), msg, x)
		}
	}
	return items
}

// elem is the node of a list's i-th item, or the node itself when a single
// value stood for a one-item list.
func elem(n *yaml.Node, i int) *yaml.Node {
	if n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

func (p *parser) duration(n *yaml.Node) time.Duration {
	v := p.str(n)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.errorf(n, "duration %q: write it like 30s, 2m or 1m30s", v)
		return 0
	}
	return d
}

func (p *parser) expectations(n *yaml.Node) []Expectation {
	var out []Expectation
	for _, item := range p.mappings(n, "expect", "expect entry", "{rule: ID, within: 30s}") {
		e := Expectation{Within: defaultWithin, Line: item.Line, Column: item.Column}
		p.fields(item, "expect", map[string]func(*yaml.Node){
			"rule": func(v *yaml.Node) {
				e.Rule = p.str(v)
				e.Line, e.Column = v.Line, v.Column
			},
			"within": func(v *yaml.Node) { e.Within = p.duration(v) },
		})
		if e.Rule == "" {
			p.errorf(item, "expect entry without rule: name the detection rule id that must fire")
		}
		out = append(out, e)
	}
	if len(out) == 0 && n.Kind == yaml.SequenceNode {
		p.errorf(n, "expect is empty: name at least one rule that must detect the inject")
	}
	return out
}

func (p *parser) tabletop(n *yaml.Node) []TabletopInject {
	var out []TabletopInject
	var last time.Duration
	for _, item := range p.mappings(n, "tabletop", "tabletop inject", "{at: 5m, say: ..., ask: [...], expect: [...]}") {
		var t TabletopInject
		p.fields(item, "tabletop inject", map[string]func(*yaml.Node){
			"at":     func(v *yaml.Node) { t.At = p.duration(v) },
			"say":    func(v *yaml.Node) { t.Say = p.str(v) },
			"ask":    func(v *yaml.Node) { t.Ask = p.strs(v) },
			"expect": func(v *yaml.Node) { t.Expect = p.strs(v) },
		})
		if t.Say == "" {
			p.errorf(item, "tabletop inject without say: give the narrative the room hears")
		}
		if t.At < last {
			p.errorf(item, "tabletop injects must be in time order: %s comes after %s", t.At, last)
		}
		last = t.At
		out = append(out, t)
	}
	return out
}

// mappings returns the items of a list of mappings, reporting the list or
// an item of another shape with the shape it should have.
func (p *parser) mappings(n *yaml.Node, key, item, shape string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s is a list of %s, found a %s", key, shape, yamlnode.KindName(n))
		return nil
	}
	var out []*yaml.Node
	for _, it := range n.Content {
		if it.Kind != yaml.MappingNode {
			p.errorf(it, "each %s is %s, found a %s", item, shape, yamlnode.KindName(it))
			continue
		}
		out = append(out, it)
	}
	return out
}

// fields hands each key of a mapping to its setter and reports keys that
// have none.
func (p *parser) fields(m *yaml.Node, what string, set map[string]func(*yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if f, ok := set[k.Value]; ok {
			f(v)
			continue
		}
		p.errorf(k, "unknown key %q in %s%s", k.Value, what, suggest(k.Value, sortedKeys(set)))
	}
}

func (p *parser) steps(n *yaml.Node, stage string) []Step {
	var out []Step
	for _, e := range decodeList(p, n, stage, "action", "- file.delete: {path: wp-content/debug.log}", actionRegistry) {
		out = append(out, Step{Action: e.name, Do: e.value, Line: e.line, Column: e.column})
	}
	return out
}

func (p *parser) checks(n *yaml.Node) []Check {
	var out []Check
	for _, e := range decodeList(p, n, "verify", "check", "- http.status: {path: /x, want: [404]}", checkRegistry) {
		out = append(out, Check{Kind: e.name, Probe: e.value, Line: e.line, Column: e.column})
	}
	if len(out) == 0 && len(p.problems) == 0 {
		p.errorf(n, "verify is empty: give at least one check that proves containment")
	}
	return out
}

type entry[T any] struct {
	name         string
	value        T
	line, column int
}

// decodeList reads a list of `- name: args` items of a registry (actions
// or checks), reporting unknown names with a near miss and the full list.
func decodeList[T any](p *parser, n *yaml.Node, key, what, example string, registry map[string]spec[T]) []entry[T] {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s is a list of %ss like `%s`, found a %s", key, what, example, yamlnode.KindName(n))
		return nil
	}
	known := sortedKeys(registry)
	var out []entry[T]
	for _, item := range n.Content {
		name, args, ok := p.single(item, what)
		if !ok {
			continue
		}
		sp, found := registry[name]
		if !found {
			p.errorf(item.Content[0], "unknown %s %q%s (%ss: %s)", what, name, suggest(name, known), what, strings.Join(known, ", "))
			continue
		}
		v := sp.new()
		if p.decodeArgs(name, sp.shorthand, args, v) {
			out = append(out, entry[T]{name: name, value: v, line: item.Line, column: item.Column})
		}
	}
	return out
}

// single reads a `- name: args` list item.
func (p *parser) single(item *yaml.Node, what string) (string, *yaml.Node, bool) {
	if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
		p.errorf(item, "each %s is a mapping with exactly one key, the %s's name, like `- wait: {for: 2s}`", what, what)
		return "", nil, false
	}
	return item.Content[0].Value, item.Content[1], true
}

// decodeArgs fills a step or check's argument struct, refusing unknown and
// missing arguments by name. A scalar stands for the shorthand argument.
func (p *parser) decodeArgs(name, shorthand string, args *yaml.Node, into any) bool {
	if args.Kind == yaml.ScalarNode && args.Tag != "!!null" {
		if shorthand == "" {
			p.errorf(args, "%s takes arguments as a mapping, like {%s}", name, strings.Join(argNames(into), ": ..., ")+": ...")
			return false
		}
		args = &yaml.Node{Kind: yaml.MappingNode, Line: args.Line, Column: args.Column, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: shorthand, Line: args.Line, Column: args.Column}, args,
		}}
	}
	if args.Kind == yaml.ScalarNode {
		args = &yaml.Node{Kind: yaml.MappingNode, Line: args.Line, Column: args.Column}
	}
	before := len(p.problems)
	if custom, ok := into.(interface {
		decode(p *parser, args *yaml.Node)
	}); ok {
		if args.Kind != yaml.MappingNode {
			p.errorf(args, "%s takes a mapping of arguments, found a %s", name, yamlnode.KindName(args))
			return false
		}
		custom.decode(p, args)
		return len(p.problems) == before
	}
	if args.Kind != yaml.MappingNode {
		p.errorf(args, "%s takes a mapping of arguments, found a %s", name, yamlnode.KindName(args))
		return false
	}
	known := argNames(into)
	given := map[string]bool{}
	for i := 0; i+1 < len(args.Content); i += 2 {
		k := args.Content[i]
		given[k.Value] = true
		if !contains(known, k.Value) {
			p.errorf(k, "unknown argument %q for %s%s (arguments: %s)", k.Value, name, suggest(k.Value, known), strings.Join(known, ", "))
		}
	}
	for _, req := range requiredArgs(into) {
		if !given[req] {
			p.errorf(args, "%s needs %q", name, req)
		}
	}
	if len(p.problems) > before {
		return false
	}
	if err := args.Decode(into); err != nil {
		p.typeError(args, name, err)
		return false
	}
	if v, ok := into.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			p.errorf(args, "%s: %v", name, err)
			return false
		}
	}
	return true
}

func (p *parser) typeError(n *yaml.Node, name string, err error) {
	var te *yaml.TypeError
	msg := err.Error()
	if ok := asTypeError(err, &te); ok && len(te.Errors) > 0 {
		for _, e := range te.Errors {
			line := n.Line
			if m := yamlLine.FindStringSubmatch(e); m != nil {
				fmt.Sscan(m[1], &line)
			}
			p.problems = append(p.problems, Problem{File: p.file, Line: line, Column: n.Column, Msg: name + ": " + cleanTypeError(e)})
		}
		return
	}
	p.errorf(n, "%s: %s", name, msg)
}

func asTypeError(err error, te **yaml.TypeError) bool {
	t, ok := err.(*yaml.TypeError)
	if ok {
		*te = t
	}
	return ok
}

var typeErrText = regexp.MustCompile(`^line \d+: cannot unmarshal !!(\w+) ` + "`" + `?([^` + "`" + `]*)` + "`" + `? into (.*)$`)

func cleanTypeError(e string) string {
	if m := typeErrText.FindStringSubmatch(e); m != nil {
		return fmt.Sprintf("%q is a %s, but a %s is needed here", m[2], m[1], strings.TrimPrefix(m[3], "[]"))
	}
	return e
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// suggest returns ` (did you mean "x"?)` for a near miss.
func suggest(got string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := editDistance(got, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
