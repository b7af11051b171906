package shopper_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One real-plugin stack serves the package, seeded with a small shop whose
// customers the shoppers log in as.
var (
	spec   = fakedata.Spec{Seed: stacktest.Seed, Customers: stacktest.Customers, Orders: stacktest.Orders}
	shared = stacktest.Shared{Customers: spec.Customers, Orders: spec.Orders, Seed: spec.Seed, RealWooCommerce: true}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the shared stack:", err)
	}
	os.Exit(code)
}

// shop is the stack as the shoppers see it, with the seeded customers'
// logins (canaries left out, as the harness leaves them out).
func shop(t testing.TB, s *containers.Stack) shopper.Shop {
	t.Helper()
	ds, err := fakedata.New(spec)
	require.NoError(t, err)
	sh := shopper.Shop{URL: s.URL(), AdminUser: s.Credentials().AdminUser, AdminPassword: s.Credentials().AdminPassword}
	for i := 0; i < spec.Customers && len(sh.Customers) < 5; i++ {
		if c := ds.Customer(i); c.Canary == "" {
			sh.Customers = append(sh.Customers, shopper.Account{Login: c.Login, Password: c.Password, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName})
		}
	}
	return sh
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func count(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(q, args...).Scan(&n), "query %s", q)
	return n
}

// placedOrder is the newest order in WooCommerce's order table.
type placedOrder struct {
	id       int64
	payment  string
	customer int64
	email    string
	status   string
}

func newestOrder(t testing.TB, s *containers.Stack) placedOrder {
	t.Helper()
	var o placedOrder
	q := fmt.Sprintf("SELECT id, payment_method, customer_id, billing_email, status FROM `%swc_orders` WHERE type = 'shop_order' ORDER BY id DESC LIMIT 1", s.TablePrefix())
	require.NoError(t, s.DB().QueryRow(q).Scan(&o.id, &o.payment, &o.customer, &o.email, &o.status))
	return o
}

func orders(t testing.TB, s *containers.Stack) int {
	return count(t, s.DB(), fmt.Sprintf("SELECT COUNT(*) FROM `%swc_orders` WHERE type = 'shop_order'", s.TablePrefix()))
}

// Guests and logged-in customers check out through the Store API with
// each enabled gateway, and each checkout is a real order in the database:
// the gateway it chose, the customer it belongs to (none for a guest).
func TestCheckoutsPlaceRealOrders(t *testing.T) {
	s := shared.Get(t)
	ctx := testContext(t)
	sh := shop(t, s)
	var userID int64
	require.NoError(t, s.DB().QueryRow(fmt.Sprintf("SELECT ID FROM `%susers` WHERE user_login = ?", s.TablePrefix()), sh.Customers[0].Login).Scan(&userID))
	buy := []shopper.Step{{Kind: shopper.StepProduct, Pick: 3}, {Kind: shopper.StepAddToCart, Pick: 3}, {Kind: shopper.StepCart}}
	tests := []struct {
		name     string
		kind     shopper.VisitKind
		pay      string
		customer int64
		email    string
	}{
		{"guest, cash on delivery", shopper.VisitGuestBuy, "cod", 0, "ada.lovelace@example.com"},
		{"guest, bank transfer", shopper.VisitGuestBuy, "bacs", 0, "ada.lovelace@example.com"},
		{"logged-in customer, cash on delivery", shopper.VisitCustomer, "cod", userID, sh.Customers[0].Email},
		{"logged-in customer, bank transfer", shopper.VisitCustomer, "bacs", userID, sh.Customers[0].Email},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := append([]shopper.Step(nil), buy...)
			steps = append(steps, shopper.Step{Kind: shopper.StepCheckout, Pay: tt.pay})
			if tt.kind == shopper.VisitCustomer {
				steps = append([]shopper.Step{{Kind: shopper.StepAccount}, {Kind: shopper.StepLogin}}, append(steps, shopper.Step{Kind: shopper.StepLogout})...)
			}
			before := orders(t, s)
			sim := shopper.New(sh, shopper.WithRate(0))
			require.NoError(t, sim.RunVisits(ctx, []shopper.Visit{{Kind: tt.kind, Pick: 0, Steps: steps}}), "the visit goes to the end")
			st := sim.Stats()
			assert.Equal(t, 1, st.Checkouts, "one order placed: %s", st)
			assert.Zero(t, st.Errors, "no request failed: %v", st.Problems)
			assert.Equal(t, before+1, orders(t, s), "the checkout is one new order in the database")
			o := newestOrder(t, s)
			assert.Equal(t, tt.pay, o.payment, "the order's gateway")
			assert.Equal(t, tt.customer, o.customer, "the order belongs to the logged-in customer (0: a guest)")
			assert.Equal(t, tt.email, o.email, "the billing e-mail the checkout sent")
			assert.Contains(t, []string{"wc-processing", "wc-on-hold"}, o.status, "cod orders are processing, bacs orders on hold")
		})
	}
}

