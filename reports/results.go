package reports

import (
	"encoding/json"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Results is results.json: per scenario and expectation, what was measured
// against which deadline, and the alerts that matched.
type Results struct {
	ExerciseID     string                      `json:"exercise_id"`
	Kind           string                      `json:"kind"`
	Title          string                      `json:"title"`
	Start          time.Time                   `json:"start"`
	End            time.Time                   `json:"end"`
	RunOutcome     string                      `json:"run_outcome,omitempty"`
	Result         string                      `json:"result"`                    // PASSED, WARNED, FAILED, INCOMPLETE
	Summary        string                      `json:"summary"`                   // the headline every format leads with
	ReadinessScore *float64                    `json:"readiness_score,omitempty"` // 0..100, mean HSEEP rating; absent when scenarios were not measured
	Scenarios      []ScenarioResults           `json:"scenarios"`
	Objectives     []ObjectiveRating           `json:"objectives,omitempty"`
	Improvements   []PlanItem                  `json:"improvements,omitempty"`
	Controls       []ControlCoverage           `json:"controls"`
	Metrics        []timeline.MetricDefinition `json:"metric_definitions"`
	Limitations    []Limitation                `json:"limitations"`
	SignOffs       []timeline.SignOff          `json:"sign_offs,omitempty"`
}

// ScenarioResults is one scenario's measurements.
type ScenarioResults struct {
	ID                string                      `json:"id"`
	Title             string                      `json:"title"`
	Severity          string                      `json:"severity,omitempty"`
	Version           string                      `json:"version,omitempty"`
	WAFMode           string                      `json:"waf_mode,omitempty"` // ModSecurity's mode for the baseline and inject
	Outcome           string                      `json:"outcome"`
	Reason            string                      `json:"reason,omitempty"`
	Rating            string                      `json:"rating,omitempty"`
	RatingSource      string                      `json:"rating_source,omitempty"` // hot wash, derived
	Started           time.Time                   `json:"started"`
	T0                *time.Time                  `json:"t0,omitempty"`
	Figures           []timeline.Figure           `json:"figures,omitempty"`
	ContainmentChecks []timeline.ContainmentCheck `json:"containment_checks,omitempty"`
	Injected          *time.Time                  `json:"injected,omitempty"`
	TimeToDetect      *float64                    `json:"time_to_detect_s,omitempty"`
	TimeToContain     *float64                    `json:"time_to_contain_s,omitempty"`
	ContainDeadline   float64                     `json:"contain_deadline_s,omitempty"`
	ContainedInTime   *bool                       `json:"contained_in_time,omitempty"`
	TimeToRecover     *float64                    `json:"time_to_recover_s,omitempty"`
	RecoverDeadline   float64                     `json:"recover_deadline_s,omitempty"`
	Expectations      []ExpectationResults        `json:"expectations"`
	Containment       *TestOutcome                `json:"containment,omitempty"`
	Alerts            []AlertRef                  `json:"alerts"`
	BaselineAlerts    []timeline.Alert            `json:"baseline_alerts,omitempty"`
	Checks            []timeline.Check            `json:"checks,omitempty"`
	Exposures         []timeline.Exposure         `json:"exposures,omitempty"`
	DataSubjects      int                         `json:"data_subjects"`
	Records           int                         `json:"records"`
	Clocks            []timeline.Clock            `json:"clocks,omitempty"`
	Faults            []string                    `json:"faults,omitempty"`
	// Checkout is the checkout probe's record: success rate and downtime
	// during the attack and the response, and whether the response took
	// checkout down. Traffic is what the shoppers did.
	Checkout *timeline.CheckoutImpact `json:"checkout,omitempty"`
	Traffic  []timeline.Traffic       `json:"traffic,omitempty"`
	// Reconstruction: which declared attacker steps the remaining logs
	// could prove, from which source and event (n of m steps).
	Reconstruction *timeline.Reconstruction `json:"reconstruction,omitempty"`
}

// ExpectationResults is one expected detection, measured.
type ExpectationResults struct {
	Rule            string            `json:"rule"`
	DeadlineSeconds float64           `json:"deadline_s"`
	Result          string            `json:"result"` // passed, failed, error, skipped
	Fired           bool              `json:"fired"`
	Late            bool              `json:"late"`
	LatencySeconds  *float64          `json:"latency_s,omitempty"`
	Step            *timeline.StepRef `json:"step,omitempty"` // the inject step the latency is measured from
	AlertSeq        int64             `json:"alert_seq,omitempty"`
	Matched         []string          `json:"matched,omitempty"`
	Message         string            `json:"message"`
}

// TestOutcome is a pass/fail line with its reason.
type TestOutcome struct {
	Result  string `json:"result"`
	Message string `json:"message"`
}

// ObjectiveRating is an HSEEP rating of one objective.
type ObjectiveRating struct {
	Objective string     `json:"objective"`
	Scenario  string     `json:"scenario,omitempty"`
	Rating    string     `json:"rating"`
	Comment   string     `json:"comment,omitempty"`
	Derived   bool       `json:"derived,omitempty"` // from measured outcomes, not a hot wash
	At        *time.Time `json:"at,omitempty"`      // when the room gave it, if recorded
}

func resultsOf(x *exercise) Results {
	r := Results{
		ExerciseID: x.ID, Kind: x.Kind, Title: x.Title, Start: x.Start, End: x.End,
		RunOutcome: x.RunOutcome, Result: x.Result, Summary: x.Headline(), ReadinessScore: x.Score,
		Scenarios: []ScenarioResults{}, Improvements: x.Plan, Controls: x.Controls,
		Metrics: x.Metrics(), Limitations: x.Limitations(), SignOffs: x.SignOffs,
	}
	tests := map[string]testCase{}
	for _, t := range x.Tests {
		tests[t.ID] = t
	}
	for _, s := range x.Scenarios {
		sr := ScenarioResults{
			ID: s.Info.ID, Title: s.Info.Title, Severity: s.Info.Severity, Version: s.Info.Version, WAFMode: s.Info.WAFMode,
			Outcome: s.Outcome, Reason: s.Reason, Rating: s.Rating,
			Started: s.Started, Injected: s.Injected, T0: s.T0, Figures: s.Figures, ContainmentChecks: s.Containment,
			TimeToDetect: s.TimeToDetect, TimeToContain: s.TimeToContain, ContainDeadline: s.Info.ContainWithinSeconds,
			ContainedInTime: s.ContainedInTime, TimeToRecover: s.TimeToRecover, RecoverDeadline: s.Info.RecoverWithinSeconds,
			Expectations: []ExpectationResults{}, Alerts: s.Alerts, BaselineAlerts: s.BaselineAlerts,
			Checks: s.Checks, Exposures: s.Exposures, DataSubjects: s.Subjects, Records: s.Records,
			Clocks: s.Clocks, Faults: s.Faults, Reconstruction: s.Reconstruction,
		}
		sr.Checkout, sr.Traffic = s.Checkout, s.Traffic
		switch {
		case s.Rating == "":
		case s.RatingDerived:
			sr.RatingSource = "derived"
		default:
			sr.RatingSource = "hot wash"
		}
		if sr.Alerts == nil {
			sr.Alerts = []AlertRef{}
		}
		for _, e := range s.Expectations {
			t := tests[s.Info.ID+"/detect/"+e.Rule]
			if s.Incomplete() {
				t = testCase{Status: "not-measured", Message: s.Outcome + ": " + s.Reason}
			}
			sr.Expectations = append(sr.Expectations, ExpectationResults{
				Rule: e.Rule, DeadlineSeconds: e.WithinSeconds, Result: t.Status, Fired: e.Fired, Late: e.Late,
				LatencySeconds: e.LatencySeconds, Step: e.Step, AlertSeq: e.AlertSeq, Matched: e.Matched, Message: t.Message,
			})
		}
		if t, ok := tests[s.Info.ID+"/contain"]; ok {
			sr.Containment = &TestOutcome{Result: t.Status, Message: t.Message}
		}
		r.Scenarios = append(r.Scenarios, sr)
	}
	for _, rt := range x.AllRatings() {
		r.Objectives = append(r.Objectives, ObjectiveRating(rt))
	}
	return r
}

func renderResults(x *exercise) ([]byte, error) {
	b, err := json.MarshalIndent(resultsOf(x), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
