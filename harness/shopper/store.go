package shopper

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// Address is a billing or shipping address as the Store API takes it.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Address1  string `json:"address_1"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone"`
}

// addresses are synthetic, in countries whose postcodes WooCommerce
// validates and which need no state (the Store API rejects a state code it
// does not know), with reserved e-mail domains and fictional phone ranges.
var addresses = []Address{
	{"Ada", "Lovelace", "12 Analytical Row", "London", "", "N1 9GU", "GB", "ada.lovelace@example.com", "+44 20 7946 0958"},
	{"Grace", "Hopper", "7 Compiler Lane", "Manchester", "", "M1 1AE", "GB", "grace.hopper@example.org", "+44 161 496 0321"},
	{"Edsger", "Dijkstra", "Keizersgracht 101", "Amsterdam", "", "1015 CJ", "NL", "e.dijkstra@example.net", "+31 20 555 0101"},
	{"Margaret", "Hamilton", "3 rue de l'Orbite", "Paris", "", "75011", "FR", "m.hamilton@shop.test", "+33 1 99 00 12 34"},
	{"Alan", "Kay", "Torggatan 5", "Stockholm", "", "111 51", "SE", "alan.kay@example.com", "+46 8 555 012 34"},
	{"Barbara", "Liskov", "Plantage 9", "Utrecht", "", "3511 AB", "NL", "b.liskov@example.org", "+31 30 555 0199"},
}

// addressFor is a guest's address, or a customer's name and e-mail at a
// synthetic address.
func addressFor(pick uint32, acct *Account) Address {
	a := addresses[int(pick%uint32(len(addresses)))]
	if acct != nil {
		if acct.FirstName != "" {
			a.FirstName, a.LastName = acct.FirstName, acct.LastName
		}
		if acct.Email != "" {
			a.Email = acct.Email
		}
	}
	return a
}

// Order is a placed order as the Store API confirms it.
type Order struct {
	OrderID  int64
	Status   string
	Redirect string // the thank-you page
}

// placeOrder posts the Store API checkout with the cart the cookies (or
// Cart-Token) name. Anything but an order whose payment the gateway
// accepted is an error.
func placeOrder(ctx context.Context, c *http.Client, base string, h map[string]string, addr Address, pay string, pace *pacer, count *counters) (Order, error) {
	ship := addr
	ship.Email = ""
	body := map[string]any{"billing_address": addr, "shipping_address": ship, "payment_method": pay}
	r, err := send(ctx, c, base, request{method: http.MethodPost, path: "/wp-json/wc/store/v1/checkout", json: body, header: h}, pace, count)
	if err != nil {
		return Order{}, err
	}
	var out struct {
		OrderID int64  `json:"order_id"`
		Status  string `json:"status"`
		Payment struct {
			Status   string `json:"payment_status"`
			Redirect string `json:"redirect_url"`
		} `json:"payment_result"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		return Order{}, fmt.Errorf("checkout: the answer is not the Store API's: %w (%s)", err, clip.Line(string(r.body), 120))
	}
	if out.OrderID == 0 || out.Payment.Status != "success" {
		return Order{}, fmt.Errorf("checkout: no order placed (order %d, payment %q, status %q)", out.OrderID, out.Payment.Status, out.Status)
	}
	o := Order{OrderID: out.OrderID, Status: out.Status}
	if out.Payment.Redirect != "" {
		o.Redirect = localPath(out.Payment.Redirect)
	}
	return o, nil
}
