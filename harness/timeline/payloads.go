package timeline

import "time"

// Exercise kinds.
const (
	ExerciseDrill    = "drill"
	ExerciseTest     = "test"
	ExerciseTabletop = "tabletop"
	// ExerciseWatch is a purple-team session: the rule pack watched a live
	// stack while a person or a tool attacked it (breachdrill watch).
	ExerciseWatch = "watch"
)

// RunInfo opens every timeline.
type RunInfo struct {
	ExerciseID   string        `json:"exercise_id"`
	Kind         string        `json:"kind"` // drill, test, tabletop
	Title        string        `json:"title,omitempty"`
	ToolVersion  string        `json:"tool_version"`
	Scenarios    []string      `json:"scenarios"`
	RulePackHash string        `json:"rule_pack_hash,omitempty"`
	Automation   string        `json:"automation,omitempty"` // who acted, when no people did
	Stack        *StackInfo    `json:"stack,omitempty"`
	Dataset      *DatasetInfo  `json:"dataset,omitempty"`
	Participants []Participant `json:"participants,omitempty"`
	// LeftOut are catalogue scenarios the selection (--all) left out before
	// the run, with why: they were not selected, so they are no verdict,
	// but the record says they were not exercised.
	LeftOut []LeftOut `json:"left_out,omitempty"`
}

// LeftOut is a scenario left out of a run before it started.
type LeftOut struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// StackInfo is what the stack was, without any secret.
type StackInfo struct {
	RunID              string `json:"run"`
	ImageSource        string `json:"image_source"`
	ImageDB            string `json:"image_db"`
	ImageWP            string `json:"image_wp"`
	ImageDBID          string `json:"image_db_id,omitempty"`
	ImageWPID          string `json:"image_wp_id,omitempty"`
	WordPressVersion   string `json:"wordpress_version"`
	WooCommerceMode    string `json:"woocommerce_mode"`
	WooCommerceVersion string `json:"woocommerce_version,omitempty"`
	MariaDBVersion     string `json:"mariadb_version"`
	PHPVersion         string `json:"php_version"`
	ApacheVersion      string `json:"apache_version,omitempty"`
	ModSecurityVersion string `json:"modsecurity_version,omitempty"`
	CRSVersion         string `json:"crs_version,omitempty"`
	// Plugins are the shop's active plugins when the stack became ready.
	Plugins []PluginInfo `json:"plugins,omitempty"`
	// WarmSnapshot is the key of the warm snapshot the stack was restored
	// from (installed and seeded once by a builder stack); empty: cold.
	WarmSnapshot string `json:"warm_snapshot,omitempty"`
	// NetworkSealed says whether the run's network was sealed (no way
	// out, no way in but 127.0.0.1 and docker exec); when it was not,
	// NetworkExposure says why, for the record's limitations.
	NetworkSealed   bool   `json:"network_sealed"`
	NetworkExposure string `json:"network_exposure,omitempty"`
}

// PluginInfo names one active plugin and the digest of its files.
type PluginInfo struct {
	File    string `json:"file"`
	Version string `json:"version,omitempty"`
	SHA256  string `json:"sha256"`
}

// DatasetInfo identifies the synthetic data the stack held.
type DatasetInfo struct {
	Seed      int64  `json:"seed"`
	Customers int    `json:"customers"`
	Orders    int    `json:"orders"`
	Canaries  int    `json:"canaries"`
	Hash      string `json:"hash"`
}

// RunEnd closes the timeline.
type RunEnd struct {
	Outcome string `json:"outcome"` // passed, gaps, infrastructure-error, interrupted, completed (tabletop)
}

// Phase marks a lifecycle phase (provision, seed, baseline, inject,
// observe, respond, verify, revert, cleanup) or, in a tabletop, an incident
// phase the scribe advanced to (detect, analyse, contain, eradicate,
// recover, post-incident).
type Phase struct {
	Name string `json:"name"`
}

// Expect is one detection a scenario expects.
type Expect struct {
	Rule          string  `json:"rule"`
	WithinSeconds float64 `json:"within_s"`
}

// ScenarioInfo opens a scenario: everything reports need to know about it.
type ScenarioInfo struct {
	ID                   string   `json:"id"`
	Title                string   `json:"title"`
	Summary              string   `json:"summary,omitempty"`
	Severity             string   `json:"severity"`
	Version              string   `json:"version"` // SHA-256 of the scenario file
	Source               string   `json:"source,omitempty"`
	SeedPattern          string   `json:"seed_pattern,omitempty"`
	Attack               []string `json:"attack,omitempty"`
	Controls             []string `json:"controls,omitempty"`
	DataAtRisk           []string `json:"data_at_risk,omitempty"`
	Objectives           []string `json:"objectives,omitempty"`
	Expect               []Expect `json:"expect,omitempty"`
	ContainWithinSeconds float64  `json:"contain_within_s,omitempty"`
	RecoverWithinSeconds float64  `json:"recover_within_s,omitempty"`
	CardData             bool     `json:"card_data,omitempty"` // PCI 12.10.7 applies
	PersonalData         bool     `json:"personal_data,omitempty"`
	// DetectOnly marks a watch session: the attacks were someone else's
	// and nothing was to be contained, so only detection is measured.
	DetectOnly bool `json:"detect_only,omitempty"`
	// WAFMode is the mode ModSecurity was in for the scenario's baseline
	// and inject (off, detect, block): the one the scenario declares, or
	// the stack's. A response that switches it is a step on the timeline.
	WAFMode string `json:"waf_mode,omitempty"`
	// AttackerSteps are the steps of the attack the scenario declares,
	// scored for reconstruction from the logs that remained.
	AttackerSteps []AttackerStep `json:"attacker_steps,omitempty"`
}

