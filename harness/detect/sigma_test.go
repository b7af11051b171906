package detect

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustSigma(t testing.TB, src string) *compiledSigma {
	t.Helper()
	rs, probs := parseRuleFile("t.yml", []byte(src))
	require.Empty(t, probs, "rule does not load")
	require.Len(t, rs, 1)
	require.NotNil(t, rs[0].sigma, "not a Sigma rule")
	return compileSigma(rs[0].info, rs[0].sigma)
}

func webRule(detection string) string {
	return "title: t\nname: test-rule\nlevel: low\nlogsource:\n  category: webserver\ndetection:\n" + detection
}

func access(fields ...string) *Event {
	f := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		f[fields[i]] = fields[i+1]
	}
	return &Event{Source: SourceAccess, Time: time.Now(), Fields: f}
}

// TestSigmaAdapter covers what the adapter adds to sigma-go: each case
// would error, panic or silently not match in sigma-go v0.6.6 alone.
func TestSigmaAdapter(t *testing.T) {
	tests := []struct {
		name      string
		detection string
		event     *Event
		want      bool
	}{
		{"contains wildcard both ends", "  sel:\n    cs-uri-query: '*union*select*'\n  condition: sel\n",
			access("cs-uri-query", "id=1 UNION ALL SELECT x"), true},
		{"wildcard needs order", "  sel:\n    cs-uri-query: '*union*select*'\n  condition: sel\n",
			access("cs-uri-query", "select then union"), false},
		{"prefix wildcard becomes endswith", "  sel:\n    cs-uri-stem: '*.PHP'\n  condition: sel\n",
			access("cs-uri-stem", "/x/shell.php"), true},
		{"question mark matches one character", "  sel:\n    cs-uri-stem: '/wp-config.php?'\n  condition: sel\n",
			access("cs-uri-stem", "/wp-config.php~"), true},
		{"question mark needs a character", "  sel:\n    cs-uri-stem: '/wp-config.php?'\n  condition: sel\n",
			access("cs-uri-stem", "/wp-config.php"), false},
		{"escaped star is literal", "  sel:\n    cs-uri-query: 'a\\*b'\n  condition: sel\n",
			access("cs-uri-query", "a*b"), true},
		{"escaped star does not glob", "  sel:\n    cs-uri-query: 'a\\*b'\n  condition: sel\n",
			access("cs-uri-query", "axxb"), false},
		{"keywords search the raw event", "  keywords:\n    - sqlmap\n    - '*nikto*'\n  condition: keywords\n",
			access(rawField, `{"user_agent":"sqlmap/1.7"}`), true},
		{"keyword with wildcards stays a substring test", "  keywords:\n    - '*nikto*'\n  condition: keywords\n",
			access(rawField, `{"user_agent":"Mozilla/5.00 (Nikto/2.5.0)"}`), true},
		{"keywords miss", "  keywords:\n    - sqlmap\n  condition: keywords\n",
			access(rawField, `{"user_agent":"Mozilla"}`), false},
		{"1 of a plain name", "  sel:\n    cs-method: POST\n  condition: 1 of sel\n",
			access("cs-method", "post"), true},
		{"all of a plain name", "  sel:\n    cs-method: POST\n  condition: all of sel\n",
			access("cs-method", "GET"), false},
		{"1 of a pattern with a leading star", "  sel:\n    cs-method: POST\n  main_filter:\n    cs-uri-stem: /x\n  condition: sel and not 1 of *_filter\n",
			access("cs-method", "POST", "cs-uri-stem", "/y"), true},
		{"all of a pattern", "  sel_a:\n    cs-method: POST\n  sel_b:\n    cs-uri-stem: /x\n  condition: all of sel_*\n",
			access("cs-method", "POST", "cs-uri-stem", "/y"), false},
		{"re with i sub-modifier", "  sel:\n    cs-uri-query|re|i: 'UNION\\s+SELECT'\n  condition: sel\n",
			access("cs-uri-query", "union   select"), true},
		{"re stays case-sensitive", "  sel:\n    cs-uri-query|re: 'UNION\\s+SELECT'\n  condition: sel\n",
			access("cs-uri-query", "union select"), false},
		{"base64offset contains", "  sel:\n    cs-body|base64offset|contains: 'system('\n  condition: sel\n",
			access("cs-body", "x=Y21kPXN5c3RlbSgnaWQnKQ=="), true}, // base64("cmd=system('id')")
		{"not filter", "  sel:\n    cs-uri-stem|endswith: .php\n  filter:\n    cs-uri-stem: /index.php\n  condition: sel and not filter\n",
			access("cs-uri-stem", "/index.php"), false},
		{"numeric comparison", "  sel:\n    sc-bytes|gte: 1000000\n  condition: sel\n",
			access("sc-bytes", "5242880"), true},
		{"cidr", "  sel:\n    c-ip|cidr: 10.0.0.0/8\n  condition: sel\n",
			access("c-ip", "10.1.2.3"), true},
		{"all modifier", "  sel:\n    cs-uri-query|contains|all: [union, select]\n  condition: sel\n",
			access("cs-uri-query", "union"), false},
		{"null matches an absent field", "  sel:\n    cs-referer: null\n  condition: sel\n",
			access("cs-method", "GET"), true},
		{"null matches an empty field", "  sel:\n    cs-referer: null\n  condition: sel\n",
			access("cs-referer", ""), true},
		{"null does not match a value", "  sel:\n    cs-referer: null\n  condition: sel\n",
			access("cs-referer", "https://shop.example/"), false},
		{"null in a list with a wildcard", "  sel:\n    cs-referer: [null, '*google*']\n  condition: sel\n",
			access("cs-referer", "https://www.google.com/"), true},
		{"null filter excludes", "  sel:\n    cs-method: GET\n  filter_optional_q:\n    cs-uri-query: null\n  condition: sel and not 1 of filter_optional_*\n",
			access("cs-method", "GET", "cs-uri-query", ""), false},
		{"exists true", "  sel:\n    cs-username|exists: true\n  condition: sel\n",
			access("cs-username", "admin"), true},
		{"exists false", "  sel:\n    cs-username|exists: false\n  condition: sel\n",
			access("cs-username", "admin"), false},
		{"fieldref equal", "  sel:\n    cs-referer|fieldref: cs-uri\n  condition: sel\n",
			access("cs-referer", "/A", "cs-uri", "/a"), true},
		{"fieldref differs", "  sel:\n    cs-referer|fieldref: cs-uri\n  condition: sel\n",
			access("cs-referer", "/a", "cs-uri", "/b"), false},
		{"fieldref with startswith", "  sel:\n    cs-uri|fieldref|startswith: cs-uri-stem\n  other:\n    cs-uri|startswith|fieldref: cs-uri-stem\n  condition: sel and other\n",
			access("cs-uri", "/x.php?a=1", "cs-uri-stem", "/x.php"), true},
		{"windash slash form", "  sel:\n    cs-uri-query|windash|contains: ' -enc '\n  condition: sel\n",
			access("cs-uri-query", "cmd=powershell /enc abc"), true},
		{"windash dash form", "  sel:\n    cs-uri-query|windash|contains: ' -enc '\n  condition: sel\n",
			access("cs-uri-query", "cmd=powershell -enc abc"), true},
		{"cased matches the case", "  sel:\n    cs-user-agent|contains|cased: Nikto\n  condition: sel\n",
			access("cs-user-agent", "Mozilla (Nikto/2.5)"), true},
		{"cased refuses another case", "  sel:\n    cs-user-agent|contains|cased: Nikto\n  condition: sel\n",
			access("cs-user-agent", "mozilla (nikto/2.5)"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustSigma(t, webRule(tt.detection))
			if strings.Contains(tt.name, "stays a substring test") {
				assert.Equal(t, "contains", c.rule.rule.Detection.Searches["keywords"].EventMatchers[0][0].Modifiers[0], "rewritten to %+v", c.rule.rule.Detection.Searches["keywords"])
			}
			got, _, err := c.match(context.Background(), tt.event)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "rewritten: %+v", c.rule.rule.Detection.Searches)
		})
	}
}

