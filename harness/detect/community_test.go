package detect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rules under testdata/community are written the way SigmaHQ and
// vendors publish them (UUID ids, no name:, null filters, keyword lists,
// correlations, the deprecated count() form, logsources the stack cannot
// produce), following the public Sigma specification.
const communityDir = "testdata/community"

func TestCommunityPackLoads(t *testing.T) {
	p, err := LoadDir(communityDir)
	require.NoError(t, err)

	tests := []struct {
		id, sigmaID, notApplicable, correlation string
	}{
		{"web-sql-injection-keywords", "5c1ec7d5-8a3e-4b7e-9f55-6f3c8c2e9a11", "", ""},
		{"web-path-traversal", "7745c2ea-24a5-4290-b680-04359cb84b35", "", ""},
		{"apache-segfault", "1da8ce0b-855d-4004-8860-7d64d42063b1", "", ""},
		{"wp_failed_login_post", "a1b2c3d4-1111-4222-8333-944455556666", "", ""},
		{"web-login-bruteforce-correlation-2", "b2c3d4e5-2222-4333-8444-a55566667777", "", "event_count"},
		{"web-user-spray-value-count", "c3d4e5f6-3333-4444-8555-b66677778888", "", "value_count"},
		{"proxy-ua-suspicious", "8d6b7a9e-1e0b-4d3a-a6f2-7e2c9b1d4f35", "no forward proxy", ""},
		{"proc-creation-win-whoami", "e28a5a99-da44-436d-b7a0-2afc20a5f413", "runs no windows systems", ""},
		{"web-cookie-injection", "2b0d2e3a-0c35-4f0e-8b1c-5c7d6a9e8f10", "does not record cookies", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r, ok := p.Rule(tt.id)
			require.True(t, ok, "rule %s not in the pack; have %v", tt.id, p.IDs())
			assert.Equal(t, tt.sigmaID, r.SigmaID)
			assert.Equal(t, tt.correlation, r.Correlation)
			if tt.notApplicable == "" {
				assert.Empty(t, r.NotApplicable)
			} else {
				assert.Contains(t, r.NotApplicable, tt.notApplicable)
			}
		})
	}
	na := p.NotApplicable()
	assert.Len(t, na, 3, "not applicable: %v", na)
	vc, _ := p.Rule("web-user-spray-value-count")
	assert.Equal(t, []string{"wp_failed_login_post"}, vc.Rules, "a correlation names its rule by UUID; the pack resolves it")
}

func TestCommunityPackStrict(t *testing.T) {
	_, err := LoadDir(communityDir, Strict())
	require.Error(t, err)
	var le *LoadError
	require.ErrorAs(t, err, &le)
	var msgs []string
	for _, p := range le.Problems {
		msgs = append(msgs, p.Error())
	}
	joined := strings.Join(msgs, "\n")
	assert.Contains(t, joined, filepath.Join(communityDir, "proxy_ua_suspicious.yml")+":7:5: not applicable (--strict)")
	assert.Contains(t, joined, filepath.Join(communityDir, "web_cookie_injection.yml")+":10:9: not applicable (--strict)")
	assert.Len(t, le.Problems, 3)
}

// hit is an access-log request as the stack logs it.
type hit struct {
	at        time.Duration
	ip        string
	method    string
	target    string // raw, as sent
	status    int
	ua, user  string
	referer   string
	errorLine string // an Apache error-log line instead of a request
}

func (h hit) event(t0 time.Time) *Event {
	if h.errorLine != "" {
		return apacheErrorEvent(h.errorLine, t0.Add(h.at))
	}
	path, query, _ := strings.Cut(h.target, "?")
	rec := containers.AccessRecord{
		Time: t0.Add(h.at), ClientIP: h.ip, Method: h.method, Path: lenientUnescape(path), Query: query,
		Request: h.method + " " + h.target + " HTTP/1.1", Protocol: "HTTP/1.1", Status: h.status,
		UserAgent: h.ua, User: h.user, Referer: h.referer,
	}
	return accessEvent(rec, `{"path":"`+path+`","query":"`+query+`","user_agent":"`+h.ua+`"}`)
}

