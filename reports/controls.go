package reports

import (
	"sort"
	"strings"
)

// Control is one requirement an exercise can give evidence for.
type Control struct {
	Framework string `json:"framework"` // SOC2, ISO27001, PCI, GDPR, DORA, NYDFS
	ID        string `json:"id"`        // CC7.4, 5.26, 12.10.7, 33, 19, 500.17
	Name      string `json:"name"`      // as auditors cite it
	Asks      string `json:"asks"`
}

// Key is how scenario files cite the control: "PCI:12.10.7".
func (c Control) Key() string { return c.Framework + ":" + c.ID }

// catalogue is the control mapping every report shows, in the order an
// auditor reads it. It is a function, not a package variable, so no caller
// can edit the shared list.
func catalogue() []Control {
	return []Control{
		{"SOC2", "CC7.3", "SOC 2 CC7.3", "security events evaluated; response procedures evaluated periodically"},
		{"SOC2", "CC7.4", "SOC 2 CC7.4", "incident-response program executed: roles, containment, mitigation, restoration, communication"},
		{"SOC2", "CC7.5", "SOC 2 CC7.5", "recovery, root cause, procedures improved from lessons; recovery plan tested with scenarios"},
		{"ISO27001", "5.24", "ISO/IEC 27001:2022 A.5.24", "incident management planning and preparation: processes, roles, responsibilities"},
		{"ISO27001", "5.25", "ISO/IEC 27001:2022 A.5.25", "assessment and decision on security events"},
		{"ISO27001", "5.26", "ISO/IEC 27001:2022 A.5.26", "response according to documented procedures, logged for later analysis"},
		{"ISO27001", "5.27", "ISO/IEC 27001:2022 A.5.27", "learning from incidents improves controls"},
		{"ISO27001", "5.28", "ISO/IEC 27001:2022 A.5.28", "collection and preservation of evidence"},
		{"PCI", "12.10.1", "PCI DSS v4.0.1 12.10.1", "IR plan with roles, communication, containment, recovery, legal reporting"},
		{"PCI", "12.10.2", "PCI DSS v4.0.1 12.10.2", "IR plan reviewed and tested at least every 12 months"},
		{"PCI", "12.10.5", "PCI DSS v4.0.1 12.10.5", "plan covers alerts from intrusion, file-change and payment-page tamper detection"},
		{"PCI", "12.10.7", "PCI DSS v4.0.1 12.10.7", "procedures when stored PAN is found where not expected"},
		{"GDPR", "33", "GDPR Art. 33", "notify the supervisory authority within 72 h of awareness"},
		{"GDPR", "34", "GDPR Art. 34", "communicate a high-risk breach to data subjects"},
		{"DORA", "11", "DORA Art. 11", "response and recovery plans, tested at least yearly"},
		{"DORA", "19", "DORA Art. 19", "major ICT incident reporting: 4 h / 24 h initial, 72 h intermediate, one month final"},
		{"DORA", "24", "DORA Art. 24", "digital operational resilience testing programme"},
		{"DORA", "25", "DORA Art. 25", "scenario-based testing of ICT tools and systems"},
		{"NYDFS", "500.16", "NYDFS 23 NYCRR 500.16", "written incident-response plan, tested"},
		{"NYDFS", "500.17", "NYDFS 23 NYCRR 500.17", "notice to the superintendent within 72 h"},
	}
}

// frameworkAliases maps how people write a framework to our spelling.
func frameworkAlias(s string) string {
	switch strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "_", "", "/", "").Replace(s)) {
	case "SOC2", "SOC", "TSC":
		return "SOC2"
	case "ISO27001", "ISO", "ISO270012022", "ISOIEC27001":
		return "ISO27001"
	case "PCI", "PCIDSS":
		return "PCI"
	case "GDPR":
		return "GDPR"
	case "DORA":
		return "DORA"
	case "NYDFS", "23NYCRR500", "NYCRR":
		return "NYDFS"
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

// normalizeControl turns "iso27001:A.5.26", "GDPR:Art.33" or "SOC2:cc7.4"
// into the catalogue's key, so scenario authors need not match our
// spelling exactly.
func normalizeControl(s string) string {
	fw, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return strings.TrimSpace(s)
	}
	fw = frameworkAlias(fw)
	id = strings.TrimSpace(id)
	lower := strings.ToLower(id)
	for _, prefix := range []string{"art.", "art ", "article ", "a."} {
		if strings.HasPrefix(lower, prefix) {
			id = strings.TrimSpace(id[len(prefix):])
			lower = strings.ToLower(id)
		}
	}
	if fw == "SOC2" {
		id = strings.ToUpper(id)
	}
	return fw + ":" + id
}

// Control statuses.
const (
	ControlExercised    = "exercised"
	ControlGap          = "exercised — gap found"
	ControlNotExercised = "not exercised"
)

// planControls are the controls that ask for the incident-response plan to
// be tested: an exercise counts for them only when it meets the policy.
func planControls() []string {
	return []string{"PCI:12.10.2", "SOC2:CC7.4", "DORA:11", "NYDFS:500.16"}
}

// ControlCoverage is one row of the control mapping.
type ControlCoverage struct {
	Control
	Status    string   `json:"status"`
	Scenarios []string `json:"scenarios,omitempty"` // scenarios that cite it and ran
	Evidence  []string `json:"evidence,omitempty"`  // why it counts as exercised
	Gaps      []string `json:"gaps,omitempty"`      // what fell short, when exercised with a gap
	// Note qualifies the row, e.g. why "the plan was tested" is not
	// demonstrated.
	Note string `json:"note,omitempty"`
}

