package reports

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// checkoutRate is "succeeded/probes (percent)", the percent rounded down
// and downtime rounded up: neither is shown better than measured.
func checkoutRate(w *timeline.CheckoutWindow) string {
	if w == nil || w.SuccessRate == nil {
		return "not measured (no probe)"
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", w.Succeeded, w.Probes, math.Floor(*w.SuccessRate*1000)/10)
}

func checkoutDown(w *timeline.CheckoutWindow) string {
	if w == nil || w.SuccessRate == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f s of %.1f s", math.Ceil(w.DowntimeSeconds*10)/10, w.Seconds)
}

func checkoutP95(w *timeline.CheckoutWindow) string {
	if w == nil || w.P95Millis == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f / %.0f ms", *w.P50Millis, *w.P95Millis)
}

// checkoutVerdict is how the response treated the shop's revenue.
func checkoutVerdict(ci *timeline.CheckoutImpact) string {
	switch {
	case ci.DownAfterResponse:
		return "response left checkout down"
	case ci.ResponseTookCheckoutDown:
		return "response took checkout down"
	case ci.Response != nil && ci.Response.Failed > 0:
		return "checkout failing during the response"
	case ci.Response != nil && ci.Response.DowntimeSeconds > 0:
		// No probe failed in the window, yet it holds downtime: the
		// attack's failure lasted until a probe succeeded.
		return "checkout still down when the response began, back up during it"
	case ci.Response != nil && ci.Response.SuccessRate != nil:
		return "checkout up throughout the response"
	case ci.AfterContainment != nil:
		// The response was over before a probe could start in it.
		return "checkout up after containment (no probe started during the response)"
	}
	return "response not measured"
}

// checkoutAfter is whether the probe right after containment succeeded.
func checkoutAfter(ci *timeline.CheckoutImpact) string {
	switch {
	case ci.AfterContainment == nil:
		return "not measured"
	case *ci.AfterContainment:
		return "sold"
	}
	return "failed"
}

// checkoutAFIs are the areas for improvement the checkout probe found: a
// response that took checkout down is one, whatever else it achieved.
func checkoutAFIs(title string, s scenario) []finding {
	ci := s.Checkout
	if ci == nil || (!ci.ResponseTookCheckoutDown && !ci.DownAfterResponse) {
		return nil
	}
	text := title + ": " + strings.Join(ci.Findings, "; ")
	if len(ci.Caveats) > 0 {
		text += " (" + strings.Join(ci.Caveats, "; ") + ")"
	}
	return []finding{{Text: text, Derived: true}}
}

// renderCheckoutMarkdown is report.md's revenue section.
func renderCheckoutMarkdown(b *bytes.Buffer, scenarios []scenario) {
	probed := false
	for _, s := range scenarios {
		probed = probed || s.Checkout != nil
	}
	if !probed {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("\n## Checkout during the attack and the response\n\n")
	p("A probe placed a real Store API checkout at a fixed interval through each scenario, one more at the start of the attack and of the response, and one right after containment was verified. Attack: from T0 to the start of the response; response: from its start to verified containment. Downtime is how long the latest probe had failed; a window no probe started in is not measured, which is not 100%%.\n\n")
	p("| scenario | baseline | attack: succeeded | attack: down | response: succeeded | response: down | after containment | p50 / p95 (response) | verdict |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range scenarios {
		ci := s.Checkout
		if ci == nil {
			continue
		}
		p("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(s.Info.ID), checkoutRate(ci.Baseline), checkoutRate(ci.Attack), checkoutDown(ci.Attack),
			checkoutRate(ci.Response), checkoutDown(ci.Response), checkoutAfter(ci), checkoutP95(ci.Response), checkoutVerdict(ci))
	}
	p("\n")
	for _, s := range scenarios {
		if s.Checkout == nil {
			continue
		}
		for _, f := range s.Checkout.Findings {
			p("- `%s`: %s.\n", mdCell(s.Info.ID), mdCell(f))
		}
		for _, c := range s.Checkout.Caveats {
			p("- `%s` (caveat): %s.\n", mdCell(s.Info.ID), mdCell(c))
		}
		for _, t := range s.Traffic {
			if t.Window == "scenario" {
				p("- `%s` shoppers: %d visits, %d requests, %d errors, %d orders placed, %d checkouts failed in %.0f s.\n",
					mdCell(s.Info.ID), t.Visits, t.Requests, t.Errors, t.Orders, t.CheckoutsFailed, t.Seconds)
			}
		}
	}
}

// checkoutFuncs are the template functions of the checkout section.
func checkoutFuncs() map[string]any {
	return map[string]any{"checkoutRate": checkoutRate, "checkoutDown": checkoutDown, "checkoutP95": checkoutP95, "checkoutVerdict": checkoutVerdict, "checkoutAfter": checkoutAfter}
}
