package detect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/bradleyjkemp/sigma-go/evaluator/modifiers"
	"gopkg.in/yaml.v3"
)

// This file adapts Sigma rules to sigma-go v0.6.6, which parses rules and
// evaluates searches, conditions, modifiers (contains, startswith,
// endswith, re, cidr, gt/gte/lt/lte, base64, all) and count()
// aggregations, but:
//   - panics on "1 of X" / "all of X" with a plain identifier, and its
//     lexer takes no pattern with a leading star (1 of *_filter),
//   - fails every rule that has detection.timeframe (it decodes the whole
//     detection mapping as a duration),
//   - cannot group by a field whose name has a dash (c-ip) or a dot,
//   - has no wildcards (* and ?) in values, no keyword searches, no
//     base64offset and no re sub-modifiers (re|i),
//   - compiles a re value on every comparison (most of an evaluation's
//     time) and evaluates every search of a rule for every event,
//   - counts aggregations by wall-clock time at evaluation, keyed by JSON,
//     and has no near, count(field), min or max,
//   - and reports unknown modifiers, bad regular expressions and undefined
//     search names only while matching, or not at all.
// Rules are checked and rewritten here at load, so that sigma-go sees only
// what it handles, and each problem is reported at the rule's line.

// sigmaRule is a Sigma rule as loaded and rewritten for sigma-go.
type sigmaRule struct {
	rule       sigma.Rule
	source     Source
	timeframe  time.Duration
	groupBy    map[int]string // condition index → the field counted by ("" = all events)
	aggregated bool
	gate       gate
	regexps    []regexField
}

// regexField is a regular expression matcher compiled once at load.
// sigma-go compiles a re value on every comparison, which costs more than
// the rest of an evaluation together; the adapter evaluates the compiled
// expression itself into a field of the event (key), and sigma-go compares
// that field with "true".
type regexField struct {
	key   string
	field string
	res   []*regexp.Regexp
	all   bool
}

func (r regexField) eval(fields map[string]string) string {
	v := fields[r.field]
	for _, re := range r.res {
		m := re.MatchString(v)
		if m && !r.all {
			return "true"
		}
		if !m && r.all {
			return "false"
		}
	}
	return strconv.FormatBool(r.all)
}

// supportedModifiers are the ones sigma-go evaluates itself; the adapter
// rewrites base64offset and re's i/m/s before sigma-go sees them.
var supportedModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "re": true, "cidr": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "base64": true, "all": true,
	"base64offset": true, "i": true, "m": true, "s": true,
}

var searchNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var groupByPattern = regexp.MustCompile(`(?i)\bby\s+([^\s()<>=!|]+)`)
var countFieldPattern = regexp.MustCompile(`(?i)\bcount\s*\(\s*[^\s)]+\s*\)`)

