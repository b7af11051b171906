package timeline

import (
	"fmt"
	"sort"
	"time"
)

// Event kinds of the shop's ordinary traffic during a scenario.
const (
	KindCheckoutProbe Kind = "checkout.probe" // CheckoutProbe
	KindTraffic       Kind = "traffic"        // Traffic
)

// CheckoutProbe is one real checkout the probe placed (or failed to)
// through the Store API while the scenario ran.
type CheckoutProbe struct {
	Started         time.Time `json:"started"`
	Millis          int64     `json:"ms"`
	OK              bool      `json:"ok"`
	OrderID         int64     `json:"order_id,omitempty"`
	Payment         string    `json:"payment_method,omitempty"`
	IntervalSeconds float64   `json:"interval_s,omitempty"`
	// FailedAt is the request that failed: catalogue, cart, add-item or
	// checkout.
	FailedAt string `json:"failed_at,omitempty"`
	Status   int    `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
	// Unreachable: no HTTP answer at all. The web server was down (the
	// attack or the response stopped it) or the infrastructure failed;
	// the probe cannot tell which.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Traffic is what the shopper simulator did in a window of a scenario.
type Traffic struct {
	Window  string  `json:"window"` // tour (before the baseline window), baseline, scenario
	Seconds float64 `json:"seconds"`
	// RatePerSecond is the pace the shoppers were set to (--shopper-rate);
	// 0 is unpaced (the tour).
	RatePerSecond float64        `json:"rate_per_second"`
	Visits        int            `json:"visits"`
	Requests      int            `json:"requests"`
	Errors        int            `json:"errors"`
	Statuses      map[string]int `json:"statuses,omitempty"`
	Orders        int            `json:"orders"`
	// CheckoutsFailed are shopper checkouts that placed no order.
	CheckoutsFailed int      `json:"checkouts_failed"`
	Problems        []string `json:"problems,omitempty"`
}

// Checkout windows.
const (
	CheckoutBaseline = "baseline" // the clean window, before T0
	CheckoutAttack   = "attack"   // T0 to the start of the response
	CheckoutResponse = "response" // the start of the response to verified containment
)

// CheckoutWindow is the probe's record over one window of a scenario.
type CheckoutWindow struct {
	Window      string    `json:"window"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Seconds     float64   `json:"seconds"`
	Probes      int       `json:"probes"`
	Succeeded   int       `json:"succeeded"`
	Failed      int       `json:"failed"`
	Unreachable int       `json:"unreachable"` // failed without any HTTP answer
	// SuccessRate is Succeeded/Probes; absent when no probe started in
	// the window (nothing was measured, which is not 100%).
	SuccessRate *float64 `json:"success_rate,omitempty"`
	// DowntimeSeconds is how long within the window the latest probe
	// result was a failure (a result stands until the next probe starts).
	// CoveredSeconds is how much of the window a probe result covered at
	// all; time before the first probe is not known either way.
	DowntimeSeconds float64 `json:"downtime_s"`
	CoveredSeconds  float64 `json:"covered_s"`
	// Latency of the successful probes' whole round trip.
	P50Millis *float64 `json:"p50_ms,omitempty"`
	P95Millis *float64 `json:"p95_ms,omitempty"`
}

// CheckoutImpact is the revenue side of a scenario: whether customers
// could still buy during the attack and during the response.
type CheckoutImpact struct {
	IntervalSeconds float64         `json:"interval_s,omitempty"`
	Baseline        *CheckoutWindow `json:"baseline,omitempty"`
	Attack          *CheckoutWindow `json:"attack,omitempty"`
	Response        *CheckoutWindow `json:"response,omitempty"`
	// ResponseTookCheckoutDown: checkout failed during the response
	// although it worked when the response started.
	ResponseTookCheckoutDown bool `json:"response_took_checkout_down"`
	// AfterContainment is the first probe started once containment was
	// verified: whether the shop could sell when the response was done
	// (absent when containment was not verified or nothing probed then).
	AfterContainment *bool `json:"checkout_after_containment,omitempty"`
	// DownAfterResponse: the probe after containment (else the last one of
	// the response window) failed; the response left the shop unable to
	// sell.
	DownAfterResponse bool `json:"checkout_down_after_response"`
	// Findings say what the figures mean for the response; Caveats what
	// they cannot be blamed on.
	Findings []string `json:"findings,omitempty"`
	Caveats  []string `json:"caveats,omitempty"`
}

type probeEvent struct {
	at time.Time
	p  CheckoutProbe
}

// checkoutImpact measures the probes of one scenario. start is the
// baseline phase, t0 the start of the inject, respond the response phase,
// end the end of verification (containment, else the revert); contained
// is set when containment was verified.
func checkoutImpact(probes []probeEvent, start, t0, respond, end, contained *time.Time, faults []string) *CheckoutImpact {
	if len(probes) == 0 {
		return nil
	}
	sort.SliceStable(probes, func(i, j int) bool { return probes[i].at.Before(probes[j].at) })
	ci := &CheckoutImpact{IntervalSeconds: probes[0].p.IntervalSeconds}
	last := probes[len(probes)-1].at
	at := func(t *time.Time, def time.Time) time.Time {
		if t == nil {
			return def
		}
		return *t
	}
	if end == nil {
		end = &last
	}
	if t0 != nil {
		ci.Baseline = window(CheckoutBaseline, probes, at(start, probes[0].at), *t0)
		ci.Attack = window(CheckoutAttack, probes, *t0, at(respond, *end))
	}
	if respond != nil {
		ci.Response = window(CheckoutResponse, probes, *respond, *end)
	}
	if contained != nil {
		for _, pe := range probes {
			if !pe.at.Before(*contained) {
				ok := pe.p.OK
				ci.AfterContainment = &ok
				break
			}
		}
	}
	ci.judge(probes, respond, faults)
	return ci
}

