package timeline_test

import (
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Events recorded on timelines of their own (stacks of a parallel run) and
// imported scenario by scenario make one record that verifies, in the
// order imported, with the wall times they were recorded at.
func TestImportKeepsTimesAndChains(t *testing.T) {
	clock := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	main := timeline.New(timeline.WithClock(tick))
	main.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Summary: "start"})
	a := timeline.New(timeline.WithClock(tick))
	b := timeline.New(timeline.WithClock(tick))
	// Interleaved in time, as two stacks at once would record them.
	a.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: "a", Summary: "a starts"})
	b.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: "b", Summary: "b starts"})
	a.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: "a", Summary: "a ends"})
	b.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: "b", Summary: "b ends"})

	var want []timeline.Event
	for _, sub := range []*timeline.Timeline{a, b} {
		for _, ev := range sub.Events() {
			got, err := main.Import(ev)
			require.NoError(t, err)
			want = append(want, ev)
			assert.Equal(t, ev.Time, got.Time, "an imported event keeps its wall time")
			assert.Equal(t, int64(ev.Time.Sub(main.Start())), got.OffsetNS, "its offset counts from the importing timeline's start")
		}
	}
	main.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: "end"})

	events := main.Events()
	assert.Empty(t, timeline.Verify(events), "the merged record must verify")
	require.Len(t, events, 6)
	var order []string
	for _, ev := range events[1:5] {
		order = append(order, ev.Summary)
	}
	assert.Equal(t, []string{"a starts", "a ends", "b starts", "b ends"}, order, "imported scenario by scenario, not by time")
	for i, ev := range events[1:5] {
		assert.Equal(t, want[i].Summary, ev.Summary)
		assert.Equal(t, want[i].Data, ev.Data, "payload unchanged")
	}
}
