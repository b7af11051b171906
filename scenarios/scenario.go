// Package scenarios is breachdrill's catalogue of breaches. A scenario is
// data — one YAML file per breach, with its own artifacts (a rogue plugin, a
// vulnerable plugin) in the same folder — and the typed actions and checks
// those files may use. Adding a scenario touches one folder; adding a kind of
// step touches the registry.
package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"time"
)

// Scenario is one breach: how to inject it, what must detect it, how to
// respond, how to prove containment, how to put the stack back, and how to
// run it as a discussion.
type Scenario struct {
	ID            string
	Title         string
	Summary       string
	Severity      string
	Attack        []string // MITRE ATT&CK technique ids
	SeedPattern   string   // the failure pattern of the seed document it enacts
	DataAtRisk    []string
	Controls      []string // framework:control, e.g. PCI:12.10.7
	Objectives    []string // exercise objectives, rated in the hot wash
	Preconditions []string
	// Warmup prepares what the breach needs but is not the attack (a
	// second tenant, the shop's own payment gateway); it runs before the
	// clean baseline window, so the shipped rules are judged with it in
	// place, and it is not part of the timed inject.
	Warmup        []Step
	Inject        []Step
	Expect        []Expectation
	ContainWithin time.Duration
	Respond       []Step
	Verify        []Check
	Revert        []Step
	Tabletop      []TabletopInject
	// AttackerSteps are scored for reconstruction from the logs that
	// remained after the run.
	AttackerSteps []AttackerStep

	// Where it came from: the file (for messages and evidence), its bytes'
	// hash (the scenario's version), and its folder (for artifacts).
	File      string
	Hash      string
	Artifacts fs.FS
	Source    string // "builtin" or the directory given with --scenarios
}

// Expectation is a rule that must fire within a deadline of the inject.
type Expectation struct {
	Rule   string
	Within time.Duration
	Line   int
	Column int
}

// TabletopInject is a timed piece of narrative for the room.
type TabletopInject struct {
	At     time.Duration
	Say    string
	Ask    []string
	Expect []string // decisions the facilitator looks for
}

// Severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

// Preconditions a scenario may declare.
var knownPreconditions = map[string]string{
	"seeded":      "the stack holds a synthetic dataset (customers, orders, canaries)",
	"woocommerce": "WooCommerce's tables exist (plugin or schema mode)",
	"peer":        "a second container of the run can send requests (stolen-session replay)",
	"waf-off":     "the WAF runs no rules (set at warm-up; Reset restores the stack's mode)",
	"waf-detect":  "the WAF only detects: ModSecurity + CRS log, nothing is blocked (set at warm-up; Reset restores the stack's mode)",
	"waf-block":   "the WAF blocks: requests over the CRS anomaly threshold get 403 (set at warm-up; Reset restores the stack's mode)",
}

// Default deadlines when a file gives none.
const (
	defaultWithin        = 30 * time.Second
	defaultContainWithin = 2 * time.Minute
)

// CardData reports whether the scenario puts card numbers at risk, which
// makes PCI DSS 12.10.7 apply.
func (s *Scenario) CardData() bool { return s.hasRisk("card-numbers") }

// PersonalData reports whether personal data is at risk, which starts the
// GDPR, DORA and NYDFS notification clocks.
func (s *Scenario) PersonalData() bool {
	for _, r := range s.DataAtRisk {
		switch r {
		case "customer-pii", "card-numbers", "billing-addresses", "email-addresses", "order-history":
			return true
		}
	}
	return false
}

func (s *Scenario) hasRisk(r string) bool {
	for _, x := range s.DataAtRisk {
		if x == r {
			return true
		}
	}
	return false
}

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
