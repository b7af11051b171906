package detect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/breachdrill/breachdrill/internal/yamlnode"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a rule file, placed where an editor can
// jump to it.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Msg    string `json:"message"`
}

func (p Problem) Error() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// LoadError is every problem found while loading a rule pack. LoadPack
// returns it marked as bad input (exit 2).
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	n := "1 problem"
	if len(lines) != 1 {
		n = fmt.Sprintf("%d problems", len(lines))
	}
	return fmt.Sprintf("rule pack has %s:\n  %s", n, strings.Join(lines, "\n  "))
}

// problems collects Problems for one file.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) at(n *yaml.Node, format string, args ...any) {
	p := Problem{File: ps.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) atPos(line, col int, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlErr turns a yaml.v3 error, which names a line in its text, into a
// Problem on that line.
func (ps *problems) yamlErr(err error, fallback *yaml.Node) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg = strings.TrimSpace(yamlLine.ReplaceAllString(msg, ""))
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, ":"), "unmarshal errors:")
		// yaml.v3 names no column; the line start is where an editor looks.
		ps.atPos(line, 1, "%s", strings.TrimSpace(msg))
		return
	}
	ps.at(fallback, "%s", msg)
}

// mapping helpers over yaml.v3 nodes, which keep positions that decoded
// structs lose.

func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func mapDelete(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			k, v = m.Content[i], m.Content[i+1]
			m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
			return k, v
		}
	}
	return nil, nil
}

// checkKeys reports keys of m that are not in allowed: a misspelt key
// would otherwise be ignored and the rule would do something else.
func (ps *problems) checkKeys(m *yaml.Node, what string, allowed ...string) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		ok := false
		for _, a := range allowed {
			if k.Value == a {
				ok = true
				break
			}
		}
		if !ok {
			ps.at(k, "unknown key %q in %s; allowed: %s", k.Value, what, strings.Join(allowed, ", "))
		}
	}
}

// scalar returns the value of a required scalar key.
func (ps *problems) scalar(m *yaml.Node, key, what, hint string) (string, *yaml.Node) {
	_, v := mapGet(m, key)
	if v == nil {
		ps.at(m, "%s has no %s: %s", what, key, hint)
		return "", nil
	}
	if v.Kind != yaml.ScalarNode || v.Value == "" {
		ps.at(v, "%s: want a non-empty string (%s)", key, hint)
		return "", v
	}
	return v.Value, v
}

// stringList decodes a scalar or a list of scalars.
func (ps *problems) stringList(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				ps.at(c, "%s: want a string, got a %s", what, yamlnode.KindName(c))
				continue
			}
			out = append(out, c.Value)
		}
		return out
	}
	ps.at(n, "%s: want a string or a list of strings, got a %s", what, yamlnode.KindName(n))
	return nil
}

var severities = []string{"informational", "low", "medium", "high", "critical"}

func validSeverity(s string) bool {
	for _, v := range severities {
		if s == v {
			return true
		}
	}
	return false
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

// header reads what every rule file has, whatever its kind: our rule id
// (under idKey), title, severity (under sevKey), description and tags.
func (ps *problems) header(root *yaml.Node, info *RuleInfo, what, idKey, sevKey, example string) {
	info.ID, _ = ps.scalar(root, idKey, what, "breachdrill's rule id, e.g. "+idKey+": "+example)
	if info.ID != "" && !ruleIDPattern.MatchString(info.ID) {
		_, n := mapGet(root, idKey)
		ps.at(n, "%s %q: use lower-case letters, digits and '-' (3 to 64 characters), e.g. %s", idKey, info.ID, example)
	}
	info.Title, _ = ps.scalar(root, "title", what, "a one-line summary")
	sev, sevNode := ps.scalar(root, sevKey, what, "one of "+strings.Join(severities, ", "))
	if sev != "" && !validSeverity(sev) {
		ps.at(sevNode, "%s %q: use one of %s", sevKey, sev, strings.Join(severities, ", "))
	}
	info.Severity = sev
	if _, d := mapGet(root, "description"); d != nil && d.Kind == yaml.ScalarNode {
		info.Description = d.Value
	}
	if _, t := mapGet(root, "tags"); t != nil {
		info.Tags = ps.stringList(t, "tags")
	}
}