func TestCommunityRulesFire(t *testing.T) {
	p, err := LoadDir(communityDir)
	require.NoError(t, err)
	const browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
	tests := []struct {
		name  string
		hits  []hit
		want  []string
		quiet []string
	}{
		{"sqlmap union probe, encoded", []hit{{ip: "10.0.0.9", method: "GET", target: "/wp-admin/admin-ajax.php?action=x&order=1%20UNION%20ALL%20SELECT%20NULL,NULL--", status: 200, ua: "sqlmap/1.7.2#stable (https://sqlmap.org)"}},
			[]string{"web-sql-injection-keywords", "scanner_ua"}, nil},
		{"the null filter keeps requests without a query out", []hit{{ip: "10.0.0.9", method: "GET", target: "/sleep(5)", status: 200, ua: browser}},
			nil, []string{"web-sql-injection-keywords"}},
		{"404s are filtered", []hit{{ip: "10.0.0.9", method: "GET", target: "/x.php?id=sleep(5)", status: 404, ua: browser}},
			nil, []string{"web-sql-injection-keywords"}},
		{"traversal matched raw, encoded", []hit{{ip: "10.0.0.7", method: "GET", target: "/?file=..%2F..%2F..%2Fetc%2Fpasswd", status: 200, ua: browser}},
			[]string{"web-path-traversal"}, nil},
		{"shellshock user agent", []hit{{ip: "10.0.0.7", method: "GET", target: "/cgi-bin/status", status: 404, ua: "() { :; }; echo; /bin/cat /etc/passwd"}},
			[]string{"web-shellshock"}, nil},
		{"apache segfault in the error log", []hit{{errorLine: "[Sun Nov 29 01:02:03.123456 2026] [core:notice] [pid 1:tid 140] AH00052: child pid 77 exit signal Segmentation fault (11)"}},
			[]string{"apache-segfault"}, nil},
		{"modsecurity message needs both words", []hit{{errorLine: "[Sun Nov 29 01:02:03.123456 2026] [security2:error] [pid 9:tid 10] [client 10.0.0.5:4242] ModSecurity: Warning. Matched phrase"}},
			nil, []string{"apache-modsecurity-keywords"}},
		{"deprecated count by", []hit{
			{at: 0, ip: "10.0.0.3", method: "GET", target: "/a", status: 404, ua: browser},
			{at: time.Second, ip: "10.0.0.3", method: "GET", target: "/b", status: 404, ua: browser},
			{at: 2 * time.Second, ip: "10.0.0.3", method: "GET", target: "/c", status: 404, ua: browser},
			{at: 3 * time.Second, ip: "10.0.0.3", method: "GET", target: "/d", status: 404, ua: browser},
			{at: 4 * time.Second, ip: "10.0.0.3", method: "GET", target: "/e", status: 404, ua: browser},
		}, []string{"web-enumeration-count"}, nil},
		{"count by stays under the threshold across clients", []hit{
			{at: 0, ip: "10.0.0.3", method: "GET", target: "/a", status: 404, ua: browser},
			{at: time.Second, ip: "10.0.0.4", method: "GET", target: "/b", status: 404, ua: browser},
			{at: 2 * time.Second, ip: "10.0.0.5", method: "GET", target: "/c", status: 404, ua: browser},
			{at: 3 * time.Second, ip: "10.0.0.6", method: "GET", target: "/d", status: 404, ua: browser},
			{at: 4 * time.Second, ip: "10.0.0.7", method: "GET", target: "/e", status: 404, ua: browser},
		}, nil, []string{"web-enumeration-count"}},
		{"count(field) counts distinct values", []hit{
			{at: 0, ip: "10.0.0.3", method: "GET", target: "/a.php", status: 200, ua: browser},
			{at: time.Second, ip: "10.0.0.3", method: "GET", target: "/a.php", status: 200, ua: browser},
			{at: 2 * time.Second, ip: "10.0.0.3", method: "GET", target: "/a.php", status: 200, ua: browser},
		}, nil, []string{"web-distinct-paths-count"}},
		{"count(field) fires on three distinct", []hit{
			{at: 0, ip: "10.0.0.3", method: "GET", target: "/a.php", status: 200, ua: browser},
			{at: time.Second, ip: "10.0.0.3", method: "GET", target: "/b.php", status: 200, ua: browser},
			{at: 2 * time.Second, ip: "10.0.0.3", method: "GET", target: "/c.php", status: 200, ua: browser},
		}, []string{"web-distinct-paths-count"}, nil},
		{"event_count correlation; its base rule stays silent", []hit{
			{at: 0, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser, user: "admin"},
			{at: 10 * time.Second, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser, user: "admin"},
			{at: 20 * time.Second, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser, user: "admin"},
		}, []string{"web-login-bruteforce-correlation-2"}, []string{"wp_failed_login_post", "web-user-spray-value-count"}},
		{"event_count correlation outside its timespan", []hit{
			{at: 0, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser},
			{at: 3 * time.Minute, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser},
			{at: 6 * time.Minute, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser},
		}, nil, []string{"web-login-bruteforce-correlation-2"}},
		{"value_count correlation", []hit{
			{at: 0, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser, user: "admin"},
			{at: time.Second, ip: "10.0.0.8", method: "POST", target: "/wp-login.php", status: 200, ua: browser, user: "shop"},
		}, []string{"web-user-spray-value-count"}, nil},
		{"temporal_ordered in order", []hit{
			{at: 0, ip: "10.0.0.2", method: "GET", target: "/", status: 200, ua: "Mozilla/5.00 (Nikto/2.5.0)"},
			{at: 30 * time.Second, ip: "10.0.0.2", method: "GET", target: "/?f=../../etc/passwd", status: 200, ua: browser},
		}, []string{"web-scan-then-exploit-temporal-2", "scanner_ua", "web-path-traversal"}, nil},
		{"temporal_ordered out of order", []hit{
			{at: 0, ip: "10.0.0.2", method: "GET", target: "/?f=../../etc/passwd", status: 200, ua: browser},
			{at: 30 * time.Second, ip: "10.0.0.2", method: "GET", target: "/", status: 200, ua: "Mozilla/5.00 (Nikto/2.5.0)"},
		}, []string{"scanner_ua", "web-path-traversal"}, []string{"web-scan-then-exploit-temporal-2"}},
		{"benign shopper", []hit{
			{ip: "10.0.0.1", method: "GET", target: "/?s=blue+shirt", status: 200, ua: browser},
			{at: time.Second, ip: "10.0.0.1", method: "GET", target: "/?add-to-cart=12", status: 302, ua: browser},
			{at: 2 * time.Second, ip: "10.0.0.1", method: "POST", target: "/wp-json/wc/store/v1/checkout", status: 200, ua: browser},
		}, nil, p.IDs()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := timeline.New()
			e := New(nil, p, tl)
			t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
			for _, h := range tt.hits {
				e.evaluate(context.Background(), h.event(t0), true)
			}
			fired := map[string]bool{}
			for _, ev := range tl.Events() {
				var a timeline.Alert
				if ev.Kind == timeline.KindAlert && ev.Decode(&a) == nil {
					fired[a.Rule] = true
				}
			}
			for _, id := range tt.want {
				assert.True(t, fired[id], "%s did not fire; fired: %v", id, fired)
			}
			for _, id := range tt.quiet {
				assert.False(t, fired[id], "%s fired", id)
			}
		})
	}
}