// parseSigma checks and adapts one Sigma rule file. The YAML node is
// changed in place (timeframe removed, group-by fields renamed).
func parseSigma(ps *problems, root *yaml.Node) (RuleInfo, *sigmaRule) {
	info := RuleInfo{Kind: KindSigma}
	ps.checkKeys(root, "a Sigma rule", "title", "id", "name", "related", "taxonomy", "status", "description",
		"license", "author", "references", "date", "modified", "logsource", "detection", "fields",
		"falsepositives", "level", "tags", "scope", "timeframe")
	// Sigma's own id is a UUID; ours is the rule's name.
	ps.header(root, &info, "Sigma rule", "name", "level", "webshell-request")

	_, ls := mapGet(root, "logsource")
	var src Source
	if ls == nil || ls.Kind != yaml.MappingNode {
		ps.at(root, "Sigma rule has no logsource mapping: add e.g. logsource: {category: webserver}")
	} else {
		get := func(k string) string {
			if _, v := mapGet(ls, k); v != nil {
				return v.Value
			}
			return ""
		}
		var err error
		if src, err = logsourceToSource(get("category"), get("product"), get("service")); err != nil {
			ps.at(ls, "%v", err)
		}
	}
	info.Source = src

	_, det := mapGet(root, "detection")
	if det == nil || det.Kind != yaml.MappingNode {
		ps.at(root, "Sigma rule has no detection mapping: add searches and a condition")
		return info, nil
	}
	sr := &sigmaRule{source: src, groupBy: map[int]string{}}

	// timeframe: sigma-go cannot decode it where Sigma puts it, so it is
	// taken out here; the old top-level place is accepted too.
	_, tf := mapDelete(det, "timeframe")
	if tf == nil {
		_, tf = mapDelete(root, "timeframe")
	}
	if tf != nil {
		d, err := parseDuration(tf.Value)
		if err != nil || d <= 0 {
			ps.at(tf, "timeframe %q: want a duration such as 30s, 5m, 1h or 1d", tf.Value)
		}
		sr.timeframe = d
	}

	// Conditions: group-by fields are renamed to identifiers sigma-go's
	// grammar accepts; the counter looks the real field up itself.
	condKey, cond := mapGet(det, "condition")
	if cond == nil {
		ps.at(det, "detection has no condition: add e.g. condition: selection")
		return info, nil
	}
	var condNodes []*yaml.Node
	switch cond.Kind {
	case yaml.ScalarNode:
		condNodes = []*yaml.Node{cond}
	case yaml.SequenceNode:
		condNodes = cond.Content
	default:
		ps.at(cond, "condition: want a string or a list of strings")
		return info, nil
	}
	var searchNames []string
	for i := 0; i+1 < len(det.Content); i += 2 {
		if k := det.Content[i].Value; k != "condition" {
			searchNames = append(searchNames, k)
		}
	}
	condOK := true
	origConds := make([]string, len(condNodes))
	for i, cn := range condNodes {
		origConds[i] = cn.Value
		if cn.Kind != yaml.ScalarNode {
			ps.at(cn, "condition: want a string")
			condOK = false
			continue
		}
		text := cn.Value
		if countFieldPattern.MatchString(text) {
			ps.at(cn, "condition %q: count(field) (distinct values) is not supported; use count() or count() by field", text)
			condOK = false
			continue
		}
		if m := groupByPattern.FindStringSubmatchIndex(text); m != nil {
			field := text[m[2]:m[3]]
			if src != "" && !knownField(src, field) {
				ps.at(cn, "condition groups by %q, which %s events do not have; fields: %s", field, src, fieldList(src))
			}
			sr.groupBy[i] = field
			text = text[:m[2]] + fmt.Sprintf("bd_group_%d", i) + text[m[3]:]
		}
		text, err := expandOf(text, searchNames)
		if err != nil {
			ps.at(cn, "condition %q: %v", cn.Value, err)
			condOK = false
			continue
		}
		parsed, err := sigma.ParseCondition(text)
		if err != nil {
			ps.at(cn, "condition %q does not parse: %v; write e.g. 'selection and not filter' or '1 of selection_* | count() by c-ip >= 5'", cn.Value, err)
			condOK = false
			continue
		}
		if parsed.Aggregation != nil {
			if msg := aggregationProblem(parsed.Aggregation); msg != "" {
				ps.at(cn, "condition %q: %s", cn.Value, msg)
				condOK = false
			}
			sr.aggregated = true
		}
		cn.Value = text
	}
	if !condOK {
		return info, nil
	}
	if sr.aggregated && sr.timeframe == 0 {
		ps.at(condKey, "an aggregation (| count() ...) needs a timeframe: add timeframe: 60s under detection")
	}
	if !sr.aggregated && sr.timeframe != 0 {
		ps.at(tf, "timeframe has no effect without an aggregation in the condition (| count() by field > N)")
	}

	// Searches must be mappings or lists before sigma-go decodes them, or
	// its errors name no line.
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		if k.Value == "condition" {
			continue
		}
		if !searchNamePattern.MatchString(k.Value) {
			ps.at(k, "search name %q: use letters, digits and '_' so conditions can name it", k.Value)
		}
		switch {
		case v.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				checkValueNode(ps, v.Content[j], v.Content[j+1])
			}
		case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
			for _, item := range v.Content {
				switch item.Kind {
				case yaml.ScalarNode:
				case yaml.MappingNode:
					for j := 0; j+1 < len(item.Content); j += 2 {
						checkValueNode(ps, item.Content[j], item.Content[j+1])
					}
				default:
					ps.at(item, "search %s: list items must be keywords (strings) or field mappings", k.Value)
				}
			}
		default:
			ps.at(v, "search %s: want a mapping of fields to values, or a list of keywords", k.Value)
		}
	}
	if len(ps.list) > 0 {
		return info, nil
	}

	if err := root.Decode(&sr.rule); err != nil {
		ps.yamlErr(err, root)
		return info, nil
	}
	if len(sr.rule.Detection.Searches) == 0 {
		ps.at(det, "detection has no searches: add e.g. selection: {cs-uri-stem|endswith: '.php'}")
		return info, nil
	}

	// Field matchers: known fields, supported modifiers, valid values.
	for name, s := range sr.rule.Detection.Searches {
		for _, em := range s.EventMatchers {
			for _, fm := range em {
				line, col := fm.Position()
				checkFieldMatcher(ps, src, name, fm, line+1, col+1)
			}
		}
	}
	// Conditions name searches that exist.
	for i, c := range sr.rule.Detection.Conditions {
		for _, msg := range conditionProblems(c.Search, sr.rule.Detection.Searches) {
			ps.at(condNodes[i], "condition %q: %s", origConds[i], msg)
		}
	}
	if len(ps.list) > 0 {
		return info, nil
	}

	terms := rewriteSearches(&sr.rule, info.ID, &sr.regexps)
	for i := range sr.rule.Detection.Conditions {
		sr.rule.Detection.Conditions[i].Search = rewriteIdentifiers(sr.rule.Detection.Conditions[i].Search)
	}
	sr.gate = ruleGate(sr.rule, terms)
	return info, sr
}

