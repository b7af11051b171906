// Package shopper is a shop's ordinary traffic, made over HTTP the way
// browsers make it: guests looking at the home page, categories and
// products, searching, filling carts and checking out through
// WooCommerce's Store API (cash on delivery or bank transfer); registered
// customers logging in to their account, looking at their orders, buying
// and logging out; and the administrator looking at orders, adding notes,
// completing orders and drafting a post. The detection rules' clean window
// is judged on this traffic, so it does only what real visitors do.
//
// Every visitor has a cookie jar of its own. What the visitors do is drawn
// from a seed (Plan): the same seed gives the same visits in the same
// order. Prober places one guest checkout at a fixed interval and reports
// whether it succeeded and how long it took.
package shopper

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Account is a registered customer's login.
type Account struct {
	Login     string
	Password  string
	Email     string
	FirstName string
	LastName  string
}

// Shop is the shop the visitors go to.
type Shop struct {
	URL           string
	AdminUser     string
	AdminPassword string
	// Customers are the logins customer visits use; without any, customer
	// visits buy as guests.
	Customers []Account
	// NoStore says WooCommerce's code is not running (a stack in schema
	// mode): visitors then only read the site and search it, and the
	// administrator only drafts posts; no cart, account or order step runs.
	NoStore bool
}

type config struct {
	seed     uint64
	rate     float64
	shoppers int
	timeout  time.Duration
}

// Option tunes a Simulator.
type Option func(*config)

// WithSeed sets the seed the visits are drawn from (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithRate caps the requests per second of all visitors together
// (default 1, a small shop's steady traffic, which a stack on a busy
// 2-core machine still serves); 0 or less means as fast as the shop
// answers.
func WithRate(perSecond float64) Option { return func(c *config) { c.rate = perSecond } }

// WithShoppers sets how many visitors are in the shop at once (default 2).
func WithShoppers(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.shoppers = n
		}
	}
}

// WithRequestTimeout bounds each request (default 60 s).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

func newConfig(opts []Option) config {
	c := config{seed: 1, rate: 1, shoppers: 2, timeout: 60 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Stats counts what the visitors did. Errors are requests that got no
// answer or an answer of 400 and above (a real visitor asks only for what
// the shop offers), plus answers that were not what the step needs (a
// login that did not log in).
type Stats struct {
	Visits    int         `json:"visits"`
	Requests  int         `json:"requests"`
	Errors    int         `json:"errors"`
	Statuses  map[int]int `json:"statuses"`
	Checkouts int         `json:"checkouts"` // orders placed
	// CheckoutsFailed are checkouts attempted that placed no order.
	CheckoutsFailed int            `json:"checkouts_failed"`
	Steps           map[string]int `json:"steps"`
	// Problems are the first errors, for the operator (at most 20).
	Problems []string `json:"problems,omitempty"`
	Elapsed  float64  `json:"elapsed_s"`
}

// Blocked is the number of requests answered 403 (what a WAF in block
// mode answers).
func (s Stats) Blocked() int { return s.Statuses[403] }

// String is a one-line summary.
func (s Stats) String() string {
	codes := make([]int, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	st := ""
	for _, c := range codes {
		st += fmt.Sprintf(" %d×%d", s.Statuses[c], c)
	}
	return fmt.Sprintf("%d visits, %d requests (%s ), %d errors, %d orders placed, %d checkouts failed", s.Visits, s.Requests, st, s.Errors, s.Checkouts, s.CheckoutsFailed)
}

type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) request(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Requests++
	if status > 0 {
		c.s.Statuses[status]++
	}
}

func (c *counters) problem(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Errors++
	if len(c.s.Problems) < 20 {
		c.s.Problems = append(c.s.Problems, err.Error())
	}
}

func (c *counters) step(k StepKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Steps[string(k)]++
}

func (c *counters) checkout(ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		c.s.Checkouts++
	} else {
		c.s.CheckoutsFailed++
	}
}

func (c *counters) visit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Visits++
}

// pacer spaces requests evenly at the configured rate, across visitors.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if p.every <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Simulator sends a shop's visitors to it until stopped.
type Simulator struct {
	shop  Shop
	cfg   config
	pace  *pacer
	stats counters
	cat   catalogue
	// staff is the administrator's browser while Run goes on.
	staff *staff
}

// staff is the administrator during Run: one person in one browser, who
// logs in once at the start of the day and stays logged in, as shop staff
// do. Logging in and out on every visit would also race any other login
// of the same account: WordPress rewrites a user's session list on every
// login, and of two logins at the same moment one session is lost.
type staff struct {
	mu sync.Mutex
	b  *browser
	in bool // logged in
}

