package detect

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/require"
)

// accessLines makes n access-log lines in the stack's JSON format, shaped
// like a shop's day: mostly pages and static assets, some admin, AJAX and
// REST traffic, a few bots and attacks. Every line differs, so no cache
// inside the evaluator can make the figure look better than it is.
func accessLines(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	uas := []string{shopper.UserAgent, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "WordPress/6.1.9; http://shop.example.com", "sqlmap/1.7.2#stable"}
	type shape struct {
		weight                    int
		method, path, query, body string
		status                    int
	}
	shapes := []shape{
		{30, "GET", "/index.php", "p=%d", "", 200},
		{25, "GET", "/wp-content/themes/twentytwentythree/assets/fonts/inter%d.woff2", "", "", 200},
		{15, "GET", "/wp-includes/js/jquery/jquery.min.js", "ver=3.6.%d", "", 200},
		{5, "GET", "/index.php", "s=shirt+%d", "", 200},
		{5, "POST", "/wp-admin/admin-ajax.php", "", "action=heartbeat&_nonce=%x&screen_id=dashboard&has_focus=true", 200},
		{4, "GET", "/wp-admin/edit.php", "post_type=product&paged=%d", "", 200},
		{4, "GET", "/wp-json/wc/store/v1/cart", "_=%d", "", 200},
		{3, "POST", "/index.php", "wc-ajax=update_order_review&r=%d", "", 200},
		{3, "GET", "/wp-content/uploads/2026/11/photo-%d.jpg", "", "", 200},
		{2, "GET", "/missing-%d.html", "", "", 404},
		{1, "GET", "/wp-json/wp/v2/users/%d", "", "", 200},
		{1, "GET", "/wp-admin/admin-ajax.php", "action=lookup&id=%d+UNION+SELECT+email+FROM+wp_wc_order_addresses", "", 200},
		{1, "POST", "/graphql", "", `{"query":"{ c%d: customers(first: 1000) { nodes { email } } }"}`, 200},
		{1, "GET", "/wp-content/uploads/backup-%d.sql.gz", "", "", 404},
	}
	total := 0
	for _, s := range shapes {
		total += s.weight
	}
	out := make([][]byte, n)
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i := range out {
		k := r.IntN(total)
		var s shape
		for _, s = range shapes {
			if k < s.weight {
				break
			}
			k -= s.weight
		}
		fill := func(f string) string {
			if f == "" {
				return "-"
			}
			if containsVerb(f) {
				return fmt.Sprintf(f, i)
			}
			return f
		}
		q := fill(s.query)
		if q != "-" {
			q = "?" + q
		}
		ct := "-"
		if s.body != "" {
			ct = "application/x-www-form-urlencoded"
		}
		out[i] = fmt.Appendf(nil, `{"time":"%s","client_ip":"192.168.%d.%d","method":"%s","path":"%s","query":"%s","protocol":"HTTP/1.1","status":%d,"bytes_out":%d,"bytes_in":%d,"duration_us":%d,"host":"shop.example.com","user_agent":"%s","referer":"-","content_type":"%s","user":"-","body":"%s"}`,
			t0.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02T15:04:05.000000-0700"), r.IntN(4), r.IntN(250)+1,
			s.method, fill(s.path), q, s.status, r.IntN(60000), r.IntN(900), r.IntN(200000), uas[r.IntN(len(uas))], ct, jsonEscape(fill(s.body)))
	}
	return out
}

func containsVerb(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && (s[i+1] == 'd' || s[i+1] == 'x') {
			return true
		}
	}
	return false
}

func jsonEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func benchEngine(b *testing.B) *Engine {
	pack := shippedPack(b)
	return New(nil, pack, timeline.New())
}

// BenchmarkAccessRules is the rule evaluation rate: parsed access-log
// events through every shipped webserver rule (sigma-go behind the
// adapter's gates), on one core (run with -cpu 1).
func BenchmarkAccessRules(b *testing.B) {
	e := benchEngine(b)
	lines := accessLines(20000)
	events := make([]*Event, len(lines))
	for i, l := range lines {
		rec, err := containers.ParseAccessRecord(l)
		require.NoError(b, err)
		events[i] = accessEvent(rec, string(l))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.evaluate(ctx, events[i%len(events)], true)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(e.sources[SourceAccess])), "rules")
}

// BenchmarkAccessLines is the whole cost of one access-log line: JSON
// parsing, the probe filter, the webserver rules, and the GraphQL
// analysis and rules for /graphql requests.
func BenchmarkAccessLines(b *testing.B) {
	e := benchEngine(b)
	lines := accessLines(20000)
	ctx := context.Background()
	src := logSources[0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.handleLine(ctx, src, lines[i%len(lines)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkAccessRulesUngated is the same evaluation with the adapter's
// gates turned off: sigma-go alone, for comparison.
func BenchmarkAccessRulesUngated(b *testing.B) {
	e := benchEngine(b)
	for _, r := range e.sources[SourceAccess] {
		g := *r.rule
		g.gate = gate{}
		r.rule = &g
	}
	lines := accessLines(20000)
	events := make([]*Event, len(lines))
	for i, l := range lines {
		rec, _ := containers.ParseAccessRecord(l)
		events[i] = accessEvent(rec, string(l))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.evaluate(ctx, events[i%len(events)], true)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestAccessLinesParse(t *testing.T) {
	for i, l := range accessLines(500) {
		_, err := containers.ParseAccessRecord(l)
		require.NoError(t, err, "line %d:\n%s", i, l)
	}
}