// TestCountOverEventTime checks the count() adapter: grouped by a dashed
// field, windowed by the events' own times, and reporting the group's
// recent events as the match.
func TestCountOverEventTime(t *testing.T) {
	c := mustSigma(t, webRule("  sel:\n    cs-uri-stem|startswith: /wp-json/wp/v2/users\n  timeframe: 60s\n  condition: sel | count() by c-ip >= 3\n"))
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	ev := func(ip string, at time.Duration) *Event {
		e := access("cs-uri-stem", "/wp-json/wp/v2/users", "c-ip", ip, "cs-method", "GET", "sc-status", "200")
		e.Time = t0.Add(at)
		return e
	}
	steps := []struct {
		ev   *Event
		want bool
	}{
		{ev("1.1.1.1", 0), false},
		{ev("2.2.2.2", time.Second), false}, // another address, another count
		{ev("1.1.1.1", 2*time.Second), false},
		{ev("1.1.1.1", 90*time.Second), false}, // the first two fell out of the window
		{ev("1.1.1.1", 91*time.Second), false},
		{ev("1.1.1.1", 92*time.Second), true},
	}
	for i, s := range steps {
		got, matched, err := c.match(context.Background(), s.ev)
		require.NoError(t, err, "step %d", i)
		require.Equal(t, s.want, got, "step %d: match", i)
		if got {
			assert.Len(t, matched, 3, "matched events: want the group's 3")
		}
	}
}

