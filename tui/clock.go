package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// stopwatch is the exercise clock of one scenario: it counts from the
// scenario's start and stands still while the facilitator pauses.
type stopwatch struct {
	start     time.Time
	paused    bool
	pausedAt  time.Time
	pausedFor time.Duration
}

func startStopwatch(now time.Time) stopwatch { return stopwatch{start: now} }

func (s stopwatch) elapsed(now time.Time) time.Duration {
	if s.start.IsZero() {
		return 0
	}
	if s.paused {
		now = s.pausedAt
	}
	return now.Sub(s.start) - s.pausedFor
}

func (s *stopwatch) pause(now time.Time) {
	if !s.paused {
		s.paused, s.pausedAt = true, now
	}
}

func (s *stopwatch) resume(now time.Time) {
	if s.paused {
		s.paused = false
		s.pausedFor += now.Sub(s.pausedAt)
	}
}

// clockLabels name each clock short enough for one line of the run
// screen: the regime's first word, and its length where one regime has
// more than one clock ("DORA 4h", "DORA 24h").
func clockLabels(clocks []timeline.Clock) []string {
	name := func(c timeline.Clock) string {
		n, _, _ := strings.Cut(c.Regime, " ")
		return n
	}
	count := map[string]int{}
	for _, c := range clocks {
		count[name(c)]++
	}
	out := make([]string, len(clocks))
	for i, c := range clocks {
		out[i] = name(c)
		if count[name(c)] > 1 {
			out[i] += fmt.Sprintf(" %gh", c.Hours)
		}
	}
	return out
}
