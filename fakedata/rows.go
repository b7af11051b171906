package fakedata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// The tables a dataset fills, in the order their rows are hashed.
type tableID int

const (
	tUsers tableID = iota
	tUsermeta
	tLookup
	tTokens
	tTokenmeta
	tPosts
	tPostmeta
	tOrders
	tAddresses
	tOperational
	tOrdersMeta
	tItems
	tItemmeta
	tOrderStats
	tProductLookup
	tTaxLookup
	tProductMeta
	tTaxRates
	tComments
	numTables
)

// tableDefs names each table (without the prefix) and the columns its rows
// fill, in row order. Auto-increment ids of meta rows are left to the
// database: nothing refers to them.
var tableDefs = [numTables]struct{ name, columns string }{
	tUsers:       {"users", "ID, user_login, user_pass, user_nicename, user_email, user_url, user_registered, user_activation_key, user_status, display_name"},
	tUsermeta:    {"usermeta", "user_id, meta_key, meta_value"},
	tLookup:      {"wc_customer_lookup", "customer_id, user_id, username, first_name, last_name, email, date_last_active, date_registered, country, postcode, city, state"},
	tTokens:      {"woocommerce_payment_tokens", "token_id, gateway_id, token, user_id, type, is_default"},
	tTokenmeta:   {"woocommerce_payment_tokenmeta", "payment_token_id, meta_key, meta_value"},
	tPosts:       {"posts", "ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count"},
	tPostmeta:    {"postmeta", "post_id, meta_key, meta_value"},
	tOrders:      {"wc_orders", "id, status, currency, type, tax_amount, total_amount, customer_id, billing_email, date_created_gmt, date_updated_gmt, parent_order_id, payment_method, payment_method_title, transaction_id, ip_address, user_agent, customer_note"},
	tAddresses:   {"wc_order_addresses", "order_id, address_type, first_name, last_name, company, address_1, address_2, city, state, postcode, country, email, phone"},
	tOperational: {"wc_order_operational_data", "order_id, created_via, woocommerce_version, prices_include_tax, coupon_usages_are_counted, download_permission_granted, cart_hash, new_order_email_sent, order_key, order_stock_reduced, date_paid_gmt, date_completed_gmt, shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount, recorded_sales"},
	tOrdersMeta:  {"wc_orders_meta", "order_id, meta_key, meta_value"},
	tItems:       {"woocommerce_order_items", "order_item_id, order_item_name, order_item_type, order_id"},
	tItemmeta:    {"woocommerce_order_itemmeta", "order_item_id, meta_key, meta_value"},
	// WooCommerce's Analytics tables, as its importer fills them for the
	// orders above (Admin\API\Reports\*\DataStore::sync_order*).
	tOrderStats:    {"wc_order_stats", "order_id, parent_id, date_created, date_created_gmt, date_paid, date_completed, num_items_sold, total_sales, tax_total, shipping_total, net_total, returning_customer, status, customer_id"},
	tProductLookup: {"wc_order_product_lookup", "order_item_id, order_id, product_id, variation_id, customer_id, date_created, product_qty, product_net_revenue, product_gross_revenue, coupon_amount, tax_amount, shipping_amount, shipping_tax_amount"},
	tTaxLookup:     {"wc_order_tax_lookup", "order_id, tax_rate_id, date_created, shipping_tax, order_tax, total_tax"},
	// What the product data store keeps beside each product's meta, and
	// what wc_get_products() filters and sorts by.
	tProductMeta: {"wc_product_meta_lookup", "product_id, sku, global_unique_id, virtual, downloadable, min_price, max_price, onsale, stock_quantity, stock_status, rating_count, average_rating, total_sales, tax_status, tax_class"},
	// The shop's tax rates, which the orders' tax items name.
	tTaxRates: {"woocommerce_tax_rates", "tax_rate_id, tax_rate_country, tax_rate_state, tax_rate, tax_rate_name, tax_rate_priority, tax_rate_compound, tax_rate_shipping, tax_rate_order, tax_rate_class"},
	// Order notes: WooCommerce records each status change as a comment.
	tComments: {"comments", "comment_post_ID, comment_author, comment_author_email, comment_author_url, comment_author_IP, comment_date, comment_date_gmt, comment_content, comment_karma, comment_approved, comment_agent, comment_type, comment_parent, user_id"},
}