// The tour is every kind of visitor; its administrator leaves a real note
// on an order and a real draft post, its customer really logs in.
func TestTourDoesWhatItSays(t *testing.T) {
	s := shared.Get(t)
	ctx := testContext(t)
	p := s.TablePrefix()
	notes := fmt.Sprintf("SELECT COUNT(*) FROM `%scomments` WHERE comment_type = 'order_note'", p)
	drafts := fmt.Sprintf("SELECT COUNT(*) FROM `%sposts` WHERE post_type = 'post' AND post_status = 'draft'", p)
	notesBefore, draftsBefore, ordersBefore := count(t, s.DB(), notes), count(t, s.DB(), drafts), orders(t, s)
	sim := shopper.New(shop(t, s), shopper.WithRate(0))
	require.NoError(t, sim.RunVisits(ctx, shopper.Tour()))
	st := sim.Stats()
	assert.Zero(t, st.Errors, "no request failed: %v", st.Problems)
	assert.Equal(t, 3, st.Visits)
	assert.Equal(t, ordersBefore+1, orders(t, s), "the guest's order")
	// Placing the order adds WooCommerce's own note; the administrator's is one more.
	assert.GreaterOrEqual(t, count(t, s.DB(), notes), notesBefore+2, "the administrator's order note")
	assert.Equal(t, draftsBefore+1, count(t, s.DB(), drafts), "the administrator's draft post")
	for _, k := range []shopper.StepKind{shopper.StepLogin, shopper.StepLogout, shopper.StepAdminLogin, shopper.StepAdminOrder, shopper.StepAdminDraft, shopper.StepAdminLogout} {
		assert.Equal(t, 1, st.Steps[string(k)], "step %s ran once", k)
	}
}

// The probe's checkout is a real order; with WooCommerce deactivated the
// probe records a failure with the shop's answer, not an unreachable shop.
func TestProbeSeesCheckoutBreak(t *testing.T) {
	s := shared.Get(t)
	ctx := testContext(t)
	probe := shopper.NewProber(s.URL())
	before := orders(t, s)
	ok := probe.Once(ctx)
	require.True(t, ok.OK, "the probe checks out on a healthy shop: %+v", ok)
	assert.Positive(t, ok.OrderID)
	assert.Equal(t, before+1, orders(t, s), "the probe's checkout is a real order")
	assert.Equal(t, ok.OrderID, newestOrder(t, s).id)

	// Deactivated as a hurried response would: the plugin list emptied.
	_, err := s.DB().ExecContext(ctx, fmt.Sprintf("UPDATE `%soptions` SET option_value = 'a:0:{}' WHERE option_name = 'active_plugins'", s.TablePrefix()))
	require.NoError(t, err)
	bad := probe.Once(ctx)
	assert.False(t, bad.OK, "no checkout without WooCommerce")
	assert.False(t, bad.Unreachable, "the shop answered: this is the shop's failure, not the network's")
	assert.Equal(t, 404, bad.Status, "the Store API's routes are gone: %s", bad.Err)
	assert.NotEmpty(t, bad.Stage)
	assert.Equal(t, before+1, orders(t, s), "no order was placed")
}

