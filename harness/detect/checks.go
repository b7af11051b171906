package detect

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A state check is a small YAML document of ours, run on an interval:
//
//	id: wp-debug-log-public
//	title: WordPress debug log readable over HTTP
//	severity: high
//	kind: http                 # http | sql | config | file
//	interval: 1s               # optional; the engine's interval otherwise
//	http: {...}                # the part named by kind
//	condition: {...}           # what makes it fire, per kind
//
// See rules/README.md for every key.
type check struct {
	kind     string
	interval time.Duration
	http     *httpCheck
	sql      *sqlCheck
	config   *configCheck
	file     *fileCheck
}

// httpCheck probes the shop from outside, as an attacker would.
type httpCheck struct {
	paths       []string      // requested every interval
	files       []string      // docroot files: requested while the file list holds them, else every unseenEvery
	discover    *discoverSpec // files found in the docroot or in directory listings
	unseenEvery time.Duration
	cond        httpCondition
}

type discoverSpec struct {
	extensions []string // lower case, with the dot: .sql, .sql.gz
	names      []string // base-name globs: wp-config*
	listings   []string // folders whose Apache listing is read for more files
	dirs       bool     // probe the folders holding what was found, not the files
}

type httpCondition struct {
	status  []int
	bodyAny []bodyMatcher
	bodyAll []bodyMatcher
	newSet  *regexp.Regexp // fires on values of the first group not seen at Baseline
}

type bodyMatcher struct {
	re    *regexp.Regexp
	magic string
}

// sqlCheck runs read-only queries as breachdrill's own database user
// (whom the audit log leaves out); each returns (label, value) rows.
type sqlCheck struct {
	queries []sqlQuery
	cond    sqlCondition
}

type sqlQuery struct {
	tables []string // without the prefix; changes to them make the query run again
	sql    string   // {prefix} and {table} (the first table, prefixed) are filled in
}

type sqlCondition struct {
	luhn          *panSpec
	pii           *piiSpec
	differs       bool // the set of labels differs from the one at Baseline
	sinceBaseline bool // rows unchanged since Baseline are not looked at
}

type panSpec struct{ min, max int }

type piiSpec struct {
	minEmails, minPhones int
	canaries             bool
}

// configCheck reads PHP constants from a file in the docroot.
type configCheck struct {
	file string
	all  []constCond
	any  []constCond
}

type constCond struct {
	name string
	is   string  // PHP literal, normalised: true, false, a number, or a string
	def  *string // the constant's value when it is not defined (nil: never matches)
}

// fileCheck looks at the docroot's file list (kept by file integrity).
type fileCheck struct {
	globs   []string
	exclude []string
	content *regexp.Regexp
}

var magics = []string{"gzip", "zip", "7z", "bzip2", "xz", "tar", "sql"}

func parseCheck(ps *problems, root *yaml.Node) (RuleInfo, *check) {
	info := RuleInfo{Source: SourceState}
	ps.checkKeys(root, "a state check", "id", "title", "description", "severity", "kind", "interval", "tags",
		"http", "sql", "config", "file", "condition")
	ps.header(root, &info, "state check", "id", "severity", "wp-debug-log-public")
	kind, kindNode := ps.scalar(root, "kind", "state check", "http, sql, config or file")
	info.Kind = kind
	c := &check{kind: kind}
	if _, iv := mapGet(root, "interval"); iv != nil {
		d, err := parseDuration(iv.Value)
		if err != nil || d < 100*time.Millisecond {
			ps.at(iv, "interval %q: want a duration of at least 100ms, such as 1s or 30s", iv.Value)
		}
		c.interval, info.Interval = d, d
	}
	_, body := mapGet(root, kind)
	_, cond := mapGet(root, "condition")
	if cond == nil || cond.Kind != yaml.MappingNode {
		ps.at(root, "state check has no condition mapping: say what makes it fire")
		return info, nil
	}
	for _, k := range []string{KindHTTP, KindSQL, KindConfig, KindFile} {
		if k == kind {
			continue
		}
		if kn, _ := mapGet(root, k); kn != nil {
			ps.at(kn, "%s: section for kind %s, but this check is kind %s", k, k, kind)
		}
	}
	switch kind {
	case KindHTTP:
		c.http = parseHTTPCheck(ps, body, cond)
	case KindSQL:
		c.sql = parseSQLCheck(ps, body, cond)
	case KindConfig:
		c.config = parseConfigCheck(ps, body, cond)
	case KindFile:
		c.file = parseFileCheck(ps, body, cond)
	case "":
		return info, nil
	default:
		ps.at(kindNode, "kind %q: use http, sql, config or file", kind)
		return info, nil
	}
	if body == nil && kind != "" {
		ps.at(root, "a %s check needs a %s: section", kind, kind)
	}
	if len(ps.list) > 0 {
		return info, nil
	}
	return info, c
}