// wooVersion is the WooCommerce release whose storage the rows imitate:
// what 10.0.2 writes for an order placed at checkout with HPOS
// authoritative and posts kept in sync, and for a product saved in the
// admin.
const wooVersion = "10.0.2"

// Records per chunk. A chunk is one transaction: big enough that
// per-statement costs vanish, small enough that InnoDB's undo log and the
// loader's memory stay small.
const (
	customersPerChunk = 5000
	ordersPerChunk    = 2000
)

// chunk holds the rows of a run of records, as tab-separated text in the
// form LOAD DATA reads by default.
type chunk struct {
	phase       string // "customers", "orders" or "products"
	done, total int    // records of the phase generated up to this chunk
	data        [numTables][]byte
	rows        [numTables]int64
}

func (c *chunk) reset() {
	for t := range c.data {
		c.data[t] = c.data[t][:0]
		c.rows[t] = 0
	}
}

// str appends one text field. LOAD DATA's default escapes are backslash,
// tab, newline and NUL; generated text has none of them but scenario names
// or future word lists might.
func str(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == 0 {
			return append(escape(b, v), '\t')
		}
	}
	return append(append(b, v...), '\t')
}

func escape(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}

func num(b []byte, v int64) []byte { return append(strconv.AppendInt(b, v, 10), '\t') }

func money(b []byte, m Money) []byte { return append(m.append(b), '\t') }

// phpFloat is how PHP prints a float amount (strval(20.0) is "20",
// strval(3.8) is "3.8"): WooCommerce stores most order amounts that it
// computed this way, only the order total with two decimals.
func phpFloat(m Money) string {
	s := m.String()
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// sprintfF is PHP's sprintf('%f', x): six decimals, as $wpdb writes a
// float column (Analytics' amounts are doubles computed in PHP).
func sprintfF(b []byte, x float64) []byte {
	return append(strconv.AppendFloat(b, x, 'f', 6, 64), '\t')
}

// strOrNull writes NULL for "": WooCommerce keeps an empty address field
// of an HPOS order as NULL.
func strOrNull(b []byte, v string) []byte {
	if v == "" {
		return null(b)
	}
	return str(b, v)
}

func null(b []byte) []byte { return append(b, '\\', 'N', '\t') }

func datetime(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(b, time.DateTime), '\t')
}

// datetimeOrNull writes NULL for the zero time (an order not yet paid).
func datetimeOrNull(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return null(b)
	}
	return datetime(b, t)
}

// bit writes a tinyint(1) flag.
func bit(b []byte, v bool) []byte {
	if v {
		return append(b, '1', '\t')
	}
	return append(b, '0', '\t')
}

// end turns the last field's tab into the row's newline.
func end(b []byte) []byte {
	b[len(b)-1] = '\n'
	return b
}

// meta appends a row of a meta table (user, post, order, item, token).
func (c *chunk) meta(t tableID, id int64, key, value string) {
	b := num(c.data[t], id)
	b = str(b, key)
	c.data[t] = end(str(b, value))
	c.rows[t]++
}

func (c *chunk) metaBytes(t tableID, id int64, key string, value []byte) {
	b := num(c.data[t], id)
	b = str(b, key)
	b = append(b, value...) // callers pass values that need no escaping
	c.data[t] = append(b, '\n')
	c.rows[t]++
}

// unixOrEmpty is how WooCommerce's post meta holds an optional date.
func unixOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// userNicename is sanitize_title(user_login): dots become dashes.
func userNicename(login string) string { return strings.ReplaceAll(login, ".", "-") }

