package timeline

import (
	"fmt"
	"sort"
	"strings"
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
	// OutcomeScenarioFault: a containment check already passed before the
	// response, so passing after it proves nothing; the scenario is broken.
	OutcomeScenarioFault = "scenario-fault"
	// OutcomeNotRun: selected, but the run stopped before it started.
	OutcomeNotRun = "not-run"
)

// Incomplete reports whether an outcome says nothing about readiness
// because the scenario could not be measured. Such an outcome is never a
// pass and never a detection miss, in any format.
func Incomplete(outcome string) bool {
	switch outcome {
	case OutcomeInfra, OutcomeInterrupted, OutcomeNotRun, OutcomeScenarioFault:
		return true
	}
	return false
}

// Gap reports whether an outcome is a readiness gap the exercise found.
func Gap(outcome string) bool {
	switch outcome {
	case OutcomeMissed, OutcomeLate, OutcomeFalsePositive, OutcomeNotContained:
		return true
	}
	return false
}

// Metric names. Each is defined once, in MetricDefinitions, and every
// report prints that definition instead of its own.
const (
	MetricLatency = "detection latency"
	MetricDetect  = "time to detect"
	MetricContain = "time to contain"
	MetricRecover = "time to recover"
)

// MetricDefinition says from which timeline event to which a metric runs.
type MetricDefinition struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
}

// MetricDefinitions are the definitions every report shows.
func MetricDefinitions() []MetricDefinition {
	return []MetricDefinition{
		{MetricLatency, "the start of the inject step the alert is attributed to", "the alert",
			"An alert is attributed to the earliest inject step whose evidence it matched (a path or file the step names appears in the events the rule matched); when no step's evidence matched, to the first step (T0). \"Late\" is judged on this latency. Nothing is clamped: an alert before its step would show a negative figure"},
		{MetricDetect, "T0, the start of the first inject step (the attacker's first action)", "the first alert of an expected rule", ""},
		{MetricContain, "the first alert after T0 (the moment the team could know)", "the moment every containment check passes after the response", "Judged against the scenario's containment deadline"},
		{MetricRecover, "the first alert after T0", "the moment the stack is verified back at its reset point", ""},
	}
}

// EventRef names the timeline event a figure starts or ends at.
type EventRef struct {
	Seq   int64     `json:"seq"`
	Kind  Kind      `json:"kind"`
	Time  time.Time `json:"time"`
	Label string    `json:"label"`
}

func refOf(e Event, label string) EventRef {
	if label == "" {
		label = e.Summary
	}
	return EventRef{Seq: e.Seq, Kind: e.Kind, Time: e.Time, Label: label}
}

// Figure is one measured duration between two timeline events.
type Figure struct {
	Metric  string   `json:"metric"`
	Seconds float64  `json:"seconds"`
	From    EventRef `json:"from"`
	To      EventRef `json:"to"`
}

// String is the figure with the two events it spans.
func (f Figure) String() string {
	return fmt.Sprintf("%s %.2f s: from event %d (%s) to event %d (%s)", f.Metric, f.Seconds, f.From.Seq, f.From.Label, f.To.Seq, f.To.Label)
}

// StepRef is the inject step an alert is attributed to.
type StepRef struct {
	Index  int       `json:"index"`
	Action string    `json:"action"`
	Args   string    `json:"args,omitempty"`
	Seq    int64     `json:"seq"` // its step.start event
	Time   time.Time `json:"time"`
	// Matched is false when no step's evidence matched the alert, which
	// was then attributed to the first step (the longest latency).
	Matched bool `json:"evidence_matched"`
}

// Label is how a report names the step: "step 2 (http.request GET /x)".
func (s StepRef) Label() string {
	l := fmt.Sprintf("step %d (%s", s.Index, s.Action)
	if s.Args != "" {
		l += " " + s.Args
	}
	return l + ")"
}

// ExpectationResult is the measured outcome of one expect entry.
type ExpectationResult struct {
	Rule          string  `json:"rule"`
	WithinSeconds float64 `json:"within_s"`
	Fired         bool    `json:"fired"`
	Late          bool    `json:"late"`
	// LatencySeconds is the alert minus the start of Step.
	LatencySeconds *float64   `json:"latency_s,omitempty"`
	Step           *StepRef   `json:"step,omitempty"`
	AlertSeq       int64      `json:"alert_seq,omitempty"`
	AlertTime      *time.Time `json:"alert_time,omitempty"`
	Matched        []string   `json:"matched,omitempty"`
}