// ScenarioEnd closes a scenario with the engine's verdict.
type ScenarioEnd struct {
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// Step is an inject, response or revert action.
type Step struct {
	Stage  string `json:"stage"` // inject, respond, revert
	Index  int    `json:"index"`
	Action string `json:"action"`
	Args   string `json:"args,omitempty"` // a readable rendering, secrets masked
	Error  string `json:"error,omitempty"`
	Millis int64  `json:"ms,omitempty"`
}

// Alert is a detection rule firing.
type Alert struct {
	Rule string `json:"rule"`
	// SigmaID is a Sigma rule's own id (a UUID in community rules), so a
	// report names the rule as its authors do too.
	SigmaID  string   `json:"sigma_id,omitempty"`
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	Source   string   `json:"source"`            // access, audit, db-audit, php-error, apache-error, waf, fim, state, graphql
	Window   string   `json:"window,omitempty"`  // baseline, observe
	Matched  []string `json:"matched,omitempty"` // the events that matched, as compact JSON or text
	// LatencySeconds is unused by the engine (timeline.Measure attributes
	// each alert to its inject step); kept so older timelines still read.
	LatencySeconds *float64 `json:"latency_s,omitempty"`
	// EventTime is when the (latest) matching event happened, as its
	// source stamped it (the access log to the microsecond, server_audit
	// to the second): the start of the alert's own latency.
	EventTime *time.Time `json:"event_time,omitempty"`
}

// Check stages. A containment check runs before the response (it must
// fail there, or it proves nothing) and after it.
const (
	CheckBefore = "before-respond"
	CheckAfter  = "verify"
	CheckRevert = "revert"
)

// Check is a containment (or revert) check's result.
type Check struct {
	Stage  string `json:"stage"` // before-respond, verify, revert
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail,omitempty"`
}

// Notification records that a party outside the team (the payment
// processor's incident desk) acknowledged being told, during a step.
type Notification struct {
	Contact   string `json:"contact"`
	Role      string `json:"role,omitempty"`      // payment-processor, regulator, ...
	Channel   string `json:"channel"`             // how: "HTTP POST /path (stand-in inside the run)"
	Reference string `json:"reference,omitempty"` // the ticket the contact answered with
}

// Exposure counts what actually leaked, measured by the PII scanner on
// what an attacker obtained (an HTTP body, a dump).
type Exposure struct {
	Artifact string `json:"artifact"`
	Bytes    int64  `json:"bytes"`
	Subjects int    `json:"data_subjects"` // distinct seeded customers whose data appears in the artifact
	Records  int    `json:"records"`       // personal-data records found
	// Customers are the seeded customers (dataset positions) found, so
	// totals over several artifacts count each person once.
	Customers []int `json:"customers,omitempty"`
	// Method says how Subjects was counted, for the Art. 33 draft.
	Method     string         `json:"method,omitempty"`
	Canaries   []string       `json:"canaries,omitempty"` // provenance: canary records found
	Categories map[string]int `json:"categories,omitempty"`
	CardNumber bool           `json:"card_numbers,omitempty"`
}

// Clock is a regulatory deadline started by the breach.
type Clock struct {
	Regime   string    `json:"regime"` // GDPR Art. 33, DORA initial, ...
	Deadline time.Time `json:"deadline"`
	Hours    float64   `json:"hours"`
	Applies  string    `json:"applies,omitempty"`
}

// Participant is a person in a tabletop and their role.
type Participant struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// TabletopInject is a narrative inject delivered to the room.
type TabletopInject struct {
	Index     int      `json:"index,omitempty"` // 1-based, in schedule order
	AtSeconds float64  `json:"at_s"`
	Say       string   `json:"say"`
	Ask       []string `json:"ask,omitempty"`
	Expect    []string `json:"expect,omitempty"`
}

// Decision is something the room decided or did.
type Decision struct {
	ID   string `json:"id,omitempty"` // the log entry ("L3"), for corrections
	Who  string `json:"who"`
	Role string `json:"role,omitempty"`
	What string `json:"what"`
}

// Note is free text for the record.
type Note struct {
	ID   string `json:"id,omitempty"` // the log entry ("L3"), for corrections
	Text string `json:"text"`
}

// HSEEP ratings.
const (
	RatingP = "P" // performed without challenges
	RatingS = "S" // performed with some challenges
	RatingM = "M" // performed with major challenges
	RatingU = "U" // unable to be performed
)

// Rating is the hot wash's rating of one objective.
type Rating struct {
	Objective string `json:"objective"`
	Rating    string `json:"rating"`
	Comment   string `json:"comment,omitempty"`
	// At is when the room gave the rating; the event's own time is when
	// the hot wash was written to the record.
	At *time.Time `json:"at,omitempty"`
}

// Finding is a strength or an area for improvement.
type Finding struct {
	Type string     `json:"type"` // strength, improvement
	Text string     `json:"text"`
	At   *time.Time `json:"at,omitempty"` // when it was said
}

// Improvement is an item of the improvement plan.
type Improvement struct {
	Item      string     `json:"item"`
	Owner     string     `json:"owner"`
	Due       string     `json:"due"` // YYYY-MM-DD
	Status    string     `json:"status"`
	Objective string     `json:"objective,omitempty"`
	Control   string     `json:"control,omitempty"`
	At        *time.Time `json:"at,omitempty"` // when it was entered
}

// Fault is an infrastructure failure; a scenario that has one is never
// reported as detected or missed.
type Fault struct {
	Error string `json:"error"`
}

// SchemaModeLimitation is what every report says about a stack that had
// WooCommerce's tables but not its code.
const SchemaModeLimitation = "Schema mode: WooCommerce's code did not run: checkout, Store API and WooCommerce hooks were not exercised; the stack held WooCommerce's tables only."

// Fidelity says, in one line, how faithful the drilled shop was to a real
// one; empty when it ran the real plugin.
func (s *StackInfo) Fidelity() string {
	if s != nil && s.WooCommerceMode == "schema" {
		return SchemaModeLimitation
	}
	return ""
}

// Tabletop record kinds added for the facilitator console: each is
// additive, so a report that does not know one simply lists its summary.
const (
	KindTabletopClock Kind = "tabletop.clock"   // TabletopClock
	KindCorrection    Kind = "correction"       // Correction
	KindOutcomeMark   Kind = "expected.outcome" // OutcomeMark
	KindEvaluatorNote Kind = "evaluator.note"   // EvaluatorNote
	KindFeedback      Kind = "feedback"         // Feedback
	KindArtificiality Kind = "artificiality"    // Artificiality
)

// TabletopClock is the exercise clock's state when the facilitator paused,
// resumed or saved the exercise for later; a resumed console and the room
// display read the clocks back from it.
type TabletopClock struct {
	State           string  `json:"state"` // paused, resumed, saved
	ScenarioSeconds float64 `json:"scenario_s"`
	ExerciseSeconds float64 `json:"exercise_s"`
}

// Correction amends an earlier entry without erasing it: the timeline keeps
// the original and the correction, and the report shows both.
type Correction struct {
	Of     string `json:"of"`     // the entry's id (a log entry "L3", an inject "inject 2")
	Action string `json:"action"` // edited, struck, withdrawn
	Text   string `json:"text,omitempty"`
	Was    string `json:"was,omitempty"`
}

// Expected-outcome marks.
const (
	MarkObserved    = "observed"
	MarkPartly      = "partly"
	MarkNotObserved = "not observed"
)

// OutcomeMark is the facilitator's judgement of one outcome an inject
// expected (the scenario's `expect:`), as HSEEP's evaluation guides record.
type OutcomeMark struct {
	Inject  int    `json:"inject"` // 1-based, in schedule order
	Outcome string `json:"outcome"`
	Mark    string `json:"mark"`
	Note    string `json:"note,omitempty"`
}

// EvaluatorNote is an evaluator's observation on one objective.
type EvaluatorNote struct {
	Objective string `json:"objective"`
	Evaluator string `json:"evaluator"`
	Text      string `json:"text"`
}

// Feedback is one participant's answer to the end-of-exercise form.
type Feedback struct {
	Who     string `json:"who"`
	Role    string `json:"role,omitempty"`
	Score   int    `json:"score,omitempty"` // 1 (poor) to 5 (excellent): was the exercise useful
	Worked  string `json:"worked,omitempty"`
	Improve string `json:"improve,omitempty"`
}

// SignOff is a named person accepting the record: the facilitator, then an
// approver.
type SignOff struct {
	Name string    `json:"name"`
	Role string    `json:"role"`
	As   string    `json:"as"` // facilitator, approver
	At   time.Time `json:"at"`
}

// Artificiality is a way the exercise differs from a real incident, stated
// for whoever reads the record (HSEEP's "exercise artificialities").
type Artificiality struct {
	Text string `json:"text"`
	// TimeScale is exercise time per real time (60: a minute is an hour).
	TimeScale float64 `json:"time_scale,omitempty"`
}