// phpString is a PHP-serialized string; generated values are ASCII, so
// bytes and characters agree.
func phpString(b []byte, s string) []byte {
	b = append(b, "s:"...)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':', '"')
	b = append(b, s...)
	return append(b, '"', ';')
}

// taxArray is the serialized {rate id: amount} map WooCommerce keeps in
// _line_tax_data and a shipping item's taxes.
func taxArray(b []byte, rateID int, amount Money) []byte {
	b = append(b, "a:1:{i:"...)
	b = strconv.AppendInt(b, int64(rateID), 10)
	b = append(b, ';')
	b = phpString(b, amount.String())
	return append(b, '}')
}

func (d *Dataset) addCustomer(c *chunk, cu Customer) {
	p := d.spec.TablePrefix
	b := num(c.data[tUsers], cu.UserID)
	b = str(b, cu.Login)
	b = str(b, cu.PasswordHash(d.spec.PasswordCost))
	b = str(b, userNicename(cu.Login))
	b = str(b, cu.Email)
	b = str(b, "")
	b = datetime(b, cu.Registered)
	b = str(b, "")
	b = num(b, 0)
	c.data[tUsers] = end(str(b, cu.FirstName+" "+cu.LastName))
	c.rows[tUsers]++

	id := cu.UserID
	c.meta(tUsermeta, id, "nickname", cu.Login)
	c.meta(tUsermeta, id, "first_name", cu.FirstName)
	c.meta(tUsermeta, id, "last_name", cu.LastName)
	c.meta(tUsermeta, id, p+"capabilities", `a:1:{s:8:"customer";b:1;}`)
	c.meta(tUsermeta, id, p+"user_level", "0")
	for i, v := range cu.Billing.billingFields() {
		c.meta(tUsermeta, id, "billing_"+billingKeys[i], v)
	}
	for i, v := range cu.Shipping.shippingFields() {
		c.meta(tUsermeta, id, "shipping_"+shippingKeys[i], v)
	}
	paying := "0"
	if d.paying[cu.Index] {
		paying = "1"
	}
	c.meta(tUsermeta, id, "paying_customer", paying)
	active := cu.Registered
	if t := d.lastActive[cu.Index]; t != 0 {
		active = time.Unix(t, 0).UTC()
	}
	c.meta(tUsermeta, id, "last_update", strconv.FormatInt(active.Unix(), 10))
	// WooCommerce keeps the day of the last activity.
	c.meta(tUsermeta, id, "wc_last_active", strconv.FormatInt(active.Truncate(24*time.Hour).Unix(), 10))

	b = num(c.data[tLookup], cu.CustomerID)
	b = num(b, cu.UserID)
	b = str(b, cu.Login)
	b = str(b, cu.FirstName)
	b = str(b, cu.LastName)
	b = str(b, cu.Email)
	b = datetime(b, active.Truncate(24*time.Hour)) // WooCommerce keeps the day
	b = datetime(b, cu.Registered)
	b = str(b, cu.Billing.Country)
	b = str(b, cu.Billing.Postcode)
	b = str(b, cu.Billing.City)
	c.data[tLookup] = end(str(b, cu.Billing.State))
	c.rows[tLookup]++

	for _, card := range cu.Cards {
		b = num(c.data[tTokens], card.TokenID)
		b = str(b, card.Gateway)
		b = str(b, card.Token)
		b = num(b, cu.UserID)
		b = str(b, "CC")
		c.data[tTokens] = end(bit(b, card.Default))
		c.rows[tTokens]++
		c.meta(tTokenmeta, card.TokenID, "card_type", card.Brand)
		c.meta(tTokenmeta, card.TokenID, "last4", card.Last4)
		c.meta(tTokenmeta, card.TokenID, "expiry_year", strconv.Itoa(card.ExpYear))
		c.meta(tTokenmeta, card.TokenID, "expiry_month", fmt.Sprintf("%02d", card.ExpMonth))
	}
}

