package detect

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/require"
)

// communityRules writes n rules shaped like a community pack (UUID ids, no
// name, keyword lists, null filters, contains lists, regular expressions,
// count() by, correlations, and a few for logsources the stack lacks)
// into a folder.
func communityRules(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	templates := []func(i int) string{
		func(i int) string {
			return fmt.Sprintf(`title: Web keywords %[1]d
id: 00000000-0000-4000-8000-%012[1]d
status: test
logsource: {category: webserver}
detection:
  keywords:
    - 'select%%20%[1]d'
    - 'union%%20all%%20select%%20%[1]d'
    - '/etc/shadow%[1]d'
  filter_optional_empty:
    cs-uri-query: null
  condition: keywords and not 1 of filter_optional_*
level: high
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Web query contains %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {category: webserver}
detection:
  selection:
    cs-uri-query|contains:
      - 'cmd%[1]d='
      - 'exec%[1]d('
      - '<script>%[1]d'
  filter_main_404:
    sc-status: 404
  condition: selection and not filter_main_404
level: medium
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Web uri regex %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {category: webserver}
detection:
  selection:
    cs-uri|re: '(?i)/wp-content/plugins/vuln%[1]d/[a-z]+\.php\?.*(id|file)='
  condition: selection
level: high
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Tool user agent %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {category: webserver}
detection:
  selection:
    cs-user-agent|startswith:
      - 'tool%[1]d/'
      - 'Scanner%[1]d '
  condition: selection
level: low
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Database query %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {product: mariadb, service: audit}
detection:
  selection:
    operation: QUERY
    object|contains|all:
      - 'information_schema'
      - 'tbl%[1]d'
  condition: selection
level: medium
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Apache error %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {product: apache}
detection:
  keywords:
    - 'AH0%[1]d9: something broke'
  condition: keywords
level: medium
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Not-found burst %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {category: webserver}
detection:
  selection:
    sc-status: 404
    cs-uri-stem|endswith: '.bak%[1]d'
  timeframe: 1m
  condition: selection | count() by c-ip > 10
level: low
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Login failure %[1]d
id: 00000000-0000-4000-8000-%012[1]d
name: login_fail_%[1]d
logsource: {product: wordpress, service: audit}
detection:
  selection:
    event: wp_login_failed
  condition: selection
level: informational
---
title: Login failures correlated %[1]d
id: 00000000-0000-4000-9000-%012[1]d
correlation:
  type: event_count
  rules: [login_fail_%[1]d]
  group-by: [ip]
  timespan: 5m
  condition: {gte: 10}
level: high
`, i)
		},
		func(i int) string {
			return fmt.Sprintf(`title: Proxy rule %[1]d
id: 00000000-0000-4000-8000-%012[1]d
logsource: {category: proxy}
detection:
  selection:
    c-uri|contains: '/x%[1]d'
  condition: selection
level: low
`, i)
		},
	}
	for i := 0; i < n; i++ {
		body := templates[i%len(templates)](i)
		require.NoError(tb, os.WriteFile(filepath.Join(dir, fmt.Sprintf("community_rule_%02d.yml", i)), []byte(body), 0o644))
	}
	return dir
}

// benchPack is the shipped pack plus a 50-rule community-style pack.
func benchPack(tb testing.TB) *Pack {
	pack := shippedPack(tb)
	mine, err := LoadDir(communityRules(tb, 50))
	require.NoError(tb, err)
	pack.Override(mine)
	return pack
}

func dbAuditLines(n int) [][]byte {
	r := rand.New(rand.NewPCG(3, 4))
	queries := []string{
		"SELECT option_value FROM wp_options WHERE option_name = 'opt_%d' LIMIT 1",
		"SELECT * FROM wp_posts WHERE ID = %d LIMIT 1",
		"SELECT t.*, tt.* FROM wp_terms AS t INNER JOIN wp_term_taxonomy AS tt ON t.term_id = tt.term_id WHERE tt.taxonomy IN ('product_cat') AND t.term_id = %d",
		"SELECT id, status, total_amount, customer_id, billing_email FROM wp_wc_orders WHERE id IN (%d)",
		"UPDATE wp_options SET option_value = '%d' WHERE option_name = '_transient_timeout_wc_count'",
		"SELECT id, status, total_amount FROM wp_wc_orders WHERE id = %d UNION ALL SELECT NULL,NULL,NULL-- -",
	}
	out := make([][]byte, n)
	for i := range out {
		q := fmt.Sprintf(queries[r.IntN(len(queries)-1)+boolInt(r.IntN(100) == 0)], i)
		out[i] = fmt.Appendf(nil, "20261129 09:%02d:%02d,db,wordpress,172.18.0.3,%d,%d,QUERY,wordpress,'%s',0", (i/60)%60, i%60, 10+i%7, i, q)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func apacheErrorLines(n int) [][]byte {
	msgs := []string{
		"[authz_core:error] [pid 41:tid 77] [client 172.18.0.1:50122] AH01630: client denied by server configuration: /var/www/html/.git/config",
		"[php:notice] [pid 42:tid 78] [client 172.18.0.1:50124] PHP Notice:  Function _load_textdomain_just_in_time was called incorrectly",
		"[mpm_prefork:notice] [pid 1:tid 1] AH00163: Apache/2.4.71 (Debian) configured -- resuming normal operations",
		"[core:notice] [pid 1:tid 1] AH00052: child pid 77 exit signal Segmentation fault (11)",
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "[Sun Nov 29 09:%02d:%02d.%06d 2026] %s", (i/60)%60, i%60, i%1000000, msgs[i%len(msgs)])
	}
	return out
}

func auditLines(n int) [][]byte {
	events := []string{"wp_login", "wp_login_failed", "activated_plugin", "http_outbound", "user_register"}
	out := make([][]byte, n)
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"time":"%s","event":"%s","actor":{"id":1,"login":"shop","roles":["customer"]},"ip":"10.0.%d.%d","user_agent":"Mozilla/5.0","object":{"host":"api.wordpress.org","blocked":true}}`,
			t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), events[i%len(events)], i/250%250, i%250)
	}
	return out
}

// BenchmarkRulesPerSource is the whole cost of one log line of each
// source (parsing and every rule of that source) with the shipped pack
// plus a 50-rule community-style pack, on one core (run with -cpu 1).
func BenchmarkRulesPerSource(b *testing.B) {
	pack := benchPack(b)
	cases := []struct {
		name  string
		src   logSource
		lines [][]byte
	}{
		{"access", logSources[0], accessLines(20000)},
		{"audit", logSources[1], auditLines(20000)},
		{"db-audit", logSources[2], dbAuditLines(20000)},
		{"apache-error", logSources[4], apacheErrorLines(20000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e := New(nil, pack, timeline.New())
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.handleLine(ctx, c.src, c.lines[i%len(c.lines)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(len(e.sources[c.src.source])), "rules")
		})
	}
}

func TestBenchPackLoads(t *testing.T) {
	pack := benchPack(t)
	require.Len(t, pack.NotApplicable(), 5, "the community-style pack's proxy rules")
	require.Equal(t, SourceApacheError, logSources[4].source)
	e := New(nil, pack, timeline.New())
	require.GreaterOrEqual(t, len(e.sources[SourceAccess]), 30)
}
