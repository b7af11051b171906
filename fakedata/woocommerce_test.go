package fakedata_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/containers"
	. "github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readBack asks WooCommerce's own PHP API what it sees of the shop: the
// input names the orders and customers to sample and the addresses to
// validate the way the Store API does.
const readBack = `$_SERVER['HTTP_HOST'] = 'localhost';
require 'wp-load.php';
$in = json_decode(file_get_contents('php://stdin'), true);
$out = array();
$out['order_count'] = count(wc_get_orders(array('limit' => -1, 'return' => 'ids', 'type' => 'shop_order', 'status' => array_keys(wc_get_order_statuses()))));
$out['orders'] = array();
foreach ($in['orders'] as $id) {
	$o = wc_get_order($id);
	if (!$o) { $out['orders'][] = array('id' => 0); continue; }
	$items = array();
	foreach ($o->get_items() as $it) {
		$items[] = array('product_id' => $it->get_product_id(), 'qty' => $it->get_quantity(), 'total' => (string) $it->get_total(), 'tax' => (string) $it->get_total_tax());
	}
	$out['orders'][] = array('id' => $o->get_id(), 'status' => $o->get_status(), 'total' => (string) $o->get_total(),
		'total_tax' => (string) $o->get_total_tax(), 'shipping_total' => (string) $o->get_shipping_total(), 'currency' => $o->get_currency(),
		'email' => $o->get_billing_email(), 'customer_id' => $o->get_customer_id(), 'items' => $items, 'taxes' => count($o->get_taxes()),
		'key' => $o->get_order_key(), 'version' => $o->get_version(), 'state' => $o->get_billing_state(), 'postcode' => $o->get_shipping_postcode(),
		'notes' => count(wc_get_order_notes(array('order_id' => $id))));
}
$out['customer_count'] = count(get_users(array('role' => 'customer', 'fields' => 'ID')));
$out['customers'] = array();
foreach ($in['customers'] as $uid) {
	$c = new WC_Customer($uid);
	$last4 = array();
	foreach (WC_Payment_Tokens::get_customer_tokens($uid) as $t) {
		$last4[] = $t->get_last4();
	}
	$out['customers'][] = array('id' => $c->get_id(), 'email' => $c->get_email(), 'first_name' => $c->get_billing_first_name(),
		'last_name' => $c->get_billing_last_name(), 'country' => $c->get_billing_country(), 'state' => $c->get_billing_state(),
		'postcode' => $c->get_billing_postcode(), 'city' => $c->get_billing_city(), 'phone' => $c->get_billing_phone(),
		'paying' => $c->get_is_paying_customer(), 'last4' => $last4);
}
$out['products'] = array();
foreach (wc_get_products(array('limit' => -1)) as $p) {
	$out['products'][] = array('id' => $p->get_id(), 'type' => $p->get_type(), 'price' => $p->get_price(), 'sku' => $p->get_sku(), 'visible' => $p->is_visible());
}
$bad = array();
foreach ($in['addresses'] as $a) {
	$states = WC()->countries->get_states($a['country']);
	$state = is_array($states) && count($states) ? isset($states[$a['state']]) : $a['state'] === '';
	if (!$state || !WC_Validation::is_postcode($a['postcode'], $a['country']) || !array_key_exists($a['country'], WC()->countries->get_allowed_countries())) {
		$bad[] = $a;
	}
}
$out['invalid_addresses'] = $bad;
$q = new \Automattic\WooCommerce\Admin\API\Reports\Orders\Stats\Query(array('after' => '2000-01-01T00:00:00', 'before' => '2100-01-01T00:00:00', 'interval' => 'year',
	'fields' => array('orders_count', 'net_revenue', 'total_sales', 'num_items_sold')));
$r = $q->get_data();
$out['analytics'] = is_wp_error($r) ? array('error' => $r->get_error_message()) : $r->totals;
echo json_encode($out);`