// post appends a wp_posts row.
func (c *chunk) post(id, author int64, created, modified time.Time, content, title, excerpt, status, comments, password, name, postType string, commentCount int) {
	b := num(c.data[tPosts], id)
	b = num(b, author)
	b = datetime(b, created)
	b = datetime(b, created) // the site's time zone is UTC
	b = str(b, content)
	b = str(b, title)
	b = str(b, excerpt)
	b = str(b, status)
	b = str(b, comments)
	b = str(b, "closed")
	b = str(b, password)
	b = str(b, name)
	b = str(b, "")
	b = str(b, "")
	b = datetime(b, modified)
	b = datetime(b, modified)
	b = str(b, "")
	b = num(b, 0)
	b = str(b, "")
	b = num(b, 0)
	b = str(b, postType)
	b = str(b, "")
	c.data[tPosts] = end(num(b, int64(commentCount)))
	c.rows[tPosts]++
}

// productSlug is sanitize_title of the product's name; WordPress keeps
// slugs unique by numbering repeats, and so does seen.
func productSlug(name string, seen map[string]int) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
			dash = false
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	slug := strings.TrimSuffix(b.String(), "-")
	seen[slug]++
	if n := seen[slug]; n > 1 {
		slug += "-" + strconv.Itoa(n)
	}
	return slug
}

func (d *Dataset) addProduct(c *chunk, p Product, sales int64, seen map[string]int) {
	// Saved in the admin by the administrator (user 1).
	c.post(p.ID, 1, p.Created, p.Created, "", p.Name, "", "publish", "open", "", productSlug(p.Name, seen), "product", 0)
	// The meta WooCommerce 10.0.2's product data store writes for a simple
	// product, in its order; _stock is NULL for unmanaged stock.
	pm := func(k, v string) { c.meta(tPostmeta, p.ID, k, v) }
	pm("_sku", p.SKU)
	pm("_regular_price", p.Price.String())
	pm("total_sales", strconv.FormatInt(sales, 10))
	pm("_tax_status", "taxable")
	pm("_tax_class", "")
	pm("_manage_stock", "no")
	pm("_backorders", "no")
	pm("_sold_individually", "no")
	pm("_virtual", "no")
	pm("_downloadable", "no")
	pm("_download_limit", "-1")
	pm("_download_expiry", "-1")
	b := num(c.data[tPostmeta], p.ID)
	b = str(b, "_stock")
	c.data[tPostmeta] = end(null(b))
	c.rows[tPostmeta]++
	pm("_stock_status", "instock")
	pm("_wc_average_rating", "0")
	pm("_wc_review_count", "0")
	pm("_product_version", wooVersion)
	pm("_price", p.Price.String())

	b = num(c.data[tProductMeta], p.ID)
	b = str(b, p.SKU)
	b = str(b, "")
	b = bit(b, false)
	b = bit(b, false)
	b = money(b, p.Price)
	b = money(b, p.Price)
	b = bit(b, false)
	b = null(b)
	b = str(b, "instock")
	b = num(b, 0)
	b = str(b, "0.00")
	b = num(b, sales)
	b = str(b, "taxable")
	c.data[tProductMeta] = end(str(b, ""))
	c.rows[tProductMeta]++
}

// addTaxRates writes one standard rate per country, on the whole country
// and on shipping, as WC_Tax::_insert_tax_rate stores it ("20.0000").
func addTaxRates(c *chunk) {
	for i, ctry := range countries {
		b := num(c.data[tTaxRates], int64(ctry.taxRateID))
		b = str(b, ctry.code)
		b = str(b, "")
		b = str(b, Money(ctry.taxBP).String()+"00")
		b = str(b, ctry.taxLabel)
		b = num(b, 1)
		b = num(b, 0)
		b = num(b, 1)
		b = num(b, int64(i))
		c.data[tTaxRates] = end(str(b, ""))
		c.rows[tTaxRates]++
	}
}

