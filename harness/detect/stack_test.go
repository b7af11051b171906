package detect_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
)

// shopSpec is the seeded shop every real-stack test and benchmark of the
// package runs against (the idle test proves the shipped rules stay quiet
// on data shaped like a real shop's).
func shopSpec() stacktest.Shared {
	return stacktest.Shared{Customers: stacktest.Customers, Orders: stacktest.Orders, Seed: stacktest.Seed}
}

// stackSuite holds the package's real-stack tests: one stack, reset to its
// seeded state before each test and each subtest.
type stackSuite struct{ stacktest.Suite }

func TestStack(t *testing.T) {
	suite.Run(t, &stackSuite{stacktest.Suite{Shared: shopSpec()}})
}

// SetupSubTest gives every subtest the stack back at its reset point.
func (s *stackSuite) SetupSubTest() { s.Stack = s.Shared.Get(s.T()) }

// run starts an engine on the suite's stack for the current test.
func (s *stackSuite) run(pack *detect.Pack, opts ...detect.Option) (*detect.Engine, *timeline.Timeline) {
	return startEngine(s.T(), s.Stack, canaries(&s.Shared), pack, opts...)
}

// benchShared is the benchmarks' stack (benchmarks cannot run in a suite);
// TestMain removes it if one started.
var benchShared = shopSpec()

func TestMain(m *testing.M) {
	code := m.Run()
	if err := benchShared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the benchmarks' stack:", err)
	}
	os.Exit(code)
}

// canaries are the seeded shop's canary markers.
func canaries(sh *stacktest.Shared) []string {
	var out []string
	for _, c := range sh.Manifest().Canaries {
		out = append(out, c.Token)
	}
	return out
}

func shippedPack(t testing.TB) *detect.Pack {
	t.Helper()
	p, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack must load")
	return p
}

// startEngine starts an engine on st for one test, in the test's observe
// window.
func startEngine(t testing.TB, st *containers.Stack, canaries []string, pack *detect.Pack, opts ...detect.Option) (*detect.Engine, *timeline.Timeline) {
	t.Helper()
	tl := timeline.New(timeline.WithMask(st.Credentials().Mask))
	e := detect.New(st, pack, tl, append([]detect.Option{detect.WithCanaries(canaries)}, opts...)...)
	ctx := context.Background()
	require.NoError(t, e.Baseline(ctx), "baseline")
	require.NoError(t, e.Start(ctx), "start the engine")
	t.Cleanup(func() {
		assert.NoError(t, e.Stop(), "the engine stops without faults")
	})
	e.SetContext(t.Name(), detect.WindowObserve)
	return e, tl
}

func alerts(tl *timeline.Timeline) map[string]timeline.Alert {
	out := map[string]timeline.Alert{}
	for _, ev := range tl.Events() {
		if ev.Kind != timeline.KindAlert {
			continue
		}
		var a timeline.Alert
		if ev.Decode(&a) == nil {
			out[a.Rule] = a
		}
	}
	return out
}

// waitAlerts waits until every rule has alerted and returns the alerts.
// It wakes on each new timeline entry, not on a timer.
func waitAlerts(t testing.TB, tl *timeline.Timeline, timeout time.Duration, ruleIDs ...string) map[string]timeline.Alert {
	t.Helper()
	var missing []string
	got := waitTimeline(tl, timeout, func() bool {
		missing = missing[:0]
		for _, id := range ruleIDs {
			if _, ok := alerts(tl)[id]; !ok {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0
	})
	if !got {
		var fired []string
		for id := range alerts(tl) {
			fired = append(fired, id)
		}
		require.FailNow(t, "alerts missing", "no alert from %v within %v (fired: %v)", missing, timeout, fired)
	}
	return alerts(tl)
}

// waitTimeline reports whether cond came true within timeout, testing it
// now and after every new timeline entry.
func waitTimeline(tl *timeline.Timeline, timeout time.Duration, cond func() bool) bool {
	events, cancel := tl.Subscribe(64)
	defer cancel()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-events:
		case <-deadline:
			return cond()
		}
	}
	return true
}