var ofPattern = regexp.MustCompile(`(?i)\b(1|all)\s+of\s+([A-Za-z0-9_*]+)`)

// expandOf writes "1 of x*" and "all of x*" (and "them") out as (a or b)
// and (a and b): sigma-go's lexer knows only patterns with a letter before
// the first star (selection_*), not *_filter or sel*_x, and evaluates
// "all of" a pattern matching nothing as true.
func expandOf(cond string, names []string) (string, error) {
	var bad error
	out := ofPattern.ReplaceAllStringFunc(cond, func(m string) string {
		sub := ofPattern.FindStringSubmatch(m)
		quant, target := strings.ToLower(sub[1]), sub[2]
		if !strings.Contains(target, "*") && !strings.EqualFold(target, "them") {
			return target
		}
		var hits []string
		for _, n := range names {
			if strings.EqualFold(target, "them") {
				hits = append(hits, n)
			} else if ok, _ := path.Match(target, n); ok {
				hits = append(hits, n)
			}
		}
		if len(hits) == 0 {
			bad = fmt.Errorf("%s matches no search", target)
			return m
		}
		op := " or "
		if quant == "all" {
			op = " and "
		}
		return "(" + strings.Join(hits, op) + ")"
	})
	return out, bad
}

// checkValueNode refuses values sigma-go cannot compare (nested mappings,
// nulls), at their line.
func checkValueNode(ps *problems, key, val *yaml.Node) {
	bad := func(n *yaml.Node) bool {
		return n.Kind != yaml.ScalarNode || n.Tag == "!!null"
	}
	switch val.Kind {
	case yaml.SequenceNode:
		for _, c := range val.Content {
			if bad(c) {
				ps.at(c, "field %s: values must be strings or numbers (for an empty value write '')", key.Value)
			}
		}
	default:
		if bad(val) {
			ps.at(val, "field %s: the value must be a string, a number or a list of them (for an empty value write '')", key.Value)
		}
	}
}

func aggregationProblem(a sigma.AggregationExpr) string {
	cmp, ok := a.(sigma.Comparison)
	if !ok {
		return "only count() aggregations are supported (near is not)"
	}
	c, ok := cmp.Func.(sigma.Count)
	if !ok {
		return "only count() aggregations are supported (not min, max, avg or sum)"
	}
	if c.Field != "" {
		return "count(field) is not supported; use count() or count() by field"
	}
	return ""
}

