package detect_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
)

// One stack serves every test of the package; each test starts from its
// reset point (WordPress installed and the small shop below seeded).
var shared struct {
	once sync.Once
	s    *containers.Stack
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := shared.s.Close(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "remove the shared stack:", err)
		}
		cancel()
	}
	os.Exit(code)
}

// sharedStack returns the package's stack, reset to its seeded state.
func sharedStack(t testing.TB) *containers.Stack {
	t.Helper()
	stacktest.Available(t)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		imgs, err := containers.EnsureImages(ctx, containers.SourceDebian)
		if err != nil {
			shared.err = err
			return
		}
		s, err := containers.Run(ctx, containers.WithImages(imgs))
		if err != nil {
			shared.err = err
			return
		}
		shared.s = s
		if err := seedShop(ctx, s); err != nil {
			shared.err = fmt.Errorf("seed: %w", err)
			return
		}
		shared.err = s.Snapshot(ctx)
	})
	if shared.err != nil {
		t.Fatalf("shared stack: %v", shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A request still running in PHP when the last test ended (its client
	// gone) may write an option while Reset refills the table; a second
	// Reset then finds the stack quiet.
	if _, err := shared.s.Reset(ctx); err != nil {
		time.Sleep(time.Second)
		if _, err := shared.s.Reset(ctx); err != nil {
			t.Fatalf("reset: %v", err)
		}
	}
	return shared.s
}

// canaries are the seeded shop's canary markers.
var canaries = []string{"canary-5e1f0c", "canary-9a7d21"}

// seedShop writes a small shop the way WooCommerce stores one: customers
// with billing profiles, orders in HPOS tables and post meta, order items,
// and saved cards as tokens with only their last four digits. The idle test
// proves the shipped rules stay quiet on data shaped like a real shop's.
func seedShop(ctx context.Context, s *containers.Stack) error {
	p := s.TablePrefix()
	db := s.DB()
	phones := []string{"(415) 555-0142", "+44 7700 900123", "212-555-0199", "+1 646-555-0107", "0161 496 0381"}
	var stmts []string
	for i := 0; i < 5; i++ {
		uid := 100 + i
		email := fmt.Sprintf("customer%d@example.com", i)
		if i < len(canaries) {
			email = canaries[i] + "@example.net"
		}
		stmts = append(stmts,
			fmt.Sprintf("INSERT INTO %susers (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) VALUES (%d, 'customer%d', '$P$BXXXXXXXXXXXXXXXXXXXXXXXXXXXXX0', 'customer%d', '%s', NOW(), 'Customer %d')", p, uid, i, i, email, i),
			fmt.Sprintf("INSERT INTO %susermeta (user_id, meta_key, meta_value) VALUES (%d, '%scapabilities', 'a:1:{s:8:\"customer\";b:1;}'), (%d, 'billing_email', '%s'), (%d, 'billing_phone', '%s'), (%d, 'billing_first_name', 'Ann%d'), (%d, 'billing_postcode', 'N1 9GU')",
				p, uid, p, uid, email, uid, phones[i], uid, i, uid),
			fmt.Sprintf("INSERT INTO %sposts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_type) VALUES (%d, 1, NOW(), NOW(), '', 'Order', '', 'wc-completed', 'order-%d', '', '', NOW(), NOW(), '', 'shop_order_placehold')", p, 500+i, i),
			fmt.Sprintf("INSERT INTO %swc_orders (id, status, currency, type, total_amount, customer_id, billing_email, date_created_gmt, payment_method, transaction_id, ip_address, user_agent) VALUES (%d, 'wc-completed', 'EUR', 'shop_order', 49.90, %d, '%s', NOW(), 'stripe', 'ch_3Q1w2E3r4T5y6U7i', '203.0.113.%d', 'Mozilla/5.0')", p, 500+i, uid, email, 10+i),
			fmt.Sprintf("INSERT INTO %swc_order_addresses (order_id, address_type, first_name, last_name, address_1, city, postcode, country, email, phone) VALUES (%d, 'billing', 'Ann%d', 'Lee', '%d Analytical Row', 'London', 'N1 9GU', 'GB', '%s', '%s'), (%d, 'shipping', 'Ann%d', 'Lee', '%d Analytical Row', 'London', 'N1 9GU', 'GB', NULL, '%s')",
				p, 500+i, i, 10+i, email, phones[i], 500+i, i, 10+i, phones[i]),
			fmt.Sprintf("INSERT INTO %swc_orders_meta (order_id, meta_key, meta_value) VALUES (%d, '_billing_address_index', 'Ann%d Lee %d Analytical Row London N1 9GU GB %s %s'), (%d, '_stripe_customer_id', 'cus_Q1w2E3r4T5y6U7'), (%d, '_order_stock_reduced', 'yes')",
				p, 500+i, i, 10+i, email, phones[i], 500+i, 500+i),
			fmt.Sprintf("INSERT INTO %spostmeta (post_id, meta_key, meta_value) VALUES (%d, '_billing_email', '%s'), (%d, '_billing_phone', '%s'), (%d, '_order_total', '49.90'), (%d, '_date_paid', '1795827720'), (%d, '_order_key', 'wc_order_aB3dE5fG7hJ9k')",
				p, 500+i, email, 500+i, phones[i], 500+i, 500+i, 500+i),
			fmt.Sprintf("INSERT INTO %swoocommerce_order_items (order_item_id, order_item_name, order_item_type, order_id) VALUES (%d, 'Blue shirt', 'line_item', %d)", p, 700+i, 500+i),
			fmt.Sprintf("INSERT INTO %swoocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES (%d, '_qty', '2'), (%d, '_line_total', '49.9'), (%d, '_product_id', '42')", p, 700+i, 700+i, 700+i),
			fmt.Sprintf("INSERT INTO %swoocommerce_payment_tokens (token_id, gateway_id, token, user_id, type, is_default) VALUES (%d, 'stripe', 'pm_1Q1w2E3r4T5y6U7i8O9p0%d', %d, 'CC', 1)", p, 900+i, i, uid),
			fmt.Sprintf("INSERT INTO %swoocommerce_payment_tokenmeta (payment_token_id, meta_key, meta_value) VALUES (%d, 'last4', '4242'), (%d, 'expiry_month', '12'), (%d, 'expiry_year', '2031'), (%d, 'card_type', 'visa')", p, 900+i, 900+i, 900+i, 900+i),
		)
	}
	stmts = append(stmts, fmt.Sprintf("INSERT INTO %soptions (option_name, option_value, autoload) VALUES ('woocommerce_store_address', '12 Analytical Row', 'yes'), ('woocommerce_email_from_address', 'shop@example.com', 'yes')", p))
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
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
	e := detect.New(s, pack, tl, append([]detect.Option{detect.WithCanaries(canaries)}, opts...)...)
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
