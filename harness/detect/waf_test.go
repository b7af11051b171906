package detect

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wafLines are real ModSecurity audit entries captured from a stack with
// the real WooCommerce 10.0.2 and the waf-detection-only-sqli plugin: the
// UNION injection through wc-ajax in detect and in block mode, a responder
// rule denying the endpoint, and other Core Rule Set findings.
func wafLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/waf/modsec_audit.jsonl")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 11, "captured audit entries")
	return lines
}

func TestWAFEventFromRealAuditLines(t *testing.T) {
	lines := wafLines(t)
	tests := []struct {
		name string
		line int
		want map[string]string
	}{
		{"UNION through wc-ajax, detect mode: passed", 0, map[string]string{
			"method": "GET", "action": "pass", "status": "200", "engine_mode": "DETECTION_ONLY", "anomaly_score": "20", "score_sqli": "20",
			"rule_ids": "942100,942190,942270,942360,949110,980130", "severity": "CRITICAL", "client_ip": "172.21.0.1", "protocol": "HTTP/1.1",
			"uri":            "/?wc-ajax=acme_track_order&order=0+UNION+SELECT+a.order_id%2c+a.email%2c+a.phone+FROM+wp_wc_order_addresses+a+WHERE+a.address_type+%3d+%27billing%27",
			"uri_decoded":    "/?wc-ajax=acme_track_order&order=0 UNION SELECT a.order_id, a.email, a.phone FROM wp_wc_order_addresses a WHERE a.address_type = 'billing'",
			"responder_rule": "false", "host": "127.0.0.1:32775", "user_agent": "curl/7.88.1",
		}},
		{"POST UNION through wc-ajax on the shop page, detect mode", 1, map[string]string{
			"method": "POST", "uri": "/shop/?wc-ajax=acme_track_order", "action": "pass", "status": "200",
			"user_agent": "Mozilla/5.0 (compatible; order-checker/1.2)",
		}},
		{"UNION in block mode: denied in phase 2", 2, map[string]string{
			"action": "deny", "phase": "2", "status": "403", "engine_mode": "ENABLED", "anomaly_score": "20",
		}},
		{"outbound rule (directory listing) in block mode", 4, map[string]string{
			"action": "deny", "phase": "4", "anomaly_score": "0", "outbound_score": "4", "rule_ids": "950130,959100,980140", "severity": "ERROR",
		}},
		{"XSS in block mode", 5, map[string]string{"anomaly_score": "15", "score_xss": "15", "score_sqli": "0", "action": "deny"}},
		{"responder rule in detect mode denies", 7, map[string]string{
			"action": "deny", "status": "403", "rule_ids": "1090001", "responder_rule": "true", "anomaly_score": "0",
			"rule_messages": "breachdrill responder rule acme-order-tracking", "rule_tags": "breachdrill/responder",
		}},
		{"a search for union select: one rule, score 5", 10, map[string]string{
			"action": "pass", "anomaly_score": "5", "score_sqli": "5", "rule_ids": "942190,949110,980130",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := wafEvent([]byte(lines[tt.line]))
			require.NoError(t, err)
			assert.Equal(t, SourceWAF, ev.Source)
			assert.False(t, ev.Time.IsZero(), "the entry's microsecond time")
			for k, v := range tt.want {
				assert.Equal(t, v, ev.Fields[k], "field %s", k)
			}
			for k := range ev.Fields {
				assert.True(t, knownField(SourceWAF, k), "field %s is declared for rules", k)
			}
			assert.Contains(t, ev.Text(), "action="+ev.Fields["action"])
		})
	}
	_, err := wafEvent([]byte(`{"transaction":{"time":"yesterday"}}`))
	assert.Error(t, err, "a time ModSecurity never writes")
	_, err = wafEvent([]byte(lines[0][:4000]))
	assert.Error(t, err, "a line cut short is not an event")
}

func TestWAFLogsource(t *testing.T) {
	for _, svc := range []string{"", "audit"} {
		src, err := logsourceToSource("", "modsecurity", svc)
		require.NoError(t, err)
		assert.Equal(t, SourceWAF, src)
	}
}