// resync runs WooCommerce's Analytics import on the given orders, as its
// importer does for each order it finds.
const resync = `$_SERVER['HTTP_HOST'] = 'localhost';
require 'wp-load.php';
foreach (json_decode(file_get_contents('php://stdin'), true) as $id) {
	\Automattic\WooCommerce\Admin\API\Reports\Orders\Stats\DataStore::sync_order($id);
	\Automattic\WooCommerce\Admin\API\Reports\Products\DataStore::sync_order_products($id);
	\Automattic\WooCommerce\Admin\API\Reports\Taxes\DataStore::sync_order_taxes($id);
}
echo 'ok';`

type wooOrder struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	Total         string `json:"total"`
	TotalTax      string `json:"total_tax"`
	ShippingTotal string `json:"shipping_total"`
	Currency      string `json:"currency"`
	Email         string `json:"email"`
	CustomerID    int64  `json:"customer_id"`
	Taxes         int    `json:"taxes"`
	Key           string `json:"key"`
	Version       string `json:"version"`
	State         string `json:"state"`
	Postcode      string `json:"postcode"`
	Notes         int    `json:"notes"`
	Items         []struct {
		ProductID int64  `json:"product_id"`
		Qty       int    `json:"qty"`
		Total     string `json:"total"`
		Tax       string `json:"tax"`
	} `json:"items"`
}