func checkFieldMatcher(ps *problems, src Source, search string, fm sigma.FieldMatcher, line, col int) {
	if src != "" && !knownField(src, fm.Field) {
		ps.atPos(line, col, "search %s: field %q is not in %s events; fields: %s", search, fm.Field, src, fieldList(src))
	}
	mods := fm.Modifiers
	for i, m := range mods {
		if !supportedModifiers[m] {
			ps.atPos(line, col, "search %s: modifier %q is not supported; use contains, startswith, endswith, re (with i, m, s), cidr, gt, gte, lt, lte, base64, base64offset|contains, all", search, m)
			return
		}
		switch m {
		case "all":
			if i != len(mods)-1 {
				ps.atPos(line, col, "search %s: all must be the last modifier", search)
			}
		case "i", "m", "s":
			if i == 0 || !(mods[i-1] == "re" || mods[i-1] == "i" || mods[i-1] == "m" || mods[i-1] == "s") {
				ps.atPos(line, col, "search %s: %s is a sub-modifier of re: write field|re|%s", search, m, m)
			}
		case "base64offset":
			if i+1 >= len(mods) || mods[i+1] != "contains" {
				ps.atPos(line, col, "search %s: base64offset must be followed by contains", search)
			}
		case "contains", "startswith", "endswith", "re", "cidr", "gt", "gte", "lt", "lte":
			rest := mods[i+1:]
			for _, r := range rest {
				if r != "all" && !(m == "re" && (r == "i" || r == "m" || r == "s")) {
					ps.atPos(line, col, "search %s: %s must be the last modifier (before all)", search, m)
					break
				}
			}
		}
	}
	has := func(m string) bool {
		for _, x := range mods {
			if x == m {
				return true
			}
		}
		return false
	}
	for _, v := range fm.Values {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case int, float64, bool:
			s = fmt.Sprint(v)
		default:
			ps.atPos(line, col, "search %s: field %s: values must be strings or numbers", search, fm.Field)
			continue
		}
		if strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") && len(s) > 1 {
			ps.atPos(line, col, "search %s: placeholder %s is not supported; list the values in the rule", search, s)
		}
		switch {
		case has("re"):
			if _, err := regexp.Compile(s); err != nil {
				ps.atPos(line, col, "search %s: regular expression %q: %v (Go RE2 syntax)", search, s, err)
			}
		case has("gt") || has("gte") || has("lt") || has("lte"):
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				ps.atPos(line, col, "search %s: %q is not a number; gt, gte, lt and lte compare numbers", search, s)
			}
		case has("cidr"):
			if _, _, err := net.ParseCIDR(s); err != nil {
				ps.atPos(line, col, "search %s: %q is not a CIDR range such as 10.0.0.0/8", search, s)
			}
		}
	}
}

// conditionProblems finds search names and patterns that match nothing:
// sigma-go treats them as false (or, for "all of x_*", as true).
func conditionProblems(expr sigma.SearchExpr, searches map[string]sigma.Search) []string {
	var out []string
	matchesAny := func(pattern string) bool {
		for name := range searches {
			if ok, _ := path.Match(pattern, name); ok {
				return true
			}
		}
		return false
	}
	var walk func(sigma.SearchExpr)
	walk = func(e sigma.SearchExpr) {
		switch e := e.(type) {
		case sigma.And:
			for _, c := range e {
				walk(c)
			}
		case sigma.Or:
			for _, c := range e {
				walk(c)
			}
		case sigma.Not:
			walk(e.Expr)
		case sigma.SearchIdentifier:
			if _, ok := searches[e.Name]; !ok {
				out = append(out, fmt.Sprintf("names search %q, which the detection does not define", e.Name))
			}
		case sigma.OneOfIdentifier:
			walk(e.Ident)
		case sigma.AllOfIdentifier:
			walk(e.Ident)
		case sigma.OneOfPattern:
			if !matchesAny(e.Pattern) {
				out = append(out, fmt.Sprintf("pattern %q matches no search", e.Pattern))
			}
		case sigma.AllOfPattern:
			if !matchesAny(e.Pattern) {
				out = append(out, fmt.Sprintf("pattern %q matches no search", e.Pattern))
			}
		}
	}
	walk(expr)
	return out
}

