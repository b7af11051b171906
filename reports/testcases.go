// Test cases: the one list JUnit, results.json, OSCAL and the attestation
// all report.

package reports

import (
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Test statuses of one testcase.
const (
	statusPassed  = "passed"
	statusWarned  = "warned"
	statusFailed  = "failed"
	statusError   = "error"   // infrastructure failed: proves nothing
	statusSkipped = "skipped" // interrupted, or discussed without a stack
)

// testCase is one scenario × expectation (or the scenario's containment,
// or a tabletop objective); JUnit, results.json and the attestation all
// list the same cases.
type testCase struct {
	Scenario string
	Name     string // readable: "detect wp-debug-log-public within 30s"
	ID       string // stable: "debug-log-exposure/detect/wp-debug-log-public"
	Status   string
	Seconds  *float64
	Deadline float64
	Message  string
	Matched  []string // the events that matched, for failure messages
	Kind     string   // for an error or skip: the outcome that caused it
}

// runCaseID is the case that carries a problem of the run as a whole.
const runCaseID = "run"

// incompleteCase is the one case of a scenario that could not be
// measured: its expectations are neither passed nor missed, so they get
// no case of their own (a run that lost its stack never reports a miss).
func incompleteCase(s scenario) testCase {
	msg := s.Outcome + ": " + s.Reason
	if s.Outcome == timeline.OutcomeNotRun {
		msg = s.Reason // already "not run: ..."
	}
	tc := testCase{Scenario: s.Info.ID, ID: s.Info.ID + "/run", Name: "run scenario " + s.Info.ID, Message: msg, Kind: s.Outcome}
	switch s.Outcome {
	case timeline.OutcomeNotRun:
		// The run's own error case says why it stopped.
		tc.Status = statusSkipped
	default:
		tc.Status = statusError
	}
	tc.Matched = append(tc.Matched, s.Faults...)
	return tc
}

func testCases(x *exercise) []testCase {
	var out []testCase
	if why := x.RunProblem(); why != "" {
		kind := x.RunOutcome
		if kind == "" {
			kind = "run-not-ended"
		}
		out = append(out, testCase{ID: runCaseID, Name: "run " + x.ID, Status: statusError, Message: why, Matched: runFaults(x), Kind: kind})
	}
	for _, s := range x.Scenarios {
		id := s.Info.ID
		if s.Incomplete() {
			out = append(out, incompleteCase(s))
			continue
		}
		baseline := map[string]bool{}
		for _, a := range s.BaselineAlerts {
			baseline[a.Rule] = true
		}
		for _, e := range s.Expectations {
			tc := testCase{
				Scenario: id,
				Name:     fmt.Sprintf("detect %s within %s", e.Rule, secsF(e.WithinSeconds)),
				ID:       id + "/detect/" + e.Rule,
				Seconds:  e.LatencySeconds,
				Deadline: e.WithinSeconds,
				Matched:  e.Matched,
			}
			switch {
			case s.Outcome == timeline.OutcomeDiscussed:
				tc.Status, tc.Message = statusSkipped, "discussed without a live stack: not measured"
			case baseline[e.Rule]:
				tc.Status, tc.Message = statusFailed, fmt.Sprintf("rule %s fired on normal traffic before the inject", e.Rule)
				for _, a := range s.BaselineAlerts {
					if a.Rule == e.Rule {
						tc.Matched = append(tc.Matched, a.Matched...)
					}
				}
			case !e.Fired:
				tc.Status, tc.Message = statusFailed, fmt.Sprintf("rule %s did not fire (deadline %s); %d other alerts after the inject", e.Rule, secsF(e.WithinSeconds), len(s.Alerts))
				for _, a := range s.Alerts {
					tc.Matched = append(tc.Matched, fmt.Sprintf("event %d: alert %s", a.Seq, a.Rule))
				}
			case e.Late:
				tc.Status, tc.Message = statusFailed, fmt.Sprintf("rule %s fired %s, deadline %s (event %d)", e.Rule, latencyText(e), secsF(e.WithinSeconds), e.AlertSeq)
			default:
				tc.Status, tc.Message = statusPassed, fmt.Sprintf("rule %s fired %s (event %d)", e.Rule, latencyText(e), e.AlertSeq)
			}
			out = append(out, tc)
		}
		// A watch session only detects: the attacks were someone else's
		// and nothing was contained, so there is no containment to test.
		if s.Outcome == timeline.OutcomeDiscussed || x.Kind == timeline.ExerciseWatch {
			continue
		}
		tc := testCase{Scenario: id, ID: id + "/contain", Name: "contain", Seconds: s.TimeToContain, Deadline: s.Info.ContainWithinSeconds}
		if s.Info.ContainWithinSeconds > 0 {
			tc.Name = "contain within " + secsF(s.Info.ContainWithinSeconds)
		}
		switch {
		case !s.Contained:
			tc.Status = statusFailed
			tc.Message = "containment checks did not all pass"
			if f := failedChecks(s.Checks); len(f) > 0 {
				tc.Message += ": " + strings.Join(f, ", ")
			}
			for _, c := range s.Checks {
				tc.Matched = append(tc.Matched, fmt.Sprintf("check %s (%s) pass=%t %s", c.Name, c.Stage, c.Pass, c.Detail))
			}
		case s.ContainedInTime != nil && !*s.ContainedInTime:
			tc.Status, tc.Message = statusWarned, fmt.Sprintf("contained %s after the first alert, deadline %s", secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds))
		default:
			tc.Status, tc.Message = statusPassed, "contained "+secs(s.TimeToContain)+" after the first alert"
		}
		out = append(out, tc)
	}
	for _, r := range x.Ratings {
		tc := testCase{Scenario: "", ID: "objective/" + r.Objective, Name: "objective: " + r.Objective, Message: r.Rating + " " + r.Comment}
		switch r.Rating {
		case timeline.RatingP:
			tc.Status = statusPassed
		case timeline.RatingS:
			tc.Status = statusWarned
		default:
			tc.Status = statusFailed
		}
		out = append(out, tc)
	}
	return out
}

// runFaults are the faults recorded outside any scenario.
func runFaults(x *exercise) []string {
	var out []string
	for _, e := range x.Events {
		if e.Kind == timeline.KindFault && e.Scenario == "" {
			var f timeline.Fault
			if e.Decode(&f) == nil {
				out = append(out, f.Error)
			}
		}
	}
	return out
}
