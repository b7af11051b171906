package detect

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator/modifiers"
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
//     base64offset, no re sub-modifiers (re|i), no null values (empty or
//     absent) and no windash, exists, fieldref or cased modifiers,
//   - compiles a re value on every comparison (most of an evaluation's
//     time) and evaluates every search of a rule for every event,
//   - counts aggregations by wall-clock time at evaluation, keyed by JSON,
//     and has no near, count(field), min or max, nor Sigma 2.0
//     correlation rules (sigma_correlation.go evaluates those),
//   - and reports unknown modifiers, bad regular expressions and undefined
//     search names only while matching, or not at all.
// Rules are checked and rewritten here at load, so that sigma-go sees only
// what it handles, and each problem is reported at the rule's line.

// computedField is a field matcher the adapter evaluates itself, into a
// field of the event (key) that sigma-go then compares with "true":
//   - regular expressions, compiled once at load (sigma-go compiles a re
//     value on every comparison, which costs more than the rest of an
//     evaluation together);
//   - what sigma-go lacks: null values (empty or absent), the exists,
//     fieldref and cased modifiers.
type computedField struct {
	key  string
	eval func(fields map[string]string) bool
}

// anyOrAll combines per-value tests the way Sigma does: any value
// matching is enough, or with |all every value must.
func anyOrAll(tests []func(string) bool, all bool) func(string) bool {
	return func(v string) bool {
		for _, t := range tests {
			m := t(v)
			if m && !all {
				return true
			}
			if !m && all {
				return false
			}
		}
		return all
	}
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
func rewriteSearches(r *sigma.Rule, id string, computed *[]computedField) map[fmKey]*gateTerm {
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
				expandWindash(fm)
				key := fmt.Sprintf("_c.%s.%d", id, len(*computed))
				if cf, ok := computeMatcher(fm, key); ok {
					*computed = append(*computed, cf)
					continue // no gate term: the gate lets the event through
				}
				terms[fmKey{name, ei, fi}] = rewriteMatcher(fm)
				if len(fm.Modifiers) > 0 && fm.Modifiers[0] == "re" {
					*computed = append(*computed, precompile(fm, key))
				}
			}
		}
		r.Detection.Searches[name] = s
	}
	return terms
}

// windashChars are the characters Sigma's windash modifier lets stand for
// a leading dash of a command-line flag.
var windashChars = []string{"-", "/", "–", "—", "―"}

// expandWindash writes |windash out as the value's variants.
func expandWindash(fm *sigma.FieldMatcher) {
	i := indexOf(fm.Modifiers, "windash")
	if i < 0 {
		return
	}
	fm.Modifiers = append(fm.Modifiers[:i:i], fm.Modifiers[i+1:]...)
	var vals []any
	for _, v := range fm.Values {
		s, ok := v.(string)
		if !ok || !strings.Contains(s, "-") {
			vals = append(vals, v)
			continue
		}
		for _, c := range windashChars {
			vals = append(vals, strings.ReplaceAll(s, "-", c))
		}
	}
	fm.Values = vals
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// computeMatcher builds the adapter's own test for a matcher sigma-go
// cannot evaluate (null values, exists, fieldref, cased) and points the
// matcher at key.
func computeMatcher(fm *sigma.FieldMatcher, key string) (computedField, bool) {
	hasNull := false
	for _, v := range fm.Values {
		if v == nil {
			hasNull = true
		}
	}
	mods := fm.Modifiers
	special := hasNull || indexOf(mods, "exists") >= 0 || indexOf(mods, "fieldref") >= 0 || indexOf(mods, "cased") >= 0
	if !special {
		return computedField{}, false
	}
	field := fm.Field
	all := indexOf(mods, "all") >= 0
	op := ""
	for _, m := range mods {
		if m == "contains" || m == "startswith" || m == "endswith" {
			op = m
		}
	}
	cased := indexOf(mods, "cased") >= 0
	var eval func(map[string]string) bool
	switch {
	case indexOf(mods, "exists") >= 0:
		// Events carry absent fields as "": present means non-empty.
		want, _ := strconv.ParseBool(modifiers.CoerceString(fm.Values[0]))
		eval = func(f map[string]string) bool { return (f[field] != "") == want }
	case indexOf(mods, "fieldref") >= 0:
		refs := valuesToStrings(fm.Values)
		eval = func(f map[string]string) bool {
			v := f[field]
			tests := make([]func(string) bool, len(refs))
			for i, r := range refs {
				tests[i] = literalTest(op, f[r], cased)
			}
			return anyOrAll(tests, all)(v)
		}
	default:
		var tests []func(string) bool
		re := indexOf(mods, "re") >= 0
		flags := ""
		for _, m := range mods {
			if m == "i" || m == "m" || m == "s" {
				flags += m
			}
		}
		for _, v := range fm.Values {
			switch {
			case v == nil:
				tests = append(tests, func(s string) bool { return s == "" })
			case re:
				expr := modifiers.CoerceString(v)
				if flags != "" {
					expr = "(?" + flags + ")" + expr
				}
				tests = append(tests, regexp.MustCompile(expr).MatchString) // validated at load
			default:
				tests = append(tests, patternTest(op, modifiers.CoerceString(v), cased))
			}
		}
		test := anyOrAll(tests, all)
		eval = func(f map[string]string) bool { return test(f[field]) }
	}
	fm.Field, fm.Modifiers, fm.Values = key, nil, []any{"true"}
	return computedField{key: key, eval: eval}, true
}

// patternTest is Sigma's value comparison: wildcards * and ?, op as
// contains, startswith or endswith, case-insensitive unless cased.
func patternTest(op, s string, cased bool) func(string) bool {
	switch op {
	case "contains":
		s = "*" + s + "*"
	case "startswith":
		s = s + "*"
	case "endswith":
		s = "*" + s
	}
	expr := wildcardRegexp(collapseStars(s))
	if cased {
		expr = "(?s)" + strings.TrimPrefix(expr, "(?is)")
	}
	return regexp.MustCompile(expr).MatchString
}

// literalTest compares with another field's value, taken literally.
func literalTest(op, want string, cased bool) func(string) bool {
	return func(v string) bool {
		if !cased {
			v, want = strings.ToLower(v), strings.ToLower(want)
		}
		switch op {
		case "contains":
			return strings.Contains(v, want)
		case "startswith":
			return strings.HasPrefix(v, want)
		case "endswith":
			return strings.HasSuffix(v, want)
		}
		return v == want
	}
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

// precompile turns a re matcher (after rewriting) into a computed field
// and points the matcher at the field the adapter fills in.
func precompile(fm *sigma.FieldMatcher, key string) computedField {
	field, all := fm.Field, fm.Modifiers[len(fm.Modifiers)-1] == "all"
	var tests []func(string) bool
	for _, v := range fm.Values {
		// Validated at load: the expression compiles.
		tests = append(tests, regexp.MustCompile(modifiers.CoerceString(v)).MatchString)
	}
	test := anyOrAll(tests, all)
	fm.Field, fm.Modifiers, fm.Values = key, nil, []any{"true"}
	return computedField{key: key, eval: func(f map[string]string) bool { return test(f[field]) }}
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
