// PCI DSS 12.10.7: what a card-data scenario shows about the procedure for
// stored card numbers found where they should not be.

package reports

import (
	"fmt"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// PCIOutcome is the PCI DSS 12.10.7 result of a card-data scenario.
type PCIOutcome struct {
	Scenario        string   `json:"scenario"`
	Title           string   `json:"title"`
	PANExposed      bool     `json:"pan_exposed"`
	Artifacts       []string `json:"artifacts,omitempty"`
	Detected        *float64 `json:"detected_s,omitempty"`
	Contained       *float64 `json:"contained_s,omitempty"`
	ContainDeadline float64  `json:"contain_deadline_s,omitempty"`
	ChecksPassed    []string `json:"checks_passed,omitempty"`
	ChecksFailed    []string `json:"checks_failed,omitempty"`
	Pass            bool     `json:"pass"`
	Concluded       bool     `json:"concluded"` // false: not measured, says nothing
	Rating          string   `json:"rating,omitempty"`
	Verdict         string   `json:"verdict"`
}

func pciOutcomes(x *exercise) []PCIOutcome {
	var out []PCIOutcome
	for _, s := range x.Scenarios {
		if !s.Card {
			continue
		}
		p := PCIOutcome{
			Scenario:        s.Info.ID,
			Title:           s.Info.Title,
			Detected:        s.TimeToDetect,
			Contained:       s.TimeToContain,
			ContainDeadline: s.Info.ContainWithinSeconds,
			ChecksPassed:    passedChecks(s.Checks),
			ChecksFailed:    failedChecks(s.Checks),
		}
		for _, e := range s.Exposures {
			if e.CardNumber {
				p.PANExposed = true
				p.Artifacts = append(p.Artifacts, e.Artifact)
			}
		}
		p.Concluded = s.concluded()
		if !s.RatingDerived {
			p.Rating = s.Rating
		}
		// The room's rating outranks a measured pass: a procedure the team
		// rated M or U was not executed, whatever the playbook did.
		switch {
		case !s.concluded():
			p.Verdict = "not evidenced: " + s.Outcome
		case p.Rating == timeline.RatingM || p.Rating == timeline.RatingU:
			p.Verdict = fmt.Sprintf("gap: the team rated the procedure %s (%s)", p.Rating, s.RatingWhy)
		case s.Outcome == timeline.OutcomeDiscussed:
			p.Verdict = "procedure walked through (discussion, no live stack)"
			p.Pass = true
		case s.Outcome == timeline.OutcomePassed:
			p.Pass = true
			p.Verdict = fmt.Sprintf("PAN found where not expected was detected in %s and removed; containment verified in %s", secs(s.TimeToDetect), secs(s.TimeToContain))
		case s.TimeToDetect == nil:
			p.Verdict = "gap: stored PAN was not detected"
		case !s.Contained:
			p.Verdict = "gap: stored PAN detected but not removed (containment not verified)"
		default:
			p.Verdict = "gap: " + s.Reason
		}
		out = append(out, p)
	}
	return out
}

// checkResults splits the containment checks after the response by their
// last result: a check can fail and pass later, and only where it ended
// counts.
func checkResults(cs []timeline.Check) (passed, failed []string) {
	last := map[string]bool{}
	var order []string
	for _, c := range cs {
		if c.Stage != timeline.CheckAfter && c.Stage != "" {
			continue
		}
		if _, ok := last[c.Name]; !ok {
			order = append(order, c.Name)
		}
		last[c.Name] = c.Pass
	}
	for _, n := range order {
		if last[n] {
			passed = append(passed, n)
		} else {
			failed = append(failed, n)
		}
	}
	return passed, failed
}

func failedChecks(cs []timeline.Check) []string { _, f := checkResults(cs); return f }

func passedChecks(cs []timeline.Check) []string { p, _ := checkResults(cs); return p }
