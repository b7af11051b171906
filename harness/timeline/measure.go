package timeline

import (
	"sort"
	"time"
)

// Scenario outcomes.
const (
	OutcomePassed        = "passed"               // detected in time, contained (and recovered)
	OutcomeMissed        = "detection-missed"     // an expected rule never fired
	OutcomeLate          = "detection-late"       // it fired after its deadline
	OutcomeFalsePositive = "false-positive"       // a rule fired in the clean baseline window
	OutcomeNotContained  = "not-contained"        // containment checks did not pass
	OutcomeInfra         = "infrastructure-error" // the stack failed; says nothing about readiness
	OutcomeInterrupted   = "interrupted"          // stopped by the user
	OutcomeDiscussed     = "discussed"            // a tabletop without a live stack
)

// ExpectationResult is the measured outcome of one expect entry.
type ExpectationResult struct {
	Rule           string   `json:"rule"`
	WithinSeconds  float64  `json:"within_s"`
	Fired          bool     `json:"fired"`
	Late           bool     `json:"late"`
	LatencySeconds *float64 `json:"latency_s,omitempty"`
	AlertSeq       int64    `json:"alert_seq,omitempty"`
	Matched        []string `json:"matched,omitempty"`
}

// Met reports whether the rule fired within its deadline.
func (r ExpectationResult) Met() bool { return r.Fired && !r.Late }

// ScenarioResult is everything measured about one scenario.
type ScenarioResult struct {
	Info            ScenarioInfo        `json:"scenario"`
	Outcome         string              `json:"outcome"`
	Reason          string              `json:"reason,omitempty"`
	Started         time.Time           `json:"started"`
	Injected        *time.Time          `json:"injected,omitempty"`
	Expectations    []ExpectationResult `json:"expectations"`
	BaselineAlerts  []Alert             `json:"baseline_alerts,omitempty"`
	Alerts          int                 `json:"alerts"`
	TimeToDetect    *float64            `json:"time_to_detect_s,omitempty"`
	TimeToContain   *float64            `json:"time_to_contain_s,omitempty"`
	TimeToRecover   *float64            `json:"time_to_recover_s,omitempty"`
	ContainedInTime *bool               `json:"contained_in_time,omitempty"`
	Checks          []Check             `json:"checks,omitempty"`
	Exposures       []Exposure          `json:"exposures,omitempty"`
	Clocks          []Clock             `json:"clocks,omitempty"`
	Faults          []string            `json:"faults,omitempty"`
}

func seconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

// Measure derives every scenario's result from the timeline alone. The
// engine calls it to decide a verdict; reports call it to show one.
func Measure(events []Event) []ScenarioResult {
	byID := map[string]*ScenarioResult{}
	var order []string
	injectedAt := map[string]time.Duration{}
	endSeen := map[string]ScenarioEnd{}
	for _, e := range events {
		if e.Scenario == "" {
			continue
		}
		r := byID[e.Scenario]
		if e.Kind == KindScenarioStart {
			var info ScenarioInfo
			_ = e.Decode(&info)
			r = &ScenarioResult{Info: info, Started: e.Time}
			for _, x := range info.Expect {
				r.Expectations = append(r.Expectations, ExpectationResult{Rule: x.Rule, WithinSeconds: x.WithinSeconds})
			}
			byID[e.Scenario] = r
			order = append(order, e.Scenario)
			continue
		}
		if r == nil {
			continue
		}
		zero, injected := injectedAt[e.Scenario]
		switch e.Kind {
		case KindInjected:
			t := e.Time
			r.Injected = &t
			injectedAt[e.Scenario] = e.Offset()
		case KindAlert:
			var a Alert
			if e.Decode(&a) != nil {
				continue
			}
			switch a.Window {
			case "baseline":
				r.BaselineAlerts = append(r.BaselineAlerts, a)
				continue
			case "revert":
				// Putting the stack back is not the attack.
				continue
			}
			r.Alerts++
			// A rule can fire while the inject is still running; it was
			// then detected at time zero.
			lat := time.Duration(0)
			if injected {
				lat = max(0, e.Offset()-zero)
			}
			for i := range r.Expectations {
				x := &r.Expectations[i]
				if x.Fired || x.Rule != a.Rule {
					continue
				}
				x.Fired, x.AlertSeq, x.Matched = true, e.Seq, a.Matched
				x.LatencySeconds = seconds(lat)
				x.Late = lat.Seconds() > x.WithinSeconds
			}
		case KindCheck:
			var c Check
			if e.Decode(&c) == nil {
				r.Checks = append(r.Checks, c)
			}
		case KindContained:
			if injected && r.TimeToContain == nil {
				r.TimeToContain = seconds(e.Offset() - zero)
			}
		case KindRecovered:
			if injected && r.TimeToRecover == nil {
				r.TimeToRecover = seconds(e.Offset() - zero)
			}
		case KindExposure:
			var x Exposure
			if e.Decode(&x) == nil {
				r.Exposures = append(r.Exposures, x)
			}
		case KindClock:
			var c Clock
			if e.Decode(&c) == nil {
				r.Clocks = append(r.Clocks, c)
			}
		case KindFault:
			var f Fault
			_ = e.Decode(&f)
			r.Faults = append(r.Faults, f.Error)
		case KindScenarioEnd:
			var end ScenarioEnd
			_ = e.Decode(&end)
			endSeen[e.Scenario] = end
		}
	}
	out := make([]ScenarioResult, 0, len(order))
	for _, id := range order {
		r := byID[id]
		for _, x := range r.Expectations {
			if x.Fired && x.LatencySeconds != nil && (r.TimeToDetect == nil || *x.LatencySeconds < *r.TimeToDetect) {
				r.TimeToDetect = x.LatencySeconds
			}
		}
		if r.TimeToContain != nil && r.Info.ContainWithinSeconds > 0 {
			ok := *r.TimeToContain <= r.Info.ContainWithinSeconds
			r.ContainedInTime = &ok
		}
		r.Outcome, r.Reason = verdict(r, endSeen[id])
		out = append(out, *r)
	}
	return out
}

// verdict ranks what went wrong. An infrastructure fault outranks
// everything: a run that lost its stack proves nothing either way.
func verdict(r *ScenarioResult, end ScenarioEnd) (string, string) {
	switch {
	case len(r.Faults) > 0 || end.Outcome == OutcomeInfra:
		reason := end.Reason
		if len(r.Faults) > 0 {
			reason = r.Faults[0]
		}
		return OutcomeInfra, reason
	case end.Outcome == OutcomeInterrupted:
		return OutcomeInterrupted, end.Reason
	case end.Outcome == OutcomeDiscussed:
		return OutcomeDiscussed, end.Reason
	}
	if len(r.BaselineAlerts) > 0 {
		return OutcomeFalsePositive, "rule " + r.BaselineAlerts[0].Rule + " fired on normal traffic before the inject"
	}
	for _, x := range r.Expectations {
		if !x.Fired {
			return OutcomeMissed, "rule " + x.Rule + " did not fire"
		}
	}
	for _, x := range r.Expectations {
		if x.Late {
			return OutcomeLate, "rule " + x.Rule + " fired after its deadline"
		}
	}
	if r.TimeToContain == nil && !r.Info.DetectOnly {
		return OutcomeNotContained, "containment checks did not all pass"
	}
	return OutcomePassed, ""
}

// Percentile returns the p-th percentile (0..100) of xs, nearest rank.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	k := int(p/100*float64(len(s))+0.5) - 1
	k = max(0, min(k, len(s)-1))
	return s[k]
}
