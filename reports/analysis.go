package reports

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// exercise is everything a report says, derived from the timeline alone.
// Fields are exported for the templates; the type is not.
type exercise struct {
	Run           timeline.RunInfo
	ID, Kind      string
	Title         string
	Start, End    time.Time
	Ended         bool // run.end was recorded
	RunOutcome    string
	Events        []timeline.Event
	Scenarios     []scenario
	Ratings       []rating
	Strengths     []finding
	AFIs          []finding // areas for improvement
	Plan          []PlanItem
	Participants  []timeline.Participant
	Actors        []actor
	Decisions     []decision
	Injects       []tabletopInject
	Notes         []note
	Controls      []ControlCoverage
	OtherControls []string
	Clocks        []clock
	Notices       []Notice
	PCI           []PCIOutcome
	Score         *float64
	Result        string // PASSED, WARNED, FAILED
	Tests         []testCase
	DueDays       int // derived improvement items fall due this long after the end
	count         counts
}

type counts struct {
	alerts, respond, contained, recovered, decisions int
	sources                                          []string
}

// scenario is a measured scenario plus what the report shows beside it.
type scenario struct {
	timeline.ScenarioResult
	Alerts    []AlertRef
	Measures  []string // response actions taken
	Rating    string   // derived P/S/M/U; "" when not rated
	RatingWhy string
	Subjects  int // data subjects exposed (PII scanner)
	Records   int // personal-data records exposed
	Card      bool
}

func (s scenario) concluded() bool {
	return s.Outcome != timeline.OutcomeInfra && s.Outcome != timeline.OutcomeInterrupted
}

func (s scenario) gap() bool {
	switch s.Outcome {
	case timeline.OutcomeMissed, timeline.OutcomeLate, timeline.OutcomeFalsePositive, timeline.OutcomeNotContained:
		return true
	}
	return false
}

// Measured reports whether the scenario ran against a live stack to a
// conclusion, so its times mean something.
func (s scenario) Measured() bool { return s.concluded() && s.Outcome != timeline.OutcomeDiscussed }

type AlertRef struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Rule    string    `json:"rule"`
	Title   string    `json:"title,omitempty"`
	Source  string    `json:"source,omitempty"`
	Latency *float64  `json:"latency_s,omitempty"`
	Matched []string  `json:"matched,omitempty"`
}

type rating struct {
	Objective string
	Scenario  string
	Rating    string
	Comment   string
	Derived   bool // from measured outcomes, not from the hot wash
}

type finding struct {
	Text    string
	Derived bool
}

// PlanItem is one line of the improvement plan.
type PlanItem struct {
	Item     string `json:"item"`
	Owner    string `json:"owner"`
	Due      string `json:"due"`
	Status   string `json:"status"`
	Scenario string `json:"scenario,omitempty"`
	Derived  bool   `json:"derived,omitempty"` // derived from a measured gap
}

// Open reports whether the item still needs work.
func (p PlanItem) Open() bool {
	switch strings.ToLower(strings.TrimSpace(p.Status)) {
	case "done", "closed", "complete", "completed", "resolved", "verified", "cancelled", "canceled":
		return false
	}
	return true
}

type actor struct {
	Name   string
	Events int
	Kinds  string
}

type decision struct {
	Time time.Time
	timeline.Decision
	Scenario string
}

type tabletopInject struct {
	Time time.Time
	timeline.TabletopInject
	Scenario string
}

type note struct {
	Time     time.Time
	Text     string
	Actor    string
	Scenario string
}

type clock struct {
	Scenario string
	timeline.Clock
	Started time.Time
}

// Notice is a draft GDPR Art. 33 notice for one breach.
type Notice struct {
	Scenario      string         `json:"scenario"`
	Title         string         `json:"title"`
	Nature        string         `json:"nature"`
	Aware         *time.Time     `json:"aware,omitempty"` // first alert after the inject
	Deadline      *time.Time     `json:"deadline,omitempty"`
	Subjects      int            `json:"data_subjects"`
	Records       int            `json:"records"`
	Categories    map[string]int `json:"categories,omitempty"`
	Artifacts     []string       `json:"artifacts"`
	Consequences  []string       `json:"consequences"`
	Measures      []string       `json:"measures"`
	CardNumbers   bool           `json:"card_numbers,omitempty"`
	HighRisk      bool           `json:"high_risk,omitempty"`
	ClockRecorded bool           `json:"clock_recorded"`
}

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
	Verdict         string   `json:"verdict"`
}

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
}