// Met reports whether the rule fired within its deadline.
func (r ExpectationResult) Met() bool { return r.Fired && !r.Late }

// NotificationTime is when an outside party was told, from T0 and from
// the first alert (the moment the team could know); nil when that event
// is not on the timeline.
type NotificationTime struct {
	Notification
	Seq                    int64     `json:"seq"`
	Time                   time.Time `json:"time"`
	AfterT0Seconds         *float64  `json:"after_t0_s,omitempty"`
	AfterFirstAlertSeconds *float64  `json:"after_first_alert_s,omitempty"`
}

// Label is how a report names it: "Acme Pay incident desk (payment-processor) notified at T+41.20 s (ref INC-1)".
func (n NotificationTime) Label() string {
	who := n.Contact
	if n.Role != "" {
		who += " (" + n.Role + ")"
	}
	s := who + " notified"
	if n.AfterT0Seconds != nil {
		s += fmt.Sprintf(" at T+%.2f s", *n.AfterT0Seconds)
	} else {
		s += " at " + n.Time.UTC().Format(time.RFC3339)
	}
	if n.AfterFirstAlertSeconds != nil {
		s += fmt.Sprintf(", %.2f s after the first alert", *n.AfterFirstAlertSeconds)
	}
	if n.Reference != "" {
		s += " (ref " + n.Reference + ")"
	}
	return s
}

// ContainmentCheck is one containment check's result before the response
// (where it must fail) and after it (where it must pass).
type ContainmentCheck struct {
	Name         string `json:"name"`
	Before       *bool  `json:"before_response"`
	BeforeDetail string `json:"before_detail,omitempty"`
	After        *bool  `json:"after_response"`
	AfterDetail  string `json:"after_detail,omitempty"`
}

// ScenarioResult is everything measured about one scenario.
type ScenarioResult struct {
	Info    ScenarioInfo `json:"scenario"`
	Outcome string       `json:"outcome"`
	Reason  string       `json:"reason,omitempty"`
	Started time.Time    `json:"started"`
	// T0 is the start of the first inject step.
	T0              *time.Time          `json:"t0,omitempty"`
	Injected        *time.Time          `json:"injected,omitempty"` // the last inject step done
	Expectations    []ExpectationResult `json:"expectations"`
	BaselineAlerts  []Alert             `json:"baseline_alerts,omitempty"`
	Alerts          int                 `json:"alerts"`
	TimeToDetect    *float64            `json:"time_to_detect_s,omitempty"`
	TimeToContain   *float64            `json:"time_to_contain_s,omitempty"`
	TimeToRecover   *float64            `json:"time_to_recover_s,omitempty"`
	ContainedInTime *bool               `json:"contained_in_time,omitempty"`
	Contained       bool                `json:"contained"`
	Figures         []Figure            `json:"figures,omitempty"`
	Checks          []Check             `json:"checks,omitempty"`
	Containment     []ContainmentCheck  `json:"containment_checks,omitempty"`
	Exposures       []Exposure          `json:"exposures,omitempty"`
	Clocks          []Clock             `json:"clocks,omitempty"`
	Notifications   []NotificationTime  `json:"notifications,omitempty"`
	Faults          []string            `json:"faults,omitempty"`
	// Checkout is what the checkout probe saw; Traffic what the shoppers
	// did (absent when no probe or shopper ran).
	Checkout *CheckoutImpact `json:"checkout,omitempty"`
	Traffic  []Traffic       `json:"traffic,omitempty"`
	// Reconstruction scores the declared attacker steps against the
	// logs that remained (scenarios that declare them).
	Reconstruction *Reconstruction `json:"reconstruction,omitempty"`
}

// Figure returns the named figure, if it was measured.
func (r ScenarioResult) Figure(metric string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.Metric == metric {
			return f, true
		}
	}
	return Figure{}, false
}

func seconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

// scenarioEvents is what one scenario left on the timeline, gathered before
// anything is computed: an alert can come before the event that defines
// the time it is measured from.
type scenarioEvents struct {
	r         *ScenarioResult
	steps     []Event // inject step.start
	stepData  []Step
	injected  *Event
	alerts    []Event // after the baseline, before the revert
	alertData []Alert
	contained *Event
	recovered *Event
	notified  []Event
	end       ScenarioEnd
	probes    []probeEvent
	phases    map[string]time.Time // the first event of each phase
	ended     *time.Time
}