// Problems found across files (correlations, duplicate ids) still name
// file:line:col.
func TestPackProblemsHavePositions(t *testing.T) {
	base := "title: Base\nid: 11111111-2222-4333-8444-555555555555\nname: base_rule\nlogsource: {category: webserver}\ndetection:\n  sel:\n    cs-method: POST\n  condition: sel\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"correlation names a missing rule", map[string]string{
			"c.yml": "title: C\ncorrelation:\n  type: event_count\n  rules:\n    - nowhere\n  timespan: 1m\n  condition: {gte: 2}\n",
		}, `c.yml:5:7: correlation names rule "nowhere"`},
		{"group-by field the rule's events lack", map[string]string{
			"base.yml": base,
			"c.yml":    "title: C\ncorrelation:\n  type: event_count\n  rules: [base_rule]\n  group-by: [ip]\n  timespan: 1m\n  condition: {gte: 2}\n",
		}, `c.yml:5:13: group-by "ip"`},
		{"value_count field the rule's events lack", map[string]string{
			"base.yml": base,
			"c.yml":    "title: C\ncorrelation:\n  type: value_count\n  rules: [base_rule]\n  timespan: 1m\n  condition: {field: user, gte: 2}\n",
		}, `c.yml:6:14: condition field "user"`},
		{"two rules derive the same id", map[string]string{
			"a/web_x.yml": strings.Replace(base, "name: base_rule\n", "", 1),
			"b/web_x.yml": strings.Replace(base, "name: base_rule\n", "", 1),
		}, `web_x.yml:1:1: rule id "web-x" is already used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
			}
			_, err := LoadDir(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// A folder of your own may correlate shipped rules: the correlation loads
// beside the shipped pack and fires once added to it.
func TestCorrelationOfShippedRules(t *testing.T) {
	dir := t.TempDir()
	corr := "title: Scanner then traversal\nid: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\ncorrelation:\n  type: temporal\n  rules: [web-scanner-user-agent, web-path-traversal]\n  group-by: [c-ip]\n  timespan: 1m\n  generate: true\nlevel: critical\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "scan_then_traversal.yml"), []byte(corr), 0o644))

	_, err := LoadDir(dir)
	require.Error(t, err, "alone, the folder names rules it does not hold")
	assert.Contains(t, err.Error(), `scan_then_traversal.yml:5:11: correlation names rule "web-scanner-user-agent"`)

	pack := shippedPack(t)
	mine, err := LoadDir(dir, Beside(pack))
	require.NoError(t, err)
	pack.Override(mine)
	r, ok := pack.Rule("scan-then-traversal")
	require.True(t, ok)
	assert.Equal(t, []string{"web-scanner-user-agent", "web-path-traversal"}, r.Rules)

	t0 := time.Now()
	fired := firedOn(pack,
		hit{ip: "10.9.9.9", method: "GET", target: "/", status: 200, ua: "sqlmap/1.7.2#stable (https://sqlmap.org)"}.event(t0),
		hit{at: 5 * time.Second, ip: "10.9.9.9", method: "GET", target: "/?f=../../../etc/passwd", status: 200, ua: "Mozilla/5.0"}.event(t0))
	assert.True(t, fired["scan-then-traversal"], "fired: %v", fired)
	assert.True(t, fired["web-scanner-user-agent"], "generate: true keeps the correlated rules' own alerts")
}
