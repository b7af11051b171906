package harness

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
)

// traffic is the shop's ordinary use through one scenario: shoppers
// browsing and buying, and the checkout probe. It runs from the baseline
// window to the end of verification and is stopped before the revert, so
// the reset does not race an order being placed.
type traffic struct {
	sr      *scenarioRun
	sim     *shopper.Simulator
	cancel  context.CancelFunc
	ctx     context.Context
	probe   *shopper.Prober
	wg      sync.WaitGroup
	started time.Time
	once    sync.Once
}

// shop is the stack as the shoppers see it.
func (r *Runner) shop() shopper.Shop {
	creds := r.stack.Credentials()
	return shopper.Shop{URL: r.stack.URL(), AdminUser: creds.AdminUser, AdminPassword: creds.AdminPassword, Customers: r.opts.Customers,
		NoStore: r.stack.Info().WooCommerceMode != containers.WooPlugin}
}

// startTraffic starts the checkout probe; shoppers follows the tour.
// The shoppers' seed is the run's plus the scenario's position, so a run
// is reproducible and scenarios differ.
func (sr *scenarioRun) startTraffic(ctx context.Context) *traffic {
	tctx, cancel := context.WithCancel(ctx)
	opts := append([]shopper.Option{shopper.WithSeed(sr.opts.ShopperSeed + uint64(sr.i))}, sr.opts.Shoppers...)
	t := &traffic{sr: sr, sim: shopper.New(sr.shop(), opts...), cancel: cancel, ctx: tctx, started: time.Now()}
	if t.sim.Shop().NoStore {
		// Without WooCommerce's code no checkout can work: there is
		// nothing to probe, and no figure is better than a 0% one.
		return t
	}
	probe := shopper.NewProber(sr.stack.URL(), shopper.WithInterval(sr.opts.CheckoutEvery))
	t.probe = probe
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		probe.Run(tctx, func(res shopper.ProbeResult) { sr.recordProbe(res, probe.Interval()) })
	}()
	return t
}

// shoppers lets the shoppers in until stop. They come after the tour, so
// that on a busy machine the tour does not queue behind them.
func (t *traffic) shoppers() {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.sim.Run(t.ctx)
	}()
}

// tour is one of each kind of visitor, start to end, before the baseline
// window: however short the window, the rules see a guest checkout, a
// customer's login and an administrator's order edit and draft.
func (t *traffic) tour(ctx context.Context) error {
	sim := shopper.New(t.sr.shop(), shopper.WithRate(0))
	start := time.Now()
	// The visitors come at once, as a shop's do: the window waits for the
	// slowest visit, not for all of them in turn.
	visits := shopper.Tour()
	errs := make([]error, len(visits))
	var wg sync.WaitGroup
	for i, v := range visits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sim.RunVisits(ctx, []shopper.Visit{v})
		}()
	}
	wg.Wait()
	t.sr.recordTraffic("tour", time.Since(start), sim.Rate(), sim.Stats())
	return errors.Join(errs...)
}

// phase probes at the start of the attack and of the response, however
// short they are.
func (t *traffic) phase(name string) {
	if t != nil && t.probe != nil && (name == "inject" || name == "respond") {
		t.probe.Kick()
	}
}

// afterContainment places one checkout right after containment was
// verified: whether the shop can still sell once the response is done.
func (t *traffic) afterContainment(ctx context.Context) {
	if t != nil && t.probe != nil {
		t.sr.recordProbe(t.probe.Once(ctx), t.probe.Interval())
	}
}

// mark records what the shoppers did so far.
func (t *traffic) mark(window string) {
	st := t.sim.Stats()
	t.sr.recordTraffic(window, time.Since(t.started), t.sim.Rate(), st)
}

// stop ends the traffic, waiting for requests in flight, and records the
// whole scenario's counts.
func (t *traffic) stop() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		t.cancel()
		t.wg.Wait()
		t.mark("scenario")
	})
}

func (sr *scenarioRun) recordProbe(res shopper.ProbeResult, every time.Duration) {
	p := timeline.CheckoutProbe{Started: res.Started.UTC(), Millis: res.Duration.Milliseconds(), OK: res.OK, OrderID: res.OrderID,
		Payment: res.Payment, IntervalSeconds: every.Seconds(), FailedAt: res.Stage, Status: res.Status,
		Error: sr.secrets.Mask(res.Err), Unreachable: res.Unreachable}
	sum := fmt.Sprintf("checkout probe: order %d placed in %.2f s (%s)", res.OrderID, res.Duration.Seconds(), res.Payment)
	if !res.OK {
		sum = fmt.Sprintf("checkout probe failed at %s after %.2f s: %s", res.Stage, res.Duration.Seconds(), p.Error)
	}
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindCheckoutProbe, Scenario: sr.s.ID, Actor: "checkout-probe", Summary: sum, Data: p})
}

func (sr *scenarioRun) recordTraffic(window string, d time.Duration, rate float64, st shopper.Stats) {
	tr := timeline.Traffic{Window: window, Seconds: d.Seconds(), RatePerSecond: rate, Visits: st.Visits, Requests: st.Requests, Errors: st.Errors,
		Orders: st.Checkouts, CheckoutsFailed: st.CheckoutsFailed, Statuses: map[string]int{}}
	for code, n := range st.Statuses {
		tr.Statuses[strconv.Itoa(code)] = n
	}
	for _, p := range st.Problems {
		tr.Problems = append(tr.Problems, sr.secrets.Mask(p))
	}
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindTraffic, Scenario: sr.s.ID, Actor: "shoppers",
		Summary: fmt.Sprintf("shoppers (%s, %.0f s, %s): %s", window, d.Seconds(), pace(rate), sr.secrets.Mask(st.String())), Data: tr})
}

func pace(rate float64) string {
	if rate <= 0 {
		return "unpaced"
	}
	return fmt.Sprintf("paced at %g requests/s", rate)
}