func (ps *problems) regexp(n *yaml.Node, what string) *regexp.Regexp {
	if n == nil {
		return nil
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		ps.at(n, "%s %q: %v (Go RE2 syntax)", what, n.Value, err)
		return nil
	}
	return re
}

func (ps *problems) duration(n *yaml.Node, what string) time.Duration {
	if n == nil {
		return 0
	}
	d, err := parseDuration(n.Value)
	if err != nil || d < 0 {
		ps.at(n, "%s %q: want a duration such as 30s", what, n.Value)
	}
	return d
}

func parseHTTPCheck(ps *problems, body, cond *yaml.Node) *httpCheck {
	h := &httpCheck{unseenEvery: 30 * time.Second}
	if body == nil {
		return h
	}
	ps.checkKeys(body, "http", "paths", "files", "discover", "unseen_every")
	_, p := mapGet(body, "paths")
	h.paths = ps.stringList(p, "paths")
	_, f := mapGet(body, "files")
	h.files = ps.stringList(f, "files")
	for _, x := range append(append([]string(nil), h.paths...), h.files...) {
		if !strings.HasPrefix(x, "/") {
			ps.at(body, "path %q: write URL paths from the site root, such as /wp-content/debug.log", x)
		}
	}
	if _, u := mapGet(body, "unseen_every"); u != nil {
		h.unseenEvery = ps.duration(u, "unseen_every")
	}
	if _, d := mapGet(body, "discover"); d != nil {
		ps.checkKeys(d, "discover", "extensions", "names", "listings", "target")
		h.discover = &discoverSpec{}
		_, e := mapGet(d, "extensions")
		for _, x := range ps.stringList(e, "extensions") {
			if !strings.HasPrefix(x, ".") {
				ps.at(e, "extension %q: write it with its dot, such as .sql.gz", x)
			}
			h.discover.extensions = append(h.discover.extensions, strings.ToLower(x))
		}
		_, nm := mapGet(d, "names")
		for _, g := range ps.stringList(nm, "names") {
			if _, err := path.Match(g, ""); err != nil {
				ps.at(nm, "name glob %q: %v", g, err)
			}
			h.discover.names = append(h.discover.names, g)
		}
		_, l := mapGet(d, "listings")
		h.discover.listings = ps.stringList(l, "listings")
		if _, t := mapGet(d, "target"); t != nil {
			switch t.Value {
			case "files":
			case "dirs":
				h.discover.dirs = true
			default:
				ps.at(t, "target %q: use files (probe what was found) or dirs (probe the folders holding it)", t.Value)
			}
		}
		if len(h.discover.extensions) == 0 && len(h.discover.names) == 0 {
			ps.at(d, "discover needs extensions or names to look for")
		}
	}
	if len(h.paths) == 0 && len(h.files) == 0 && h.discover == nil {
		ps.at(body, "an http check needs paths, files or discover")
	}
	ps.checkKeys(cond, "an http condition", "status", "body_any", "body_all", "new_since_baseline")
	if _, s := mapGet(cond, "status"); s != nil {
		for _, v := range ps.stringList(s, "status") {
			n, err := strconv.Atoi(v)
			if err != nil || n < 100 || n > 599 {
				ps.at(s, "status %q: want HTTP status codes such as [200]", v)
			}
			h.cond.status = append(h.cond.status, n)
		}
	} else {
		ps.at(cond, "an http condition needs status: the codes that mean exposed, such as [200]")
	}
	h.cond.bodyAny = parseBodyMatchers(ps, cond, "body_any")
	h.cond.bodyAll = parseBodyMatchers(ps, cond, "body_all")
	if _, n := mapGet(cond, "new_since_baseline"); n != nil {
		h.cond.newSet = ps.regexp(n, "new_since_baseline")
		if h.cond.newSet != nil && h.cond.newSet.NumSubexp() < 1 {
			ps.at(n, "new_since_baseline needs a capturing group: the value compared with the baseline")
		}
	}
	return h
}