// rewriteIdentifiers turns "1 of x" and "all of x" with a plain name into
// x, which they mean and which sigma-go can evaluate (it panics on them).
func rewriteIdentifiers(e sigma.SearchExpr) sigma.SearchExpr {
	switch e := e.(type) {
	case sigma.And:
		out := make(sigma.And, len(e))
		for i, c := range e {
			out[i] = rewriteIdentifiers(c)
		}
		return out
	case sigma.Or:
		out := make(sigma.Or, len(e))
		for i, c := range e {
			out[i] = rewriteIdentifiers(c)
		}
		return out
	case sigma.Not:
		return sigma.Not{Expr: rewriteIdentifiers(e.Expr)}
	case sigma.OneOfIdentifier:
		return e.Ident
	case sigma.AllOfIdentifier:
		return e.Ident
	}
	return e
}

// fmKey names one field matcher of a rule.
type fmKey struct {
	search string
	em, fm int
}

// rewriteSearches rewrites keywords, wildcards, base64offset and re
// sub-modifiers into what sigma-go evaluates, and returns for each field
// matcher the cheap necessary test the gate can use (see gate).
func rewriteSearches(r *sigma.Rule, id string, regexps *[]regexField) map[fmKey]*gateTerm {
	terms := map[fmKey]*gateTerm{}
	for name, s := range r.Detection.Searches {
		if len(s.Keywords) > 0 {
			vals := make([]any, len(s.Keywords))
			for i, k := range s.Keywords {
				vals[i] = k
			}
			s = sigma.Search{EventMatchers: []sigma.EventMatcher{{sigma.FieldMatcher{Field: rawField, Modifiers: []string{"contains"}, Values: vals}}}}
		}
		for ei, em := range s.EventMatchers {
			for fi := range em {
				fm := &em[fi]
				terms[fmKey{name, ei, fi}] = rewriteMatcher(fm)
				if len(fm.Modifiers) > 0 && fm.Modifiers[0] == "re" {
					*regexps = append(*regexps, precompile(fm, fmt.Sprintf("_re.%s.%d", id, len(*regexps))))
				}
			}
		}
		r.Detection.Searches[name] = s
	}
	return terms
}

func rewriteMatcher(fm *sigma.FieldMatcher) *gateTerm {
	all := len(fm.Modifiers) > 0 && fm.Modifiers[len(fm.Modifiers)-1] == "all"
	mods := fm.Modifiers
	if all {
		mods = mods[:len(mods)-1]
	}
	op := ""
	var others []string
	for _, m := range mods {
		switch m {
		case "contains", "startswith", "endswith":
			op = m
		default:
			others = append(others, m)
		}
	}
	strs := make([]string, len(fm.Values))
	for i, v := range fm.Values {
		strs[i] = modifiers.CoerceString(v)
	}
	withAll := func(m ...string) []string {
		if all {
			return append(m, "all")
		}
		return m
	}

	switch {
	case len(others) == 1 && others[0] == "base64offset" && op == "contains":
		var vals []any
		for _, s := range strs {
			for _, v := range base64Offsets(s) {
				vals = append(vals, v)
			}
		}
		fm.Values, fm.Modifiers = vals, withAll("contains")
		return termFor(fm.Field, "contains", valuesToStrings(vals), all)
	case len(others) > 0 && others[0] == "re":
		flags := ""
		for _, f := range others[1:] {
			flags += f
		}
		if flags != "" {
			for i, s := range strs {
				fm.Values[i] = "(?" + flags + ")" + s
			}
		}
		fm.Modifiers = withAll("re")
		return nil
	case len(others) > 0:
		// cidr, numeric comparisons, base64: values are not patterns.
		return nil
	}

	// Plain, contains, startswith, endswith: Sigma's wildcards.
	wild := false
	for _, s := range strs {
		if hasWildcard(s) {
			wild = true
		}
	}
	if !wild {
		vals := make([]any, len(strs))
		for i, s := range strs {
			strs[i] = unescapeWildcards(s)
			vals[i] = strs[i]
		}
		if containsBackslashEscape(fm.Values) {
			fm.Values = vals
		}
		return termFor(fm.Field, op, strs, all)
	}
	// Each value as a full pattern, then the simplest comparator that
	// expresses all of them; a regular expression when none does.
	pats := make([]string, len(strs))
	for i, s := range strs {
		switch op {
		case "contains":
			s = "*" + s + "*"
		case "startswith":
			s = s + "*"
		case "endswith":
			s = "*" + s
		}
		pats[i] = collapseStars(s)
	}
	common, lits := "", make([]string, len(pats))
	for i, p := range pats {
		o, lit, ok := simplePattern(p)
		if !ok || (common != "" && o != common) {
			common = "re"
			break
		}
		common, lits[i] = o, lit
	}
	if common != "re" {
		vals := make([]any, len(lits))
		for i, l := range lits {
			vals[i] = l
		}
		fm.Values = vals
		if common == "" {
			fm.Modifiers = withAll()
		} else {
			fm.Modifiers = withAll(common)
		}
		return termFor(fm.Field, common, lits, all)
	}
	vals := make([]any, len(pats))
	needles := make([]string, len(pats))
	for i, p := range pats {
		vals[i] = wildcardRegexp(p)
		needles[i] = longestLiteral(p)
	}
	fm.Values, fm.Modifiers = vals, withAll("re")
	return termFor(fm.Field, "contains", needles, all)
}

