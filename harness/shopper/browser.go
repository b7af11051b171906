package shopper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// UserAgent is an ordinary browser's: the shoppers send it, and rule
// tests use it for the clean traffic no rule may fire on.
const UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// browser is one visitor: a cookie jar, the nonces the pages gave it and
// the last page it saw.
type browser struct {
	sim        *Simulator
	ctx        context.Context
	c          *http.Client
	base       string
	page       string // the last body
	storeNonce string // Store API (wc_store_api)
	restNonce  string // WordPress REST (wp_rest), for a logged-in user
	orders     []int64
}

func (s *Simulator) newBrowser(ctx context.Context) *browser {
	return &browser{sim: s, ctx: ctx, c: newClient(s.cfg.timeout), base: strings.TrimRight(s.shop.URL, "/")}
}

func newClient(timeout time.Duration) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: timeout}
}

// request is one HTTP request as a browser page or script makes it.
type request struct {
	method, path string
	form         url.Values
	json         any
	header       map[string]string
	accept       []int // statuses the step expects besides 2xx/3xx
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request: paced, counted, with the visitor's cookies. It
// is not cut off by ctx (see Simulator.Run); ctx stops the visitor before
// the next request.
func send(ctx context.Context, c *http.Client, base string, rq request, pace *pacer, count *counters) (response, error) {
	if pace != nil {
		if err := pace.wait(ctx); err != nil {
			return response{}, errStopped
		}
	}
	var body io.Reader
	ctype := ""
	switch {
	case rq.form != nil:
		body, ctype = strings.NewReader(rq.form.Encode()), "application/x-www-form-urlencoded"
	case rq.json != nil:
		b, err := json.Marshal(rq.json)
		if err != nil {
			return response{}, err
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	target := rq.path
	if !strings.HasPrefix(target, "http") {
		target = base + rq.path
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), rq.method, target, body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if rq.json != nil || strings.Contains(rq.path, "/wp-json/") {
		req.Header.Set("Accept", "application/json, */*;q=0.1")
	} else {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		if count != nil {
			count.request(0)
		}
		return response{}, &unreachableError{fmt.Errorf("%s %s: %w", rq.method, rq.path, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if count != nil {
		count.request(resp.StatusCode)
	}
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read the answer: %w", rq.method, rq.path, err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode >= 400 {
		for _, a := range rq.accept {
			if a == resp.StatusCode {
				return out, nil
			}
		}
		return out, &StatusError{Method: rq.method, Path: rq.path, Status: resp.StatusCode, Body: clip.Line(string(b), 200)}
	}
	return out, nil
}

// unreachableError is a request that got no HTTP answer at all.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// StatusError is an answer of 400 or above.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

func (b *browser) do(rq request) (response, error) {
	r, err := send(b.ctx, b.c, b.base, rq, b.sim.pace, &b.sim.stats)
	if err == nil {
		b.page = string(r.body)
		b.nonces()
	}
	return r, err
}

func (b *browser) get(path string) error {
	_, err := b.do(request{method: http.MethodGet, path: path})
	return err
}

var (
	storeNonceRe  = regexp.MustCompile(`storeApiNonce["']?\s*:\s*["']([0-9a-f]+)["']`)
	restNonceRe   = regexp.MustCompile(`createNonceMiddleware\(\s*"([0-9a-f]+)"\s*\)`)
	loginNonceRe  = regexp.MustCompile(`name="woocommerce-login-nonce" value="([0-9a-f]+)"`)
	logoutRe      = regexp.MustCompile(`href=["']([^"']*customer-logout[^"']*_wpnonce=[0-9a-f]+[^"']*)["']`)
	adminLogoutRe = regexp.MustCompile(`href=["']([^"']*wp-login\.php\?action=logout[^"']*_wpnonce=[0-9a-f]+[^"']*)["']`)
)

// nonces keeps the nonces a page hands its scripts, as the scripts would.
func (b *browser) nonces() {
	if m := storeNonceRe.FindStringSubmatch(b.page); m != nil {
		b.storeNonce = m[1]
	}
	if m := restNonceRe.FindStringSubmatch(b.page); m != nil {
		b.restNonce = m[1]
	}
}

func (b *browser) step(st Step, acct *Account) error {
	if b.ctx.Err() != nil {
		return errStopped
	}
	switch st.Kind {
	case StepHome:
		return b.get("/")
	case StepSearch:
		return b.get("/?s=" + url.QueryEscape(st.Query))
	case StepCategory:
		cat, err := b.sim.cat.get(b)
		if err != nil {
			return err
		}
		return b.get(cat.category(st.Pick))
	case StepProduct:
		cat, err := b.sim.cat.get(b)
		if err != nil {
			return err
		}
		return b.get(cat.product(st.Pick).path)
	case StepAddToCart:
		return b.addToCart(st.Pick)
	case StepCart:
		return b.get("/cart/")
	case StepCheckout:
		return b.checkout(st.Pay, st.Pick, acct)
	case StepAccount:
		return b.get("/my-account/")
	case StepAccountOrders:
		return b.get("/my-account/orders/")
	case StepLogin:
		return b.login(acct)
	case StepLogout:
		return b.logout(logoutRe, "/my-account/")
	case StepAdminLogin:
		return b.adminLogin()
	case StepAdminDash:
		return b.get("/wp-admin/index.php")
	case StepAdminOrders:
		return b.adminOrders()
	case StepAdminOrder:
		return b.adminOrderEdit(st.Pick)
	case StepAdminDraft:
		return b.adminDraft(st.Pick)
	case StepAdminLogout:
		return b.logout(adminLogoutRe, "/wp-admin/index.php")
	}
	return fmt.Errorf("unknown step %q", st.Kind)
}

// addToCart posts the product page's own "Add to cart" form.
func (b *browser) addToCart(pick uint32) error {
	cat, err := b.sim.cat.get(b)
	if err != nil {
		return err
	}
	p := cat.product(pick)
	_, err = b.do(request{method: http.MethodPost, path: p.path, form: url.Values{"quantity": {"1"}, "add-to-cart": {strconv.FormatInt(p.id, 10)}}})
	return err
}

// checkout is the block checkout page and its Store API order, as the
// page's script places it, then the thank-you page.
func (b *browser) checkout(pay string, pick uint32, acct *Account) error {
	if err := b.get("/checkout/"); err != nil {
		return err
	}
	if b.storeNonce == "" {
		return fmt.Errorf("the checkout page carried no Store API nonce")
	}
	h := map[string]string{"Nonce": b.storeNonce}
	if acct != nil && b.restNonce != "" {
		h["X-WP-Nonce"] = b.restNonce
	}
	addr := addressFor(pick, acct)
	res, err := placeOrder(b.ctx, b.c, b.base, h, addr, pay, b.sim.pace, &b.sim.stats)
	var se *StatusError
	if errors.As(err, &se) && strings.Contains(se.Body, "woocommerce_rest_cart_empty") {
		// The cart came up empty (the session did not keep the item, as
		// happens under load): a shopper puts it back and tries once more.
		if err = b.addToCart(pick); err == nil {
			res, err = placeOrder(b.ctx, b.c, b.base, h, addr, pay, b.sim.pace, &b.sim.stats)
		}
	}
	if errors.Is(err, errStopped) {
		return err // stopped before the order was sent: not a failed checkout
	}
	b.sim.stats.checkout(err == nil)
	if err != nil {
		return err
	}
	b.orders = append(b.orders, res.OrderID)
	if res.Redirect != "" {
		return b.get(res.Redirect)
	}
	return nil
}

// login uses the my-account page's login form.
func (b *browser) login(acct *Account) error {
	if acct == nil {
		return fmt.Errorf("no customer to log in as")
	}
	if !strings.Contains(b.page, "woocommerce-login-nonce") {
		if err := b.get("/my-account/"); err != nil {
			return err
		}
	}
	m := loginNonceRe.FindStringSubmatch(b.page)
	if m == nil {
		return fmt.Errorf("the my-account page has no login form")
	}
	form := url.Values{"username": {acct.Login}, "password": {acct.Password}, "woocommerce-login-nonce": {m[1]},
		"_wp_http_referer": {"/my-account/"}, "login": {"Log in"}, "rememberme": {"forever"}}
	if _, err := b.do(request{method: http.MethodPost, path: "/my-account/", form: form}); err != nil {
		return err
	}
	if !strings.Contains(b.page, "customer-logout") {
		return fmt.Errorf("customer %s: the login did not reach the account", acct.Login)
	}
	return nil
}

// logout follows the page's own logout link (it carries the nonce).
func (b *browser) logout(link *regexp.Regexp, from string) error {
	m := link.FindStringSubmatch(b.page)
	if m == nil {
		if err := b.get(from); err != nil {
			return err
		}
		if m = link.FindStringSubmatch(b.page); m == nil {
			return fmt.Errorf("no logout link on %s", from)
		}
	}
	return b.get(html.UnescapeString(m[1]))
}

// catalogue is what the shop sells, read once from the Store API (which a
// block theme's product grids read too) and shared by all visitors.
type catalogue struct {
	mu    sync.Mutex
	items *items
}

type product struct {
	id   int64
	path string
}

type items struct {
	products   []product
	categories []string
}

func (it *items) product(pick uint32) product { return it.products[int(pick%uint32(len(it.products)))] }
func (it *items) category(pick uint32) string {
	return it.categories[int(pick%uint32(len(it.categories)))]
}

func (c *catalogue) get(b *browser) (*items, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items != nil {
		return c.items, nil
	}
	it, err := readCatalogue(b.ctx, b.c, b.base, b.sim.pace, &b.sim.stats)
	if err != nil {
		return nil, err
	}
	c.items = it
	return it, nil
}

func readCatalogue(ctx context.Context, c *http.Client, base string, pace *pacer, count *counters) (*items, error) {
	var ps []struct {
		ID          int64  `json:"id"`
		Permalink   string `json:"permalink"`
		Purchasable bool   `json:"is_purchasable"`
		InStock     bool   `json:"is_in_stock"`
	}
	r, err := send(ctx, c, base, request{method: http.MethodGet, path: "/wp-json/wc/store/v1/products?per_page=100"}, pace, count)
	if err != nil {
		return nil, fmt.Errorf("the product catalogue: %w", err)
	}
	if err := json.Unmarshal(r.body, &ps); err != nil {
		return nil, fmt.Errorf("the product catalogue: %w", err)
	}
	it := &items{}
	for _, p := range ps {
		if p.Purchasable && p.InStock {
			it.products = append(it.products, product{id: p.ID, path: localPath(p.Permalink)})
		}
	}
	if len(it.products) == 0 {
		return nil, fmt.Errorf("the shop sells nothing: no purchasable product in stock")
	}
	var cs []struct {
		Permalink string `json:"permalink"`
		Count     int    `json:"count"`
	}
	r, err = send(ctx, c, base, request{method: http.MethodGet, path: "/wp-json/wc/store/v1/products/categories"}, pace, count)
	if err != nil {
		return nil, fmt.Errorf("the product categories: %w", err)
	}
	if err := json.Unmarshal(r.body, &cs); err != nil {
		return nil, fmt.Errorf("the product categories: %w", err)
	}
	for _, x := range cs {
		if x.Count > 0 {
			it.categories = append(it.categories, localPath(x.Permalink))
		}
	}
	if len(it.categories) == 0 {
		it.categories = []string{"/shop/"}
	}
	return it, nil
}

// localPath is a permalink's path and query: the site may call itself by
// another address than the one the simulator reaches it at.
func localPath(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.RequestURI()
}
