package shopper

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var (
	orderEditRe   = regexp.MustCompile(`page=wc-orders(?:&amp;|&#038;|&)action=edit(?:&amp;|&#038;|&)id=(\d+)`)
	noteNonceRe   = regexp.MustCompile(`"add_order_note_nonce":"([0-9a-f]+)"`)
	markCompleteF = `admin-ajax\.php\?action=woocommerce_mark_order_status(?:&amp;|&#038;|&)status=completed(?:&amp;|&#038;|&)order_id=%d(?:&amp;|&#038;|&)_wpnonce=([0-9a-f]+)`
)

// adminLogin is the login form, as the administrator fills it in.
func (b *browser) adminLogin() error {
	if err := b.get("/wp-login.php"); err != nil {
		return err
	}
	form := url.Values{"log": {b.sim.shop.AdminUser}, "pwd": {b.sim.shop.AdminPassword}, "testcookie": {"1"},
		"redirect_to": {b.base + "/wp-admin/"}, "wp-submit": {"Log In"}}
	if _, err := b.do(request{method: http.MethodPost, path: "/wp-login.php", form: form}); err != nil {
		return err
	}
	if !strings.Contains(b.page, "wp-admin-bar") {
		return fmt.Errorf("the administrator login did not reach the dashboard")
	}
	return nil
}

// adminOrders is WooCommerce's order list (HPOS), whose rows link to each
// order and carry the "complete" buttons.
func (b *browser) adminOrders() error {
	if err := b.get("/wp-admin/admin.php?page=wc-orders"); err != nil {
		return err
	}
	b.orders = b.orders[:0]
	for _, m := range orderEditRe.FindAllStringSubmatch(b.page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		if len(b.orders) == 0 || b.orders[len(b.orders)-1] != id {
			b.orders = append(b.orders, id)
		}
	}
	if len(b.orders) == 0 {
		return fmt.Errorf("the order list shows no order")
	}
	return nil
}

// adminOrderEdit opens an order, adds a private note to it through the
// edit screen's own AJAX call and, when the order list offered it, marks
// it completed with the list's button.
func (b *browser) adminOrderEdit(pick uint32) error {
	if len(b.orders) == 0 {
		if err := b.adminOrders(); err != nil {
			return err
		}
	}
	list := b.page
	id := b.orders[int(pick%uint32(len(b.orders)))]
	complete := regexp.MustCompile(fmt.Sprintf(markCompleteF, id)).FindStringSubmatch(list)
	if err := b.get(fmt.Sprintf("/wp-admin/admin.php?page=wc-orders&action=edit&id=%d", id)); err != nil {
		return err
	}
	m := noteNonceRe.FindStringSubmatch(b.page)
	if m == nil {
		return fmt.Errorf("order %d: the edit screen has no note nonce", id)
	}
	note := url.Values{"action": {"woocommerce_add_order_note"}, "post_id": {strconv.FormatInt(id, 10)},
		"note": {"Customer called about delivery; told them it ships this week."}, "note_type": {""}, "security": {m[1]}}
	if _, err := b.do(request{method: http.MethodPost, path: "/wp-admin/admin-ajax.php", form: note}); err != nil {
		return err
	}
	if complete != nil && pick%2 == 0 {
		link := fmt.Sprintf("/wp-admin/admin-ajax.php?action=woocommerce_mark_order_status&status=completed&order_id=%d&_wpnonce=%s", id, complete[1])
		return b.get(link)
	}
	return nil
}

// adminDraft opens the block editor and saves a draft through the REST
// API with the editor's nonce, as the editor's autosave does.
func (b *browser) adminDraft(pick uint32) error {
	if err := b.get("/wp-admin/post-new.php"); err != nil {
		return err
	}
	if b.restNonce == "" {
		return fmt.Errorf("the block editor carried no REST nonce")
	}
	titles := []string{"Opening hours over the holidays", "New arrivals this week", "How we pack your orders", "Our returns policy, simplified"}
	post := map[string]any{"title": titles[int(pick%uint32(len(titles)))], "status": "draft",
		"content": "<!-- wp:paragraph --><p>Draft: " + html.EscapeString(titles[int(pick%uint32(len(titles)))]) + ". More soon.</p><!-- /wp:paragraph -->"}
	_, err := b.do(request{method: http.MethodPost, path: "/wp-json/wp/v2/posts", json: post, header: map[string]string{"X-WP-Nonce": b.restNonce}})
	return err
}