// ErrNoRunStart means the events are not a timeline: the first event must
// be run.start with the run's facts.
var ErrNoRunStart = errors.New("timeline does not open with run.start")

// analyse derives the report model from the timeline.
func analyse(events []timeline.Event, due time.Duration) (*exercise, error) {
	if len(events) == 0 || events[0].Kind != timeline.KindRunStart {
		return nil, ErrNoRunStart
	}
	x := &exercise{Events: events, DueDays: int(due.Hours() / 24)}
	if err := events[0].Decode(&x.Run); err != nil {
		return nil, fmt.Errorf("run.start payload: %w", err)
	}
	if x.Run.ExerciseID == "" {
		return nil, errors.New("run.start has no exercise_id")
	}
	x.ID, x.Kind, x.Title = x.Run.ExerciseID, x.Run.Kind, x.Run.Title
	if x.Title == "" {
		x.Title = fmt.Sprintf("%s %s", strings.ToUpper(x.kindName()[:1])+x.kindName()[1:], x.ID)
	}
	x.Start = events[0].Time.UTC()
	x.End = events[len(events)-1].Time.UTC()
	x.Participants = append(x.Participants, x.Run.Participants...)

	actors := map[string]*actor{}
	actorKinds := map[string]map[timeline.Kind]bool{}
	sources := map[string]bool{}
	measures := map[string][]string{}
	alerts := map[string][]AlertRef{}
	for _, e := range events {
		if e.Actor != "" {
			a := actors[e.Actor]
			if a == nil {
				a = &actor{Name: e.Actor}
				actors[e.Actor] = a
				actorKinds[e.Actor] = map[timeline.Kind]bool{}
			}
			a.Events++
			actorKinds[e.Actor][e.Kind] = true
		}
		switch e.Kind {
		case timeline.KindRunEnd:
			var end timeline.RunEnd
			if e.Decode(&end) == nil {
				x.RunOutcome = end.Outcome
			}
			x.Ended = true
		case timeline.KindAlert:
			// The same alerts timeline.Measure counts: not the clean
			// baseline, not the revert that puts the stack back.
			var a timeline.Alert
			if e.Decode(&a) != nil || a.Window == "baseline" || a.Window == "revert" {
				continue
			}
			x.count.alerts++
			if a.Source != "" {
				sources[a.Source] = true
			}
			alerts[e.Scenario] = append(alerts[e.Scenario], AlertRef{Seq: e.Seq, Time: e.Time, Rule: a.Rule, Title: a.Title, Source: a.Source, Latency: a.LatencySeconds, Matched: a.Matched})
		case timeline.KindStepDone:
			var st timeline.Step
			if e.Decode(&st) == nil && st.Stage == "respond" {
				x.count.respond++
				m := st.Action
				if st.Args != "" {
					m += " " + st.Args
				}
				if st.Error != "" {
					m += " (failed: " + st.Error + ")"
				}
				measures[e.Scenario] = append(measures[e.Scenario], m)
			}
		case timeline.KindContained:
			x.count.contained++
		case timeline.KindRecovered:
			x.count.recovered++
		case timeline.KindParticipant:
			var p timeline.Participant
			if e.Decode(&p) == nil {
				x.Participants = append(x.Participants, p)
			}
		case timeline.KindDecision:
			var d timeline.Decision
			if e.Decode(&d) == nil {
				x.count.decisions++
				x.Decisions = append(x.Decisions, decision{e.Time, d, e.Scenario})
			}
		case timeline.KindTabletopInject:
			var in timeline.TabletopInject
			if e.Decode(&in) == nil {
				x.Injects = append(x.Injects, tabletopInject{e.Time, in, e.Scenario})
			}
		case timeline.KindNote:
			var n timeline.Note
			if e.Decode(&n) == nil {
				x.Notes = append(x.Notes, note{e.Time, n.Text, e.Actor, e.Scenario})
			}
		case timeline.KindRating:
			var r timeline.Rating
			if e.Decode(&r) == nil {
				x.Ratings = append(x.Ratings, rating{Objective: r.Objective, Scenario: e.Scenario, Rating: strings.ToUpper(r.Rating), Comment: r.Comment})
			}
		case timeline.KindFinding:
			var f timeline.Finding
			if e.Decode(&f) == nil {
				if strings.EqualFold(f.Type, "strength") {
					x.Strengths = append(x.Strengths, finding{Text: f.Text})
				} else {
					x.AFIs = append(x.AFIs, finding{Text: f.Text})
				}
			}
		case timeline.KindImprovement:
			var im timeline.Improvement
			if e.Decode(&im) == nil {
				x.Plan = append(x.Plan, PlanItem{Item: im.Item, Owner: im.Owner, Due: im.Due, Status: im.Status, Scenario: e.Scenario})
			}
		case timeline.KindClock:
			var c timeline.Clock
			if e.Decode(&c) == nil {
				started := c.Deadline.Add(-time.Duration(c.Hours * float64(time.Hour)))
				x.Clocks = append(x.Clocks, clock{e.Scenario, c, started.UTC()})
			}
		}
	}
	x.Participants = dedupeParticipants(x.Participants)
	for name, a := range actors {
		var kinds []string
		for k := range actorKinds[name] {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		a.Kinds = strings.Join(kinds, ", ")
		x.Actors = append(x.Actors, *a)
	}
	sort.Slice(x.Actors, func(i, j int) bool {
		return x.Actors[i].Events > x.Actors[j].Events || x.Actors[i].Events == x.Actors[j].Events && x.Actors[i].Name < x.Actors[j].Name
	})
	for s := range sources {
		x.count.sources = append(x.count.sources, s)
	}
	sort.Strings(x.count.sources)

	for _, r := range timeline.Measure(events) {
		s := scenario{ScenarioResult: r, Alerts: alerts[r.Info.ID], Measures: measures[r.Info.ID]}
		s.Subjects, s.Records, s.Card = exposureTotals(r.Exposures)
		s.Card = s.Card || r.Info.CardData
		s.Rating, s.RatingWhy = deriveRating(s)
		x.Scenarios = append(x.Scenarios, s)
	}
	x.deriveFindings(due)
	x.Notices = notices(x)
	x.PCI = pciOutcomes(x)
	x.Controls, x.OtherControls = coverage(x)
	x.Tests = testCases(x)
	x.Score = readinessScore(x)
	x.Result = verdictOf(x)
	return x, nil
}

func (x *exercise) kindName() string {
	switch x.Kind {
	case timeline.ExerciseDrill, timeline.ExerciseTest, timeline.ExerciseTabletop, timeline.ExerciseWatch:
		return x.Kind
	}
	return "exercise"
}

// Tabletop reports whether people, not automation, ran the exercise.
func (x *exercise) Tabletop() bool { return x.Kind == timeline.ExerciseTabletop }

// Duration is the exercise's length.
func (x *exercise) Duration() time.Duration { return x.End.Sub(x.Start) }

// Gaps are the scenarios that found a readiness gap.
func (x *exercise) Gaps() []scenario {
	var out []scenario
	for _, s := range x.Scenarios {
		if s.gap() {
			out = append(out, s)
		}
	}
	return out
}

// Passed counts scenarios that passed.
func (x *exercise) Passed() int {
	n := 0
	for _, s := range x.Scenarios {
		if s.Outcome == timeline.OutcomePassed {
			n++
		}
	}
	return n
}

// Measured counts scenarios run against a live stack to a conclusion.
func (x *exercise) Measured() int {
	n := 0
	for _, s := range x.Scenarios {
		if s.Measured() {
			n++
		}
	}
	return n
}

// WeakObjectives are the hot wash's objectives rated M or U; measured gaps
// are listed per scenario already.
func (x *exercise) WeakObjectives() []rating {
	var out []rating
	for _, r := range x.Ratings {
		if r.Rating == timeline.RatingM || r.Rating == timeline.RatingU {
			out = append(out, r)
		}
	}
	return out
}

// AllRatings is the hot wash's ratings followed by those derived from
// measurement, the order the analysis section shows them in.
func (x *exercise) AllRatings() []rating {
	out := append([]rating(nil), x.Ratings...)
	for _, s := range x.Scenarios {
		if s.Rating == "" {
			continue
		}
		obj := "Detect and contain: " + s.Info.Title
		if len(s.Info.Objectives) > 0 {
			obj = strings.Join(s.Info.Objectives, "; ")
		}
		out = append(out, rating{Objective: obj, Scenario: s.Info.ID, Rating: s.Rating, Comment: s.RatingWhy, Derived: true})
	}
	return out
}

// DerivedRatings reports whether any rating came from measurement.
func (x *exercise) DerivedRatings() bool {
	for _, s := range x.Scenarios {
		if s.Rating != "" {
			return true
		}
	}
	return false
}

func dedupeParticipants(ps []timeline.Participant) []timeline.Participant {
	seen := map[timeline.Participant]bool{}
	var out []timeline.Participant
	for _, p := range ps {
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// exposureTotals sums what leaked. The same customer can appear in two
// artifacts, so subjects are the distinct canaries when the scanner listed
// them and never fewer than the largest single artifact's count; records
// are summed, because each artifact is a separate copy that left.
func exposureTotals(xs []timeline.Exposure) (subjects, records int, card bool) {
	canaries := map[string]bool{}
	for _, x := range xs {
		subjects = max(subjects, x.Subjects)
		records += x.Records
		card = card || x.CardNumber
		for _, c := range x.Canaries {
			canaries[c] = true
		}
	}
	return max(subjects, len(canaries)), records, card
}

// deriveRating maps a measured outcome onto HSEEP's scale, for exercises
// without a hot wash: the report states this rule beside the ratings.
func deriveRating(s scenario) (string, string) {
	switch s.Outcome {
	case timeline.OutcomePassed:
		if s.ContainedInTime != nil && !*s.ContainedInTime {
			return timeline.RatingS, fmt.Sprintf("detected in time; contained after %s against %s", secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds))
		}
		return timeline.RatingP, "detected in time and contained"
	case timeline.OutcomeLate:
		return timeline.RatingS, "detected after the deadline: " + s.Reason
	case timeline.OutcomeFalsePositive:
		return timeline.RatingS, "noisy detection: " + s.Reason
	case timeline.OutcomeNotContained:
		return timeline.RatingM, "detected, but containment was not verified"
	case timeline.OutcomeMissed:
		return timeline.RatingU, "not detected: " + s.Reason
	}
	return "", ""
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
			text += fmt.Sprintf("; contained in %s", secs(s.TimeToContain))
			x.Strengths = append(x.Strengths, finding{Text: text, Derived: true})
		case s.gap():
			x.AFIs = append(x.AFIs, finding{Text: fmt.Sprintf("%s: %s (%s)", title, s.Outcome, s.Reason), Derived: true})
		}
		if s.Outcome == timeline.OutcomePassed && s.ContainedInTime != nil && !*s.ContainedInTime {
			x.AFIs = append(x.AFIs, finding{Text: fmt.Sprintf("%s: contained after %s, deadline %s", title, secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds)), Derived: true})
		}
		for _, item := range gapItems(s) {
			item.Due, item.Status, item.Scenario, item.Derived = dueDate, "open", s.Info.ID, true
			x.Plan = append(x.Plan, item)
		}
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
	if s.Measured() && s.TimeToContain == nil && !s.Info.DetectOnly {
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

// checkResults splits checks by their last result: a check can fail and
// pass later, and only where it ended counts.
func checkResults(cs []timeline.Check) (passed, failed []string) {
	last := map[string]bool{}
	var order []string
	for _, c := range cs {
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

func notices(x *exercise) []Notice {
	var out []Notice
	for _, s := range x.Scenarios {
		if len(s.Exposures) == 0 || (s.Subjects == 0 && s.Records == 0 && !s.Card) {
			continue
		}
		n := Notice{
			Scenario:    s.Info.ID,
			Title:       s.Info.Title,
			Nature:      natureOf(s),
			Subjects:    s.Subjects,
			Records:     s.Records,
			Categories:  map[string]int{},
			CardNumbers: s.Card,
			Measures:    append([]string(nil), s.Measures...),
		}
		for _, e := range s.Exposures {
			n.Artifacts = append(n.Artifacts, fmt.Sprintf("%s (%d bytes)", e.Artifact, e.Bytes))
			for k, v := range e.Categories {
				n.Categories[k] += v
			}
		}
		if len(s.Alerts) > 0 {
			t := s.Alerts[0].Time
			n.Aware = &t
		}
		for _, c := range x.Clocks {
			if c.Scenario == s.Info.ID && strings.HasPrefix(c.Regime, "GDPR") {
				d := c.Deadline
				n.Deadline, n.ClockRecorded = &d, true
				break
			}
		}
		if n.Deadline == nil && n.Aware != nil {
			d := n.Aware.Add(72 * time.Hour)
			n.Deadline = &d
		}
		if s.TimeToContain != nil && s.Injected != nil {
			n.Measures = append(n.Measures, fmt.Sprintf("contained %s after the breach began; containment checks passed: %s", secs(s.TimeToContain), strings.Join(passedChecks(s.Checks), ", ")))
		}
		n.Consequences, n.HighRisk = consequences(n)
		out = append(out, n)
	}
	return out
}

func natureOf(s scenario) string {
	text := strings.TrimSuffix(s.Info.Title, ".") + "."
	if s.Info.Summary != "" {
		text += " " + s.Info.Summary
	}
	if len(s.Info.DataAtRisk) > 0 {
		text += " Data at risk: " + strings.Join(s.Info.DataAtRisk, ", ") + "."
	}
	return text
}

// consequences names the likely harm per category of data, and whether it
// is high enough that Art. 34 (telling data subjects) must be considered.
func consequences(n Notice) ([]string, bool) {
	var cats []string
	for k := range n.Categories {
		cats = append(cats, strings.ToLower(k))
	}
	sort.Strings(cats)
	if n.CardNumbers {
		cats = append(cats, "card")
	}
	type harm struct {
		match []string
		text  string
		high  bool
	}
	harms := []harm{
		{[]string{"card", "pan", "payment"}, "payment card fraud", true},
		{[]string{"password", "credential", "hash", "token", "secret"}, "account takeover", true},
		{[]string{"iban", "bank", "national", "ssn", "tax", "passport"}, "financial fraud and identity theft", true},
		{[]string{"dob", "birth"}, "identity theft", true},
		{[]string{"email"}, "phishing targeted at customers", false},
		{[]string{"phone"}, "SMS and voice phishing", false},
		{[]string{"address", "name"}, "targeted fraud and unwanted contact", false},
		{[]string{"order", "purchase"}, "disclosure of purchase history", false},
	}
	var out []string
	high := false
	seen := map[string]bool{}
	for _, c := range cats {
		for _, h := range harms {
			for _, m := range h.match {
				if strings.Contains(c, m) && !seen[h.text] {
					seen[h.text] = true
					out = append(out, h.text)
					high = high || h.high
				}
			}
		}
	}
	if len(out) == 0 {
		out = append(out, "loss of confidentiality of customer data")
	}
	return out, high
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
		switch {
		case !s.concluded():
			p.Verdict = "not evidenced: " + s.Outcome
		case s.Outcome == timeline.OutcomeDiscussed:
			p.Verdict = "procedure walked through (discussion, no live stack)"
			p.Pass = true
		case s.Outcome == timeline.OutcomePassed:
			p.Pass = true
			p.Verdict = fmt.Sprintf("PAN found where not expected was detected in %s and removed; containment verified in %s", secs(s.TimeToDetect), secs(s.TimeToContain))
		case s.TimeToDetect == nil:
			p.Verdict = "gap: stored PAN was not detected"
		case s.TimeToContain == nil:
			p.Verdict = "gap: stored PAN detected but not removed (containment not verified)"
		default:
			p.Verdict = "gap: " + s.Reason
		}
		out = append(out, p)
	}
	return out
}

func testCases(x *exercise) []testCase {
	var out []testCase
	for _, s := range x.Scenarios {
		id := s.Info.ID
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
			case s.Outcome == timeline.OutcomeInfra:
				tc.Status, tc.Message = statusError, "infrastructure failed: "+s.Reason
			case s.Outcome == timeline.OutcomeInterrupted || s.Outcome == timeline.OutcomeDiscussed:
				tc.Status, tc.Message = statusSkipped, s.Outcome
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
				tc.Status, tc.Message = statusFailed, fmt.Sprintf("rule %s fired after %s, deadline %s (event %d)", e.Rule, secs(e.LatencySeconds), secsF(e.WithinSeconds), e.AlertSeq)
			default:
				tc.Status, tc.Message = statusPassed, fmt.Sprintf("rule %s fired after %s (event %d)", e.Rule, secs(e.LatencySeconds), e.AlertSeq)
			}
			out = append(out, tc)
		}
		// A watch session only detects: the attacks were someone else's
		// and nothing was contained, so there is no containment to test.
		if s.Outcome == timeline.OutcomeDiscussed || s.Info.DetectOnly {
			continue
		}
		tc := testCase{Scenario: id, ID: id + "/contain", Name: "contain", Seconds: s.TimeToContain, Deadline: s.Info.ContainWithinSeconds}
		if s.Info.ContainWithinSeconds > 0 {
			tc.Name = "contain within " + secsF(s.Info.ContainWithinSeconds)
		}
		switch {
		case s.Outcome == timeline.OutcomeInfra:
			tc.Status, tc.Message = statusError, "infrastructure failed: "+s.Reason
		case s.Outcome == timeline.OutcomeInterrupted:
			tc.Status, tc.Message = statusSkipped, s.Outcome
		case s.TimeToContain == nil:
			tc.Status = statusFailed
			tc.Message = "containment checks did not all pass"
			if f := failedChecks(s.Checks); len(f) > 0 {
				tc.Message += ": " + strings.Join(f, ", ")
			}
			for _, c := range s.Checks {
				tc.Matched = append(tc.Matched, fmt.Sprintf("check %s pass=%t %s", c.Name, c.Pass, c.Detail))
			}
		case s.ContainedInTime != nil && !*s.ContainedInTime:
			tc.Status, tc.Message = statusWarned, fmt.Sprintf("contained after %s, deadline %s", secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds))
		default:
			tc.Status, tc.Message = statusPassed, "contained after "+secs(s.TimeToContain)
		}
		out = append(out, tc)
	}
	for _, r := range x.Ratings {
		tc := testCase{Scenario: r.Scenario, ID: "objective/" + r.Objective, Name: "objective: " + r.Objective, Message: r.Rating + " " + r.Comment}
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

// points per HSEEP rating for the readiness score.
func ratingPoints(r string) (int, bool) {
	switch r {
	case timeline.RatingP:
		return 3, true
	case timeline.RatingS:
		return 2, true
	case timeline.RatingM:
		return 1, true
	case timeline.RatingU:
		return 0, true
	}
	return 0, false
}

// readinessScore is the mean HSEEP rating over every rated objective, as a
// percentage (P=100, S=67, M=33, U=0). Scenarios that failed for
// infrastructure are not rated and do not count either way.
func readinessScore(x *exercise) *float64 {
	return scoreOf(x.AllRatings())
}

func scoreOf(rs []rating) *float64 {
	total, n := 0, 0
	for _, r := range rs {
		if p, ok := ratingPoints(r.Rating); ok {
			total += p
			n++
		}
	}
	if n == 0 {
		return nil
	}
	s := float64(total) / float64(3*n) * 100
	return &s
}

func verdictOf(x *exercise) string {
	failed, warned, passed := 0, 0, 0
	for _, t := range x.Tests {
		switch t.Status {
		case statusFailed:
			failed++
		case statusWarned, statusError:
			warned++
		case statusPassed:
			passed++
		}
	}
	switch {
	case failed > 0:
		return ResultFailed
	case warned > 0 || passed == 0:
		return ResultWarned
	}
	return ResultPassed
}

func secs(p *float64) string {
	if p == nil {
		return "—"
	}
	return secsF(*p)
}

// secsF renders seconds the way people read durations.
func secsF(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.1fs", s)
	case s < 120:
		return fmt.Sprintf("%.0fs", s)
	case s < 7200:
		return fmt.Sprintf("%.1fmin", s/60)
	default:
		return fmt.Sprintf("%.1fh", s/3600)
	}
}
