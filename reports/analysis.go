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
	SignOffs      []timeline.SignOff
	Score         *float64
	Result        string // PASSED, WARNED, FAILED, INCOMPLETE
	Policy        Policy // what "the plan was tested" requires
	Tests         []testCase
	DueDays       int // derived improvement items fall due this long after the end
	Record        tabletopRecord
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
	Rating    string   // P/S/M/U: the hot wash's worst, else derived; "" when not rated
	RatingWhy string
	// RatingDerived is true when Rating follows from the measured outcome
	// rather than from people rating the scenario's objectives.
	RatingDerived bool
	Subjects      int // distinct seeded customers whose data left the stack
	Records       int // personal-data records that left
	Card          bool
}

// concluded reports whether the scenario got far enough to say something
// about readiness (a tabletop discussion counts).
func (s scenario) concluded() bool { return !timeline.Incomplete(s.Outcome) }

// Incomplete reports whether the scenario could not be measured.
func (s scenario) Incomplete() bool { return timeline.Incomplete(s.Outcome) }

// gap reports whether the scenario found a readiness gap, measured or
// rated M or U by the people in the room.
func (s scenario) gap() bool {
	return timeline.Gap(s.Outcome) || !s.RatingDerived && (s.Rating == timeline.RatingM || s.Rating == timeline.RatingU)
}

// GapText says what the gap was, for control rows and plan items.
func (s scenario) GapText() string {
	if timeline.Gap(s.Outcome) {
		return s.Info.ID + ": " + s.Outcome + " (" + s.Reason + ")"
	}
	return s.Info.ID + ": rated " + s.Rating + " (" + s.RatingWhy + ")"
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

// ErrNoRunStart means the events are not a timeline: the first event must
// be run.start with the run's facts.
var ErrNoRunStart = errors.New("timeline does not open with run.start")

// analyse derives the report model from the timeline.
func analyse(events []timeline.Event, due time.Duration) (*exercise, error) {
	if len(events) == 0 || events[0].Kind != timeline.KindRunStart {
		return nil, ErrNoRunStart
	}
	x := &exercise{Events: events, DueDays: int(due.Hours() / 24), Policy: DefaultPolicy()}
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
			if e.Decode(&a) != nil || a.Window == "baseline" || a.Window == "revert" || a.Window == "warmup" {
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
				x.Ratings = append(x.Ratings, rating{Objective: r.Objective, Scenario: e.Scenario, Rating: strings.ToUpper(r.Rating), Comment: r.Comment, At: r.At})
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
				x.Plan = append(x.Plan, PlanItem{Item: im.Item, Owner: im.Owner, Due: im.Due, Status: im.Status, Scenario: e.Scenario, Objective: im.Objective, Control: im.Control})
			}
		case timeline.KindSignOff:
			var so timeline.SignOff
			if e.Decode(&so) == nil {
				x.SignOffs = append(x.SignOffs, so)
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
	x.Record = collectTabletopRecord(events)
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

	// A bundle is a finished record: scenarios selected but never started
	// are listed as not run, whether or not the run recorded its end.
	results := timeline.MeasureRecord(events)
	if len(results) == 1 {
		// Ratings given for the whole tabletop rate its one scenario.
		for i := range x.Ratings {
			if x.Ratings[i].Scenario == "" {
				x.Ratings[i].Scenario = results[0].Info.ID
			}
		}
	}
	for _, r := range results {
		s := scenario{ScenarioResult: r, Alerts: alerts[r.Info.ID], Measures: measures[r.Info.ID]}
		s.Subjects, s.Records, s.Card = exposureTotals(r.Exposures)
		s.Card = s.Card || r.Info.CardData
		s.Rating, s.RatingWhy, s.RatingDerived = x.scenarioRating(s)
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

// Incomplete lists the scenarios that could not be measured (not run,
// infrastructure error, interrupted, scenario fault).
func (x *exercise) Incomplete() []scenario {
	var out []scenario
	for _, s := range x.Scenarios {
		if s.Incomplete() {
			out = append(out, s)
		}
	}
	return out
}

// RunProblem says why the run as a whole is incomplete, or "".
func (x *exercise) RunProblem() string {
	switch {
	case !x.Ended:
		return "the timeline has no run.end event: the run did not finish cleanly"
	case x.RunOutcome == timeline.OutcomeInfra || x.RunOutcome == timeline.OutcomeInterrupted || x.RunOutcome == timeline.OutcomeScenarioFault:
		why := "the run ended " + x.RunOutcome
		if f := lastFault(x.Events); f != "" {
			why += ": " + f
		}
		return why
	}
	return ""
}

// lastFault is the last fault the timeline recorded, run-wide or in a
// scenario: what stopped the run.
func lastFault(events []timeline.Event) string {
	for i := len(events) - 1; i >= 0; i-- {
		var f timeline.Fault
		if events[i].Kind == timeline.KindFault && events[i].Decode(&f) == nil && f.Error != "" {
			return f.Error
		}
	}
	return ""
}

// Metrics are the metric definitions the report prints once.
func (x *exercise) Metrics() []timeline.MetricDefinition { return timeline.MetricDefinitions() }

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
