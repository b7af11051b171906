// The improvement plan and the findings it comes from.

package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

type finding struct {
	Text    string
	Derived bool
}

// PlanItem is one line of the improvement plan.
type PlanItem struct {
	Item      string `json:"item"`
	Owner     string `json:"owner"`
	Due       string `json:"due"`
	Status    string `json:"status"`
	Scenario  string `json:"scenario,omitempty"`
	Objective string `json:"objective,omitempty"`
	Control   string `json:"control,omitempty"`
	Derived   bool   `json:"derived,omitempty"` // derived from a measured gap
}

// Open reports whether the item still needs work.
func (p PlanItem) Open() bool {
	switch strings.ToLower(strings.TrimSpace(p.Status)) {
	case "done", "closed", "complete", "completed", "resolved", "verified", "cancelled", "canceled":
		return false
	}
	return true
}

func (x *exercise) deriveFindings(due time.Duration) {
	dueDate := x.End.Add(due).Format(time.DateOnly)
	for _, s := range x.Scenarios {
		title := s.Info.Title
		if title == "" {
			title = s.Info.ID
		}
		switch {
		case s.Outcome == timeline.OutcomePassed:
			text := fmt.Sprintf("%s: detected in %s", title, secs(s.TimeToDetect))
			for _, e := range s.Expectations {
				text += fmt.Sprintf("; %s within %s", e.Rule, secsF(e.WithinSeconds))
			}
			text += fmt.Sprintf("; contained %s after the first alert", secs(s.TimeToContain))
			x.Strengths = append(x.Strengths, finding{Text: text, Derived: true})
		case timeline.Gap(s.Outcome):
			x.AFIs = append(x.AFIs, finding{Text: fmt.Sprintf("%s: %s (%s)", title, s.Outcome, s.Reason), Derived: true})
		}
		if s.Outcome == timeline.OutcomePassed && s.ContainedInTime != nil && !*s.ContainedInTime {
			x.AFIs = append(x.AFIs, finding{Text: fmt.Sprintf("%s: contained after %s, deadline %s", title, secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds)), Derived: true})
		}
		x.AFIs = append(x.AFIs, checkoutAFIs(title, s)...)
		for _, item := range gapItems(s) {
			item.Due, item.Status, item.Scenario, item.Derived = dueDate, "open", s.Info.ID, true
			item.Control = strings.Join(s.Info.Controls, ", ")
			if item.Objective == "" && len(s.Info.Objectives) > 0 {
				item.Objective = strings.Join(s.Info.Objectives, "; ")
			}
			x.Plan = append(x.Plan, item)
		}
	}
	// Every objective the room rated M or U needs a corrective action; one
	// the room recorded for it (by objective) stands, else one is derived.
	covered := map[string]bool{}
	for _, it := range x.Plan {
		if it.Objective != "" {
			covered[strings.ToLower(it.Objective)] = true
		}
	}
	for _, r := range x.Ratings {
		if (r.Rating != timeline.RatingM && r.Rating != timeline.RatingU) || covered[strings.ToLower(r.Objective)] {
			continue
		}
		item := PlanItem{Item: fmt.Sprintf("Address objective %q, rated %s", r.Objective, r.Rating), Owner: "Exercise lead (assign an owner)",
			Due: dueDate, Status: "open", Scenario: r.Scenario, Objective: r.Objective, Derived: true}
		if r.Comment != "" {
			item.Item += ": " + r.Comment
		}
		for _, s := range x.Scenarios {
			if s.Info.ID == r.Scenario {
				item.Control = strings.Join(s.Info.Controls, ", ")
			}
		}
		x.Plan = append(x.Plan, item)
	}
}

// gapItems turns one scenario's gaps into corrective actions, owned by the
// function that can fix them.
func gapItems(s scenario) []PlanItem {
	const detection, response = "Detection engineering", "Incident response lead"
	var out []PlanItem
	for _, e := range s.Expectations {
		switch {
		case !e.Fired && s.Measured():
			out = append(out, PlanItem{Item: fmt.Sprintf("Make rule %s detect %s: it did not fire", e.Rule, s.Info.ID), Owner: detection})
		case e.Late:
			out = append(out, PlanItem{Item: fmt.Sprintf("Speed up rule %s for %s: fired after %s, deadline %s", e.Rule, s.Info.ID, secs(e.LatencySeconds), secsF(e.WithinSeconds)), Owner: detection})
		}
	}
	for _, a := range s.BaselineAlerts {
		out = append(out, PlanItem{Item: fmt.Sprintf("Tune rule %s: it fired on normal traffic before the %s inject", a.Rule, s.Info.ID), Owner: detection})
	}
	if s.Measured() && !s.Contained && !s.Info.DetectOnly {
		failing := failedChecks(s.Checks)
		item := fmt.Sprintf("Fix containment of %s: checks did not all pass", s.Info.ID)
		if len(failing) > 0 {
			item += " (" + strings.Join(failing, ", ") + ")"
		}
		out = append(out, PlanItem{Item: item, Owner: response})
	} else if s.ContainedInTime != nil && !*s.ContainedInTime {
		out = append(out, PlanItem{Item: fmt.Sprintf("Shorten containment of %s: %s against %s", s.Info.ID, secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds)), Owner: response})
	}
	return out
}

// ValidateDue checks an improvement item's due date as it is entered: a
// date (YYYY-MM-DD) not before today. An item due in the past would be
// overdue the moment it is written, which no plan means.
func ValidateDue(due string, today time.Time) error {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(due))
	if err != nil {
		return fmt.Errorf("due date %q: write YYYY-MM-DD, e.g. %s", due, today.AddDate(0, 1, 0).Format(time.DateOnly))
	}
	y, m, dd := today.Date()
	if d.Before(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
		return fmt.Errorf("due date %s is in the past (today is %s)", d.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return nil
}