// coverage maps the exercise onto the catalogue. A control counts as
// exercised when a scenario that cites it ran to a conclusion, or when the
// timeline itself shows the activity the control asks for (alerts
// evaluated, containment, clocks started, a signed record); each row says
// which, so an auditor can weigh it. It is "exercised — gap found" when a
// scenario behind it found a gap (measured, or rated M or U by the room)
// or its own evidence fell short, and every such row names the gap.
func coverage(x *exercise) (rows []ControlCoverage, other []string) {
	evidence := map[string][]string{}
	add := func(key, why string) {
		for _, have := range evidence[key] {
			if have == why {
				return
			}
		}
		evidence[key] = append(evidence[key], why)
	}
	gaps := map[string][]string{}
	addGap := func(key, why string) {
		for _, have := range gaps[key] {
			if have == why {
				return
			}
		}
		gaps[key] = append(gaps[key], why)
	}
	notes := map[string]string{}
	cited := map[string][]string{}
	known := map[string]bool{}
	for _, c := range catalogue() {
		known[c.Key()] = true
	}
	otherSet := map[string]bool{}
	for _, s := range x.Scenarios {
		for _, raw := range s.Info.Controls {
			key := normalizeControl(raw)
			if !known[key] {
				otherSet[raw] = true
			}
			if !s.concluded() {
				continue
			}
			cited[key] = append(cited[key], s.Info.ID)
			if s.gap() {
				addGap(key, s.GapText())
			}
		}
	}
	concluded := false
	for _, s := range x.Scenarios {
		concluded = concluded || s.concluded()
	}
	tested, why := planTested(x, x.Policy)
	for _, k := range planControls() {
		if tested {
			add(k, "this "+x.kindName()+" tested the incident-response plan: "+why)
		} else {
			notes[k] = "plan test not demonstrated: " + why
		}
	}
	if concluded {
		add("SOC2:CC7.3", "response procedures evaluated in a "+x.kindName())
		if x.Run.Stack != nil {
			add("DORA:25", "scenario-based test against a disposable copy of the shop")
		}
	}
	add("ISO27001:5.28", "every event hash-chained and the bundle signed (ed25519, DSSE)")
	for _, s := range x.Scenarios {
		if s.concluded() {
			reconstructionEvidence(s, add, addGap)
		}
	}
	if x.count.alerts > 0 {
		add("ISO27001:5.25", "alerts raised and assessed against expectations")
		add("SOC2:CC7.3", "alerts raised and assessed against expectations")
	}
	if x.count.respond > 0 {
		add("ISO27001:5.26", "response actions logged in the timeline")
	}
	if x.count.contained > 0 {
		add("SOC2:CC7.4", "containment executed and verified by checks that failed before the response")
	}
	if x.count.decisions > 0 {
		add("ISO27001:5.26", "decisions of the room logged in the timeline")
		add("ISO27001:5.25", "decisions of the room logged in the timeline")
		add("SOC2:CC7.4", "response decided by the people who own it")
	}
	if x.count.recovered > 0 {
		add("SOC2:CC7.5", "recovery verified")
	}
	if len(x.Plan) > 0 {
		add("ISO27001:5.27", "improvement plan recorded")
		add("SOC2:CC7.5", "improvement plan recorded")
	}
	if len(x.Participants) > 0 {
		add("ISO27001:5.24", "participants acted in their roles")
		add("PCI:12.10.1", "participants acted in their roles")
	}
	for _, src := range x.count.sources {
		switch src {
		case "fim":
			add("PCI:12.10.5", "alert from file-change detection")
		default:
			add("PCI:12.10.5", "alert from intrusion detection ("+src+")")
		}
	}
	for _, p := range x.PCI {
		switch {
		case p.Pass:
			add("PCI:12.10.7", "card-data scenario "+p.Scenario+": "+p.Verdict)
		case p.Concluded:
			add("PCI:12.10.7", "card-data scenario "+p.Scenario+" run")
			addGap("PCI:12.10.7", p.Scenario+": "+p.Verdict)
		}
	}
	for _, c := range x.Clocks {
		switch {
		case strings.HasPrefix(c.Regime, "GDPR"):
			add("GDPR:33", "GDPR 72 h clock started at awareness")
		case strings.HasPrefix(c.Regime, "DORA"):
			add("DORA:19", "DORA reporting clocks started")
		case strings.HasPrefix(c.Regime, "NYDFS"):
			add("NYDFS:500.17", "NYDFS 72 h clock started")
		}
	}
	for _, n := range x.Notices {
		add("GDPR:33", "draft Art. 33 notice ("+n.Scenario+") with the number of data subjects counted in what left the stack")
		if n.HighRisk {
			add("GDPR:34", "high-risk exposure ("+n.Scenario+") assessed for communication to data subjects")
		}
	}
	for _, c := range catalogue() {
		key := c.Key()
		row := ControlCoverage{Control: c, Scenarios: cited[key], Note: notes[key]}
		for _, id := range cited[key] {
			row.Evidence = append(row.Evidence, "scenario "+id)
		}
		row.Evidence = append(row.Evidence, evidence[key]...)
		switch {
		case len(row.Evidence) == 0 || row.Note != "" && key != "SOC2:CC7.4":
			// Testing the plan is all these controls ask; an exercise
			// short of the policy does not exercise them.
			row.Status = ControlNotExercised
		case len(gaps[key]) > 0:
			row.Status, row.Gaps = ControlGap, gaps[key]
		default:
			row.Status = ControlExercised
		}
		rows = append(rows, row)
	}
	for k := range otherSet {
		other = append(other, k)
	}
	sort.Strings(other)
	return rows, other
}
