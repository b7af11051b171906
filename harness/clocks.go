package harness

import (
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// RegulatoryClocks are the notification deadlines a personal-data breach
// starts at awareness (the first alert in a drill; the moment the room
// confirms the breach in a tabletop). DORA's initial notice is due 4 h
// after classification and at most 24 h after awareness; the drill treats
// classification as immediate and records both bounds.
func RegulatoryClocks(awareness time.Time) []timeline.Clock {
	h := func(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
	type def struct {
		regime, applies string
		hours           float64
	}
	defs := []def{
		{"GDPR Art. 33 notice to the supervisory authority", "personal data of EU residents", 72},
		{"DORA Art. 19 initial notification (from classification)", "financial entities in the EU, major ICT incident", 4},
		{"DORA Art. 19 initial notification (outer bound from awareness)", "financial entities in the EU, major ICT incident", 24},
		{"DORA Art. 19 intermediate report", "within 72 h of the initial notification", 4 + 72},
		{"DORA Art. 19 final report", "within one month of the intermediate report", 4 + 72 + 30*24},
		{"NYDFS 23 NYCRR 500.17 notice", "covered entities licensed in New York", 72},
	}
	out := make([]timeline.Clock, len(defs))
	for i, d := range defs {
		out[i] = timeline.Clock{Regime: d.regime, Applies: d.applies, Hours: d.hours, Deadline: awareness.Add(h(d.hours)).UTC()}
	}
	return out
}
