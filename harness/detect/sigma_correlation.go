package detect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sigma 2.0 correlation rules: a rule of its own (correlation: instead of
// detection:) over the matches of other Sigma rules, which it names by
// name: or id:. They replace the deprecated "| count() by" aggregation,
// which the adapter still evaluates (see windowCounter).
//
//	correlation:
//	  type: event_count        # value_count, temporal, temporal_ordered
//	  rules: [failed-login]
//	  group-by: [c-ip]
//	  timespan: 5m
//	  condition: {gte: 10}     # value_count: {field: cs-username, gte: 3}
//
// Windows are counted in event time, per group, like count() rules.

// Correlation types.
const (
	corrEventCount      = "event_count"
	corrValueCount      = "value_count"
	corrTemporal        = "temporal"
	corrTemporalOrdered = "temporal_ordered"
)

// correlationRule is a correlation as loaded; bases are filled when the
// pack resolves the rules it names.
type correlationRule struct {
	typ      string
	refs     []corrRef
	groupBy  []string
	aliases  map[string]map[string]string // alias → rule (as named) → field
	timespan time.Duration
	field    string // value_count: the field whose distinct values count
	op       string // gt, gte, eq
	n        float64
	generate bool
	groupPos *yaml.Node
	condPos  *yaml.Node

	bases []string // pack ids, in the order of refs
}

type corrRef struct {
	name string
	node *yaml.Node
}

var correlationKeys = []string{"type", "rules", "group-by", "timespan", "timeframe", "condition", "aliases", "generate"}

// parseCorrelation checks one correlation rule.
func parseCorrelation(ps *problems, root *yaml.Node, derived string) (RuleInfo, *correlationRule) {
	info := RuleInfo{Kind: KindSigma}
	keys := append([]string{"correlation"}, sigmaKeys...)
	ps.checkKeys(root, "a Sigma correlation rule", keys...)
	ps.sigmaHeader(root, &info, derived)
	_, cm := mapGet(root, "correlation")
	if cm.Kind != yaml.MappingNode {
		ps.at(cm, "correlation: want a mapping {type, rules, group-by, timespan, condition}")
		return info, nil
	}
	ps.checkKeys(cm, "correlation", correlationKeys...)
	c := &correlationRule{aliases: map[string]map[string]string{}}
	before := len(ps.list)

	typ, typNode := ps.scalar(cm, "type", "correlation", "event_count, value_count, temporal or temporal_ordered")
	switch typ {
	case corrEventCount, corrValueCount, corrTemporal, corrTemporalOrdered:
		c.typ = typ
	case "":
	default:
		ps.at(typNode, "correlation type %q: use event_count, value_count, temporal or temporal_ordered", typ)
	}
	info.Correlation = c.typ

	_, rules := mapGet(cm, "rules")
	switch {
	case rules == nil:
		ps.at(cm, "correlation has no rules: name the rules it correlates (their name: or id:)")
	case rules.Kind == yaml.ScalarNode:
		c.refs = []corrRef{{rules.Value, rules}}
	case rules.Kind == yaml.SequenceNode && len(rules.Content) > 0:
		for _, n := range rules.Content {
			if n.Kind != yaml.ScalarNode {
				ps.at(n, "correlation rules: want rule names or ids")
				continue
			}
			c.refs = append(c.refs, corrRef{n.Value, n})
		}
	default:
		ps.at(rules, "correlation rules: want a list of rule names or ids")
	}
	if (c.typ == corrTemporal || c.typ == corrTemporalOrdered) && len(c.refs) < 2 {
		ps.at(cm, "a %s correlation needs two rules or more", c.typ)
	}

	if _, g := mapGet(cm, "group-by"); g != nil {
		c.groupBy = ps.stringList(g, "group-by")
		c.groupPos = g
	}
	if _, a := mapGet(cm, "aliases"); a != nil {
		if a.Kind != yaml.MappingNode {
			ps.at(a, "aliases: want {alias: {rule: field, ...}}")
		}
		for i := 0; i+1 < len(a.Content); i += 2 {
			name, m := a.Content[i].Value, a.Content[i+1]
			if m.Kind != yaml.MappingNode {
				ps.at(m, "alias %s: want {rule: field, ...}", name)
				continue
			}
			c.aliases[name] = map[string]string{}
			for j := 0; j+1 < len(m.Content); j += 2 {
				c.aliases[name][m.Content[j].Value] = m.Content[j+1].Value
			}
		}
	}

	_, ts := mapGet(cm, "timespan")
	if ts == nil {
		_, ts = mapGet(cm, "timeframe")
	}
	if ts == nil {
		ps.at(cm, "correlation has no timespan: add e.g. timespan: 5m")
	} else if d, err := parseDuration(ts.Value); err != nil || d <= 0 {
		ps.at(ts, "timespan %q: want a duration such as 30s, 5m, 1h or 1d", ts.Value)
	} else {
		c.timespan = d
	}

	if _, g := mapGet(cm, "generate"); g != nil {
		c.generate = g.Value == "true"
	} else if _, g := mapGet(root, "generate"); g != nil {
		c.generate = g.Value == "true"
	}

	_, cond := mapGet(cm, "condition")
	c.condPos = cond
	if cond == nil {
		c.condPos = cm
	}
	switch {
	case cond == nil && (c.typ == corrTemporal || c.typ == corrTemporalOrdered):
	case cond == nil:
		ps.at(cm, "correlation has no condition: add e.g. condition: {gte: 10}")
	case cond.Kind != yaml.MappingNode:
		ps.at(cond, "condition: want a mapping such as {gte: 10}")
	default:
		for i := 0; i+1 < len(cond.Content); i += 2 {
			k, v := cond.Content[i], cond.Content[i+1]
			switch k.Value {
			case "field":
				c.field = v.Value
			case "gt", "gte", "eq":
				n, err := strconv.ParseFloat(v.Value, 64)
				if err != nil {
					ps.at(v, "condition %s: %q is not a number", k.Value, v.Value)
				}
				c.op, c.n = k.Value, n
			case "lt", "lte", "neq":
				ps.at(k, "condition %s: not supported (it can only be decided when a window closes); use gt, gte or eq", k.Value)
			default:
				ps.at(k, "condition: unknown key %q; use gt, gte or eq (and field for value_count)", k.Value)
			}
		}
		if c.op == "" && len(ps.list) == before {
			ps.at(cond, "condition: give a threshold, e.g. gte: 10")
		}
		if c.typ == corrValueCount && c.field == "" {
			ps.at(cond, "a value_count correlation counts distinct values of a field: add field: to the condition")
		}
	}
	if len(ps.list) > before {
		return info, nil
	}
	return info, c
}

// resolveCorrelations points each correlation at the rules it names (in
// the pack, or in beside) and makes it not applicable when one of them is.
func (p *Pack) resolveCorrelations(beside *Pack) []Problem {
	index := map[string]string{}
	rules := map[string]*packRule{}
	for _, pk := range []*Pack{beside, p} { // the pack's own rules win
		if pk == nil {
			continue
		}
		for id, r := range pk.rules {
			if r.sigma != nil {
				rules[id] = r
				index[id] = id
				if r.info.SigmaID != "" {
					index[r.info.SigmaID] = id
				}
			}
		}
	}
	var out []Problem
	for _, r := range p.rules {
		c := r.corr
		if c == nil {
			continue
		}
		c.bases = nil
		for _, ref := range c.refs {
			id, ok := index[ref.name]
			if !ok {
				msg := fmt.Sprintf("correlation names rule %q, which the pack does not hold (by name: or id:)", ref.name)
				if other, isCorr := p.rules[ref.name]; isCorr && other.corr != nil {
					msg = fmt.Sprintf("correlation names %q, another correlation: correlations of correlations are not supported", ref.name)
				}
				out = append(out, Problem{File: r.info.File, Line: ref.node.Line, Column: ref.node.Column, Msg: msg})
				continue
			}
			c.bases = append(c.bases, id)
			base := rules[id].info
			if base.NotApplicable != "" && r.info.NotApplicable == "" {
				r.info.NotApplicable = fmt.Sprintf("it correlates %s, which is not applicable: %s", id, base.NotApplicable)
				r.info.naLine, r.info.naColumn = ref.node.Line, ref.node.Column
			}
			if r.info.Source == "" {
				r.info.Source = base.Source
			}
			for _, g := range c.groupBy {
				if f := c.fieldFor(g, ref.name, id); base.Source != "" && base.NotApplicable == "" && !knownField(base.Source, f) {
					out = append(out, Problem{File: r.info.File, Line: c.groupPos.Line, Column: c.groupPos.Column,
						Msg: fmt.Sprintf("group-by %q: rule %s reads %s events, which have no field %q; fields: %s", g, id, base.Source, f, fieldList(base.Source))})
				}
			}
			if c.field != "" && base.Source != "" && base.NotApplicable == "" && !knownField(base.Source, c.field) {
				out = append(out, Problem{File: r.info.File, Line: c.condPos.Line, Column: c.condPos.Column,
					Msg: fmt.Sprintf("condition field %q: rule %s reads %s events, which have no such field", c.field, id, base.Source)})
			}
		}
		r.info.Rules = c.bases
	}
	return out
}

// fieldFor is the field that stands for a group-by name in one rule's
// events: the alias's field for that rule, or the name itself.
func (c *correlationRule) fieldFor(group, ref, id string) string {
	if a, ok := c.aliases[group]; ok {
		if f, ok := a[ref]; ok {
			return f
		}
		if f, ok := a[id]; ok {
			return f
		}
	}
	return group
}

// compiledCorrelation evaluates one correlation with its own state.
type compiledCorrelation struct {
	info RuleInfo
	def  *correlationRule

	mu      sync.Mutex
	groups  map[string]*corrGroup
	inserts int
}

type corrGroup struct {
	hits []corrHit // within the window, oldest first
	last time.Time
}

type corrHit struct {
	at    time.Time
	base  int
	value string
	text  string
}

func newCompiledCorrelation(info RuleInfo, def *correlationRule) *compiledCorrelation {
	return &compiledCorrelation{info: info, def: def, groups: map[string]*corrGroup{}}
}

// observe records that base rule number base (id: its pack id) matched
// ev, and reports whether the correlation now holds, with the events that
// make it up.
func (c *compiledCorrelation) observe(base int, id string, ev *Event) (bool, []string) {
	d := c.def
	parts := make([]string, len(d.groupBy))
	for i, g := range d.groupBy {
		parts[i] = ev.Fields[d.fieldFor(g, d.refs[base].name, id)]
	}
	key := strings.Join(parts, "\x00")
	t := ev.Time

	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[key]
	if g == nil {
		g = &corrGroup{}
		c.groups[key] = g
	}
	cut := t.Add(-d.timespan)
	kept := g.hits[:0]
	for _, h := range g.hits {
		if h.at.After(cut) {
			kept = append(kept, h)
		}
	}
	g.hits = append(kept, corrHit{at: t, base: base, value: ev.Fields[d.field], text: ev.Text()})
	if len(g.hits) > maxCountedPerGroup {
		g.hits = g.hits[len(g.hits)-maxCountedPerGroup:]
	}
	if t.After(g.last) {
		g.last = t
	}
	c.inserts++
	if c.inserts%1024 == 0 {
		for k, og := range c.groups {
			if og != g && og.last.Before(cut) {
				delete(c.groups, k)
			}
		}
	}

	var holds bool
	switch d.typ {
	case corrEventCount:
		holds = compare(float64(len(g.hits)), d.op, d.n)
	case corrValueCount:
		seen := map[string]bool{}
		for _, h := range g.hits {
			seen[h.value] = true
		}
		holds = compare(float64(len(seen)), d.op, d.n)
	case corrTemporal:
		seen := map[int]bool{}
		for _, h := range g.hits {
			seen[h.base] = true
		}
		holds = len(seen) == len(d.bases)
	case corrTemporalOrdered:
		// The rules matched in the order they are listed: a greedy walk
		// through the window finds the earliest such sequence.
		sorted := append([]corrHit(nil), g.hits...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].at.Before(sorted[j].at) })
		next := 0
		for _, h := range sorted {
			if next < len(d.bases) && h.base == next {
				next++
			}
		}
		holds = next == len(d.bases)
	}
	if !holds {
		return false, nil
	}
	hits := g.hits[max(0, len(g.hits)-recentPerGroup):]
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.text
	}
	return true, out
}

func compare(v float64, op string, n float64) bool {
	switch op {
	case "gt":
		return v > n
	case "gte":
		return v >= n
	case "eq":
		return v == n
	}
	return false
}