// TableRows is how many rows a dataset puts in one table.
type TableRows struct {
	Table string `json:"table"` // without the prefix
	Rows  int64  `json:"rows"`
}

// generation is the result of one pass over the dataset.
type generation struct {
	digest string
	rows   [numTables]int64
}

// generate produces the dataset's rows chunk by chunk: customers, then
// orders, then products (whose total_sales the orders decide). emit gets
// each chunk and may keep it until it calls release; get hands out an
// empty chunk.
func (d *Dataset) generate(ctx context.Context, get func(context.Context) (*chunk, error), emit func(*chunk) error) (generation, error) {
	var hashes [numTables]hash.Hash
	for t := range hashes {
		hashes[t] = sha256.New()
	}
	var gen generation
	send := func(c *chunk) error {
		for t := range c.data {
			hashes[t].Write(c.data[t])
			gen.rows[t] += c.rows[t]
		}
		return emit(c)
	}
	n := d.spec.Customers
	for from := 0; from < n; from += customersPerChunk {
		c, err := get(ctx)
		if err != nil {
			return gen, err
		}
		to := min(from+customersPerChunk, n)
		c.phase, c.done, c.total = "customers", to, n
		for i := from; i < to; i++ {
			d.addCustomer(c, d.Customer(i))
		}
		if err := send(c); err != nil {
			return gen, err
		}
	}
	sales := make([]int64, d.spec.Products)
	n = d.spec.Orders
	for from := 0; from < n; from += ordersPerChunk {
		c, err := get(ctx)
		if err != nil {
			return gen, err
		}
		to := min(from+ordersPerChunk, n)
		c.phase, c.done, c.total = "orders", to, n
		for k := from; k < to; k++ {
			o := d.Order(k)
			for _, li := range o.Items {
				sales[li.ProductID-firstProductPostID] += int64(li.Qty)
			}
			d.addOrder(c, o)
		}
		if err := send(c); err != nil {
			return gen, err
		}
	}
	c, err := get(ctx)
	if err != nil {
		return gen, err
	}
	c.phase, c.done, c.total = "products", d.spec.Products, d.spec.Products
	seen := map[string]int{}
	for i := range d.spec.Products {
		d.addProduct(c, d.products[i], sales[i], seen)
	}
	addTaxRates(c)
	if err := send(c); err != nil {
		return gen, err
	}

	// The digest covers every table's rows in a fixed order; it does not
	// depend on how the rows were cut into chunks.
	all := sha256.New()
	for t := range hashes {
		fmt.Fprintf(all, "%s %x %d\n", tableDefs[t].name, hashes[t].Sum(nil), gen.rows[t])
	}
	gen.digest = hex.EncodeToString(all.Sum(nil))
	return gen, nil
}

// Digest generates the whole dataset without loading it and returns the
// SHA-256 that its Manifest records. Equal Specs give equal digests on
// every machine.
func (d *Dataset) Digest(ctx context.Context) (string, error) {
	c := new(chunk)
	gen, err := d.generate(ctx,
		func(ctx context.Context) (*chunk, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c.reset()
			return c, nil
		},
		func(*chunk) error { return nil })
	return gen.digest, err
}

// WriteTSV generates the dataset and hands every chunk's rows to w, table
// by table: what a plain LOAD DATA of files would read. It exists for the
// loader's benchmark ceiling and for inspection.
func (d *Dataset) WriteTSV(ctx context.Context, w func(table string, part int, rows int64, data []byte) error) (string, error) {
	c := new(chunk)
	part := 0
	gen, err := d.generate(ctx,
		func(ctx context.Context) (*chunk, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c.reset()
			return c, nil
		},
		func(c *chunk) error {
			for t := range c.data {
				if c.rows[t] == 0 {
					continue
				}
				if err := w(tableDefs[t].name, part, c.rows[t], c.data[t]); err != nil {
					return err
				}
			}
			part++
			return nil
		})
	return gen.digest, err
}
