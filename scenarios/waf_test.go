package scenarios_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/scenarios"
)

const wafBase = `id: sample
title: A sample
severity: low
preconditions: [waf-detect]
inject:
  - wait: 1s
expect:
  - {rule: r1, within: 5s}
respond:
  - waf.mode: block
verify:
  - waf.blocks: {path: /, query: {s: x}}
`

// Bad WAF steps are refused at their file:line:col before anything runs.
func TestWAFStepValidation(t *testing.T) {
	tests := []struct {
		name, from, to string
		line           int
		want           string
	}{
		{"unknown mode", "waf.mode: block", "waf.mode: sideways", 10, `mode "sideways": use off, detect or block`},
		{"rule that matches everything", "waf.mode: block", "waf.rule: {name: all}", 10, "give path, args or both"},
		{"rule name", "waf.mode: block", `waf.rule: {name: "Acme Lookup", path: /x}`, 10, "lower-case letters"},
		{"quote in a pattern", "waf.mode: block", `waf.rule: {name: x, args: {q: "a\"b"}}`, 10, "without double quotes"},
		{"argument name", "waf.mode: block", `waf.rule: {name: x, args: {"a b": "^x$"}}`, 10, `name "a b"`},
		{"id outside the responders' range", "waf.mode: block", "waf.rule: {name: x, path: /x, id: 942100}", 10, "responder rules use 1090000 to 1090999"},
		{"status", "waf.mode: block", "waf.rule: {name: x, path: /x, status: 200}", 10, "use 400 to 599"},
		{"two WAF modes", "[waf-detect]", "[seeded, waf-detect, waf-block]", 4, `already declares "waf-detect"`},
		{"unknown WAF precondition", "[waf-detect]", "[waf-detection]", 4, `unknown precondition "waf-detection"`},
		{"checkout method", "query: {s: x}}", "query: {s: x}, checkout: card}", 12, "use cod, bacs or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := strings.Replace(wafBase, tt.from, tt.to, 1)
			require.NotEqual(t, wafBase, file, "the case changes the file")
			_, err := scenarios.Parse("x.yaml", []byte(file))
			require.Error(t, err, "a broken file is refused")
			var ps scenarios.Problems
			require.True(t, errors.As(err, &ps), "error is a list of problems: %v", err)
			for _, p := range ps {
				if strings.Contains(p.Msg, tt.want) {
					assert.Equal(t, tt.line, p.Line, "line of %v", p)
					assert.Positive(t, p.Column, "column of %v", p)
					assert.True(t, strings.HasPrefix(p.Error(), "x.yaml:"), "file named in %v", p)
					return
				}
			}
			require.Failf(t, "a problem must mention the mistake", "no problem mentions %q:\n%v", tt.want, err)
		})
	}
	s, err := scenarios.Parse("x.yaml", []byte(wafBase))
	require.NoError(t, err)
	assert.Equal(t, containers.WAFDetect, s.WAFMode())
	require.Len(t, s.WarmUp(), 1)
	assert.Equal(t, "waf.mode", s.WarmUp()[0].Action)
	assert.Contains(t, s.WarmUp()[0].Do.Describe(), "detect")
}