func parseBodyMatchers(ps *problems, cond *yaml.Node, key string) []bodyMatcher {
	_, n := mapGet(cond, key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		ps.at(n, "%s: want a list of {regex: ...} or {magic: ...}", key)
		return nil
	}
	var out []bodyMatcher
	for _, item := range n.Content {
		ps.checkKeys(item, key+" item", "regex", "magic")
		_, re := mapGet(item, "regex")
		_, mg := mapGet(item, "magic")
		switch {
		case re != nil && mg == nil:
			if r := ps.regexp(re, "regex"); r != nil {
				out = append(out, bodyMatcher{re: r})
			}
		case mg != nil && re == nil:
			ok := false
			for _, m := range magics {
				ok = ok || m == mg.Value
			}
			if !ok {
				ps.at(mg, "magic %q: use one of %s", mg.Value, strings.Join(magics, ", "))
			}
			out = append(out, bodyMatcher{magic: mg.Value})
		default:
			ps.at(item, "%s item: give exactly one of regex or magic", key)
		}
	}
	return out
}

var selectOnly = regexp.MustCompile(`(?is)^\s*select\b`)

func parseSQLCheck(ps *problems, body, cond *yaml.Node) *sqlCheck {
	s := &sqlCheck{}
	if body == nil {
		return s
	}
	ps.checkKeys(body, "sql", "queries")
	_, qs := mapGet(body, "queries")
	if qs == nil || qs.Kind != yaml.SequenceNode || len(qs.Content) == 0 {
		ps.at(body, "sql needs queries: a list of {tables: [...], select: SELECT label, value FROM {table} ...}")
		return s
	}
	for _, q := range qs.Content {
		ps.checkKeys(q, "a query", "tables", "select")
		_, t := mapGet(q, "tables")
		tables := ps.stringList(t, "tables")
		if len(tables) == 0 {
			ps.at(q, "a query needs tables: the tables it reads, without the prefix (options, postmeta)")
		}
		sel, selNode := ps.scalar(q, "select", "query", "SELECT label, value FROM {table} WHERE ...")
		if sel != "" {
			trimmed := strings.TrimSuffix(strings.TrimSpace(sel), ";")
			if !selectOnly.MatchString(trimmed) || strings.Contains(trimmed, ";") {
				ps.at(selNode, "select must be one SELECT statement: checks only read")
			}
			sel = trimmed
		}
		s.queries = append(s.queries, sqlQuery{tables: tables, sql: sel})
	}
	ps.checkKeys(cond, "an sql condition", "luhn_pan", "pii", "differs_from_baseline", "since_baseline")
	n := 0
	if _, l := mapGet(cond, "luhn_pan"); l != nil {
		n++
		ps.checkKeys(l, "luhn_pan", "min_digits", "max_digits")
		s.cond.luhn = &panSpec{min: 13, max: 19}
		if _, v := mapGet(l, "min_digits"); v != nil {
			s.cond.luhn.min = ps.intIn(v, "min_digits", 12, 19)
		}
		if _, v := mapGet(l, "max_digits"); v != nil {
			s.cond.luhn.max = ps.intIn(v, "max_digits", 12, 19)
		}
	}
	if _, p := mapGet(cond, "pii"); p != nil {
		n++
		ps.checkKeys(p, "pii", "min_emails", "min_phones", "canaries")
		s.cond.pii = &piiSpec{}
		if _, v := mapGet(p, "min_emails"); v != nil {
			s.cond.pii.minEmails = ps.intIn(v, "min_emails", 1, 1000000)
		}
		if _, v := mapGet(p, "min_phones"); v != nil {
			s.cond.pii.minPhones = ps.intIn(v, "min_phones", 1, 1000000)
		}
		if _, v := mapGet(p, "canaries"); v != nil {
			s.cond.pii.canaries = ps.boolean(v, "canaries")
		}
	}
	if _, d := mapGet(cond, "differs_from_baseline"); d != nil {
		n++
		s.cond.differs = ps.boolean(d, "differs_from_baseline")
	}
	if _, sb := mapGet(cond, "since_baseline"); sb != nil {
		s.cond.sinceBaseline = ps.boolean(sb, "since_baseline")
	}
	if n != 1 {
		ps.at(cond, "an sql condition needs exactly one of luhn_pan, pii or differs_from_baseline")
	}
	return s
}

func (ps *problems) intIn(n *yaml.Node, what string, lo, hi int) int {
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < lo || v > hi {
		ps.at(n, "%s %q: want a whole number from %d to %d", what, n.Value, lo, hi)
	}
	return v
}