func TestGateIsSelective(t *testing.T) {
	tests := []struct {
		name, detection string
		on              bool
	}{
		{"substring preferred over equality", "  sel:\n    cs-method: GET\n    cs-uri-stem|endswith: .sql\n  condition: sel\n", true},
		{"1 of them unions", "  a:\n    cs-uri-stem|endswith: .sql\n  b:\n    cs-user-agent|contains: sqlmap\n  condition: 1 of them\n", true},
		{"regex-only search has no gate", "  sel:\n    cs-uri-query|re: 'a.b'\n  condition: sel\n", false},
		{"negation alone has no gate", "  sel:\n    cs-method: GET\n  condition: not sel\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustSigma(t, webRule(tt.detection))
			assert.Equal(t, tt.on, c.rule.gate.on, "gate on (%+v)", c.rule.gate)
			if tt.name == "substring preferred over equality" {
				require.NotEmpty(t, c.rule.gate.terms, "gate terms")
				assert.Equal(t, "endswith", c.rule.gate.terms[0].op, "gate picked %+v", c.rule.gate.terms[0])
			}
		})
	}
}

// TestGateSound is the gate's safety net for synthetic web rules (and the
// shipped ones) over hand-made requests: the gate never drops an event
// that sigma-go alone would match. TestGateSoundOnCorpus does the same for
// every shipped rule over the event corpus of its own source.
func TestGateSound(t *testing.T) {
	pack := shippedPack(t)
	var rules []*compiledSigma
	for _, id := range pack.IDs() {
		if r := pack.rules[id]; r.sigma != nil && !r.sigma.aggregated {
			rules = append(rules, compileSigma(r.info, r.sigma))
		}
	}
	for i, d := range []string{
		"  a:\n    cs-uri-stem: '*wp-*'\n  b:\n    cs-method: [GET, POST]\n  condition: a and b\n",
		"  a:\n    cs-uri-query|contains: ['UNION', '']\n  condition: a\n",
		"  a:\n    - cs-uri-stem|endswith: .php\n    - cs-user-agent|startswith: curl\n  condition: a\n",
		"  a:\n    cs-uri-stem|contains|all: [wp-, admin]\n  condition: all of them\n",
	} {
		c := mustSigma(t, webRule(d))
		c.info.ID = fmt.Sprintf("synthetic-%d", i)
		rules = append(rules, c)
	}
	events := corpus()
	ctx := context.Background()
	for _, r := range rules {
		for _, ev := range events {
			if ev.Source != r.rule.source {
				continue
			}
			want, _, err := r.matchUngated(ctx, ev)
			require.NoError(t, err, r.info.ID)
			if want {
				assert.True(t, r.rule.gate.pass(ev.Fields), "%s: gate drops an event sigma-go matches: %s", r.info.ID, ev.Text())
			}
		}
	}
}