// wafAudit follows the stack's WAF audit log; entries arrive on the channel.
func wafAudit(t *testing.T, ctx context.Context, s *containers.Stack) <-chan string {
	rc, err := s.Follow(ctx, containers.LogWAF)
	require.NoError(t, err)
	t.Cleanup(func() { rc.Close() })
	out := make(chan string, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	return out
}

type auditEntry struct {
	Request struct {
		RequestLine string `json:"request_line"`
	} `json:"request"`
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
	AuditData struct {
		Messages []string `json:"messages"`
		Action   *struct {
			Intercepted bool `json:"intercepted"`
		} `json:"action"`
	} `json:"audit_data"`
}

func nextEntry(t *testing.T, entries <-chan string) auditEntry {
	t.Helper()
	select {
	case line := <-entries:
		var e auditEntry
		require.NoError(t, json.Unmarshal([]byte(line), &e), "an audit entry is one JSON object: %.300s", line)
		return e
	case <-time.After(15 * time.Second):
		require.Fail(t, "a WAF audit entry is written within 15s; none was")
	}
	return auditEntry{}
}

func get(t *testing.T, ctx context.Context, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) breachdrill-test")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The scenario's WAF precondition and response actions on a real stack:
// in detect mode the UNION injection through wc-ajax passes (200 with
// customer data) and leaves an audit entry with CRS 942xxx and no
// interception; waf.mode block answers it 403; a waf.rule denies the
// endpoint even in detect mode; the shop's own pages, the Store API and a
// guest checkout write no audit entry in block mode; Reset puts the
// stack's mode back and removes the rule.
func (s *stackSuite) TestWAFPreconditionAndActions() {
	t, stack := s.T(), s.Stack
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	sc, ok := cat.Get("waf-detection-only-sqli")
	require.True(t, ok, "the scenario is in the catalogue")
	env := scenarios.NewEnv(stack, sc.Artifacts)
	before := stack.Info().WAFMode
	t.Cleanup(func() {
		_, err := stack.Reset(context.Background())
		assert.NoError(t, err, "reset")
	})
	run := func(steps ...scenarios.Step) {
		t.Helper()
		for _, st := range steps {
			require.NoError(t, st.Do.Run(ctx, env), "%s", st.Action)
		}
	}
	run(sc.WarmUp()...) // detect mode, then the vulnerable plugin installed and active
	assert.Equal(t, containers.WAFDetect, stack.Info().WAFMode, "the precondition set detect mode")

	entries := wafAudit(t, ctx, stack)
	attack := stack.URL() + "/?" + url.Values{"wc-ajax": {"acme_track_order"},
		"order": {"0 UNION SELECT a.order_id, a.email, a.phone FROM wp_wc_order_addresses a WHERE a.address_type = 'billing'"}}.Encode()
	status, body := get(t, ctx, attack)
	assert.Equal(t, http.StatusOK, status, "detect mode lets the injection through")
	assert.Contains(t, body, "@example.", "and the shop answers with customers' e-mail addresses")
	e := nextEntry(t, entries)
	assert.Contains(t, e.Request.RequestLine, "wc-ajax=acme_track_order")
	assert.Contains(t, strings.Join(e.AuditData.Messages, "\n"), `[id "942100"]`, "CRS SQL-injection rules matched")
	assert.Nil(t, e.AuditData.Action, "nothing intercepted in detect mode")
	assert.Equal(t, http.StatusOK, e.Response.Status)

	mode := &scenarios.Step{Action: "waf.mode"}
	for _, st := range sc.Respond {
		if st.Action == "waf.mode" {
			mode = &st
		}
	}
	require.NotNil(t, mode.Do, "the playbook switches the WAF")
	run(*mode)
	assert.Equal(t, containers.WAFBlock, stack.Info().WAFMode)
	status, _ = get(t, ctx, attack)
	assert.Equal(t, http.StatusForbidden, status, "block mode refuses the injection")
	e = nextEntry(t, entries)
	require.NotNil(t, e.AuditData.Action, "the entry records the interception")
	assert.True(t, e.AuditData.Action.Intercepted)

	// Ordinary shop traffic, the real WooCommerce'sc pages and Store API
	// included, is neither blocked nor logged in block mode.
	for _, p := range []string{"/", "/shop/", "/?post_type=product", "/?s=blue+shirt", "/cart/", "/my-account/", "/?add-to-cart=1000",
		"/wp-json/wc/store/v1/products?per_page=5", "/wp-json/wc/store/v1/cart", "/?wc-ajax=get_refreshed_fragments", "/?wc-ajax=acme_track_order&order=1"} {
		status, _ := get(t, ctx, stack.URL()+p)
		assert.Less(t, status, 400, "GET %sc in block mode", p)
	}
	for _, c := range sc.Verify {
		res, err := c.Probe.Check(ctx, env)
		require.NoError(t, err)
		assert.True(t, res.Pass, "%sc after waf.mode block: %s", c.Probe.Describe(), res.Detail)
		if strings.Contains(c.Probe.Describe(), "checkout") {
			assert.Contains(t, res.Detail, "processing", "the guest checkout placed an order")
		}
	}
	select {
	case line := <-entries:
		var e auditEntry
		_ = json.Unmarshal([]byte(line), &e)
		assert.Contains(t, e.Request.RequestLine, "UNION", "ordinary traffic writes no WAF audit entry; this one did: %v", e.AuditData.Messages)
	case <-time.After(2 * time.Second):
	}

	// A responder rule denies the endpoint even with the WAF detecting only.
	run(scenarios.Step{Action: "waf.mode", Do: sc.WarmUp()[0].Do})
	for len(entries) > 0 {
		<-entries
	}
	var rule scenarios.Step
	for _, st := range sc.Respond {
		if st.Action == "waf.rule" {
			rule = st
		}
	}
	require.NotNil(t, rule.Do, "the playbook adds a targeted rule")
	run(rule)
	status, _ = get(t, ctx, stack.URL()+"/?wc-ajax=acme_track_order&order=1")
	assert.Equal(t, http.StatusForbidden, status, "the targeted rule denies the endpoint in detect mode")
	e = nextEntry(t, entries)
	assert.Contains(t, strings.Join(e.AuditData.Messages, "\n"), "breachdrill responder rule acme-order-tracking")
	status, _ = get(t, ctx, stack.URL()+"/?wc-ajax=get_refreshed_fragments")
	assert.Equal(t, http.StatusOK, status, "other wc-ajax endpoints are untouched")

	// Reset: the stack'sc own mode, no responder rule; VerifyReset sees
	// both before and neither after.
	diffs, err := stack.VerifyReset(ctx)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(diffs, "\n"), "waf: engine DetectionOnly", "the mode differs from the reset point")
	assert.Contains(t, strings.Join(diffs, "\n"), "waf: responder rule /etc/modsecurity/zz-responder-acme-order-tracking.conf")
	_, err = stack.Reset(ctx)
	require.NoError(t, err)
	diffs, err = stack.VerifyReset(ctx)
	require.NoError(t, err)
	assert.NotContains(t, strings.Join(diffs, "\n"), "waf:", "the WAF is back at its reset point")
	assert.Equal(t, before, stack.Info().WAFMode, "Reset restores the stack'sc WAF mode")
	res, err := stack.Exec(ctx, containers.ServiceWP, []string{"sh", "-c", "ls /etc/modsecurity/ | grep -c responder || true"})
	require.NoError(t, err)
	assert.Equal(t, "0", strings.TrimSpace(string(res.Stdout)), "Reset removes responder rules")
}
