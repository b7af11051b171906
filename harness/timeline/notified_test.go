package timeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepClock hands out times one after another, so every event's offset is
// known exactly.
func stepClock(start time.Time, steps ...time.Duration) func() time.Time {
	i := -1
	return func() time.Time {
		i++
		if i == 0 {
			return start
		}
		at := start
		for _, d := range steps[:min(i, len(steps))] {
			at = at.Add(d)
		}
		return at
	}
}

// "Processor notified at T+…" is measured from T0 and from the first
// alert, from the timeline alone; alerts of the warm-up window are set-up,
// neither attack nor false positive.
func TestMeasureNotification(t *testing.T) {
	start := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	// Offsets: run start 0, scenario start 1s, warm-up alert 2s, inject
	// step 3s (T0), alert 5s, notified 12s, end 13s.
	tl := New(WithClock(stepClock(start, 0, time.Second, time.Second, time.Second, 2*time.Second, 7*time.Second, time.Second)))
	tl.MustAppend(Entry{Kind: KindRunStart, Data: RunInfo{ExerciseID: "x"}})
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s", Data: ScenarioInfo{ID: "s", Expect: []Expect{{Rule: "r1", WithinSeconds: 30}}}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s", Data: Alert{Rule: "r1", Window: "warmup"}})
	tl.MustAppend(Entry{Kind: KindStepStart, Scenario: "s", Data: Step{Stage: "inject", Index: 1, Action: "http.request"}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s", Data: Alert{Rule: "r1", Window: "observe"}})
	tl.MustAppend(Entry{Kind: KindNotified, Scenario: "s", Data: Notification{Contact: "Acme Pay incident desk", Role: "payment-processor", Channel: "HTTP POST /desk", Reference: "INC-1"}})
	tl.MustAppend(Entry{Kind: KindScenarioEnd, Scenario: "s", Data: ScenarioEnd{}})

	res := Measure(tl.Events())
	require.Len(t, res, 1)
	r := res[0]
	assert.Equal(t, 1, r.Alerts, "the warm-up's alert is not counted as the attack's")
	assert.Empty(t, r.BaselineAlerts, "nor as a false positive")
	require.Len(t, r.Expectations, 1)
	require.NotNil(t, r.Expectations[0].LatencySeconds)
	assert.InDelta(t, 2.0, *r.Expectations[0].LatencySeconds, 1e-9, "the expected rule is measured on the observe alert, not the warm-up one")

	require.Len(t, r.Notifications, 1)
	n := r.Notifications[0]
	require.NotNil(t, n.AfterT0Seconds)
	require.NotNil(t, n.AfterFirstAlertSeconds)
	assert.InDelta(t, 9.0, *n.AfterT0Seconds, 1e-9, "from T0 (inject at 3s) to the acknowledgement (12s)")
	assert.InDelta(t, 7.0, *n.AfterFirstAlertSeconds, 1e-9, "from the first alert (5s)")
	assert.Equal(t, "Acme Pay incident desk (payment-processor) notified at T+9.00 s, 7.00 s after the first alert (ref INC-1)", n.Label())
}

// Without an inject or an alert there is nothing to measure from: the
// label says the wall time instead of inventing an offset.
func TestNotificationWithoutT0(t *testing.T) {
	at := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	n := NotificationTime{Notification: Notification{Contact: "Desk"}, Time: at}
	assert.Equal(t, "Desk notified at 2026-11-30T05:00:00Z", n.Label())
}
