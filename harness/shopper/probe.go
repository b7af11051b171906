package shopper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// ProbeResult is one probe checkout.
type ProbeResult struct {
	Started  time.Time
	Duration time.Duration
	OK       bool
	OrderID  int64
	Payment  string
	// Stage is the request that failed: catalogue, cart, add-item or
	// checkout.
	Stage  string
	Status int // its HTTP status (0: no answer)
	Err    string
	// Unreachable: no HTTP answer at all (connection refused, timeout).
	// The shop may be down because of the attack or the response, or the
	// infrastructure may have failed; the probe cannot tell which.
	Unreachable bool
}

// Prober places one guest checkout through the Store API at a fixed
// interval, as a headless storefront does (Cart-Token, no cookies): one
// product into a new cart, then checkout, cash on delivery and bank
// transfer in turn.
type Prober struct {
	base     string
	every    time.Duration
	timeout  time.Duration
	mu       sync.Mutex
	products []product
	n        int
	kick     chan struct{}
}

// ProbeOption tunes a Prober.
type ProbeOption func(*Prober)

// WithInterval sets the time between probe starts (default 5 s).
func WithInterval(d time.Duration) ProbeOption {
	return func(p *Prober) {
		if d > 0 {
			p.every = d
		}
	}
}

// WithProbeTimeout bounds each request of a probe (default 30 s); a probe
// that takes longer failed.
func WithProbeTimeout(d time.Duration) ProbeOption {
	return func(p *Prober) {
		if d > 0 {
			p.timeout = d
		}
	}
}

// NewProber prepares probes of the shop at url.
func NewProber(url string, opts ...ProbeOption) *Prober {
	p := &Prober{base: strings.TrimRight(url, "/"), every: 5 * time.Second, timeout: 30 * time.Second, kick: make(chan struct{}, 1)}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Interval is the time between probe starts.
func (p *Prober) Interval() time.Duration { return p.every }

// Run probes at once and then every interval until ctx ends, handing each
// result to report. A probe in flight when ctx ends is finished and
// reported: a checkout torn off half-way would be neither.
func (p *Prober) Run(ctx context.Context, report func(ProbeResult)) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		report(p.Once(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
			t.Reset(p.every)
		}
	}
}

// Kick has Run probe now rather than at the next tick (when a phase
// begins, so a short window still gets a probe); a kick while one is
// pending is dropped.
func (p *Prober) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Once places one probe checkout.
func (p *Prober) Once(ctx context.Context) ProbeResult {
	p.mu.Lock()
	p.n++
	pay := "cod"
	if p.n%2 == 0 {
		pay = "bacs"
	}
	n := p.n
	p.mu.Unlock()
	res := ProbeResult{Started: time.Now(), Payment: pay}
	c := newClient(p.timeout)
	c.Jar = nil // the Cart-Token is the session
	err := p.checkout(ctx, c, n, pay, &res)
	res.Duration = time.Since(res.Started)
	if err != nil {
		res.Err = err.Error()
		var se *StatusError
		if errors.As(err, &se) {
			res.Status = se.Status
		}
		var ue *unreachableError
		res.Unreachable = errors.As(err, &ue)
		return res
	}
	res.OK = true
	return res
}

func (p *Prober) checkout(ctx context.Context, c *http.Client, n int, pay string, res *ProbeResult) error {
	res.Stage = "catalogue"
	prods, err := p.catalogue(ctx, c)
	if err != nil {
		return err
	}
	prod := prods[n%len(prods)]
	res.Stage = "cart"
	r, err := send(ctx, c, p.base, request{method: http.MethodGet, path: "/wp-json/wc/store/v1/cart"}, nil, nil)
	if err != nil {
		return err
	}
	token := r.header.Get("Cart-Token")
	if token == "" {
		return fmt.Errorf("the Store API cart gave no Cart-Token")
	}
	h := map[string]string{"Cart-Token": token, "Nonce": r.header.Get("Nonce")}
	res.Stage = "add-item"
	r, err = send(ctx, c, p.base, request{method: http.MethodPost, path: "/wp-json/wc/store/v1/cart/add-item", json: map[string]any{"id": prod.id, "quantity": 1}, header: h}, nil, nil)
	if err != nil {
		return err
	}
	var cart struct {
		Items int `json:"items_count"`
	}
	if json.Unmarshal(r.body, &cart) != nil || cart.Items < 1 {
		// A product id the shop no longer sells still answers 200.
		p.mu.Lock()
		p.products = nil
		p.mu.Unlock()
		return fmt.Errorf("product %d did not go into the cart (%s)", prod.id, clip.Line(string(r.body), 120))
	}
	res.Stage = "checkout"
	o, err := placeOrder(ctx, c, p.base, h, addresses[n%len(addresses)], pay, nil, nil)
	if err != nil {
		return err
	}
	res.OrderID = o.OrderID
	res.Stage = ""
	return nil
}

// catalogue is read once and again after a product could not be added.
func (p *Prober) catalogue(ctx context.Context, c *http.Client) ([]product, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.products != nil {
		return p.products, nil
	}
	it, err := readCatalogue(ctx, c, p.base, nil, nil)
	if err != nil {
		return nil, err
	}
	p.products = it.products
	return p.products, nil
}
