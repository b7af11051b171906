package fakedata

import (
	"strconv"
	"strings"
	"time"
)

// An order's rows: its post and meta (the synchronised copy), its HPOS
// rows, its items, its notes and its Analytics rows.

// orderTitle is the title WooCommerce gives an order post, and its slug.
func orderTitle(t time.Time) (title, slug string) {
	title = "Order &ndash; " + t.Format("January 2, 2006 @ 03:04 PM")
	slug = "order-" + strings.ToLower(t.Format("Jan-02-2006-0304-PM"))
	return title, slug
}

func (d *Dataset) addOrder(c *chunk, o Order) {
	title, slug := orderTitle(o.Created)
	// With HPOS authoritative, the posts copy is written by WooCommerce's
	// synchroniser: no author, no password (the order key is in meta).
	notes := o.notes()
	c.post(o.ID, 0, o.Created, o.Updated, "", title, o.Note, o.Status, "open", "", slug, "shop_order", len(notes))
	for _, n := range notes {
		c.orderNote(o.ID, n)
	}

	bf, sf := o.Billing.billingFields(), o.Shipping.shippingFields()
	billIdx, shipIdx := addressIndex(bf[:]), addressIndex(sf[:])
	id := o.ID
	paid := !o.Paid.IsZero()
	// WooCommerce deletes a meta row rather than keep it empty, and writes
	// a flag only once it is set.
	pm := func(k, v string) {
		if v != "" {
			c.meta(tPostmeta, id, k, v)
		}
	}
	flag := func(k, v string, set bool) {
		if set {
			c.meta(tPostmeta, id, k, v)
		}
	}
	pm("_billing_address_index", billIdx)
	pm("_shipping_address_index", shipIdx)
	pm("_order_key", o.Key)
	pm("_customer_user", strconv.FormatInt(o.CustomerUserID, 10))
	pm("_created_via", "checkout")
	pm("_cart_hash", o.CartHash)
	flag("_download_permissions_granted", "yes", paid)
	flag("_recorded_sales", "yes", paid)
	flag("_recorded_coupon_usage_counts", "yes", true)
	flag("_new_order_email_sent", "true", o.emailSent())
	flag("_order_stock_reduced", "yes", o.StockReduced)
	pm("_billing_email", o.Billing.Email)
	pm("_order_currency", o.Currency)
	pm("_cart_discount", "0")
	pm("_cart_discount_tax", "0")
	pm("_order_shipping", phpFloat(o.ShippingLine.Cost))
	pm("_order_shipping_tax", phpFloat(o.ShippingLine.Tax))
	pm("_order_tax", phpFloat(o.ItemsTax))
	pm("_order_total", o.Total.String())
	pm("_order_version", wooVersion)
	pm("_prices_include_tax", "no")
	for i, v := range bf {
		if billingKeys[i] != "email" {
			pm("_billing_"+billingKeys[i], v)
		}
	}
	for i, v := range sf {
		pm("_shipping_"+shippingKeys[i], v)
	}
	pm("_payment_method", o.PaymentMethod)
	pm("_payment_method_title", o.PaymentMethodTitle)
	pm("_transaction_id", o.TransactionID)
	pm("_customer_ip_address", o.IP)
	pm("_customer_user_agent", o.UserAgent)
	if paid {
		pm("_date_paid", unixOrEmpty(o.Paid))
		pm("_paid_date", o.Paid.Format(time.DateTime))
	}
	if !o.Completed.IsZero() {
		pm("_date_completed", unixOrEmpty(o.Completed))
		pm("_completed_date", o.Completed.Format(time.DateTime))
	}

	b := num(c.data[tOrders], id)
	b = str(b, o.Status)
	b = str(b, o.Currency)
	b = str(b, "shop_order")
	b = money(b, o.ItemsTax) // the cart's tax; the shipping's is in operational data
	b = money(b, o.Total)
	b = num(b, o.CustomerUserID)
	b = str(b, o.Billing.Email)
	b = datetime(b, o.Created)
	b = datetime(b, o.Updated)
	b = num(b, 0)
	b = str(b, o.PaymentMethod)
	b = str(b, o.PaymentMethodTitle)
	b = str(b, o.TransactionID)
	b = str(b, o.IP)
	b = str(b, o.UserAgent)
	c.data[tOrders] = end(str(b, o.Note))
	c.rows[tOrders]++

	for _, typ := range [2]string{"billing", "shipping"} {
		a := o.Billing
		if typ == "shipping" {
			a = o.Shipping
			a.Email = "" // a shipping address has no e-mail
		}
		b = num(c.data[tAddresses], id)
		b = str(b, typ)
		b = strOrNull(b, a.FirstName)
		b = strOrNull(b, a.LastName)
		b = strOrNull(b, a.Company)
		b = strOrNull(b, a.Address1)
		b = strOrNull(b, a.Address2)
		b = strOrNull(b, a.City)
		b = strOrNull(b, a.State)
		b = strOrNull(b, a.Postcode)
		b = strOrNull(b, a.Country)
		b = strOrNull(b, a.Email)
		c.data[tAddresses] = end(strOrNull(b, a.Phone))
		c.rows[tAddresses]++
	}

	b = num(c.data[tOperational], id)
	b = str(b, "checkout")
	b = str(b, wooVersion)
	b = bit(b, false)
	b = bit(b, true)
	b = bit(b, paid)
	b = str(b, o.CartHash)
	b = bit(b, o.emailSent())
	b = str(b, o.Key)
	b = bit(b, o.StockReduced)
	b = datetimeOrNull(b, o.Paid)
	b = datetimeOrNull(b, o.Completed)
	b = money(b, o.ShippingLine.Tax)
	b = money(b, o.ShippingLine.Cost)
	b = money(b, 0)
	b = money(b, 0)
	c.data[tOperational] = end(bit(b, paid))
	c.rows[tOperational]++

	c.meta(tOrdersMeta, id, "_billing_address_index", billIdx)
	c.meta(tOrdersMeta, id, "_shipping_address_index", shipIdx)

	var scratch []byte
	var names strings.Builder
	for i, li := range o.Items {
		c.item(li.ItemID, li.Name, "line_item", id)
		im := func(k, v string) { c.meta(tItemmeta, li.ItemID, k, v) }
		im("_product_id", strconv.FormatInt(li.ProductID, 10))
		im("_variation_id", "0")
		im("_qty", strconv.Itoa(li.Qty))
		im("_tax_class", "")
		im("_line_subtotal", phpFloat(li.Subtotal))
		im("_line_subtotal_tax", phpFloat(li.SubtotalTax))
		im("_line_total", phpFloat(li.Total))
		im("_line_tax", phpFloat(li.Tax))
		scratch = append(scratch[:0], `a:2:{s:5:"total";`...)
		scratch = taxArray(scratch, o.TaxRateID, li.Tax)
		scratch = append(scratch, `s:8:"subtotal";`...)
		scratch = taxArray(scratch, o.TaxRateID, li.SubtotalTax)
		scratch = append(scratch, '}')
		c.metaBytes(tItemmeta, li.ItemID, "_line_tax_data", scratch)
		if i > 0 {
			names.WriteString(", ")
		}
		names.WriteString(li.Name)
		names.WriteString(" &times; ")
		names.WriteString(strconv.Itoa(li.Qty))
	}
	s := o.ShippingLine
	c.item(s.ItemID, s.Name, "shipping", id)
	sm := func(k, v string) { c.meta(tItemmeta, s.ItemID, k, v) }
	sm("method_id", s.MethodID)
	sm("instance_id", strconv.Itoa(s.InstanceID))
	sm("cost", s.Cost.String())
	sm("total_tax", phpFloat(s.Tax))
	scratch = append(scratch[:0], `a:1:{s:5:"total";`...)
	scratch = taxArray(scratch, o.TaxRateID, s.Tax)
	scratch = append(scratch, '}')
	c.metaBytes(tItemmeta, s.ItemID, "taxes", scratch)
	sm("Items", names.String())

	c.item(o.TaxItemID, o.TaxRateCode, "tax", id)
	tm := func(k, v string) { c.meta(tItemmeta, o.TaxItemID, k, v) }
	tm("rate_id", strconv.Itoa(o.TaxRateID))
	tm("label", o.TaxLabel)
	tm("compound", "")
	tm("tax_amount", phpFloat(o.ItemsTax))
	tm("shipping_tax_amount", phpFloat(s.Tax))
	tm("rate_percent", o.TaxRatePercent)

	d.addAnalytics(c, o)
}

