package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkoutDrill is a one-scenario drill whose response takes checkout
// down (when down is set) for its last 10 s, probes every 5 s.
func checkoutDrill(t *testing.T, down bool) *exercise {
	t.Helper()
	r := newRecorder(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	const bot = "breachdrill engine"
	r.add(timeline.KindRunStart, "", bot, "drill", timeline.RunInfo{ExerciseID: "drill-checkout", Kind: timeline.ExerciseDrill, Title: "Checkout drill", Scenarios: []string{"s1"}})
	r.add(timeline.KindScenarioStart, "s1", bot, "s1", timeline.ScenarioInfo{ID: "s1", Title: "Scenario one", Severity: "high",
		Expect: []timeline.Expect{{Rule: "r1", WithinSeconds: 30}}, ContainWithinSeconds: 120})
	r.add(timeline.KindPhase, "s1", bot, "baseline", timeline.Phase{Name: "baseline"})
	probe := func(ok bool) {
		p := timeline.CheckoutProbe{Started: r.now, Millis: 900, OK: ok, IntervalSeconds: 5}
		if !ok {
			p.FailedAt, p.Status, p.Error = "checkout", 503, "503 Service Unavailable"
		}
		r.add(timeline.KindCheckoutProbe, "s1", "checkout-probe", "probe", p)
		r.wait(5 * time.Second)
	}
	probe(true)
	probe(true)
	r.add(timeline.KindStepStart, "s1", bot, "inject", timeline.Step{Stage: "inject", Index: 1, Action: "http.request"})
	probe(true)
	r.add(timeline.KindAlert, "s1", "detector/access", "alert r1", timeline.Alert{Rule: "r1", Window: "observe"})
	probe(true)
	r.add(timeline.KindCheck, "s1", bot, "before", timeline.Check{Stage: timeline.CheckBefore, Name: "c1", Pass: false})
	r.add(timeline.KindPhase, "s1", bot, "respond", timeline.Phase{Name: "respond"})
	probe(true)
	probe(!down)
	probe(!down)
	r.add(timeline.KindCheck, "s1", bot, "after", timeline.Check{Stage: timeline.CheckAfter, Name: "c1", Pass: true})
	r.add(timeline.KindContained, "s1", bot, "contained", nil)
	r.add(timeline.KindTraffic, "s1", "shoppers", "shoppers", timeline.Traffic{Window: "scenario", Seconds: 35, Visits: 4, Requests: 40, Orders: 2})
	r.add(timeline.KindScenarioEnd, "s1", bot, "end", timeline.ScenarioEnd{})
	r.add(timeline.KindRunEnd, "", bot, "end", timeline.RunEnd{Outcome: "passed"})
	x, err := analyse(r.tl.Events(), 30*24*time.Hour)
	require.NoError(t, err)
	return x
}

func TestCheckoutSectionInEveryFormat(t *testing.T) {
	tests := []struct {
		name     string
		down     bool
		verdict  string
		response string
		afi      bool
	}{
		{"response keeps checkout up", false, "checkout up throughout the response", "3/3 (100.0%)", false},
		{"response takes checkout down", true, "response left checkout down", "1/3 (33.3%)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := checkoutDrill(t, tt.down)
			require.Len(t, x.Scenarios, 1)
			require.NotNil(t, x.Scenarios[0].Checkout, "the probes reach the report's scenario")

			md := string(renderMarkdown(x, "fp"))
			assert.Contains(t, md, "## Checkout during the attack and the response")
			assert.Contains(t, md, tt.verdict, "markdown states the response's effect on checkout")
			assert.Contains(t, md, tt.response, "markdown shows the response window's probes (percent rounded down)")
			assert.Contains(t, md, "40 requests", "markdown shows what the shoppers did")

			res := resultsOf(x)
			require.NotNil(t, res.Scenarios[0].Checkout, "results.json carries the checkout record")
			assert.Equal(t, tt.down, res.Scenarios[0].Checkout.ResponseTookCheckoutDown, "results.json says whether the response took checkout down")
			assert.Equal(t, tt.down, res.Scenarios[0].Checkout.DownAfterResponse)

			var afi bool
			for _, f := range x.AFIs {
				afi = afi || strings.Contains(f.Text, "took checkout down")
			}
			assert.Equal(t, tt.afi, afi, "a response that takes checkout down is an area for improvement: %v", x.AFIs)

			html, err := renderHTML(x, "fp", nil)
			require.NoError(t, err)
			assert.Contains(t, string(html), tt.verdict, "report.html states the response's effect on checkout")
		})
	}
}

func TestCheckoutVerdict(t *testing.T) {
	yes, no, one, half := true, false, 1.0, 0.5
	probed := &timeline.CheckoutWindow{Probes: 2, Succeeded: 2, SuccessRate: &one}
	failing := &timeline.CheckoutWindow{Probes: 2, Succeeded: 1, Failed: 1, SuccessRate: &half}
	empty := &timeline.CheckoutWindow{}
	carried := &timeline.CheckoutWindow{Probes: 1, Succeeded: 1, SuccessRate: &one, DowntimeSeconds: 1.5, Seconds: 6}
	tests := []struct {
		name string
		ci   timeline.CheckoutImpact
		want string
	}{
		{"left down", timeline.CheckoutImpact{Response: failing, AfterContainment: &no, DownAfterResponse: true, ResponseTookCheckoutDown: true}, "response left checkout down"},
		{"took down, back after", timeline.CheckoutImpact{Response: failing, AfterContainment: &yes, ResponseTookCheckoutDown: true}, "response took checkout down"},
		{"already failing", timeline.CheckoutImpact{Response: failing, AfterContainment: &yes}, "checkout failing during the response"},
		{"up", timeline.CheckoutImpact{Response: probed, AfterContainment: &yes}, "checkout up throughout the response"},
		{"down from the attack, back in the response", timeline.CheckoutImpact{Response: carried, AfterContainment: &yes}, "checkout still down when the response began, back up during it"},
		{"too short to probe, sold after", timeline.CheckoutImpact{Response: empty, AfterContainment: &yes}, "checkout up after containment (no probe started during the response)"},
		{"nothing measured", timeline.CheckoutImpact{Response: empty}, "response not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, checkoutVerdict(&tt.ci))
		})
	}
	assert.Equal(t, "not measured (no probe)", checkoutRate(empty), "an unprobed window is not shown as 100%")
	assert.Equal(t, "1/3 (33.3%)", checkoutRate(&timeline.CheckoutWindow{Probes: 3, Succeeded: 1, SuccessRate: ptr(1.0 / 3)}), "rounded down")
	assert.Equal(t, "2/3 (66.6%)", checkoutRate(&timeline.CheckoutWindow{Probes: 3, Succeeded: 2, SuccessRate: ptr(2.0 / 3)}), "rounded down, never up")
}