// precompile turns a re matcher (after rewriting) into a regexField and
// points the matcher at the field the adapter fills in.
func precompile(fm *sigma.FieldMatcher, key string) regexField {
	rf := regexField{key: key, field: fm.Field, all: fm.Modifiers[len(fm.Modifiers)-1] == "all"}
	for _, v := range fm.Values {
		// Validated at load: the expression compiles.
		rf.res = append(rf.res, regexp.MustCompile(modifiers.CoerceString(v)))
	}
	fm.Field, fm.Modifiers, fm.Values = key, nil, []any{"true"}
	return rf
}

func valuesToStrings(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = modifiers.CoerceString(v)
	}
	return out
}

func containsBackslashEscape(vs []any) bool {
	for _, v := range vs {
		if s, ok := v.(string); ok && strings.Contains(s, `\`) {
			return true
		}
	}
	return false
}

// hasWildcard reports an unescaped * or ? (Sigma escapes them with \).
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				i++
			}
		case '*', '?':
			return true
		}
	}
	return false
}

func unescapeWildcards(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// collapseStars turns runs of unescaped * into one, so that contains on
// "*x*" stays a substring test.
func collapseStars(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '?' || p[i+1] == '\\') {
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		if c == '*' && i+1 < len(p) && p[i+1] == '*' {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// simplePattern recognises lit, *lit, lit* and *lit* (no wildcard inside).
func simplePattern(p string) (op, lit string, ok bool) {
	lead := strings.HasPrefix(p, "*")
	inner := p
	if lead {
		inner = inner[1:]
	}
	trail := strings.HasSuffix(inner, "*") && !strings.HasSuffix(inner, `\*`)
	if trail {
		inner = inner[:len(inner)-1]
	}
	if hasWildcard(inner) {
		return "", "", false
	}
	lit = unescapeWildcards(inner)
	switch {
	case lead && trail:
		return "contains", lit, true
	case lead:
		return "endswith", lit, true
	case trail:
		return "startswith", lit, true
	}
	return "", lit, true
}

// wildcardRegexp is Sigma's wildcard pattern as an anchored,
// case-insensitive RE2 expression.
func wildcardRegexp(p string) string {
	var b strings.Builder
	b.WriteString("(?is)^")
	var lit strings.Builder
	flush := func() {
		b.WriteString(regexp.QuoteMeta(lit.String()))
		lit.Reset()
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '?' || p[i+1] == '\\'):
			lit.WriteByte(p[i+1])
			i++
		case c == '*':
			flush()
			b.WriteString(".*")
		case c == '?':
			flush()
			b.WriteString(".")
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	b.WriteString("$")
	return b.String()
}

// longestLiteral is the longest wildcard-free piece of p: any value that
// matches p contains it.
func longestLiteral(p string) string {
	best, cur := "", strings.Builder{}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '?' || p[i+1] == '\\'):
			cur.WriteByte(p[i+1])
			i++
		case c == '*' || c == '?':
			if cur.Len() > len(best) {
				best = cur.String()
			}
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > len(best) {
		best = cur.String()
	}
	return best
}

// base64Offsets is Sigma's base64offset: the three encodings of s at each
// byte offset, trimmed to the characters that do not depend on what
// surrounds s.
func base64Offsets(s string) []string {
	start := []int{0, 2, 3}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		switch (len(s) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if start[i] < end {
			out = append(out, enc[start[i]:end])
		}
	}
	return out
}

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
}

func compileSigma(info RuleInfo, sr *sigmaRule) *compiledSigma {
	c := &compiledSigma{info: info, rule: sr}
	var opts []evaluator.Option
	if sr.aggregated {
		c.counter = newWindowCounter(sr.timeframe, sr.groupBy)
		opts = append(opts, evaluator.CountImplementation(c.counter.count))
	}
	c.eval = evaluator.ForRule(sr.rule, opts...)
	return c
}

// evalKey carries the event being evaluated to the count implementation,
// which sigma-go calls with only the group's values.
type evalKey struct{}

type evalState struct {
	ev    *Event
	group *countGroup
}

// match evaluates ev. For a match it returns the events that make it up:
// ev itself, or for a count rule the group's recent events.
func (c *compiledSigma) match(ctx context.Context, ev *Event) (bool, []string, error) {
	if !c.rule.gate.pass(ev.Fields) {
		return false, nil, nil
	}
	return c.matchUngated(ctx, ev)
}

// matchUngated evaluates ev with sigma-go, gate or not.
func (c *compiledSigma) matchUngated(ctx context.Context, ev *Event) (bool, []string, error) {
	for _, rf := range c.rule.regexps {
		ev.Fields[rf.key] = rf.eval(ev.Fields)
	}
	if c.counter == nil {
		res, err := c.eval.Matches(ctx, ev.Fields)
		if err != nil || !res.Match {
			return false, nil, err
		}
		return true, []string{ev.Text()}, nil
	}
	st := &evalState{ev: ev}
	res, err := c.eval.Matches(context.WithValue(ctx, evalKey{}, st), ev.Fields)
	if err != nil || !res.Match {
		return false, nil, err
	}
	var matched []string
	if st.group != nil {
		matched = c.counter.recent(st.group)
	}
	if len(matched) == 0 {
		matched = []string{ev.Text()}
	}
	return true, matched, nil
}

// windowCounter is sigma-go's count() over a sliding window of event
// time, grouped by the real (possibly dashed) field.
type windowCounter struct {
	window  time.Duration
	groupBy map[int]string

	mu      sync.Mutex
	groups  map[string]*countGroup
	inserts int
}

type countGroup struct {
	hits []countHit // within the window, oldest first
	last time.Time
}

type countHit struct {
	at   time.Time
	text string
}

const (
	maxCountedPerGroup = 10000
	recentPerGroup     = 5
)

func newWindowCounter(window time.Duration, groupBy map[int]string) *windowCounter {
	return &windowCounter{window: window, groupBy: groupBy, groups: map[string]*countGroup{}}
}

func (c *windowCounter) count(ctx context.Context, gb evaluator.GroupedByValues) (float64, error) {
	st, _ := ctx.Value(evalKey{}).(*evalState)
	if st == nil {
		return 0, errors.New("count() evaluated outside the engine")
	}
	val := ""
	if f := c.groupBy[gb.ConditionID]; f != "" {
		val = st.ev.Fields[f]
	}
	key := strconv.Itoa(gb.ConditionID) + "\x00" + val
	t := st.ev.Time

	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[key]
	if g == nil {
		g = &countGroup{}
		c.groups[key] = g
	}
	cut := t.Add(-c.window)
	kept := g.hits[:0]
	for _, h := range g.hits {
		if h.at.After(cut) {
			kept = append(kept, h)
		}
	}
	g.hits = append(kept, countHit{at: t, text: st.ev.Text()})
	if len(g.hits) > maxCountedPerGroup {
		g.hits = g.hits[len(g.hits)-maxCountedPerGroup:]
	}
	if t.After(g.last) {
		g.last = t
	}
	st.group = g

	// Forget groups that went quiet, or a long run of distinct client
	// addresses grows the map without bound.
	c.inserts++
	if c.inserts%1024 == 0 {
		for k, og := range c.groups {
			if og != g && og.last.Before(cut) {
				delete(c.groups, k)
			}
		}
	}
	return float64(len(g.hits)), nil
}

// recent is the group's latest events, the ones an alert shows.
func (c *windowCounter) recent(g *countGroup) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	hits := g.hits[max(0, len(g.hits)-recentPerGroup):]
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.text
	}
	return out
}

// parseDuration accepts Go durations and Sigma's day suffix (7d).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}