// window counts the probes started in [from, to) and the downtime there.
func window(name string, probes []probeEvent, from, to time.Time) *CheckoutWindow {
	w := &CheckoutWindow{Window: name, From: from, To: to, Seconds: to.Sub(from).Seconds()}
	var lat []float64
	for i, pe := range probes {
		// The result holds from its start until the next probe's start
		// (the last one until the window's end).
		hold := to
		if i+1 < len(probes) && probes[i+1].at.Before(to) {
			hold = probes[i+1].at
		}
		a, b := maxTime(pe.at, from), minTime(hold, to)
		if b.After(a) {
			w.CoveredSeconds += b.Sub(a).Seconds()
			if !pe.p.OK {
				w.DowntimeSeconds += b.Sub(a).Seconds()
			}
		}
		if pe.at.Before(from) || !pe.at.Before(to) {
			continue
		}
		w.Probes++
		switch {
		case pe.p.OK:
			w.Succeeded++
			lat = append(lat, float64(pe.p.Millis))
		case pe.p.Unreachable:
			w.Failed++
			w.Unreachable++
		default:
			w.Failed++
		}
	}
	if w.Probes > 0 {
		r := float64(w.Succeeded) / float64(w.Probes)
		w.SuccessRate = &r
	}
	if len(lat) > 0 {
		p50, p95 := Percentile(lat, 50), Percentile(lat, 95)
		w.P50Millis, w.P95Millis = &p50, &p95
	}
	return w
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// judge says what the windows mean: a response that takes checkout down
// is a finding, never folded into a pass; failures that may be the
// infrastructure's are said to be.
func (ci *CheckoutImpact) judge(probes []probeEvent, respond *time.Time, faults []string) {
	if a := ci.Attack; a != nil && a.Failed > 0 {
		ci.Findings = append(ci.Findings, fmt.Sprintf("checkout failed %d of %d probes during the attack (%.1f s down of %.1f s)", a.Failed, a.Probes, a.DowntimeSeconds, a.Seconds))
	}
	if r := ci.Response; r != nil && respond != nil {
		// The state when the response started: the last probe before it.
		upBefore := true
		for _, pe := range probes {
			if pe.at.Before(*respond) {
				upBefore = pe.p.OK
			}
		}
		var lastIn *probeEvent
		for i := range probes {
			if !probes[i].at.Before(r.From) && probes[i].at.Before(r.To) {
				lastIn = &probes[i]
			}
		}
		if r.Failed > 0 && upBefore {
			ci.ResponseTookCheckoutDown = true
			ci.Findings = append(ci.Findings, fmt.Sprintf("the response took checkout down: %d of %d probes failed between the start of the response and verified containment (%.1f s down)", r.Failed, r.Probes, r.DowntimeSeconds))
		} else if r.Failed > 0 {
			ci.Findings = append(ci.Findings, fmt.Sprintf("checkout was already failing when the response started and failed %d of %d probes during it (%.1f s down)", r.Failed, r.Probes, r.DowntimeSeconds))
		}
		down := lastIn != nil && !lastIn.p.OK
		if ci.AfterContainment != nil {
			down = !*ci.AfterContainment
		}
		if down {
			ci.DownAfterResponse = true
			ci.Findings = append(ci.Findings, "checkout still failed at the end of the response: containment left the shop unable to sell")
		}
	}
	if b := ci.Baseline; b != nil && b.Failed > 0 {
		ci.Caveats = append(ci.Caveats, fmt.Sprintf("checkout already failed %d of %d probes in the baseline window, before any inject: failures are not all the attack's", b.Failed, b.Probes))
	}
	unreachable := 0
	for _, w := range []*CheckoutWindow{ci.Attack, ci.Response} {
		if w != nil {
			unreachable += w.Unreachable
		}
	}
	if unreachable > 0 {
		ci.Caveats = append(ci.Caveats, fmt.Sprintf("%d failed probes got no HTTP answer at all (refused or timed out): the web server was down or the infrastructure failed, and the probe cannot tell which", unreachable))
	}
	if len(faults) > 0 {
		ci.Caveats = append(ci.Caveats, "the scenario had an infrastructure fault ("+faults[0]+"): checkout failures in it are not attributed to the attack or the response")
	}
}

// traffic gathers a scenario's phase, probe and traffic events.
func (se *scenarioEvents) traffic(e Event) {
	switch e.Kind {
	case KindPhase:
		var ph Phase
		if e.Decode(&ph) == nil {
			if se.phases == nil {
				se.phases = map[string]time.Time{}
			}
			if _, seen := se.phases[ph.Name]; !seen {
				se.phases[ph.Name] = e.Time
			}
		}
	case KindCheckoutProbe:
		var p CheckoutProbe
		if e.Decode(&p) == nil {
			at := p.Started
			if at.IsZero() {
				at = e.Time
			}
			se.probes = append(se.probes, probeEvent{at: at, p: p})
		}
	case KindTraffic:
		var t Traffic
		if e.Decode(&t) == nil {
			se.r.Traffic = append(se.r.Traffic, t)
		}
	}
}

// checkout measures the probes over the scenario's windows: the response
// ends at verified containment, else when the revert began.
func (se *scenarioEvents) checkout() *CheckoutImpact {
	phase := func(name string) *time.Time {
		if t, ok := se.phases[name]; ok {
			return &t
		}
		return nil
	}
	end := phase("revert")
	var contained *time.Time
	if se.contained != nil {
		t := se.contained.Time
		end, contained = &t, &t
	}
	if end == nil {
		end = se.ended
	}
	return checkoutImpact(se.probes, phase("baseline"), se.r.T0, phase("respond"), end, contained, se.r.Faults)
}
