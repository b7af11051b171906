package detect

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
)

// wafFields are the fields of a WAF audit event (ModSecurity's JSON audit
// log, one transaction a rule matched).
var wafFields = []string{
	"transaction_id", "client_ip", "method", "uri", "uri_decoded", "protocol", "host", "user_agent",
	"status", "action", "phase", "engine_mode",
	"rule_ids", "rule_messages", "rule_tags", "matched_data", "severity",
	"anomaly_score", "outbound_score", "score_sqli", "score_xss", "score_rfi", "score_lfi", "score_rce", "score_phpi",
	"score_http", "score_sess", "responder_rule",
}

// wafEntry is the part of a ModSecurity 2 JSON audit entry (parts A, B,
// F, H) the event is made from.
type wafEntry struct {
	Transaction struct {
		Time          string `json:"time"`
		TransactionID string `json:"transaction_id"`
		RemoteAddress string `json:"remote_address"`
	} `json:"transaction"`
	Request struct {
		RequestLine string            `json:"request_line"`
		Headers     map[string]string `json:"headers"`
	} `json:"request"`
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
	AuditData struct {
		Messages []string `json:"messages"`
		Action   *struct {
			Intercepted bool `json:"intercepted"`
			Phase       int  `json:"phase"`
		} `json:"action"`
		EngineMode string `json:"engine_mode"`
	} `json:"audit_data"`
}

// A message's metadata: [id "942100"] [msg "..."] [data "..."] [severity
// "CRITICAL"] [tag "attack-sqli"].
var wafMeta = regexp.MustCompile(`\[(id|msg|data|severity|tag) "((?:[^"\\]|\\.)*)"\]`)

// The Core Rule Set's anomaly totals: 949110 "Inbound Anomaly Score
// Exceeded (Total Score: 20)", 980130 "(Total Inbound Score: 20 -
// SQLI=20,XSS=0,...)", 959100 "Outbound Anomaly Score Exceeded (Total
// Score: 4)".
var (
	wafInbound  = regexp.MustCompile(`Total (?:Inbound )?Score: (\d+)`)
	wafCategory = regexp.MustCompile(`\b(SQLI|XSS|RFI|LFI|RCE|PHPI|HTTP|SESS)=(\d+)`)
)

// severities in ModSecurity's order, worst first.
var wafSeverities = []string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"}

// wafEvent turns one audit-log line into an event.
func wafEvent(line []byte) (*Event, error) {
	var e wafEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return nil, fmt.Errorf("WAF audit log line: %w", err)
	}
	// ModSecurity's JSON format stamps an entry when it writes it, at the
	// end of the transaction: after the response, later than the access
	// log's time for the same request by the time the shop took to answer.
	t, err := time.Parse("02/Jan/2006:15:04:05.000000 -0700", e.Transaction.Time)
	if err != nil {
		return nil, fmt.Errorf("WAF audit log time %q: %w", e.Transaction.Time, err)
	}
	method, target, proto := splitRequestLine(e.Request.RequestLine)
	f := map[string]string{
		rawField:         string(line),
		"transaction_id": e.Transaction.TransactionID,
		"client_ip":      e.Transaction.RemoteAddress,
		"method":         method,
		"uri":            target,
		"uri_decoded":    lenientUnescape(target),
		"protocol":       proto,
		"host":           header(e.Request.Headers, "Host"),
		"user_agent":     header(e.Request.Headers, "User-Agent"),
		"status":         strconv.Itoa(e.Response.Status),
		"action":         "pass",
		"engine_mode":    e.AuditData.EngineMode,
		"responder_rule": "false",
	}
	if a := e.AuditData.Action; a != nil && a.Intercepted {
		f["action"], f["phase"] = "deny", strconv.Itoa(a.Phase)
	}
	var ids, msgs, data, tags []string
	seenTag := map[string]bool{}
	worst := len(wafSeverities)
	for _, m := range e.AuditData.Messages {
		for _, kv := range wafMeta.FindAllStringSubmatch(m, -1) {
			v := strings.ReplaceAll(kv[2], `\"`, `"`)
			switch kv[1] {
			case "id":
				ids = append(ids, v)
				if n, err := strconv.Atoi(v); err == nil && n >= containers.WAFRuleIDMin && n <= containers.WAFRuleIDMax {
					f["responder_rule"] = "true"
				}
			case "msg":
				msgs = append(msgs, v)
				if s := wafInbound.FindStringSubmatch(v); s != nil {
					key := "anomaly_score"
					if strings.HasPrefix(v, "Outbound") {
						key = "outbound_score"
					}
					f[key] = s[1]
				}
				for _, c := range wafCategory.FindAllStringSubmatch(v, -1) {
					f["score_"+strings.ToLower(c[1])] = c[2]
				}
			case "data":
				data = append(data, v)
			case "tag":
				if !seenTag[v] {
					seenTag[v] = true
					tags = append(tags, v)
				}
			case "severity":
				for i, s := range wafSeverities {
					if s == v && i < worst {
						worst = i
					}
				}
			}
		}
	}
	sort.Strings(tags)
	f["rule_ids"] = strings.Join(ids, ",")
	f["rule_messages"] = strings.Join(msgs, " | ")
	f["matched_data"] = strings.Join(data, " | ")
	f["rule_tags"] = strings.Join(tags, ",")
	if worst < len(wafSeverities) {
		f["severity"] = wafSeverities[worst]
	}
	if f["anomaly_score"] == "" {
		f["anomaly_score"] = "0"
	}
	return &Event{Source: SourceWAF, Time: t.UTC(), Fields: f}, nil
}

// splitRequestLine cuts "GET /x?y HTTP/1.1" into its three parts.
func splitRequestLine(line string) (method, target, proto string) {
	method, rest, _ := strings.Cut(line, " ")
	target = requestTarget(line)
	if i := strings.LastIndexByte(rest, ' '); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		proto = rest[i+1:]
	}
	return method, target, proto
}

// header reads a request header whatever case the client wrote it in.
func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// wafText renders a WAF event for an alert.
func wafText(ts string, f map[string]string) string {
	s := fmt.Sprintf("%s %s %q %s action=%s mode=%s score=%s rules=%s", ts, f["client_ip"], f["method"]+" "+redactURI(f["uri"]),
		f["status"], f["action"], f["engine_mode"], f["anomaly_score"], f["rule_ids"])
	if m := f["rule_messages"]; m != "" {
		s += fmt.Sprintf(" msg=%q", m)
	}
	return s
}
