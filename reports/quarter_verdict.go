// The quarter's verdict: the worst of what it covers, by a policy every
// pack prints.

package reports

import (
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// verdictPolicy is the quarter's verdict rule, printed in every pack.
func verdictPolicy() []string {
	return []string{
		"FAILED when an exercise this quarter found a readiness gap (a measured gap, or an objective rated M or U) that no later passing run of the same scenario closed",
		"INCOMPLETE when an exercise this quarter could not measure a scenario (not run, infrastructure error, interrupted, scenario fault) and no later run measured it",
		"WARNED when improvement items are open past their due date, when the plan test (PCI DSS 12.10.2, SOC 2 CC7.4) is not demonstrated in the last 12 months, when a scenario's latest outcome carries a warning, or when nothing ran this quarter",
		"PASSED otherwise; the attestation's predicate, which knows only PASSED, WARNED and FAILED, says FAILED for INCOMPLETE",
	}
}

// quarterVerdict applies verdictPolicy: the worst of what the quarter
// covers, each reason named.
func quarterVerdict(q Quarter, inWindow []sourceExercise, sum QuarterSummary) (string, []string) {
	var failed, incomplete, warned []string
	// Later runs close earlier gaps: a scenario's last pass and last
	// measurement, by time, up to the end of the quarter.
	lastPass, lastMeasured := map[string]time.Time{}, map[string]time.Time{}
	for _, s := range inWindow {
		for _, sc := range s.x.Scenarios {
			if sc.Outcome == timeline.OutcomePassed && !sc.gap() {
				lastPass[sc.Info.ID] = s.x.Start
			}
			if !sc.Incomplete() {
				lastMeasured[sc.Info.ID] = s.x.Start
			}
		}
	}
	ran := false
	for _, s := range inWindow {
		x := s.x
		if !q.Contains(x.Start) {
			continue
		}
		ran = true
		for _, sc := range x.Scenarios {
			switch {
			case sc.gap() && !lastPass[sc.Info.ID].After(x.Start):
				failed = append(failed, fmt.Sprintf("%s: gap in %s not closed by a later passing run", x.ID, sc.GapText()))
			case sc.Incomplete() && !lastMeasured[sc.Info.ID].After(x.Start):
				incomplete = append(incomplete, fmt.Sprintf("%s: %s %s, not measured since", x.ID, sc.Info.ID, sc.Outcome))
			case sc.Outcome == timeline.OutcomeLate || sc.Outcome == timeline.OutcomeFalsePositive:
				// Counted as gaps above; nothing more.
			}
		}
		for _, r := range x.WeakObjectives() {
			if r.Scenario == "" {
				failed = append(failed, fmt.Sprintf("%s: objective %q rated %s", x.ID, r.Objective, r.Rating))
			}
		}
		if p := x.RunProblem(); p != "" && len(x.Incomplete()) == 0 {
			incomplete = append(incomplete, x.ID+": "+p)
		}
		if x.Result == ResultWarned {
			warned = append(warned, x.ID+": WARNED")
		}
	}
	for _, it := range sum.OpenItems {
		if it.Overdue {
			warned = append(warned, fmt.Sprintf("improvement item overdue since %s: %s", it.Due, it.Item))
		}
	}
	if !sum.PCI12102.Tested {
		warned = append(warned, "plan test (PCI DSS 12.10.2, SOC 2 CC7.4) not demonstrated in the last 12 months")
	}
	if !ran {
		warned = append(warned, "no exercise ran this quarter")
	}
	reasons := append(append(append([]string(nil), failed...), incomplete...), warned...)
	switch {
	case len(failed) > 0:
		return ResultFailed, reasons
	case len(incomplete) > 0:
		return ResultIncomplete, reasons
	case len(warned) > 0:
		return ResultWarned, reasons
	}
	return ResultPassed, nil
}

// boardSummary is one sentence a board can read.
func boardSummary(q Quarter, inWindow []sourceExercise, sum QuarterSummary) string {
	n, gaps := 0, 0
	for _, s := range inWindow {
		if q.Contains(s.x.Start) {
			n++
			gaps += len(s.x.Gaps())
		}
	}
	overdue := 0
	for _, it := range sum.OpenItems {
		if it.Overdue {
			overdue++
		}
	}
	plan := "the response plan was tested within 12 months"
	if !sum.PCI12102.Tested {
		plan = "a test of the response plan that meets our policy is not demonstrated for the last 12 months"
	}
	return fmt.Sprintf("In %s we ran %s, which found %s; %s open (%d overdue), %s, so the quarter is %s.",
		q, plural(n, "exercise"), plural(gaps, "readiness gap"), plural(len(sum.OpenItems), "improvement item"), overdue, plan, sum.Result)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
