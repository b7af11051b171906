package detect

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyjkemp/sigma-go"
	"go.yaml.in/yaml/v3"
)

// This file reads a Sigma rule as the community publishes it and checks
// it, reporting every problem at file:line:col: identity (id, title,
// optional name), the logsource (or why the stack cannot feed it), the
// condition and each search's fields, modifiers and values. sigma_adapt.go
// then rewrites it for sigma-go, sigma_compile.go derives its gate, and
// sigma_eval.go evaluates it.

// sigmaRule is a Sigma rule as loaded and rewritten for sigma-go.
type sigmaRule struct {
	rule       sigma.Rule
	source     Source
	timeframe  time.Duration
	groupBy    map[int]string // condition index → the field counted by ("" = all events)
	countField map[int]string // condition index → count(field): distinct values of field
	aggregated bool
	gate       gate
	computed   []computedField
	// name is the rule's Sigma name: (or the derived id), which
	// correlation rules may refer to, as they may to the UUID.
	name string
}

// supportedModifiers are the ones sigma-go evaluates itself; the adapter
// rewrites base64offset and re's i/m/s before sigma-go sees them.
var supportedModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "re": true, "cidr": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "base64": true, "all": true,
	"base64offset": true, "i": true, "m": true, "s": true,
	// The adapter evaluates these itself (see computedField).
	"exists": true, "fieldref": true, "windash": true, "cased": true,
}

var searchNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var groupByPattern = regexp.MustCompile(`(?i)\bby\s+([^\s()<>=!|]+)`)
var countFieldPattern = regexp.MustCompile(`(?i)\bcount\s*\(\s*([^\s)]+)\s*\)`)

// sigmaKeys are the top-level keys of a Sigma rule (and of the Sigma 2.0
// specification's optional attributes), so that a misspelt key is refused
// instead of silently ignored.
var sigmaKeys = []string{"title", "id", "name", "related", "taxonomy", "status", "description",
	"license", "author", "references", "date", "modified", "logsource", "detection", "fields",
	"falsepositives", "level", "tags", "scope", "timeframe", "regression_tests_path", "simulation", "generate"}

