package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad input is refused before any stack starts: exit 2, fast.
func TestWatchRefusesBadInput(t *testing.T) {
	proxyRules := t.TempDir()
	writeRule(t, proxyRules, "proxy_ua.yml", "title: Proxy UA\nid: 1c5c9c7f-6b1d-4a6f-8e6b-4d3c2b1a0f9e\nlogsource:\n  category: proxy\ndetection:\n  selection:\n    c-useragent: x\n  condition: selection\nlevel: low\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown expected rule", []string{"--expect", "no-such-rule"}, "--expect no-such-rule: no such rule"},
		{"expected rule not applicable", []string{"--rules", proxyRules, "--expect", "proxy-ua"}, "not applicable to this stack"},
		{"negative duration", []string{"--for", "-5s"}, "--for -5s"},
		{"rearm too short", []string{"--rearm", "10ms"}, "--rearm 10ms"},
		{"strict with a not-applicable rule", []string{"--rules", proxyRules, "--strict"}, "not applicable (--strict)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := runCLI(t, exerciseEnv(t), append([]string{"watch", "--out", t.TempDir()}, tt.args...)...)
			assert.Equal(t, 2, r.code, "stderr %q", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Less(t, time.Since(start), 10*time.Second, "refused before a stack starts")
		})
	}
}

// A purple-team session for real: watch starts a stack, prints each alert
// as a JSON line while attack requests arrive, ends on Ctrl-C, fails the
// gate for an expected rule that never fired, and leaves a signed bundle
// of kind watch that verifies.
func TestWatchLiveAttack(t *testing.T) {
	stacktest.Images(t)
	out := t.TempDir()
	cmd := exec.Command(binary, "watch", "--json", "--out", out,
		"--expect", "web-scanner-user-agent", "--expect", "web-path-traversal", "--expect", "web-shellshock", "--expect", "db-into-outfile")
	// One config directory for the session and the verification: its
	// signing key is then the user's own, and pinned.
	env := exerciseEnv(t)
	cmd.Env = append(append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true"), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderrPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var stderr syncLog
	urlCh := make(chan string, 1)
	stderrDone := make(chan struct{})
	watching := regexp.MustCompile(`watching (http://127\.0\.0\.1:\d+) `)
	go func() {
		defer close(stderrDone)
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			stderr.add(sc.Text())
			if m := watching.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlCh <- m[1]:
				default: // said once already
				}
			}
		}
	}()
	type line struct {
		Rule      string    `json:"rule"`
		Severity  string    `json:"severity"`
		LatencyS  float64   `json:"latency_s"`
		EventTime time.Time `json:"event_time"`
		Matched   []string  `json:"matched"`
	}
	lines := make(chan line, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l line
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Rule != "" {
				lines <- l
			}
		}
		close(lines)
	}()

	var url string
	select {
	case url = <-urlCh:
	case <-time.After(5 * time.Minute):
		require.FailNowf(t, "watch never said it was watching", "within 5 minutes:\n%s", stderr.String())
	}
	get := func(target, ua string) {
		req, err := http.NewRequest(http.MethodGet, url+target, nil)
		require.NoError(t, err)
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	const browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
	get("/?s=blue+shirt", browser)
	get("/", "sqlmap/1.7.2#stable (https://sqlmap.org)")
	get("/?page=..%2F..%2F..%2Fetc%2Fpasswd", browser)
	get("/cgi-bin/status", "() { :;}; echo; /bin/cat /etc/passwd")

	got := map[string]line{}
	deadline := time.After(30 * time.Second)
	for len(got) < 3 {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "watch ended early")
			got[l.Rule] = l
		case <-deadline:
			require.FailNowf(t, "three alerts within 30s", "alerts after 30s: %v", got)
		}
	}
	// Ctrl-C ends the session: not an interruption, the bundle is written.
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	// Both pipes are read to their end before Wait closes them.
	for range lines {
	}
	<-stderrDone
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	errText := stderr.String()
	assert.Equal(t, 1, ee.ExitCode(), "an expected rule never fired: exit 1\n%s", errText)
	assert.Contains(t, errText, "expected but never fired: db-into-outfile")

	for _, id := range []string{"web-scanner-user-agent", "web-path-traversal", "web-shellshock"} {
		l, ok := got[id]
		if !assert.True(t, ok, "no alert for %s", id) {
			continue
		}
		assert.Greater(t, l.LatencyS, 0.0, "%s: latency from the matching request", id)
		assert.Less(t, l.LatencyS, 5.0, "%s: latency from the matching request", id)
		assert.False(t, l.EventTime.IsZero())
		assert.NotEmpty(t, l.Matched)
	}
	for id := range got {
		assert.NotEqual(t, "web-sqli-probe", id, "the shopper's search is not an attack")
	}

	bundles, _ := filepath.Glob(filepath.Join(out, "watch-*"))
	require.Len(t, bundles, 1, "one bundle of kind watch")
	manifest, err := os.ReadFile(filepath.Join(bundles[0], "manifest.json"))
	require.NoError(t, err)
	assert.Contains(t, string(manifest), `"kind": "watch"`)
	pack, err := os.ReadFile(filepath.Join(bundles[0], "rules", "pack.json"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(pack), `"id": "web-shellshock"`))
	v := runCLI(t, env, "evidence", "verify", bundles[0])
	assert.Equal(t, 0, v.code, "the watch bundle verifies: %s%s", v.stdout, v.stderr)
}
