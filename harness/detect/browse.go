package detect

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
)

// BrowseStack is what Browse needs: the shop's address and its
// administrator's login.
type BrowseStack interface {
	URL() string
	Credentials() containers.Credentials
}

// browserUA is an ordinary browser's: the clean window is a shopper and an
// administrator, not a tool.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// Browse makes the normal traffic of a shop's clean window: the home page,
// a post and a page, a search, the login form and a successful
// administrator login, the dashboard and its heartbeat, a checkout-like
// POST, and the REST API root. No shipped rule may fire on it. A request
// that cannot be made at all is an infrastructure fault; a server error
// (5xx) is reported too, since the baseline would then prove nothing.
func Browse(ctx context.Context, st BrowseStack) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	base := st.URL()
	var body string
	do := func(method, p string, form url.Values) error {
		var rd io.Reader
		if form != nil {
			rd = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, base+p, rd)
		if err != nil {
			return fmt.Errorf("browse %s %s: %w", method, p, err)
		}
		req.Header.Set("User-Agent", browserUA)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			return fault.Infra(fmt.Errorf("browse %s %s: %w", method, p, err))
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err != nil {
			return fault.Infra(fmt.Errorf("browse %s %s: %w", method, p, err))
		}
		body = string(b)
		if resp.StatusCode >= 500 {
			return fmt.Errorf("browse %s %s: the shop answered %s", method, p, resp.Status)
		}
		return nil
	}
	steps := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/", nil},
		{"GET", "/?p=1", nil},
		{"GET", "/?page_id=2", nil},
		{"GET", "/?s=blue+shirt", nil},
		{"GET", "/wp-login.php", nil},
	}
	for _, s := range steps {
		if err := do(s.method, s.path, s.form); err != nil {
			return err
		}
	}
	creds := st.Credentials()
	login := url.Values{"log": {creds.AdminUser}, "pwd": {creds.AdminPassword}, "testcookie": {"1"},
		"redirect_to": {base + "/wp-admin/"}, "wp-submit": {"Log In"}}
	if err := do("POST", "/wp-login.php", login); err != nil {
		return err
	}
	if !strings.Contains(body, "wp-admin-bar") && !strings.Contains(body, "dashboard") {
		return fmt.Errorf("browse: the administrator login did not reach the dashboard")
	}
	nonce := ""
	if m := heartbeatNonce.FindStringSubmatch(body); m != nil {
		nonce = m[1]
	}
	more := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/wp-admin/index.php", nil},
		{"POST", "/wp-admin/admin-ajax.php", url.Values{"action": {"heartbeat"}, "_nonce": {nonce}, "screen_id": {"dashboard"}, "has_focus": {"true"}, "interval": {"60"}}},
		{"GET", "/wp-admin/edit.php", nil},
		{"POST", "/?wc-ajax=checkout", url.Values{
			"billing_first_name": {"Ada"}, "billing_last_name": {"Lovelace"}, "billing_email": {"ada@example.com"},
			"billing_phone": {"+44 20 7946 0958"}, "billing_address_1": {"12 Analytical Row"}, "billing_city": {"London"},
			"billing_postcode": {"N1 9GU"}, "billing_country": {"GB"}, "payment_method": {"cod"}, "terms": {"on"},
		}},
		{"GET", "/wp-json/", nil},
	}
	for _, s := range more {
		if err := do(s.method, s.path, s.form); err != nil {
			return err
		}
	}
	return nil
}

var heartbeatNonce = regexp.MustCompile(`"heartbeatSettings":\{[^}]*"nonce":"([0-9a-f]+)"`)