// parseSigma checks and adapts one Sigma rule. The YAML node is changed in
// place (timeframe removed, group-by fields renamed). derived is the rule
// id to use when the rule has no name: (community rules have none).
// A rule whose logsource the stack cannot produce is returned with
// info.NotApplicable set and no compiled form.
func parseSigma(ps *problems, root *yaml.Node, derived string) (RuleInfo, *sigmaRule) {
	info := RuleInfo{Kind: KindSigma}
	ps.checkKeys(root, "a Sigma rule", sigmaKeys...)
	ps.sigmaHeader(root, &info, derived)

	_, ls := mapGet(root, "logsource")
	var src Source
	if ls == nil || ls.Kind != yaml.MappingNode {
		ps.at(root, "Sigma rule has no logsource mapping: add e.g. logsource: {category: webserver}")
	} else {
		ps.checkKeys(ls, "logsource", "category", "product", "service", "definition")
		get := func(k string) string {
			if _, v := mapGet(ls, k); v != nil {
				return v.Value
			}
			return ""
		}
		var err error
		if src, err = logsourceToSource(get("category"), get("product"), get("service")); err != nil {
			info.NotApplicable = err.Error()
			info.naLine, info.naColumn = ls.Line, ls.Column
		}
	}
	info.Source = src

	_, det := mapGet(root, "detection")
	if det == nil || det.Kind != yaml.MappingNode {
		ps.at(root, "Sigma rule has no detection mapping: add searches and a condition")
		return info, nil
	}
	sr := &sigmaRule{source: src, groupBy: map[int]string{}, countField: map[int]string{}, name: info.ID}

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
		// count(field) counts distinct values of field (the deprecated
		// form of a value_count correlation); the counter does it, sigma-go
		// sees count().
		if m := countFieldPattern.FindStringSubmatchIndex(text); m != nil {
			field := text[m[2]:m[3]]
			if src != "" && !knownField(src, field) {
				ps.at(cn, "condition counts distinct %q, which %s events do not have; fields: %s", field, src, fieldList(src))
			}
			sr.countField[i] = field
			text = text[:m[0]] + "count()" + text[m[1]:]
		}
		if m := groupByPattern.FindStringSubmatchIndex(text); m != nil {
			field := text[m[2]:m[3]]
			if src != "" && !knownField(src, field) && info.NotApplicable == "" {
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

	if err := decodeSigmaRule(root, &sr.rule); err != nil {
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
				if why := unavailableField(src, fm.Field); why != "" && info.NotApplicable == "" {
					info.NotApplicable = why
					info.naLine, info.naColumn = line+1, col+1
				}
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

	terms := rewriteSearches(&sr.rule, info.ID, &sr.computed)
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

// checkValueNode refuses values no matcher can compare (nested mappings
// and lists), at their line. null is Sigma's "empty or absent".
func checkValueNode(ps *problems, key, val *yaml.Node) {
	switch val.Kind {
	case yaml.SequenceNode:
		for _, c := range val.Content {
			if c.Kind != yaml.ScalarNode {
				ps.at(c, "field %s: values must be strings, numbers or null", key.Value)
			}
		}
	case yaml.ScalarNode, yaml.AliasNode:
	default:
		ps.at(val, "field %s: the value must be a string, a number, null or a list of them", key.Value)
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
	if src != "" && !knownField(src, fm.Field) && unavailableField(src, fm.Field) == "" {
		ps.atPos(line, col, "search %s: field %q is not in %s events; fields: %s", search, fm.Field, src, fieldList(src))
	}
	mods := fm.Modifiers
	for i, m := range mods {
		if !supportedModifiers[m] {
			ps.atPos(line, col, "search %s: modifier %q is not supported; use contains, startswith, endswith, re (with i, m, s), cidr, gt, gte, lt, lte, base64, base64offset|contains, windash, cased, exists, fieldref, all", search, m)
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
		case "exists":
			if len(mods) != 1 {
				ps.atPos(line, col, "search %s: exists stands alone: write field|exists: true", search)
			}
		case "contains", "startswith", "endswith", "re", "cidr", "gt", "gte", "lt", "lte":
			rest := mods[i+1:]
			for _, r := range rest {
				if r != "all" && r != "cased" && r != "windash" && r != "fieldref" && !(m == "re" && (r == "i" || r == "m" || r == "s")) {
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
		case nil:
			if len(mods) > 0 && !has("contains") && !has("startswith") && !has("endswith") && !has("all") {
				ps.atPos(line, col, "search %s: field %s: null (empty or absent) takes no modifier %s", search, fm.Field, strings.Join(mods, "|"))
			}
			continue
		case string:
			s = v
		case int, float64, bool:
			s = fmt.Sprint(v)
		default:
			ps.atPos(line, col, "search %s: field %s: values must be strings, numbers or null", search, fm.Field)
			continue
		}
		if strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") && len(s) > 1 {
			ps.atPos(line, col, "search %s: placeholder %s is not supported; list the values in the rule", search, s)
		}
		switch {
		case has("exists"):
			if _, err := strconv.ParseBool(s); err != nil {
				ps.atPos(line, col, "search %s: exists takes true or false, not %q", search, s)
			}
		case has("fieldref"):
			if src != "" && !knownField(src, s) {
				ps.atPos(line, col, "search %s: fieldref names %q, which %s events do not have; fields: %s", search, s, src, fieldList(src))
			}
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

// sigmaNamePattern admits the names correlation rules refer to, which
// SigmaHQ writes with underscores (failed_logon).
var sigmaNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{1,62}[A-Za-z0-9]$`)

// sigmaHeader reads a Sigma rule's identity as the community writes it:
// id: (a UUID) and title: identify the rule; name: is optional, and the
// pack id is derived from the file name when it is absent. level: is the
// severity (medium when absent, as Sigma leaves it optional).
func (ps *problems) sigmaHeader(root *yaml.Node, info *RuleInfo, derived string) {
	info.ID = derived
	if _, n := mapGet(root, "name"); n != nil {
		if n.Kind != yaml.ScalarNode || !sigmaNamePattern.MatchString(n.Value) {
			ps.at(n, "name %q: use letters, digits, '-', '_' and '.' (3 to 64 characters), e.g. webshell-request, or leave it out to use %s", n.Value, derived)
		} else {
			info.ID = n.Value
		}
	}
	if _, n := mapGet(root, "id"); n != nil {
		if n.Kind != yaml.ScalarNode || n.Value == "" {
			ps.at(n, "id: want the rule's UUID, e.g. id: 5d3b0b59-6f7a-4a8e-9c1d-3f2b1a0e9d8c")
		} else {
			info.SigmaID = n.Value
		}
	}
	info.Title, _ = ps.scalar(root, "title", "Sigma rule", "a one-line summary")
	info.Severity = "medium"
	if _, n := mapGet(root, "level"); n != nil {
		if n.Kind != yaml.ScalarNode || !validSeverity(n.Value) {
			ps.at(n, "level %q: use one of %s", n.Value, strings.Join(severities, ", "))
		} else {
			info.Severity = n.Value
		}
	}
	if _, d := mapGet(root, "description"); d != nil && d.Kind == yaml.ScalarNode {
		info.Description = d.Value
	}
	if _, t := mapGet(root, "tags"); t != nil {
		info.Tags = ps.stringList(t, "tags")
	}
}