// Measure derives every scenario's result from the timeline alone. The
// engine calls it to decide a verdict while the run goes on; scenarios
// selected but not started are listed as not run once the run has ended.
func Measure(events []Event) []ScenarioResult {
	ended := false
	for _, e := range events {
		ended = ended || e.Kind == KindRunEnd
	}
	return measure(events, ended)
}

// MeasureRecord is Measure for a record that will not grow (a bundle):
// every scenario selected but not started is listed as not run, whether
// or not the run recorded its end.
func MeasureRecord(events []Event) []ScenarioResult { return measure(events, true) }

func measure(events []Event, final bool) []ScenarioResult {
	byID := map[string]*scenarioEvents{}
	var order []string
	for _, e := range events {
		if e.Scenario == "" {
			continue
		}
		se := byID[e.Scenario]
		if e.Kind == KindScenarioStart {
			var info ScenarioInfo
			_ = e.Decode(&info)
			se = &scenarioEvents{r: &ScenarioResult{Info: info, Started: e.Time}}
			for _, x := range info.Expect {
				se.r.Expectations = append(se.r.Expectations, ExpectationResult{Rule: x.Rule, WithinSeconds: x.WithinSeconds})
			}
			byID[e.Scenario] = se
			order = append(order, e.Scenario)
			continue
		}
		if se == nil {
			continue
		}
		r := se.r
		switch e.Kind {
		case KindStepStart:
			var st Step
			if e.Decode(&st) == nil && st.Stage == "inject" {
				se.steps = append(se.steps, e)
				se.stepData = append(se.stepData, st)
			}
		case KindInjected:
			ev := e
			se.injected = &ev
			t := e.Time
			r.Injected = &t
		case KindAlert:
			var a Alert
			if e.Decode(&a) != nil {
				continue
			}
			switch a.Window {
			case "baseline":
				r.BaselineAlerts = append(r.BaselineAlerts, a)
				continue
			case "revert", "warmup":
				// Putting the stack back, or setting up what the breach
				// needs, is not the attack.
				continue
			}
			se.alerts = append(se.alerts, e)
			se.alertData = append(se.alertData, a)
		case KindCheck:
			var c Check
			if e.Decode(&c) == nil {
				r.Checks = append(r.Checks, c)
			}
		case KindContained:
			if se.contained == nil {
				ev := e
				se.contained = &ev
			}
		case KindRecovered:
			if se.recovered == nil {
				ev := e
				se.recovered = &ev
			}
		case KindExposure:
			var x Exposure
			if e.Decode(&x) == nil {
				r.Exposures = append(r.Exposures, x)
			}
		case KindNotified:
			se.notified = append(se.notified, e)
		case KindClock:
			var c Clock
			if e.Decode(&c) == nil {
				r.Clocks = append(r.Clocks, c)
			}
		case KindFault:
			var f Fault
			_ = e.Decode(&f)
			r.Faults = append(r.Faults, f.Error)
		case KindReconstruction:
			var rec Reconstruction
			if e.Decode(&rec) == nil {
				r.Reconstruction = &rec
			}
		case KindScenarioEnd:
			_ = e.Decode(&se.end)
			t := e.Time
			se.ended = &t
		case KindPhase, KindCheckoutProbe, KindTraffic:
			se.traffic(e)
		}
	}
	out := make([]ScenarioResult, 0, len(order))
	for _, id := range order {
		se := byID[id]
		se.compute()
		out = append(out, *se.r)
	}
	if final {
		out = append(out, notRun(events, byID)...)
	}
	return out
}

// zero is the event T0 is taken from: the first inject step's start, or,
// in a record without step events, the end of the inject.
func (se *scenarioEvents) zero() (Event, string, bool) {
	if len(se.steps) > 0 {
		return se.steps[0], "T0: start of inject " + stepRef(se.steps[0], se.stepData[0], false).Label(), true
	}
	if se.injected != nil {
		return *se.injected, "T0: inject complete (no step was recorded)", true
	}
	return Event{}, "", false
}