// New prepares visitors for shop.
func New(shop Shop, opts ...Option) *Simulator {
	cfg := newConfig(opts)
	p := &pacer{}
	if cfg.rate > 0 {
		p.every = time.Duration(float64(time.Second) / cfg.rate)
	}
	s := &Simulator{shop: shop, cfg: cfg, pace: p}
	s.stats.s = Stats{Statuses: map[int]int{}, Steps: map[string]int{}}
	return s
}

// Stats returns the counts so far.
func (s *Simulator) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.s
	out.Statuses = make(map[int]int, len(s.stats.s.Statuses))
	for k, v := range s.stats.s.Statuses {
		out.Statuses[k] = v
	}
	out.Steps = make(map[string]int, len(s.stats.s.Steps))
	for k, v := range s.stats.s.Steps {
		out.Steps[k] = v
	}
	out.Problems = append([]string(nil), s.stats.s.Problems...)
	return out
}

// Run sends visitors until ctx ends and returns the counts. A request in
// flight is let finish (within the request timeout) rather than cut off:
// a checkout torn off half-way leaves an order the next reset has to
// account for. Visitors' errors are counted in the Stats, not returned:
// a shop that fails a visitor is what the counts are for.
func (s *Simulator) Run(ctx context.Context) Stats {
	start := time.Now()
	if s.shop.AdminUser != "" {
		s.staff = &staff{b: s.newBrowser(ctx)}
		s.stats.step(StepAdminLogin)
		if err := s.staff.b.adminLogin(); err != nil && !errors.Is(err, errStopped) {
			s.stats.problem(fmt.Errorf("%s: %w", StepAdminLogin, err))
		} else {
			s.staff.in = err == nil
		}
	}
	var wg sync.WaitGroup
	for lane := 0; lane < s.cfg.shoppers; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPlanner(s.cfg.seed, lane)
			for ctx.Err() == nil {
				_ = s.visit(ctx, p.next()) // counted in the Stats
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	st.Elapsed = time.Since(start).Seconds()
	return st
}

// RunVisits runs the given visits one after another and returns the first
// error a visit ended with (tests and benchmarks drive exact plans).
func (s *Simulator) RunVisits(ctx context.Context, visits []Visit) error {
	var first error
	for _, v := range visits {
		if err := s.visit(ctx, v); err != nil && first == nil {
			first = fmt.Errorf("%s visit: %w", v.Kind, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return first
}

// storeless are the steps a site without WooCommerce's code can serve.
var storeless = map[StepKind]bool{StepHome: true, StepSearch: true, StepAdminLogin: true, StepAdminDash: true, StepAdminDraft: true, StepAdminLogout: true}

// errStopped ends a visit when the simulator is stopped between requests.
var errStopped = errors.New("stopped")

func (s *Simulator) visit(ctx context.Context, v Visit) error {
	s.stats.visit()
	b := s.newBrowser(ctx)
	kind := v.Kind
	if kind == VisitAdmin && s.staff != nil {
		s.staff.mu.Lock()
		defer s.staff.mu.Unlock()
		b = s.staff.b
		b.ctx = ctx
	}
	var acct *Account
	if kind == VisitCustomer {
		if len(s.shop.Customers) == 0 {
			kind = VisitGuestBuy
		} else {
			a := s.shop.Customers[int(v.Pick%uint32(len(s.shop.Customers)))]
			acct = &a
		}
	}
	for _, st := range v.Steps {
		if kind != VisitCustomer && (st.Kind == StepLogin || st.Kind == StepLogout || st.Kind == StepAccountOrders) {
			continue
		}
		if s.shop.NoStore && !storeless[st.Kind] {
			continue
		}
		if b.staff() && (st.Kind == StepAdminLogout || (st.Kind == StepAdminLogin && s.staff.in)) {
			continue
		}
		err := b.step(st, acct)
		if errors.Is(err, errStopped) {
			return nil
		}
		s.stats.step(st.Kind)
		if b.staff() {
			// A failed step may be a session the response destroyed:
			// the next visit logs in again.
			s.staff.in = err == nil
		}
		if err != nil {
			s.stats.problem(fmt.Errorf("%s: %w", st.Kind, err))
			return err
		}
	}
	return nil
}

// Shop is the shop the visitors go to.
func (s *Simulator) Shop() Shop { return s.shop }

// Rate is the pace the shoppers keep, in requests per second (0: unpaced).
func (s *Simulator) Rate() float64 { return s.cfg.rate }

// staff reports whether b is the administrator's long-lived browser.
func (b *browser) staff() bool { return b.sim.staff != nil && b == b.sim.staff.b }