func (ps *problems) boolean(n *yaml.Node, what string) bool {
	switch n.Value {
	case "true":
		return true
	case "false":
		return false
	}
	ps.at(n, "%s %q: want true or false", what, n.Value)
	return false
}

func parseConfigCheck(ps *problems, body, cond *yaml.Node) *configCheck {
	c := &configCheck{}
	if body == nil {
		return c
	}
	ps.checkKeys(body, "config", "file")
	c.file, _ = ps.scalar(body, "file", "config", "the PHP file, relative to the docroot, such as wp-config.php")
	ps.checkKeys(cond, "a config condition", "all", "any")
	c.all = parseConstConds(ps, cond, "all")
	c.any = parseConstConds(ps, cond, "any")
	if len(c.all) == 0 && len(c.any) == 0 {
		ps.at(cond, "a config condition needs all: or any: with {constant: NAME, is: VALUE}")
	}
	return c
}

func parseConstConds(ps *problems, cond *yaml.Node, key string) []constCond {
	_, n := mapGet(cond, key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		ps.at(n, "%s: want a list of {constant: NAME, is: VALUE, default: VALUE}", key)
		return nil
	}
	var out []constCond
	for _, item := range n.Content {
		ps.checkKeys(item, key+" item", "constant", "is", "default")
		name, _ := ps.scalar(item, "constant", "condition", "a PHP constant such as WP_DEBUG")
		_, is := mapGet(item, "is")
		if is == nil {
			ps.at(item, "condition on %s needs is: the value that fires (true, false, a number or a string)", name)
			continue
		}
		cc := constCond{name: name, is: normaliseYAMLValue(is)}
		if _, d := mapGet(item, "default"); d != nil {
			v := normaliseYAMLValue(d)
			cc.def = &v
		}
		out = append(out, cc)
	}
	return out
}

// normaliseYAMLValue renders a YAML scalar the way phpValue renders a PHP
// literal, so that the two compare.
func normaliseYAMLValue(n *yaml.Node) string {
	switch n.Tag {
	case "!!bool":
		if strings.EqualFold(n.Value, "true") {
			return "true"
		}
		return "false"
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return "'" + n.Value + "'"
}

func parseFileCheck(ps *problems, body, cond *yaml.Node) *fileCheck {
	f := &fileCheck{}
	if body == nil {
		return f
	}
	ps.checkKeys(body, "file", "globs", "exclude")
	_, g := mapGet(body, "globs")
	f.globs = ps.stringList(g, "globs")
	if len(f.globs) == 0 {
		ps.at(body, "a file check needs globs: docroot paths such as wp-content/uploads/**/*.php")
	}
	_, e := mapGet(body, "exclude")
	f.exclude = ps.stringList(e, "exclude")
	for _, x := range append(append([]string(nil), f.globs...), f.exclude...) {
		if err := validGlob(x); err != nil {
			ps.at(body, "glob %q: %v", x, err)
		}
	}
	ps.checkKeys(cond, "a file condition", "exists", "content_regex")
	if _, ex := mapGet(cond, "exists"); ex == nil || !ps.boolean(ex, "exists") {
		ps.at(cond, "a file condition needs exists: true")
	}
	if _, cr := mapGet(cond, "content_regex"); cr != nil {
		f.content = ps.regexp(cr, "content_regex")
	}
	return f
}

// matchGlob matches a slash-separated path against a glob where ** stands
// for any number of folders.
func matchGlob(pattern, name string) bool {
	ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
	var m func(i, j int) bool
	m = func(i, j int) bool {
		for i < len(ps) {
			if ps[i] == "**" {
				for k := j; k <= len(ns); k++ {
					if m(i+1, k) {
						return true
					}
				}
				return false
			}
			if j >= len(ns) {
				return false
			}
			if ok, _ := path.Match(ps[i], ns[j]); !ok {
				return false
			}
			i, j = i+1, j+1
		}
		return j == len(ns)
	}
	return m(0, 0)
}

func validGlob(g string) error {
	if strings.HasPrefix(g, "/") {
		return fmt.Errorf("write it relative to the docroot, such as wp-content/uploads/**/*.php")
	}
	for _, part := range strings.Split(g, "/") {
		if part == "**" {
			continue
		}
		if _, err := path.Match(part, ""); err != nil {
			return err
		}
	}
	return nil
}
