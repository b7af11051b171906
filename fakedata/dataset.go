package fakedata

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

// Where the dataset's rows go. The ids are fixed rather than taken from
// AUTO_INCREMENT so that the same Spec gives the same rows on every stack;
// the loader refuses a stack that already uses any of them.
const (
	firstUserID        = 1000 // WordPress's administrator is user 1
	firstProductPostID = 1000 // WordPress's install makes posts 1 to 3
	lastProductPostID  = 9999
	firstOrderID       = 10000 // orders are posts too: wc_orders.id = wp_posts.ID
	firstItemID        = 1
	firstTokenID       = 1
	firstLookupID      = 1
)

// Generator names the code that turns a Spec into rows; a change that
// alters any row must change it, so that manifests of different data never
// look alike.
const Generator = "breachdrill-fakedata/2 gofakeit/v7.18.2"

// Money is an amount in cents; WooCommerce stores it as a decimal string.
type Money int64

// String formats m the way WooCommerce stores amounts: "12.34".
func (m Money) String() string { return string(m.append(nil)) }

// float is the amount as PHP's floatval reads its decimal string.
func (m Money) float() float64 { return float64(m) / 100 }

func (m Money) append(b []byte) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, int64(m/100), 10)
	c := m % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// taxOf is the tax on an amount at a rate in basis points, rounded half up
// to the cent as WooCommerce rounds at the line level.
func taxOf(amount Money, bp int64) Money { return Money((int64(amount)*bp + 5000) / 10000) }

// Customer is a WordPress user with the role customer and a WooCommerce
// profile.
type Customer struct {
	Index      int       `json:"index"`
	UserID     int64     `json:"user_id"`
	CustomerID int64     `json:"customer_id"` // wc_customer_lookup.customer_id
	Login      string    `json:"login"`
	Email      string    `json:"email"`
	FirstName  string    `json:"first_name"`
	LastName   string    `json:"last_name"`
	Password   string    `json:"-"` // the plaintext, for scenarios that log in as the customer
	Registered time.Time `json:"registered"`
	Billing    Address   `json:"billing"`
	Shipping   Address   `json:"shipping"`
	Cards      []Card    `json:"cards"`
	// Canary is the customer's canary marker ("" for an ordinary customer).
	Canary    string `json:"canary,omitempty"`
	ip        string
	userAgent string
	salt      [6]byte
}

// PasswordHash is the phpass portable hash of the customer's password, as
// wp_users.user_pass holds it.
func (c Customer) PasswordHash(cost int) string { return PortableHash(c.Password, c.salt, cost) }

// Product is a simple WooCommerce product.
type Product struct {
	Index   int       `json:"index"`
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	SKU     string    `json:"sku"`
	Price   Money     `json:"price"`
	Created time.Time `json:"created"`
}

// Order statuses as WooCommerce stores them, with how often each occurs.
var (
	statuses       = []string{"wc-completed", "wc-processing", "wc-on-hold", "wc-pending", "wc-cancelled", "wc-refunded", "wc-failed"}
	statusWeights  = weighted{62, 10, 4, 3, 8, 6, 7}
	itemWeights    = weighted{45, 27, 15, 8, 5} // 1 to 5 line items
	quantityWeight = weighted{70, 20, 10}       // 1 to 3 of a product
)

// countsInAnalytics reports whether WooCommerce's Analytics count an order
// of this status (the default woocommerce_excluded_report_order_statuses
// are pending, failed and cancelled).
func countsInAnalytics(status string) bool {
	return status != "wc-pending" && status != "wc-failed" && status != "wc-cancelled"
}

func isPaid(status string) bool {
	return status == "wc-completed" || status == "wc-processing" || status == "wc-refunded"
}

// LineItem is one product line of an order.
type LineItem struct {
	ItemID      int64  `json:"item_id"`
	ProductID   int64  `json:"product_id"`
	Name        string `json:"name"`
	Qty         int    `json:"qty"`
	Subtotal    Money  `json:"subtotal"`
	SubtotalTax Money  `json:"subtotal_tax"`
	Total       Money  `json:"total"`
	Tax         Money  `json:"tax"`
}

