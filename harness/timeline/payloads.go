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
	Source   string   `json:"source"`            // access, audit, db-audit, php-error, fim, state, graphql
	Window   string   `json:"window,omitempty"`  // baseline, observe
	Matched  []string `json:"matched,omitempty"` // the events that matched, as compact JSON or text
	// LatencySeconds is inject-complete → alert, filled when known.
	LatencySeconds *float64 `json:"latency_s,omitempty"`
	// EventTime is when the (latest) matching event happened, as its
	// source stamped it (the access log to the microsecond, server_audit
	// to the second): the start of the alert's own latency.
	EventTime *time.Time `json:"event_time,omitempty"`
}

// Check is a containment (or revert) check's result.
type Check struct {
	Stage  string `json:"stage"` // verify, revert
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail,omitempty"`
}

// Exposure counts what actually leaked, measured by the PII scanner on
// what an attacker obtained (an HTTP body, a dump).
type Exposure struct {
	Artifact   string         `json:"artifact"`
	Bytes      int64          `json:"bytes"`
	Subjects   int            `json:"data_subjects"` // distinct customers identified by canaries
	Records    int            `json:"records"`       // personal-data records found
	Canaries   []string       `json:"canaries,omitempty"`
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
	AtSeconds float64  `json:"at_s"`
	Say       string   `json:"say"`
	Ask       []string `json:"ask,omitempty"`
	Expect    []string `json:"expect,omitempty"`
}

// Decision is something the room decided or did.
type Decision struct {
	Who  string `json:"who"`
	Role string `json:"role,omitempty"`
	What string `json:"what"`
}

// Note is free text for the record.
type Note struct {
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
}

// Finding is a strength or an area for improvement.
type Finding struct {
	Type string `json:"type"` // strength, improvement
	Text string `json:"text"`
}

// Improvement is an item of the improvement plan.
type Improvement struct {
	Item   string `json:"item"`
	Owner  string `json:"owner"`
	Due    string `json:"due"` // YYYY-MM-DD
	Status string `json:"status"`
}

// Fault is an infrastructure failure; a scenario that has one is never
// reported as detected or missed.
type Fault struct {
	Error string `json:"error"`
}