// addAnalytics writes the rows WooCommerce's Analytics import writes for
// an order: Orders\Stats\DataStore::update, Products\DataStore::
// sync_order_products and Taxes\DataStore::sync_order_taxes, in the same
// arithmetic (PHP floats, printed with %f).
func (d *Dataset) addAnalytics(c *chunk, o Order) {
	qty := 0
	for _, li := range o.Items {
		qty += li.Qty
	}
	b := num(c.data[tOrderStats], o.ID)
	b = num(b, 0)
	b = datetime(b, o.Created) // the site's time zone is UTC
	b = datetime(b, o.Created)
	b = datetimeOrNull(b, o.Paid)
	b = datetimeOrNull(b, o.Completed)
	b = num(b, int64(qty))
	b = sprintfF(b, o.Total.float())
	b = sprintfF(b, o.Tax().float())
	b = sprintfF(b, o.ShippingLine.Cost.float())
	b = sprintfF(b, o.Total.float()-o.Tax().float()-o.ShippingLine.Cost.float())
	b = bit(b, o.Returning)
	b = str(b, o.Status)
	c.data[tOrderStats] = end(num(b, o.CustomerID))
	c.rows[tOrderStats]++

	// Shipping is shared out by quantity (OrderTraits::get_item_shipping_amount).
	ship, shipTax := o.ShippingLine.Cost.float(), o.ShippingLine.Tax.float()
	for _, li := range o.Items {
		net, tax := li.Total.float(), li.Tax.float()
		s := ship / float64(qty) * float64(li.Qty)
		st := shipTax / float64(qty) * float64(li.Qty)
		b = num(c.data[tProductLookup], li.ItemID)
		b = num(b, o.ID)
		b = num(b, li.ProductID)
		b = num(b, 0)
		b = num(b, o.CustomerID)
		b = datetime(b, o.Created)
		b = num(b, int64(li.Qty))
		b = sprintfF(b, net)
		b = sprintfF(b, net+tax+s+st)
		b = sprintfF(b, (li.Subtotal - li.Total).float())
		b = sprintfF(b, tax)
		b = sprintfF(b, s)
		c.data[tProductLookup] = end(sprintfF(b, st))
		c.rows[tProductLookup]++
	}

	b = num(c.data[tTaxLookup], o.ID)
	b = num(b, int64(o.TaxRateID))
	b = datetime(b, o.Created)
	b = sprintfF(b, shipTax)
	b = sprintfF(b, o.ItemsTax.float())
	c.data[tTaxLookup] = end(sprintfF(b, o.ItemsTax.float()+shipTax))
	c.rows[tTaxLookup]++
}

// orderNote is a note WooCommerce adds to an order (WC_Order::add_order_note,
// not by a user): its author is "WooCommerce", and its e-mail is
// woocommerce@ the request's host, which sanitize_email empties for a
// host without a dot such as the stack's localhost.
func (c *chunk) orderNote(order int64, n orderNote) {
	b := num(c.data[tComments], order)
	b = str(b, "WooCommerce")
	b = str(b, "")
	b = str(b, "")
	b = str(b, "")
	b = datetime(b, n.at)
	b = datetime(b, n.at)
	b = str(b, n.text)
	b = num(b, 0)
	b = str(b, "1")
	b = str(b, "WooCommerce")
	b = str(b, "order_note")
	b = num(b, 0)
	c.data[tComments] = end(num(b, 0))
	c.rows[tComments]++
}

func (c *chunk) item(id int64, name, typ string, order int64) {
	b := num(c.data[tItems], id)
	b = str(b, name)
	b = str(b, typ)
	c.data[tItems] = end(num(b, order))
	c.rows[tItems]++
}
