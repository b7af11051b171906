package containers_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
)

// stackSuite holds the package's tests over one real stack: each test
// gets it back at its reset point (ss.Stack).
type stackSuite struct{ stacktest.Suite }

func TestStack(t *testing.T) { suite.Run(t, new(stackSuite)) }

// benchStack is the one stack the benchmarks share (benchmarks cannot be
// suite methods); TestMain removes it.
var benchStack stacktest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := benchStack.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the benchmarks' stack:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

func nonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// webClient talks to the stack like a browser that shows redirects to the
// test instead of following them.
func webClient(tb testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(tb, err, "a cookie jar")
	return &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func fetch(tb testing.TB, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(tb, err, "a %s request for %s", method, u)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	require.NoError(tb, err, "%s %s", method, u)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err, "%s %s: reading the body", method, u)
	return resp, string(b)
}

// logIn does what a browser does on wp-login.php: a GET for the test cookie,
// then the form POST.
func logIn(tb testing.TB, s *containers.Stack, c *http.Client, user, password string) (*http.Response, string) {
	tb.Helper()
	resp, _ := fetch(tb, c, http.MethodGet, s.URL()+"/wp-login.php", nil)
	require.Equal(tb, http.StatusOK, resp.StatusCode, "GET wp-login.php")
	return fetch(tb, c, http.MethodPost, s.URL()+"/wp-login.php", url.Values{
		"log": {user}, "pwd": {password}, "wp-submit": {"Log In"},
		"redirect_to": {s.URL() + "/wp-admin/"}, "testcookie": {"1"},
	})
}

// lineStream is a followed log, line by line, read from a goroutine so a
// test can wait with a deadline.
type lineStream struct {
	lines chan []byte
}

func follow(tb testing.TB, s *containers.Stack, l containers.Log) *lineStream {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := s.Follow(ctx, l)
	if err != nil {
		cancel()
	}
	require.NoError(tb, err, "follow %s", l)
	ls := &lineStream{lines: make(chan []byte, 4096)}
	go func() {
		defer close(ls.lines)
		br := bufio.NewReader(rc)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				ls.lines <- bytes.TrimSuffix(line, []byte("\n"))
			}
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		rc.Close()
		cancel()
		for range ls.lines {
		}
	})
	return ls
}

// until reads lines until done says so or timeout passes; it returns
// whether done was satisfied.
func (ls *lineStream) until(timeout time.Duration, done func(line []byte) bool) bool {
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-ls.lines:
			if !ok {
				return false
			}
			if done(line) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// drain reads whatever arrives within d.
func (ls *lineStream) drain(d time.Duration, each func(line []byte)) {
	ls.until(d, func(line []byte) bool { each(line); return false })
}

// auditEvent is one line of the must-use plugin's audit log.
type auditEvent struct {
	Event  string         `json:"event"`
	Method string         `json:"method"`
	URI    string         `json:"uri"`
	Object map[string]any `json:"object"`
}

func parseAudit(tb testing.TB, line []byte) auditEvent {
	tb.Helper()
	var ev auditEvent
	require.NoError(tb, json.Unmarshal(line, &ev), "an audit log line must be JSON: %s", line)
	return ev
}

// docker runs the docker CLI, the tool a user would check leftovers with.
func docker(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(tb, err, "docker %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func dockerIDs(tb testing.TB, kind, filter string) []string {
	tb.Helper()
	var out string
	switch kind {
	case "container":
		out = docker(tb, "ps", "-aq", "--no-trunc", "--filter", filter)
	case "network":
		out = docker(tb, "network", "ls", "-q", "--no-trunc", "--filter", filter)
	default:
		require.Failf(tb, "unknown kind", "%s", kind)
	}
	return strings.Fields(out)
}

// inspected is the part of `docker inspect` the tests look at.
type inspected struct {
	ID     string
	Config struct {
		Labels map[string]string
		Env    []string
	}
	HostConfig struct {
		PortBindings map[string][]struct{ HostIp, HostPort string }
	}
	NetworkSettings struct {
		Ports map[string][]struct{ HostIp, HostPort string }
	}
	Labels map[string]string // networks
}

func dockerInspect(tb testing.TB, kind string, ids ...string) []inspected {
	tb.Helper()
	if len(ids) == 0 {
		return nil
	}
	args := append([]string{"inspect", "--type", kind}, ids...)
	var out []inspected
	require.NoError(tb, json.Unmarshal([]byte(docker(tb, args...)), &out), "docker inspect must print JSON")
	return out
}