// With ModSecurity and the Core Rule Set blocking, the shoppers' traffic
// (guests, customers, the administrator's order edits and draft) is never
// blocked and leaves no deny in the WAF's audit log.
func TestWAFBlockModeLetsShoppersThrough(t *testing.T) {
	s := shared.Get(t)
	ctx := testContext(t)
	require.NoError(t, s.SetWAF(ctx, containers.WAFBlock))
	t.Cleanup(func() {
		assert.NoError(t, s.SetWAF(context.Background(), containers.WAFOff), "WAF back off for the other tests")
	})
	rc, err := s.Follow(ctx, containers.LogWAF)
	require.NoError(t, err)
	entries := make(chan string, 1024)
	go func() {
		defer close(entries)
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			entries <- sc.Text()
		}
	}()

	sim := shopper.New(shop(t, s), shopper.WithRate(0), shopper.WithSeed(11))
	require.NoError(t, sim.RunVisits(ctx, shopper.Tour()), "the tour passes the WAF")
	_ = sim.RunVisits(ctx, shopper.Plan(11, 0, 12))
	probe := shopper.NewProber(s.URL()).Once(ctx)
	st := sim.Stats()
	assert.True(t, probe.OK, "the checkout probe passes the WAF: %+v", probe)
	assert.Zero(t, st.Blocked(), "no shopper request answered 403: %v", st.Problems)
	assert.Zero(t, st.Errors, "no shopper request failed: %v", st.Problems)
	assert.Positive(t, st.Checkouts, "the shoppers bought something")

	// Entries are written when a transaction ends; give the last a moment.
	time.Sleep(time.Second)
	require.NoError(t, rc.Close())
	var logged []string
	for e := range entries {
		logged = append(logged, e)
		assert.False(t, strings.Contains(e, `"intercepted":true`) || strings.Contains(e, "Access denied"), "a WAF deny on shopper traffic: %.2000s", e)
	}
	t.Logf("%d requests, %d WAF audit entries (none a deny)", st.Requests, len(logged))
}

// Run sends visitors until its context ends, then stops after the request
// in flight; the administrator logs in once and stays logged in (one
// session) however many times they come back. Seed 10 sends the
// administrator on the second lane's fourth and fifth visits, so the run
// is stopped as soon as the second admin visit has opened the order list:
// that visit had to use the first one's session.
func TestRunStopsCleanlyWithOneAdminSession(t *testing.T) {
	s := shared.Get(t)
	sim := shopper.New(shop(t, s), shopper.WithRate(8), shopper.WithSeed(10), shopper.WithShoppers(2))
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	done := make(chan shopper.Stats)
	go func() { done <- sim.Run(ctx) }()
	require.Eventually(t, func() bool { return sim.Stats().Steps[string(shopper.StepAdminOrders)] >= 2 }, 3*time.Minute, 100*time.Millisecond,
		"the administrator comes back a second time within 3 min")
	cancel()
	var st shopper.Stats
	select {
	case st = <-done:
	case <-time.After(time.Minute):
		require.Fail(t, "Run returns once its context ends, within the request timeout; it did not within 1 min")
	}
	assert.Positive(t, st.Visits, "visitors came: %s", st)
	assert.Positive(t, st.Requests)
	assert.Zero(t, st.Errors, "no request failed: %v", st.Problems)
	assert.GreaterOrEqual(t, st.Steps[string(shopper.StepAdminOrders)], 2, "the administrator came twice: %v", st.Steps)
	assert.Equal(t, 1, st.Steps[string(shopper.StepAdminLogin)], "the administrator logged in once: %v", st.Steps)
	assert.Zero(t, st.Steps[string(shopper.StepAdminLogout)], "and did not log out during the day")
	var tokens string
	require.NoError(t, s.DB().QueryRow(fmt.Sprintf("SELECT meta_value FROM `%susermeta` WHERE user_id = 1 AND meta_key = 'session_tokens'", s.TablePrefix())).Scan(&tokens))
	assert.Equal(t, 1, strings.Count(tokens, `s:10:"expiration"`), "one administrator session: %s", tokens)
}

// On a stack in schema mode (WooCommerce's tables, not its code) the tour
// only reads, searches and drafts a post, and none of it fails: drills on
// such stacks still get a clean baseline window.
func TestTourInSchemaMode(t *testing.T) {
	s := stacktest.Start(t)
	require.NotEqual(t, containers.WooPlugin, s.Info().WooCommerceMode, "a stack without the plugin")
	sh := shopper.Shop{URL: s.URL(), AdminUser: s.Credentials().AdminUser, AdminPassword: s.Credentials().AdminPassword, NoStore: true}
	sim := shopper.New(sh, shopper.WithRate(0))
	require.NoError(t, sim.RunVisits(testContext(t), shopper.Tour()))
	st := sim.Stats()
	assert.Zero(t, st.Errors, "no request failed: %v", st.Problems)
	assert.Zero(t, st.Checkouts+st.CheckoutsFailed, "no checkout is tried without WooCommerce's code")
	assert.Equal(t, 1, st.Steps[string(shopper.StepAdminDraft)], "the administrator drafts a post")
	assert.Zero(t, st.Steps[string(shopper.StepAdminOrders)], "no order screen without WooCommerce's code")
}