// ShippingLine is an order's shipping item.
type ShippingLine struct {
	ItemID     int64  `json:"item_id"`
	Name       string `json:"name"`
	MethodID   string `json:"method_id"`
	InstanceID int    `json:"instance_id"`
	Cost       Money  `json:"cost"`
	Tax        Money  `json:"tax"`
}

// Order is one shop order, as both of WooCommerce's storages hold it.
type Order struct {
	Index          int   `json:"index"`
	ID             int64 `json:"id"`
	CustomerIndex  int   `json:"customer_index"`
	CustomerUserID int64 `json:"customer_user_id"`
	CustomerID     int64 `json:"customer_id"` // wc_customer_lookup.customer_id, Analytics' customer
	// Returning is wc_order_stats.returning_customer (see isReturning).
	Returning          bool         `json:"returning"`
	Status             string       `json:"status"`
	Currency           string       `json:"currency"`
	Key                string       `json:"order_key"`
	CartHash           string       `json:"cart_hash"`
	Created            time.Time    `json:"created"`
	Updated            time.Time    `json:"updated"`
	Paid               time.Time    `json:"paid"`      // zero when unpaid
	Completed          time.Time    `json:"completed"` // zero when not completed
	PaymentMethod      string       `json:"payment_method"`
	PaymentMethodTitle string       `json:"payment_method_title"`
	TransactionID      string       `json:"transaction_id"`
	IP                 string       `json:"ip"`
	UserAgent          string       `json:"user_agent"`
	Note               string       `json:"note"`
	Billing            Address      `json:"billing"`
	Shipping           Address      `json:"shipping"`
	Items              []LineItem   `json:"items"`
	ShippingLine       ShippingLine `json:"shipping_line"`
	TaxItemID          int64        `json:"tax_item_id"` // the order's tax item, after its shipping item
	TaxRateID          int          `json:"tax_rate_id"`
	TaxLabel           string       `json:"tax_label"`
	TaxRateCode        string       `json:"tax_rate_code"`
	TaxRatePercent     string       `json:"tax_rate_percent"`
	ItemsTotal         Money        `json:"items_total"`
	ItemsTax           Money        `json:"items_tax"`
	Total              Money        `json:"total"`
	StockReduced       bool         `json:"stock_reduced"`
}

// emailSent is whether WooCommerce has sent the new-order e-mail: at
// checkout, unless the payment is still pending or failed.
func (o Order) emailSent() bool { return o.Status != "wc-pending" && o.Status != "wc-failed" }

// orderNote is one note WooCommerce keeps on an order.
type orderNote struct {
	at   time.Time
	text string
}

// statusNames are WooCommerce's names of order statuses
// (wc_get_order_statuses), as its status-change notes use them.
var statusNames = map[string]string{
	"wc-pending": "Pending payment", "wc-processing": "Processing", "wc-on-hold": "On hold", "wc-completed": "Completed",
	"wc-cancelled": "Cancelled", "wc-refunded": "Refunded", "wc-failed": "Failed",
}

// notes are the status-change notes WooCommerce writes on the way from
// checkout (pending) to the order's status: payment takes it to
// processing, fulfilment to completed, and so on; an unpaid order is
// cancelled by WooCommerce's hold-stock timer.
func (o Order) notes() []orderNote {
	change := func(at time.Time, from, to string) orderNote {
		return orderNote{at, "Order status changed from " + statusNames[from] + " to " + statusNames[to] + "."}
	}
	switch o.Status {
	case "wc-processing":
		return []orderNote{change(o.Paid, "wc-pending", "wc-processing")}
	case "wc-completed":
		return []orderNote{change(o.Paid, "wc-pending", "wc-processing"), change(o.Completed, "wc-processing", "wc-completed")}
	case "wc-refunded":
		return []orderNote{change(o.Paid, "wc-pending", "wc-processing"), change(o.Completed, "wc-processing", "wc-completed"),
			change(o.Updated, "wc-completed", "wc-refunded")}
	case "wc-cancelled":
		n := change(o.Updated, "wc-pending", "wc-cancelled")
		n.text = "Unpaid order cancelled - time limit reached. " + n.text
		return []orderNote{n}
	case "wc-on-hold", "wc-failed":
		return []orderNote{change(o.Updated, "wc-pending", o.Status)}
	}
	return nil
}