type wooCustomer struct {
	ID        int64    `json:"id"`
	Email     string   `json:"email"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Country   string   `json:"country"`
	State     string   `json:"state"`
	Postcode  string   `json:"postcode"`
	City      string   `json:"city"`
	Phone     string   `json:"phone"`
	Paying    bool     `json:"paying"`
	Last4     []string `json:"last4"`
}

type wooView struct {
	OrderCount    int           `json:"order_count"`
	Orders        []wooOrder    `json:"orders"`
	CustomerCount int           `json:"customer_count"`
	Customers     []wooCustomer `json:"customers"`
	Products      []struct {
		ID      int64  `json:"id"`
		Type    string `json:"type"`
		Price   string `json:"price"`
		SKU     string `json:"sku"`
		Visible bool   `json:"visible"`
	} `json:"products"`
	InvalidAddresses []map[string]string `json:"invalid_addresses"`
	Analytics        struct {
		Error        string  `json:"error"`
		OrdersCount  int     `json:"orders_count"`
		NetRevenue   float64 `json:"net_revenue"`
		TotalSales   float64 `json:"total_sales"`
		NumItemsSold int     `json:"num_items_sold"`
	} `json:"analytics"`
}

// php runs code with WordPress's PHP as the web server's user, input on
// stdin.
func php(t *testing.T, s *containers.Stack, code string, input any) []byte {
	t.Helper()
	in, err := json.Marshal(input)
	require.NoError(t, err)
	res, err := s.Exec(context.Background(), containers.ServiceWP, []string{"php", "-r", code},
		containers.AsUser(containers.WebUser), containers.InDir(containers.DocRoot), containers.WithStdin(bytes.NewReader(in)))
	require.NoError(t, err, "php: %s", res.Stderr)
	return res.Stdout
}

// cents reads an amount WooCommerce printed ("29.75", "20", "3.8").
func cents(t *testing.T, s string) Money {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "amount %q", s)
	return Money(math.Round(f * 100))
}

// TestWooCommerceSeesTheDataset seeds a stack running the real
// WooCommerce and asks WooCommerce's own PHP API for what it holds:
// every count, and sampled values of orders, customers, products, saved
// cards and Analytics, against the dataset.
func TestWooCommerceSeesTheDataset(t *testing.T) {
	zip := stacktest.WooCommerce(t)
	s := stacktest.Start(t, containers.WithWooCommerce(zip))
	ctx := context.Background()
	spec := Spec{Seed: 7, Customers: 300, Orders: 1000, TablePrefix: s.TablePrefix()}
	d := mustNew(t, spec)
	_, err := Load(ctx, s.DB(), d)
	require.NoError(t, err)

	// The stack's must-use plugin registers the gateway the seeded cards
	// name: WooCommerce lists tokens only for gateways it knows.
	gateways := string(php(t, s, `$_SERVER['HTTP_HOST'] = 'localhost'; require 'wp-load.php'; echo implode(',', WC()->payment_gateways()->get_payment_gateway_ids());`, nil))
	require.Contains(t, strings.Split(gateways, ","), "stripe", "the stack registers the saved cards' gateway")

	r := rand.New(rand.NewPCG(3, 4))
	orderIDs := []int64{d.Order(0).ID, d.Order(spec.Orders - 1).ID}
	for range 30 {
		orderIDs = append(orderIDs, d.Order(r.IntN(spec.Orders)).ID)
	}
	custIdx := []int{0, spec.Customers - 1, d.Canaries()[0].CustomerIndex}
	for range 30 {
		custIdx = append(custIdx, r.IntN(spec.Customers))
	}
	var userIDs []int64
	for _, i := range custIdx {
		userIDs = append(userIDs, d.Customer(i).UserID)
	}
	var addresses []map[string]string
	for i := range spec.Customers {
		c := d.Customer(i)
		for _, a := range []Address{c.Billing, c.Shipping} {
			addresses = append(addresses, map[string]string{"country": a.Country, "state": a.State, "postcode": a.Postcode})
		}
	}
	var got wooView
	out := php(t, s, readBack, map[string]any{"orders": orderIDs, "customers": userIDs, "addresses": addresses})
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)

	t.Run("orders", func(t *testing.T) {
		assert.Equal(t, spec.Orders, got.OrderCount, "wc_get_orders")
		require.Len(t, got.Orders, len(orderIDs))
		for i, w := range got.Orders {
			o := d.Order(int(orderIDs[i] - FirstOrderID))
			require.Equal(t, o.ID, w.ID, "wc_get_order(%d)", o.ID)
			assert.Equal(t, strings.TrimPrefix(o.Status, "wc-"), w.Status, "order %d", o.ID)
			assert.Equal(t, o.Total, cents(t, w.Total), "order %d total", o.ID)
			assert.Equal(t, o.Tax(), cents(t, w.TotalTax), "order %d tax", o.ID)
			assert.Equal(t, o.ShippingLine.Cost, cents(t, w.ShippingTotal), "order %d shipping", o.ID)
			assert.Equal(t, "EUR", w.Currency, "order %d", o.ID)
			assert.Equal(t, o.Billing.Email, w.Email, "order %d", o.ID)
			assert.Equal(t, o.CustomerUserID, w.CustomerID, "order %d", o.ID)
			assert.Equal(t, o.Key, w.Key, "order %d", o.ID)
			assert.Equal(t, "10.0.2", w.Version, "order %d", o.ID)
			assert.Equal(t, o.Billing.State, w.State, "order %d", o.ID)
			assert.Equal(t, o.Shipping.Postcode, w.Postcode, "order %d", o.ID)
			assert.Equal(t, 1, w.Taxes, "order %d: tax items", o.ID)
			// One note per status change since checkout.
			notes := map[string]int{"wc-pending": 0, "wc-processing": 1, "wc-completed": 2, "wc-refunded": 3, "wc-on-hold": 1, "wc-cancelled": 1, "wc-failed": 1}
			assert.Equal(t, notes[o.Status], w.Notes, "order %d (%s): notes", o.ID, o.Status)
			require.Len(t, w.Items, len(o.Items), "order %d items", o.ID)
			for j, li := range o.Items {
				assert.Equal(t, li.ProductID, w.Items[j].ProductID, "order %d item %d", o.ID, j)
				assert.Equal(t, li.Qty, w.Items[j].Qty, "order %d item %d", o.ID, j)
				assert.Equal(t, li.Total, cents(t, w.Items[j].Total), "order %d item %d", o.ID, j)
				assert.Equal(t, li.Tax, cents(t, w.Items[j].Tax), "order %d item %d", o.ID, j)
			}
		}
	})

	t.Run("customers and their saved cards", func(t *testing.T) {
		assert.Equal(t, spec.Customers, got.CustomerCount, "users with role customer")
		require.Len(t, got.Customers, len(custIdx))
		cards := 0
		for k, w := range got.Customers {
			c := d.Customer(custIdx[k])
			require.Equal(t, c.UserID, w.ID, "WC_Customer(%d)", c.UserID)
			b := c.Billing
			assert.Equal(t, []string{b.Email, b.FirstName, b.LastName, b.Country, b.State, b.Postcode, b.City, b.Phone},
				[]string{w.Email, w.FirstName, w.LastName, w.Country, w.State, w.Postcode, w.City, w.Phone}, "customer %d", c.UserID)
			var last4 []string
			for _, card := range c.Cards {
				last4 = append(last4, card.Last4)
			}
			assert.ElementsMatch(t, last4, w.Last4, "customer %d: get_customer_tokens", c.UserID)
			cards += len(w.Last4)
		}
		assert.NotZero(t, cards, "no sampled customer has a saved card")
		assert.Empty(t, got.InvalidAddresses, "addresses WooCommerce's validation refuses")
	})

	t.Run("the Store API accepts the seeded addresses", func(t *testing.T) {
		byCountry := map[string]Customer{}
		for i := range spec.Customers {
			c := d.Customer(i)
			if _, ok := byCountry[c.Billing.Country]; !ok {
				byCountry[c.Billing.Country] = c
			}
		}
		require.Len(t, byCountry, 4, "customers from every seeded country")
		for country, c := range byCountry {
			assert.Equal(t, http.StatusOK, updateCustomer(t, s.URL(), c.Billing, c.Shipping), "customer %d from %s", c.UserID, country)
		}
		// The check can fail: Germany's states are "DE-BE" in WooCommerce 10.
		de := Address{FirstName: "A", LastName: "B", Address1: "1 Amber Street", City: "Berlin", State: "BE", Postcode: "10115", Country: "DE", Email: "a@example.com", Phone: "+1 555 0100"}
		assert.Equal(t, http.StatusBadRequest, updateCustomer(t, s.URL(), de, de), "state BE of DE")
		de.State = "DE-BE"
		assert.Equal(t, http.StatusOK, updateCustomer(t, s.URL(), de, de), "state DE-BE of DE")
		// And postcodes: no British postcode starts with Q.
		gb := byCountry["GB"].Billing
		gb.Postcode = "QV1 2AB"
		assert.Equal(t, http.StatusBadRequest, updateCustomer(t, s.URL(), gb, gb), "GB postcode %s", gb.Postcode)
	})

	t.Run("products", func(t *testing.T) {
		require.Len(t, got.Products, d.Spec().Products, "wc_get_products")
		byID := map[int64]int{}
		for i, p := range got.Products {
			byID[p.ID] = i
		}
		for i := range d.Spec().Products {
			p := d.Product(i)
			j, ok := byID[p.ID]
			require.True(t, ok, "product %d not listed by wc_get_products", p.ID)
			w := got.Products[j]
			assert.Equal(t, "simple", w.Type, "product %d", p.ID)
			assert.Equal(t, p.Price, cents(t, w.Price), "product %d price", p.ID)
			assert.Equal(t, p.SKU, w.SKU, "product %d", p.ID)
			assert.True(t, w.Visible, "product %d visible in the catalogue", p.ID)
		}
	})

	t.Run("analytics", func(t *testing.T) {
		var counted, items int
		var net, sales, allNet Money
		for k := range spec.Orders {
			o := d.Order(k)
			allNet += o.ItemsTotal
			// Analytics leave out pending, failed and cancelled orders, and
			// WooCommerce 10 dates orders by payment (woocommerce_date_type
			// date_paid), so an unpaid order on hold is not in the range.
			if o.Status == "wc-pending" || o.Status == "wc-failed" || o.Status == "wc-cancelled" || o.Paid.IsZero() {
				continue
			}
			counted++
			net += o.ItemsTotal
			sales += o.Total
			for _, li := range o.Items {
				items += li.Qty
			}
		}
		require.Empty(t, got.Analytics.Error)
		assert.Equal(t, counted, got.Analytics.OrdersCount, "Analytics orders")
		assert.Equal(t, net, Money(math.Round(got.Analytics.NetRevenue*100)), "Analytics net revenue")
		assert.Equal(t, sales, Money(math.Round(got.Analytics.TotalSales*100)), "Analytics gross sales")
		assert.Equal(t, items, got.Analytics.NumItemsSold, "Analytics items sold")

		var n int
		var sum float64
		require.NoError(t, s.DB().QueryRow("SELECT COUNT(*), SUM(net_total) FROM `"+s.TablePrefix()+"wc_order_stats`").Scan(&n, &sum))
		assert.Equal(t, spec.Orders, n, "wc_order_stats rows")
		assert.Equal(t, allNet, Money(math.Round(sum*100)), "wc_order_stats net_total")
	})

	t.Run("analytics rows are what WooCommerce's importer writes", func(t *testing.T) {
		before := analyticsRows(t, s.DB(), s.TablePrefix())
		// The first orders (where returning customers begin) and a sample
		// of the rest: a full import takes over a minute on two cores.
		var ids []int64
		for k := range spec.Orders {
			if k < 150 || r.IntN(8) == 0 {
				ids = append(ids, d.Order(k).ID)
			}
		}
		require.Equal(t, "ok", string(php(t, s, resync, ids)))
		after := analyticsRows(t, s.DB(), s.TablePrefix())
		require.Len(t, after, len(before))
		for i := range before {
			require.Equal(t, before[i], after[i], "WooCommerce's import rewrote a row")
		}
	})
}

// updateCustomer sets a guest cart's addresses through the Store API
// (what the block checkout sends) and returns the status: the Store API
// validates country, state and postcode as it would at checkout.
func updateCustomer(t *testing.T, base string, billing, shipping Address) int {
	t.Helper()
	api := strings.TrimSuffix(base, "/") + "/?rest_route=/wc/store/v1/cart"
	res, err := http.Get(api)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "GET cart")
	addr := func(a Address, email bool) map[string]string {
		m := map[string]string{"first_name": a.FirstName, "last_name": a.LastName, "company": a.Company, "address_1": a.Address1,
			"address_2": a.Address2, "city": a.City, "state": a.State, "postcode": a.Postcode, "country": a.Country, "phone": a.Phone}
		if email {
			m["email"] = a.Email
		}
		return m
	}
	body, err := json.Marshal(map[string]any{"billing_address": addr(billing, true), "shipping_address": addr(shipping, false)})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, api+"/update-customer", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Nonce", res.Header.Get("Nonce"))
	req.Header.Set("Cart-Token", res.Header.Get("Cart-Token"))
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Logf("update-customer %s/%s: %d %s", billing.Country, billing.State, res.StatusCode, msg)
	}
	return res.StatusCode
}

// analyticsRows reads every row of the Analytics tables an order fills,
// as text, in a fixed order.
func analyticsRows(t *testing.T, db *sql.DB, p string) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT CONCAT_WS('|', order_id, parent_id, date_created, date_created_gmt, IFNULL(date_paid, 'NULL'), IFNULL(date_completed, 'NULL'), num_items_sold, total_sales, tax_total, shipping_total, net_total, returning_customer, status, customer_id) FROM `" + p + "wc_order_stats` ORDER BY order_id",
		"SELECT CONCAT_WS('|', order_item_id, order_id, product_id, variation_id, customer_id, date_created, product_qty, product_net_revenue, product_gross_revenue, coupon_amount, tax_amount, shipping_amount, shipping_tax_amount) FROM `" + p + "wc_order_product_lookup` ORDER BY order_item_id",
		"SELECT CONCAT_WS('|', order_id, tax_rate_id, date_created, shipping_tax, order_tax, total_tax) FROM `" + p + "wc_order_tax_lookup` ORDER BY order_id, tax_rate_id",
	} {
		rows, err := db.Query(q)
		require.NoError(t, err)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}
