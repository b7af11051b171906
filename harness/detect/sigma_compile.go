package detect

import (
	"path"
	"strings"

	"github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
)

// A gate is a cheap test that must pass for a rule to match: the rule's
// required searches, each reduced to one field test. Events that fail it
// skip sigma-go entirely; events that pass are decided by sigma-go. It is
// what makes the access-log rate affordable, since most requests fail
// every rule's first test.
type gate struct {
	on    bool       // false: no gate could be derived; always evaluate
	terms []gateTerm // any one passing lets the event through
}

type gateTerm struct {
	field  string
	op     string   // "" (equals), contains, startswith, endswith
	values []string // lower-cased; any one matching passes
}

func termFor(field, op string, values []string, all bool) *gateTerm {
	if len(values) == 0 {
		return nil
	}
	if all {
		// Every value must match; the first alone is a necessary test.
		values = values[:1]
	}
	t := &gateTerm{field: field, op: op}
	for _, v := range values {
		if op != "" && v == "" {
			return nil // contains "" matches everything
		}
		t.values = append(t.values, strings.ToLower(v))
	}
	return t
}

func (t gateTerm) pass(fields map[string]string) bool {
	v := fields[t.field]
	if t.op == "" {
		for _, n := range t.values {
			if strings.EqualFold(v, n) {
				return true
			}
		}
		return false
	}
	lv := strings.ToLower(v)
	for _, n := range t.values {
		switch t.op {
		case "contains":
			if strings.Contains(lv, n) {
				return true
			}
		case "startswith":
			if strings.HasPrefix(lv, n) {
				return true
			}
		case "endswith":
			if strings.HasSuffix(lv, n) {
				return true
			}
		}
	}
	return false
}

func (g gate) pass(fields map[string]string) bool {
	if !g.on {
		return true
	}
	for _, t := range g.terms {
		if t.pass(fields) {
			return true
		}
	}
	return false
}

// ruleGate derives a gate from the conditions: a search that every match
// needs, or, for "1 of", the union of the alternatives.
func ruleGate(r sigma.Rule, terms map[fmKey]*gateTerm) gate {
	searchTerms := func(name string) ([]gateTerm, bool) {
		s, ok := r.Detection.Searches[name]
		if !ok || len(s.EventMatchers) == 0 {
			return nil, false
		}
		var out []gateTerm
		for ei, em := range s.EventMatchers {
			// Prefer a substring test to an equality: "cs-method: GET"
			// lets most requests through, "cs-uri-stem|endswith" few.
			var pick *gateTerm
			for fi := range em {
				t := terms[fmKey{name, ei, fi}]
				if t != nil && (pick == nil || (pick.op == "" && t.op != "")) {
					pick = t
				}
			}
			if pick == nil {
				return nil, false
			}
			out = append(out, *pick)
		}
		return out, true
	}
	matching := func(pattern string) []string {
		var names []string
		for name := range r.Detection.Searches {
			if pattern == "" {
				names = append(names, name)
			} else if ok, _ := path.Match(pattern, name); ok {
				names = append(names, name)
			}
		}
		return names
	}
	union := func(names []string) ([]gateTerm, bool) {
		if len(names) == 0 {
			return nil, false
		}
		var out []gateTerm
		for _, n := range names {
			t, ok := searchTerms(n)
			if !ok {
				return nil, false
			}
			out = append(out, t...)
		}
		return out, true
	}
	first := func(names []string) ([]gateTerm, bool) {
		for _, n := range names {
			if t, ok := searchTerms(n); ok {
				return t, true
			}
		}
		return nil, false
	}
	var of func(sigma.SearchExpr) ([]gateTerm, bool)
	of = func(e sigma.SearchExpr) ([]gateTerm, bool) {
		switch e := e.(type) {
		case sigma.SearchIdentifier:
			return searchTerms(e.Name)
		case sigma.And:
			for _, c := range e {
				if t, ok := of(c); ok {
					return t, true
				}
			}
		case sigma.Or:
			var out []gateTerm
			for _, c := range e {
				t, ok := of(c)
				if !ok {
					return nil, false
				}
				out = append(out, t...)
			}
			return out, len(out) > 0
		case sigma.OneOfThem:
			return union(matching(""))
		case sigma.OneOfPattern:
			return union(matching(e.Pattern))
		case sigma.AllOfThem:
			return first(matching(""))
		case sigma.AllOfPattern:
			return first(matching(e.Pattern))
		}
		return nil, false
	}
	var all []gateTerm
	for _, c := range r.Detection.Conditions {
		t, ok := of(c.Search)
		if !ok {
			return gate{}
		}
		all = append(all, t...)
	}
	return gate{on: len(all) > 0, terms: all}
}

// compiledSigma is a rule ready to evaluate, with its own aggregation
// state: one per engine, so engines never share counts.
type compiledSigma struct {
	info    RuleInfo
	rule    *sigmaRule
	eval    *evaluator.RuleEvaluator
	counter *windowCounter
	// feeds are the correlations this rule's matches go to; silent is
	// set when a correlation takes them without generate: true, as Sigma
	// says such rules then do not alert on their own.
	feeds  []corrFeed
	silent bool
	// numeric are the fields the rule compares with gt, gte, lt or lte.
	numeric []string
}

// corrFeed is one correlation a rule feeds, and the rule's place in it.
type corrFeed struct {
	corr *compiledCorrelation
	base int
}

func compileSigma(info RuleInfo, sr *sigmaRule) *compiledSigma {
	c := &compiledSigma{info: info, rule: sr}
	var opts []evaluator.Option
	if sr.aggregated {
		c.counter = newWindowCounter(sr.timeframe, sr.groupBy, sr.countField)
		opts = append(opts, evaluator.CountImplementation(c.counter.count))
	}
	c.eval = evaluator.ForRule(sr.rule, opts...)
	c.numeric = numericFields(sr.rule)
	return c
}

// numericFields are the fields r compares as numbers.
func numericFields(r sigma.Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range r.Detection.Searches {
		for _, em := range s.EventMatchers {
			for _, fm := range em {
				for _, m := range fm.Modifiers {
					if (m == "gt" || m == "gte" || m == "lt" || m == "lte") && !seen[fm.Field] {
						seen[fm.Field] = true
						out = append(out, fm.Field)
					}
				}
			}
		}
	}
	return out
}
