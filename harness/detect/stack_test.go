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
)

// One stack serves every test of the package, seeded with a small shop
// (the idle test proves the shipped rules stay quiet on data shaped like a
// real shop's); each test gets it back at its reset point.
var shared = stacktest.Shared{Customers: 120, Orders: 300, Seed: 11}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the shared stack:", err)
	}
	os.Exit(code)
}

// sharedStack returns the package's stack, reset to its seeded state.
func sharedStack(t testing.TB) *containers.Stack { return shared.Get(t) }

// canaries are the seeded shop's canary markers.
func canaries() []string {
	var out []string
	for _, c := range shared.Manifest().Canaries {
		out = append(out, c.Token)
	}
	return out
}

func shippedPack(t testing.TB) *detect.Pack {
	t.Helper()
	p, err := detect.LoadPack(rules.FS)
	if err != nil {
		t.Fatalf("shipped pack: %v", err)
	}
	return p
}

// run starts an engine on s for one test, in the test's observe window.
func run(t testing.TB, s *containers.Stack, pack *detect.Pack, opts ...detect.Option) (*detect.Engine, *timeline.Timeline) {
	t.Helper()
	tl := timeline.New(timeline.WithMask(s.Credentials().Mask))
	e := detect.New(s, pack, tl, append([]detect.Option{detect.WithCanaries(canaries())}, opts...)...)
	ctx := context.Background()
	if err := e.Baseline(ctx); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("engine faults: %v", err)
		}
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
func waitAlerts(t testing.TB, tl *timeline.Timeline, timeout time.Duration, ruleIDs ...string) map[string]timeline.Alert {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := alerts(tl)
		var missing []string
		for _, id := range ruleIDs {
			if _, ok := got[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return got
		}
		if time.Now().After(deadline) {
			var fired []string
			for id := range got {
				fired = append(fired, id)
			}
			t.Fatalf("no alert from %v within %v (fired: %v)", missing, timeout, fired)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const testUA = "Mozilla/5.0 (X11; Linux x86_64) breachdrill-detect-test"

func request(t testing.TB, s *containers.Stack, method, path string, body string, header map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", testUA)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatalf("php: %v", err)
	}
	return string(res.Stdout)
}

func writeFile(t testing.TB, s *containers.Stack, rel, data string) {
	t.Helper()
	if err := s.WriteFile(context.Background(), rel, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setConstants(t testing.TB, s *containers.Stack, consts map[string]string) {
	t.Helper()
	ctx := context.Background()
	src, err := s.ReadFile(ctx, "wp-config.php")
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var parts []string
	for _, ck := range resp.Cookies() {
		if strings.HasPrefix(ck.Name, "wordpress_") {
			parts = append(parts, ck.Name+"="+ck.Value)
		}
	}
	if resp.StatusCode != http.StatusFound || !strings.Contains(strings.Join(parts, ";"), "wordpress_logged_in_") {
		t.Fatalf("login: status %d, cookies %d", resp.StatusCode, len(parts))
	}
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