// settle waits until the engine has looked at everything done to st
// before the call: a request and a query made now have been read from the
// access and database logs, and a file poll and a run of every state
// check, begun after the call, have completed. The audit and PHP logs
// carry no marker of ours; their lines for earlier requests were written
// before those requests ended, and are followed as closely (a tenth of a
// second) as the access log, well within the cycle waited for.
func settle(t testing.TB, st *containers.Stack, e *detect.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	request(t, st, "GET", "/?settle="+fmt.Sprint(t0.UnixNano()), "", nil)
	_, err := st.AppDB().ExecContext(ctx, "SELECT 1")
	require.NoError(t, err, "the settle query")
	require.NoError(t, e.WaitSeen(ctx, detect.SourceAccess, t0), "the engine must read the settle request from the access log")
	require.NoError(t, e.WaitSeen(ctx, detect.SourceDBAudit, t0.Truncate(time.Second)), "the engine must read the settle query from the database log")
	require.NoError(t, e.WaitCycles(ctx, 1), "the engine must complete a file poll and a run of every state check")
}

const testUA = "Mozilla/5.0 (X11; Linux x86_64) breachdrill-detect-test"

func request(t testing.TB, s *containers.Stack, method, path string, body string, header map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("User-Agent", testUA)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// php runs code inside WordPress as the web server's user.
func php(t testing.TB, s *containers.Stack, code string, args ...string) string {
	t.Helper()
	return phpWith(t, s, "", code, args...)
}

func phpWith(t testing.TB, s *containers.Stack, before, code string, args ...string) string {
	t.Helper()
	script := "<?php\n$_SERVER['HTTP_HOST'] = 'localhost';\n" + before + "\nrequire '/var/www/html/wp-load.php';\n" +
		"require_once ABSPATH . 'wp-admin/includes/plugin.php';\nrequire_once ABSPATH . 'wp-admin/includes/user.php';\n" + code
	res, err := s.Exec(context.Background(), containers.ServiceWP, append([]string{"php", "--"}, args...),
		containers.AsUser(containers.WebUser), containers.InDir(containers.DocRoot), containers.WithStdin(strings.NewReader(script)))
	require.NoError(t, err, "php")
	return string(res.Stdout)
}

func writeFile(t testing.TB, s *containers.Stack, rel, data string) {
	t.Helper()
	require.NoError(t, s.WriteFile(context.Background(), rel, []byte(data), 0o644), "write %s", rel)
}

func setConstants(t testing.TB, s *containers.Stack, consts map[string]string) {
	t.Helper()
	ctx := context.Background()
	src, err := s.ReadFile(ctx, "wp-config.php")
	require.NoError(t, err, "read wp-config.php")
	text := string(src)
	for name, val := range consts {
		line := fmt.Sprintf("define( '%s', %s );\n", name, val)
		if old := fmt.Sprintf("define( '%s', false );\n", name); strings.Contains(text, old) {
			text = strings.Replace(text, old, line, 1)
		} else {
			text = strings.Replace(text, "/* That's all, stop editing!", line+"/* That's all, stop editing!", 1)
		}
	}
	writeFile(t, s, "wp-config.php", text)
}

func createAdmin(t testing.TB, s *containers.Stack, login string) {
	t.Helper()
	php(t, s, `$id = wp_insert_user(array('user_login' => $argv[1], 'user_email' => $argv[1].'@example.org', 'role' => 'administrator', 'user_pass' => wp_generate_password(24)));
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }`, login)
}

// login logs the administrator in over HTTP and returns the cookies.
func login(t testing.TB, s *containers.Stack) string {
	t.Helper()
	c := s.Credentials()
	form := url.Values{"log": {c.AdminUser}, "pwd": {c.AdminPassword}, "testcookie": {"1"}, "redirect_to": {"/wp-admin/"}}
	req, _ := http.NewRequest("POST", s.URL()+"/wp-login.php", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "wordpress_test_cookie=WP%20Cookie%20check")
	req.Header.Set("User-Agent", testUA)
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	require.NoError(t, err, "log in")
	resp.Body.Close()
	var parts []string
	for _, ck := range resp.Cookies() {
		if strings.HasPrefix(ck.Name, "wordpress_") {
			parts = append(parts, ck.Name+"="+ck.Value)
		}
	}
	require.Equal(t, http.StatusFound, resp.StatusCode, "login: want a redirect")
	require.Contains(t, strings.Join(parts, ";"), "wordpress_logged_in_", "login: want the logged-in cookie (got %d cookies)", len(parts))
	return strings.Join(parts, "; ")
}

func aliasedHarvest(n, first int) string {
	var b strings.Builder
	b.WriteString("query Harvest {")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ` c%d: customers(first: %d, after: \"%d\") { nodes { email billing { email phone firstName lastName } } }`, i, first, i)
	}
	b.WriteString(" }")
	return `{"query":"` + b.String() + `"}`
}