func stepRef(e Event, st Step, matched bool) StepRef {
	return StepRef{Index: st.Index, Action: st.Action, Args: st.Args, Seq: e.Seq, Time: e.Time, Matched: matched}
}

// attribute finds the inject step an alert belongs to: the earliest step,
// started before the alert, whose evidence the alert matched; else the
// first step, which gives the longest (never a flattering) latency.
func (se *scenarioEvents) attribute(alert Event, a Alert) (Event, *StepRef, bool) {
	var started []int
	for i, s := range se.steps {
		if s.Seq < alert.Seq {
			started = append(started, i)
		}
	}
	if len(started) == 0 {
		return Event{}, nil, false
	}
	for _, i := range started {
		if evidenceMatches(se.stepData[i], a.Matched) {
			ref := stepRef(se.steps[i], se.stepData[i], true)
			return se.steps[i], &ref, true
		}
	}
	ref := stepRef(se.steps[0], se.stepData[0], false)
	return se.steps[0], &ref, true
}

// evidenceMatches reports whether events an alert matched mention what a
// step touched: a path, a file or a URL from its description.
func evidenceMatches(st Step, matched []string) bool {
	var tokens []string
	for _, f := range strings.FieldsFunc(st.Args, func(r rune) bool {
		return r == ' ' || r == ',' || r == ';' || r == '(' || r == ')' || r == '"' || r == '\''
	}) {
		f = strings.ToLower(strings.TrimRight(f, ".:"))
		// "path=/x" names /x; a query string's own "=" stays.
		if k, v, ok := strings.Cut(f, "="); ok && !strings.ContainsAny(k, "/?.") {
			f = v
		}
		if len(f) >= 5 && strings.ContainsAny(f, "/.") {
			tokens = append(tokens, f)
		}
	}
	for _, m := range matched {
		lm := strings.ToLower(strings.ReplaceAll(m, `\/`, "/"))
		for _, t := range tokens {
			if strings.Contains(lm, t) {
				return true
			}
		}
	}
	return false
}

func (se *scenarioEvents) compute() {
	r := se.r
	zero, zeroLabel, haveZero := se.zero()
	if haveZero {
		t := zero.Time
		r.T0 = &t
	}
	r.Alerts = len(se.alerts)
	var firstAlert *Event
	for i, ev := range se.alerts {
		if firstAlert == nil && (!haveZero || ev.Seq > zero.Seq) {
			firstAlert = &se.alerts[i]
		}
		a := se.alertData[i]
		for k := range r.Expectations {
			x := &r.Expectations[k]
			if x.Fired || x.Rule != a.Rule {
				continue
			}
			t := ev.Time
			x.Fired, x.AlertSeq, x.AlertTime, x.Matched = true, ev.Seq, &t, a.Matched
			if from, step, ok := se.attribute(ev, a); ok {
				x.Step = step
				x.LatencySeconds = seconds(ev.Offset() - from.Offset())
			} else if haveZero {
				// Fired before any inject step: measured from T0, negative.
				x.LatencySeconds = seconds(ev.Offset() - zero.Offset())
			}
			x.Late = x.LatencySeconds != nil && *x.LatencySeconds > x.WithinSeconds
		}
	}
	if firstAlert == nil && len(se.alerts) > 0 {
		firstAlert = &se.alerts[0]
	}
	// Time to detect: the first expected alert, from T0.
	if haveZero {
		var first *ExpectationResult
		for k := range r.Expectations {
			x := &r.Expectations[k]
			if x.Fired && (first == nil || x.AlertSeq < first.AlertSeq) {
				first = x
			}
		}
		if first != nil {
			for _, ev := range se.alerts {
				if ev.Seq == first.AlertSeq {
					r.TimeToDetect = r.figure(MetricDetect, zero, zeroLabel, ev, "alert "+first.Rule)
				}
			}
		}
	}
	r.Contained = se.contained != nil
	if firstAlert != nil {
		label := "first alert " + se.alertData[indexOf(se.alerts, firstAlert.Seq)].Rule
		if se.contained != nil {
			r.TimeToContain = r.figure(MetricContain, *firstAlert, label, *se.contained, "every containment check passes")
		}
		if se.recovered != nil {
			r.TimeToRecover = r.figure(MetricRecover, *firstAlert, label, *se.recovered, "stack back at its reset point")
		}
	}
	if r.TimeToContain != nil && r.Info.ContainWithinSeconds > 0 {
		ok := *r.TimeToContain <= r.Info.ContainWithinSeconds
		r.ContainedInTime = &ok
	}
	for _, ev := range se.notified {
		n := NotificationTime{Seq: ev.Seq, Time: ev.Time}
		if ev.Decode(&n.Notification) != nil {
			continue
		}
		if haveZero {
			n.AfterT0Seconds = seconds(ev.Offset() - zero.Offset())
		}
		if firstAlert != nil {
			n.AfterFirstAlertSeconds = seconds(ev.Offset() - firstAlert.Offset())
		}
		r.Notifications = append(r.Notifications, n)
	}
	r.Containment = containmentChecks(r.Checks)
	r.Outcome, r.Reason = verdict(r, se.end)
	r.Checkout = se.checkout()
}

