package timeline_test

import (
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeRun writes a scenario with probes every 5 s: baseline at 0 s, T0
// at 20 s, the response at 40 s, containment at 60 s, revert at 65 s. ok
// says, per probe time (seconds), whether it succeeded; unreachable marks
// failures without an HTTP answer.
func probeRun(t *testing.T, ok map[int]bool, unreachable map[int]bool, fault bool) timeline.ScenarioResult {
	t.Helper()
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	now := start
	tl := timeline.New(timeline.WithClock(func() time.Time { return now }))
	at := func(s int) { now = start.Add(time.Duration(s) * time.Second) }
	add := func(k timeline.Kind, data any) {
		_, err := tl.Append(timeline.Entry{Kind: k, Scenario: "s1", Summary: string(k), Data: data})
		require.NoError(t, err)
	}
	add(timeline.KindScenarioStart, timeline.ScenarioInfo{ID: "s1", Title: "s1"})
	probe := func(s int) {
		at(s)
		add(timeline.KindCheckoutProbe, timeline.CheckoutProbe{Started: now, Millis: 1000 + int64(s), OK: ok[s], Unreachable: unreachable[s], IntervalSeconds: 5})
	}
	at(0)
	add(timeline.KindPhase, timeline.Phase{Name: "baseline"})
	for s := 0; s < 20; s += 5 {
		probe(s)
	}
	at(20)
	add(timeline.KindStepStart, timeline.Step{Stage: "inject", Index: 1, Action: "http.request"})
	if fault {
		add(timeline.KindFault, timeline.Fault{Error: "the db container died"})
	}
	for s := 20; s < 40; s += 5 {
		probe(s)
	}
	at(40)
	add(timeline.KindPhase, timeline.Phase{Name: "respond"})
	for s := 40; s < 65; s += 5 {
		probe(s)
	}
	at(60)
	add(timeline.KindContained, nil)
	at(65)
	add(timeline.KindPhase, timeline.Phase{Name: "revert"})
	res := timeline.Measure(tl.Events())
	require.Len(t, res, 1)
	return res[0]
}

func all(from, to int, v bool) map[int]bool {
	m := map[int]bool{}
	for s := from; s < to; s += 5 {
		m[s] = v
	}
	return m
}

func merge(ms ...map[int]bool) map[int]bool {
	out := map[int]bool{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestCheckoutImpactWindows(t *testing.T) {
	tests := []struct {
		name                        string
		ok, unreachable             map[int]bool
		fault                       bool
		attackRate, responseRate    float64
		attackDown, responseDown    float64
		tookDown, downAfter         bool
		findings, caveats           int
		caveatContains, findingWord string
	}{
		{name: "checkout never failed", ok: all(0, 65, true), attackRate: 1, responseRate: 1},
		{
			// The attack breaks checkout at 25 s; the response fixes it at 45 s.
			name: "attack took checkout down, response restored it", ok: merge(all(0, 65, true), all(25, 45, false)),
			attackRate: 0.25, attackDown: 15, responseRate: 0.75, responseDown: 5, findings: 2, findingWord: "already failing",
		},
		{
			// Containment (at 45 s) breaks checkout and leaves it broken.
			name: "containment took checkout down", ok: merge(all(0, 45, true), all(45, 65, false)),
			attackRate: 1, responseRate: 0.25, responseDown: 15, tookDown: true, downAfter: true, findings: 2, findingWord: "took checkout down",
		},
		{
			// Containment breaks checkout for a while, but it sells again
			// once containment is verified.
			name: "checkout down during the response, back after containment", ok: merge(all(0, 65, true), all(50, 60, false)),
			attackRate: 1, responseRate: 0.5, responseDown: 10, tookDown: true, findings: 1, findingWord: "took checkout down",
		},
		{
			name: "unreachable failures are flagged as possibly infrastructure", ok: merge(all(0, 65, true), all(30, 40, false)),
			unreachable: map[int]bool{30: true, 35: true}, attackRate: 0.5, attackDown: 10, responseRate: 1,
			findings: 1, caveats: 1, caveatContains: "infrastructure",
		},
		{
			name: "an infrastructure fault is said", ok: merge(all(0, 65, true), all(20, 40, false)), fault: true,
			attackRate: 0, attackDown: 20, responseRate: 1, findings: 1, caveats: 1, caveatContains: "infrastructure fault",
		},
		{
			name: "checkout broken before the inject", ok: merge(all(0, 65, true), all(5, 10, false)),
			attackRate: 1, responseRate: 1, caveats: 1, caveatContains: "baseline",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probeRun(t, tt.ok, tt.unreachable, tt.fault)
			ci := r.Checkout
			require.NotNil(t, ci, "probes were recorded, so the result carries a checkout impact")
			require.NotNil(t, ci.Attack)
			require.NotNil(t, ci.Response)
			require.NotNil(t, ci.Baseline)
			assert.Equal(t, 4, ci.Baseline.Probes, "four probes before T0")
			assert.Equal(t, 4, ci.Attack.Probes, "four probes from T0 to the response")
			assert.Equal(t, 4, ci.Response.Probes, "four probes from the response to containment (the one at 60 s is after it)")
			require.NotNil(t, ci.Attack.SuccessRate)
			require.NotNil(t, ci.Response.SuccessRate)
			assert.InDelta(t, tt.attackRate, *ci.Attack.SuccessRate, 1e-9, "attack success rate")
			assert.InDelta(t, tt.responseRate, *ci.Response.SuccessRate, 1e-9, "response success rate")
			assert.InDelta(t, tt.attackDown, ci.Attack.DowntimeSeconds, 1e-9, "attack downtime")
			assert.InDelta(t, tt.responseDown, ci.Response.DowntimeSeconds, 1e-9, "response downtime")
			assert.InDelta(t, 20, ci.Attack.Seconds, 1e-9, "the attack window runs from T0 to the response")
			assert.InDelta(t, 20, ci.Response.Seconds, 1e-9, "the response window runs to verified containment")
			assert.Equal(t, tt.tookDown, ci.ResponseTookCheckoutDown, "response took checkout down")
			assert.Equal(t, tt.downAfter, ci.DownAfterResponse, "checkout down after the response")
			require.NotNil(t, ci.AfterContainment, "a probe started at containment (60 s)")
			assert.Equal(t, tt.ok[60], *ci.AfterContainment, "the probe after containment")
			assert.Len(t, ci.Findings, tt.findings, "findings: %q", ci.Findings)
			assert.Len(t, ci.Caveats, tt.caveats, "caveats: %q", ci.Caveats)
			if tt.caveatContains != "" && len(ci.Caveats) > 0 {
				assert.Contains(t, ci.Caveats[0], tt.caveatContains)
			}
			if tt.findingWord != "" {
				assert.Contains(t, ci.Findings[len(ci.Findings)-1-boolInt(tt.downAfter)], tt.findingWord)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCheckoutLatencyAndNoProbes(t *testing.T) {
	r := probeRun(t, all(0, 65, true), nil, false)
	require.NotNil(t, r.Checkout.Attack.P50Millis)
	// Attack probes at 20..35 s took 1020..1035 ms (nearest rank).
	assert.InDelta(t, 1025, *r.Checkout.Attack.P50Millis, 1e-9, "p50 of the attack window")
	assert.InDelta(t, 1035, *r.Checkout.Attack.P95Millis, 1e-9, "p95 of the attack window")

	tl := timeline.New()
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: "s2", Data: timeline.ScenarioInfo{ID: "s2"}})
	res := timeline.Measure(tl.Events())
	require.Len(t, res, 1)
	assert.Nil(t, res[0].Checkout, "no probe ran: no checkout figures, not a 100% success rate")
}
