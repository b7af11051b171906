package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// checkoutResult is one guest checkout's outcome: ok with the order, or
// where it stopped.
type checkoutResult struct {
	ok     bool
	detail string
}

// guestCheckout buys one in-stock product as a guest through WooCommerce's
// Store API, the way the block checkout does (see stack-notes: Store API
// guest checkout): list products, read the cart's Nonce, add the item,
// check out. A step the shop refuses is a failed checkout, not an error;
// only a request that could not be sent is.
func guestCheckout(ctx context.Context, env *Env, payment string) (checkoutResult, error) {
	start := time.Now()
	session := "checkout-" + randomToken(8)
	const api = "/wp-json/wc/store/v1"
	fail := func(step string, r response) (checkoutResult, error) {
		return checkoutResult{detail: fmt.Sprintf("%s answered %d: %s", step, r.Status, clip.Line(string(r.Body), 160))}, nil
	}
	r, err := env.send(ctx, session, false, "GET", api+"/products?per_page=20&stock_status=instock", nil, nil, nil)
	if err != nil {
		return checkoutResult{}, err
	}
	var products []struct {
		ID          int  `json:"id"`
		Purchasable bool `json:"is_purchasable"`
		InStock     bool `json:"is_in_stock"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &products) != nil {
		return fail("GET "+api+"/products", r)
	}
	product := 0
	for _, p := range products {
		if p.Purchasable && p.InStock {
			product = p.ID
			break
		}
	}
	if product == 0 {
		return checkoutResult{detail: "the shop lists no product in stock to buy"}, nil
	}
	r, err = env.send(ctx, session, false, "GET", api+"/cart", nil, nil, nil)
	if err != nil {
		return checkoutResult{}, err
	}
	nonce := r.Header.Get("Nonce")
	if r.Status != 200 || nonce == "" {
		return fail("GET "+api+"/cart (for its Nonce)", r)
	}
	h := map[string]string{"Nonce": nonce, "Content-Type": "application/json"}
	r, err = env.send(ctx, session, false, "POST", api+"/cart/add-item", nil, fmt.Appendf(nil, `{"id":%d,"quantity":1}`, product), h)
	if err != nil {
		return checkoutResult{}, err
	}
	var cart struct {
		Items int `json:"items_count"`
	}
	// Adding what is not a product answers 200 with an empty cart.
	if r.Status/100 != 2 || json.Unmarshal(r.Body, &cart) != nil || cart.Items < 1 {
		return fail("POST "+api+"/cart/add-item", r)
	}
	addr := map[string]string{"first_name": "Probe", "last_name": "Checkout", "address_1": "1 Test Street", "city": "Berlin",
		"postcode": "10115", "country": "DE", "state": "DE-BE"}
	billing := map[string]string{"email": "checkout-probe@example.com", "phone": "+49 30 0000000"}
	for k, v := range addr {
		billing[k] = v
	}
	body, _ := json.Marshal(map[string]any{"billing_address": billing, "shipping_address": addr, "payment_method": payment})
	r, err = env.send(ctx, session, false, "POST", api+"/checkout", nil, body, h)
	if err != nil {
		return checkoutResult{}, err
	}
	var order struct {
		ID     int    `json:"order_id"`
		Status string `json:"status"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &order) != nil || order.ID == 0 {
		return fail("POST "+api+"/checkout", r)
	}
	return checkoutResult{ok: true, detail: fmt.Sprintf("order %d %s in %.1fs", order.ID, order.Status, time.Since(start).Seconds())}, nil
}