// Tax is the order's whole tax: its items' and its shipping's.
func (o Order) Tax() Money { return o.ItemsTax + o.ShippingLine.Tax }

// Dataset is the data one Spec describes. It holds only what cannot be
// recomputed per record (which customers are canaries, where each
// customer's cards and each order's items start); records are generated
// on demand.
type Dataset struct {
	spec Spec

	orderStart, regStart time.Time
	orderSpan, regSpan   int64 // seconds

	products    []Product
	canaryIndex []int    // customer indices of canaries, ascending
	canaryToken []string // canary marker of canaryIndex[i]
	tokenStart  []int64  // first token id of customer i; len Customers+1
	itemStart   []uint32 // offset of order k's first item from firstItemID; len Orders+1 (at most 30M, fits)
	paying      []bool   // customer i has a paid order
	returning   []uint64 // bit k: order k's customer has an earlier order Analytics count
	counted     []bool   // customer i has an order Analytics count
	lastActive  []int64  // unix time of customer i's last order, 0 if none
}

// New checks spec and prepares its dataset. It costs a few draws per
// record (to lay out ids and per-customer totals), not the records
// themselves.
func New(spec Spec) (*Dataset, error) {
	spec, err := spec.Normalize()
	if err != nil {
		return nil, err
	}
	d := &Dataset{spec: spec}
	d.orderStart = spec.Anchor.AddDate(0, -18, 0)
	d.regStart = spec.Anchor.AddDate(0, -24, 0)
	d.orderSpan = int64(spec.Anchor.Sub(d.orderStart) / time.Second)
	d.regSpan = int64(spec.Anchor.Sub(d.regStart) / time.Second)
	d.pickCanaries()
	d.products = make([]Product, spec.Products)
	for i := range d.products {
		d.products[i] = d.product(i)
	}

	d.tokenStart = make([]int64, spec.Customers+1)
	d.tokenStart[0] = firstTokenID
	for i := range spec.Customers {
		d.tokenStart[i+1] = d.tokenStart[i] + int64(cardCount(stream(spec.Seed, kindCards, i)))
	}
	d.itemStart = make([]uint32, spec.Orders+1)
	d.paying = make([]bool, spec.Customers)
	d.lastActive = make([]int64, spec.Customers)
	d.returning = make([]uint64, (spec.Orders+63)/64)
	d.counted = make([]bool, spec.Customers)
	for k := range spec.Orders {
		sk := d.orderSkeleton(stream(spec.Seed, kindOrder, k), k)
		d.itemStart[k+1] = d.itemStart[k] + uint32(sk.items) + 2 // +2: the shipping and the tax item
		if isPaid(sk.status) {
			d.paying[sk.customer] = true
		}
		// Orders are in date order, so "earlier" is "lower index", the
		// order WooCommerce's Analytics import walks them in.
		if d.counted[sk.customer] {
			d.returning[k/64] |= 1 << (k % 64)
		}
		if countsInAnalytics(sk.status) {
			d.counted[sk.customer] = true
		}
		d.lastActive[sk.customer] = max(d.lastActive[sk.customer], sk.created)
	}
	return d, nil
}

// Spec is the dataset's Spec with its defaults filled in.
func (d *Dataset) Spec() Spec { return d.spec }