func indexOf(evs []Event, seq int64) int {
	for i, e := range evs {
		if e.Seq == seq {
			return i
		}
	}
	return 0
}

// figure records a measured span and returns its seconds.
func (r *ScenarioResult) figure(metric string, from Event, fromLabel string, to Event, toLabel string) *float64 {
	s := seconds(to.Offset() - from.Offset())
	r.Figures = append(r.Figures, Figure{Metric: metric, Seconds: *s, From: refOf(from, fromLabel), To: refOf(to, toLabel)})
	return s
}

// containmentChecks pairs each check's last result before the response
// with its last result after it.
func containmentChecks(cs []Check) []ContainmentCheck {
	var out []ContainmentCheck
	idx := map[string]int{}
	for _, c := range cs {
		if c.Stage != CheckBefore && c.Stage != CheckAfter && c.Stage != "" {
			continue
		}
		i, ok := idx[c.Name]
		if !ok {
			i = len(out)
			idx[c.Name] = i
			out = append(out, ContainmentCheck{Name: c.Name})
		}
		pass := c.Pass
		if c.Stage == CheckBefore {
			out[i].Before, out[i].BeforeDetail = &pass, c.Detail
		} else {
			out[i].After, out[i].AfterDetail = &pass, c.Detail
		}
	}
	return out
}

// notRun lists the scenarios the run selected but never started, with
// what stopped it.
func notRun(events []Event, started map[string]*scenarioEvents) []ScenarioResult {
	if len(events) == 0 || events[0].Kind != KindRunStart {
		return nil
	}
	var run RunInfo
	if events[0].Decode(&run) != nil {
		return nil
	}
	why := "the run stopped without recording its end"
	lastFault := ""
	for _, e := range events {
		switch e.Kind {
		case KindFault:
			var f Fault
			if e.Decode(&f) == nil && f.Error != "" {
				lastFault = f.Error
			}
		case KindRunEnd:
			var end RunEnd
			if e.Decode(&end) == nil && end.Outcome != "" {
				why = "the run ended (" + end.Outcome + ")"
			}
		}
	}
	if lastFault != "" {
		why += " after a fault: " + lastFault
	}
	var out []ScenarioResult
	for _, id := range run.Scenarios {
		if _, ok := started[id]; ok {
			continue
		}
		out = append(out, ScenarioResult{
			Info: ScenarioInfo{ID: id, Title: id}, Outcome: OutcomeNotRun,
			Reason: "not run: " + why + " before this scenario started", Expectations: []ExpectationResult{},
		})
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
	}
	for _, c := range r.Containment {
		if c.Before != nil && *c.Before {
			return OutcomeScenarioFault, fmt.Sprintf("containment check %q already passed before the response, so it cannot prove containment: fix the scenario", c.Name)
		}
	}
	switch end.Outcome {
	case OutcomeScenarioFault:
		return OutcomeScenarioFault, end.Reason
	case OutcomeDiscussed:
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
			return OutcomeLate, fmt.Sprintf("rule %s fired %.2f s after %s, deadline %gs", x.Rule, *x.LatencySeconds, stepLabel(x.Step), x.WithinSeconds)
		}
	}
	if !r.Contained && !r.Info.DetectOnly {
		return OutcomeNotContained, "containment checks did not all pass"
	}
	return OutcomePassed, ""
}

func stepLabel(s *StepRef) string {
	if s == nil {
		return "T0"
	}
	return "the start of inject " + s.Label()
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