// corpus is a mix of ordinary shop traffic and attacks, as parsed events.
func corpus() []*Event {
	var out []*Event
	paths := []struct{ method, stem, query, status, ua, body string }{
		{"GET", "/index.php", "", "200", shopper.UserAgent, ""},
		{"GET", "/index.php", "s=blue+shirt", "200", shopper.UserAgent, ""},
		{"GET", "/wp-content/themes/twentytwentythree/style.css", "ver=1.0", "200", shopper.UserAgent, ""},
		{"GET", "/wp-includes/js/jquery/jquery.min.js", "ver=3.6.1", "200", shopper.UserAgent, ""},
		{"POST", "/wp-login.php", "", "302", shopper.UserAgent, ""},
		{"GET", "/wp-admin/index.php", "", "200", shopper.UserAgent, ""},
		{"POST", "/wp-admin/admin-ajax.php", "", "200", shopper.UserAgent, "action=heartbeat&_nonce=abc&screen_id=dashboard"},
		{"GET", "/wp-json/", "", "200", shopper.UserAgent, ""},
		{"GET", "/wp-json/wp/v2/users", "", "200", "python-requests/2.31", ""},
		{"GET", "/index.php", "author=2", "301", "curl/8.0", ""},
		{"GET", "/wp-admin/admin-ajax.php", "action=lookup&id=1+UNION+SELECT+billing_email+FROM+wp_wc_order_addresses--", "200", "sqlmap/1.7", ""},
		{"POST", "/wp-admin/admin-ajax.php", "", "200", "curl/8.0", "action=lookup&id=1%20union%20all%20select%20email"},
		{"GET", "/wp-content/uploads/backup-20261128.sql.gz", "", "200", "curl/8.0", ""},
		{"GET", "/wp-content/plugins/rogue/shell.php", "k=s3cret&cmd=id", "200", "curl/8.0", ""},
		{"GET", "/wp-content/uploads/x.php", "", "200", "curl/8.0", ""},
		{"GET", "/wp-content/debug.log", "", "200", "Mozilla/5.0", ""},
		{"GET", "/wp-config.php.bak", "", "404", "Nikto/2.5", ""},
		{"POST", "/graphql", "", "200", "curl/8.0", `{"query":"{ __schema { types { name } } }"}`},
		{"GET", "/?rest_route=/wp/v2/users", "", "200", "curl/8.0", ""},
	}
	for _, p := range paths {
		e := access("cs-method", p.method, "cs-uri-stem", p.stem, "cs-uri-query", p.query, "sc-status", p.status,
			"cs-user-agent", p.ua, "cs-body", p.body, "c-ip", "192.168.96.1", "cs-uri", p.stem+"?"+p.query)
		e.Fields[rawField] = fmt.Sprintf("%v", e.Fields)
		out = append(out, e)
	}
	return out
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown field", webRule("  sel:\n    cs-uri-stemm|endswith: .php\n  condition: sel\n"), 8, `field "cs-uri-stemm" is not in access events`},
		{"unknown modifier", webRule("  sel:\n    cs-uri-stem|utf16le: x\n  condition: sel\n"), 8, `modifier "utf16le" is not supported`},
		{"bad regex", webRule("  sel:\n    cs-uri-stem|re: '(['\n  condition: sel\n"), 8, "regular expression"},
		{"pattern matching nothing", webRule("  sel:\n    cs-method: GET\n  condition: all of filter_*\n"), 9, "filter_* matches no search"},
		{"undefined search", webRule("  sel:\n    cs-method: GET\n  condition: sel and other\n"), 9, `names search "other"`},
		{"unparsable condition", webRule("  sel:\n    cs-method: GET\n  condition: sel and (\n"), 9, "does not parse"},
		{"count distinct of an unknown field", webRule("  sel:\n    cs-method: GET\n  timeframe: 1m\n  condition: sel | count(ip) > 3\n"), 10, `counts distinct "ip"`},
		{"aggregation without timeframe", webRule("  sel:\n    cs-method: GET\n  condition: sel | count() > 3\n"), 9, "needs a timeframe"},
		{"group by unknown field", webRule("  sel:\n    cs-method: GET\n  timeframe: 1m\n  condition: sel | count() by ip > 3\n"), 10, `groups by "ip"`},
		{"null with a numeric modifier", webRule("  sel:\n    sc-bytes|gt: null\n  condition: sel\n"), 8, "null (empty or absent) takes no modifier"},
		{"nested value", webRule("  sel:\n    cs-method: {a: b}\n  condition: sel\n"), 8, "must be a string"},
		{"exists wants a boolean", webRule("  sel:\n    cs-referer|exists: maybe\n  condition: sel\n"), 8, "exists takes true or false"},
		{"fieldref names an unknown field", webRule("  sel:\n    cs-referer|fieldref: cs-origin\n  condition: sel\n"), 8, `fieldref names "cs-origin"`},
		{"bad name", "title: t\nname: X Rule\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-method: GET\n  condition: sel\n", 2, `name "X Rule"`},
		{"missing title", "id: 1c1a8f3e-2b7e-4f0e-9a7e-0f6f5b8f1d2a\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-method: GET\n  condition: sel\n", 1, "has no title"},
		{"bad level", "title: t\nname: x-rule\nlevel: severe\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-method: GET\n  condition: sel\n", 3, `level "severe"`},
		{"misspelt logsource key", "title: t\nlogsource:\n  categroy: webserver\ndetection:\n  sel:\n    cs-method: GET\n  condition: sel\n", 3, `unknown key "categroy"`},
		{"yaml syntax", "title: t\n\tname: x\n", 2, "tab character"},
		{"state check with another document", "id: x-rule\ntitle: t\nseverity: low\nkind: file\nfile: {globs: ['a/*.php']}\ncondition: {exists: true}\n---\ntitle: again\n", 1, "a file of its own"},
		{"neither kind", "title: t\nname: x-rule\n", 1, "neither a Sigma rule"},
		{"correlation without timespan", "title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  condition: {gte: 3}\n", 3, "has no timespan"},
		{"correlation with lt", "title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {lt: 3}\n", 6, "condition lt: not supported"},
		{"value_count without field", "title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 3}\n", 6, "add field:"},
		{"check unknown kind", "id: x-rule\ntitle: t\nseverity: low\nkind: smtp\ncondition: {a: 1}\n", 4, `kind "smtp"`},
		{"check misspelt key", "id: x-rule\ntitle: t\nseverity: low\nkind: file\nfile: {globs: ['a/*.php']}\ncondition: {exists: true, contnet_regex: x}\n", 6, `unknown key "contnet_regex"`},
		{"sql check that writes", "id: x-rule\ntitle: t\nseverity: low\nkind: sql\nsql:\n  queries:\n    - tables: [options]\n      select: DELETE FROM {table}\ncondition: {luhn_pan: {}}\n", 8, "one SELECT statement"},
		{"sql check two statements", "id: x-rule\ntitle: t\nseverity: low\nkind: sql\nsql:\n  queries:\n    - tables: [options]\n      select: SELECT 1, 2; DROP TABLE x\ncondition: {luhn_pan: {}}\n", 8, "one SELECT statement"},
		{"http check status", "id: x-rule\ntitle: t\nseverity: low\nkind: http\nhttp: {paths: [/x]}\ncondition:\n  status: [abc]\n", 7, `status "abc"`},
		{"config check without is", "id: x-rule\ntitle: t\nseverity: low\nkind: config\nconfig: {file: wp-config.php}\ncondition:\n  all:\n    - constant: WP_DEBUG\n", 8, "needs is:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parseRuleFile("t.yml", []byte(tt.src))
			require.NotEmpty(t, probs, "loaded; want a problem at line %d", tt.line)
			var got []string
			for _, p := range probs {
				got = append(got, p.Error())
				if p.Line == tt.line && p.Column > 0 && strings.Contains(p.Msg, tt.want) {
					return
				}
			}
			assert.Failf(t, "problem not found", "problems %q; want one at line %d (with a column) containing %q", got, tt.line, tt.want)
		})
	}
}

func shippedPack(t testing.TB) *Pack {
	t.Helper()
	p, err := LoadDir("../../rules")
	require.NoError(t, err, "the shipped pack must load")
	return p
}