// pickCanaries draws which customers are canaries (Floyd's sampling, so
// the draw count does not depend on collisions) and their markers.
func (d *Dataset) pickCanaries() {
	n, total := canaryCount(d.spec.Customers, d.spec.CanaryShare), d.spec.Customers
	f := stream(d.spec.Seed, kindCanary, -1)
	chosen := make(map[int]bool, n)
	for j := total - n; j < total; j++ {
		t := f.IntN(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
	}
	d.canaryIndex = make([]int, 0, n)
	for i := range chosen {
		d.canaryIndex = append(d.canaryIndex, i)
	}
	slices.Sort(d.canaryIndex) // the map's order must not reach the data
	seen := make(map[string]bool, n)
	d.canaryToken = make([]string, n)
	for p := range d.canaryIndex {
		g := stream(d.spec.Seed, kindCanary, p)
		for {
			var b [6]byte
			for i := range b {
				b[i] = byte(g.IntN(256))
			}
			tok := hex.EncodeToString(b[:])
			if !seen[tok] {
				seen[tok] = true
				d.canaryToken[p] = tok
				break
			}
		}
	}
}

// canaryPosition is the customer's place in the canary list, or -1.
func (d *Dataset) canaryPosition(i int) int {
	p, ok := slices.BinarySearch(d.canaryIndex, i)
	if !ok {
		return -1
	}
	return p
}

// CanaryMarker is the prefix of every canary marker; the hex token after
// it names the customer.
const CanaryMarker = "canary-"

// Canary identifies one canary customer and the marker values only that
// customer has: any artifact that holds one of them holds that customer's
// record.
type Canary struct {
	Token         string `json:"token"`
	CustomerIndex int    `json:"customer_index"`
	UserID        int64  `json:"user_id"`
	CustomerID    int64  `json:"customer_id"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
	AddressLine   string `json:"address_line"`
}

// Canaries lists the canary customers in customer order.
func (d *Dataset) Canaries() []Canary {
	out := make([]Canary, len(d.canaryIndex))
	for p := range d.canaryIndex {
		out[p] = d.canaryForPosition(p)
	}
	return out
}

func int64n(f *gofakeit.Faker, n int64) int64 { return int64(f.Uint64() % uint64(n)) }

func cardCount(f *gofakeit.Faker) int { return weighted{50, 40, 10}.draw(f) }

// profile is customer i without the saved cards, which orders do not need.
func (d *Dataset) profile(i int) Customer {
	f := stream(d.spec.Seed, kindCustomer, i)
	n := int64(d.spec.Customers)
	reg := d.regStart.Unix() + (int64(i)*d.regSpan+int64n(f, d.regSpan))/n
	c := Customer{
		Index:      i,
		UserID:     firstUserID + int64(i),
		CustomerID: firstLookupID + int64(i),
		FirstName:  f.FirstName(),
		LastName:   f.LastName(),
		Registered: time.Unix(reg, 0).UTC(),
	}
	ctry := countries[countryWeights.draw(f)]
	b := Address{FirstName: c.FirstName, LastName: c.LastName, Country: ctry.code}
	if chance(f, 12) {
		b.Company = c.LastName + " " + pick(f, companySuffixes)
	}
	b.Address1, b.Address2, b.City = streetLine(f), secondLine(f), pick(f, towns)
	if ctry.states != nil {
		b.State = pick(f, ctry.states)
	}
	b.Postcode, b.Phone = ctry.postcode(f), ctry.phone(f)
	b.Email = emailLocal(f, c.FirstName, c.LastName, i+1) + "@" + pick(f, emailDomains)
	s := b
	s.Email = ""
	if chance(f, 15) { // ships elsewhere: work, family
		s.Company = ""
		s.Address1, s.Address2, s.City = streetLine(f), secondLine(f), pick(f, towns)
		if ctry.states != nil {
			s.State = pick(f, ctry.states)
		}
		s.Postcode = ctry.postcode(f)
	}
	if !chance(f, 30) {
		s.Phone = ""
	}
	c.Password = asciiLower(pick(f, streetWords)) + "-" + asciiLower(pick(f, streetWords)) + strconv.Itoa(between(f, 10, 99))
	for j := range c.salt {
		c.salt[j] = byte(f.IntN(256))
	}
	c.ip, c.userAgent = documentationIP(f), pick(f, userAgents)

	if p := d.canaryPosition(i); p >= 0 {
		cn := d.canaryForPosition(p)
		c.Canary = cn.Token
		b.Email, b.Phone, b.Address2 = cn.Email, cn.Phone, cn.AddressLine
		s = b
		s.Email = ""
	}
	c.Billing, c.Shipping = b, s
	c.Email = b.Email
	c.Login, _, _ = strings.Cut(b.Email, "@")
	return c
}

// Customer generates customer i, 0 <= i < Spec().Customers, with its
// saved cards.
func (d *Dataset) Customer(i int) Customer {
	c := d.profile(i)
	g := stream(d.spec.Seed, kindCards, i)
	n := cardCount(g)
	for j := range n {
		card := newCard(g, d.spec.Anchor)
		card.TokenID = d.tokenStart[i] + int64(j)
		card.Default = j == 0
		c.Cards = append(c.Cards, card)
	}
	return c
}

func (d *Dataset) canaryForPosition(p int) Canary {
	i := d.canaryIndex[p]
	tok := d.canaryToken[p]
	return Canary{
		Token: tok, CustomerIndex: i, UserID: firstUserID + int64(i), CustomerID: firstLookupID + int64(i),
		Email: CanaryMarker + tok + "@example.org", Phone: canaryPhone(p), AddressLine: "Unit " + CanaryMarker + tok,
	}
}

// Product returns product i, 0 <= i < Spec().Products.
func (d *Dataset) Product(i int) Product { return d.products[i] }

func (d *Dataset) product(i int) Product {
	f := stream(d.spec.Seed, kindProduct, i)
	cents := pick(f, []int64{0, 50, 95, 99})
	return Product{
		Index:   i,
		ID:      firstProductPostID + int64(i),
		Name:    f.ProductName(),
		SKU:     "BD-" + leftPad(strconv.Itoa(i+1), 5),
		Price:   Money(int64(between(f, 4, 249))*100 + cents),
		Created: d.regStart.Add(time.Duration(int64n(f, 180*24*3600)) * time.Second),
	}
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// orderSkeleton is the part of an order New needs for every order: the
// first draws of the order's stream, so Order repeats them exactly.
type orderSkeleton struct {
	created  int64 // unix seconds
	customer int
	status   string
	items    int
}

func (d *Dataset) orderSkeleton(f *gofakeit.Faker, k int) orderSkeleton {
	n := int64(d.spec.Orders)
	// Orders are spread evenly and in id order over the 18 months, each
	// at a random moment of its own slot.
	created := d.orderStart.Unix() + (int64(k)*d.orderSpan+int64n(f, d.orderSpan))/n
	// Only customers registered by then can order: customer i registers
	// within slot i of the 24 months, so the first c have.
	c := int((created - d.regStart.Unix()) * int64(d.spec.Customers) / d.regSpan)
	c = min(max(c, 1), d.spec.Customers)
	return orderSkeleton{
		created:  created,
		customer: f.IntN(c),
		status:   statuses[statusWeights.draw(f)],
		items:    itemWeights.draw(f) + 1,
	}
}

// isReturning is the returning_customer flag WooCommerce's Analytics keep
// for order k (OrdersStatsDataStore::is_returning_customer, as it settles
// once every order is synced): an order Analytics count is returning when
// its customer has an earlier one; an order they leave out (pending,
// failed, cancelled) when its customer has any.
func (d *Dataset) isReturning(k int, sk orderSkeleton) bool {
	if !countsInAnalytics(sk.status) {
		return d.counted[sk.customer]
	}
	return d.returning[k/64]&(1<<(k%64)) != 0
}

// Order generates order k, 0 <= k < Spec().Orders.
func (d *Dataset) Order(k int) Order {
	f := stream(d.spec.Seed, kindOrder, k)
	sk := d.orderSkeleton(f, k)
	cust := d.profile(sk.customer)
	ctry := countryByCode(cust.Billing.Country)
	o := Order{
		Index:          k,
		ID:             firstOrderID + int64(k),
		CustomerIndex:  sk.customer,
		CustomerUserID: cust.UserID,
		CustomerID:     cust.CustomerID,
		Returning:      d.isReturning(k, sk),
		Status:         sk.status,
		Currency:       ShopCurrency,
		Created:        time.Unix(sk.created, 0).UTC(),
		Billing:        cust.Billing,
		Shipping:       cust.Shipping,
		TaxRateID:      ctry.taxRateID,
		TaxLabel:       ctry.taxLabel,
		TaxRateCode:    ctry.rateCode(),
		TaxRatePercent: phpFloat(Money(ctry.taxBP)),
	}
	item := firstItemID + int64(d.itemStart[k])
	for range sk.items {
		a, b := f.IntN(d.spec.Products), f.IntN(d.spec.Products)
		p := d.products[min(a, b)] // popular products first
		li := LineItem{ItemID: item, ProductID: p.ID, Name: p.Name, Qty: quantityWeight.draw(f) + 1}
		item++
		li.Subtotal = p.Price * Money(li.Qty)
		li.Total = li.Subtotal
		li.SubtotalTax = taxOf(li.Subtotal, ctry.taxBP)
		li.Tax = li.SubtotalTax
		o.Items = append(o.Items, li)
		o.ItemsTotal += li.Total
		o.ItemsTax += li.Tax
	}
	o.ShippingLine = ShippingLine{ItemID: item, Name: "Flat rate", MethodID: "flat_rate", InstanceID: 1, Cost: Money(ctry.shipping)}
	if o.ItemsTotal >= 10000 {
		o.ShippingLine = ShippingLine{ItemID: item, Name: "Free shipping", MethodID: "free_shipping", InstanceID: 2}
	}
	o.ShippingLine.Tax = taxOf(o.ShippingLine.Cost, ctry.taxBP)
	o.TaxItemID = item + 1
	o.Total = o.ItemsTotal + o.ShippingLine.Cost + o.Tax()

	paid := isPaid(o.Status)
	switch {
	case o.Status == "wc-on-hold":
		o.PaymentMethod, o.PaymentMethodTitle = "bacs", "Direct bank transfer"
	case chance(f, 70):
		o.PaymentMethod, o.PaymentMethodTitle = "stripe", "Credit Card (Stripe)"
	default:
		o.PaymentMethod, o.PaymentMethodTitle = "ppcp-gateway", "PayPal"
	}
	o.Key = "wc_order_" + randomText(f, 13, alnum)
	o.CartHash = randomText(f, 32, "0123456789abcdef")
	end := d.spec.Anchor.Add(-time.Minute)
	clip := func(t time.Time) time.Time {
		if t.After(end) {
			return end
		}
		return t
	}
	o.Updated = o.Created
	if paid {
		o.Paid = clip(o.Created.Add(time.Duration(between(f, 30, 600)) * time.Second))
		o.Updated = o.Paid
		if o.PaymentMethod == "stripe" {
			o.TransactionID = "pi_" + randomText(f, 24, alnum)
		} else {
			o.TransactionID = randomText(f, 17, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
		}
	}
	switch o.Status {
	case "wc-completed", "wc-refunded":
		o.Completed = clip(o.Paid.Add(time.Duration(between(f, 86400, 5*86400)) * time.Second))
		o.Updated = o.Completed
		if o.Status == "wc-refunded" {
			o.Updated = clip(o.Completed.Add(time.Duration(between(f, 86400, 20*86400)) * time.Second))
		}
	case "wc-cancelled", "wc-failed":
		o.Updated = clip(o.Created.Add(time.Duration(between(f, 3600, 3*86400)) * time.Second))
	}
	o.IP, o.UserAgent = cust.ip, cust.userAgent
	if chance(f, 20) { // a phone, the office
		o.IP, o.UserAgent = documentationIP(f), pick(f, userAgents)
	}
	if chance(f, 5) {
		o.Note = pick(f, customerNotes)
	}
	o.StockReduced = paid || o.Status == "wc-on-hold"
	return o
}
