package timeline

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// KindReconstruction records, once per scenario that declares its attacker
// steps, which of them the logs that remained could prove.
const KindReconstruction Kind = "reconstruction" // Reconstruction

// AttackerStep is one step of the attack as the scenario declares it, with
// every place it would leave a trace. The declaration says where to look;
// only what was found there counts.
type AttackerStep struct {
	ID       string         `json:"id"`
	What     string         `json:"what"`
	Evidence []StepEvidence `json:"evidence"`
}

// StepEvidence is one trace a step would leave: a line of a log written
// while the scenario ran, or an alert of a rule (file integrity and state
// rules read sources that have no log: the docroot, WordPress's own
// tables). Match, a regular expression, must match the log line or one of
// the events the rule matched; empty matches anything.
type StepEvidence struct {
	Log   string `json:"log,omitempty"`
	Rule  string `json:"rule,omitempty"`
	Match string `json:"match,omitempty"`
}

// String names the evidence for a report: "access log /export-.*csv/".
func (e StepEvidence) String() string {
	s := "rule " + e.Rule
	if e.Log != "" {
		s = e.Log + " log"
	}
	if e.Match != "" {
		s += " /" + e.Match + "/"
	}
	return s
}

// CollectedLog is what one log received from the start of the inject to
// the moment the evidence was collected (before the response).
type CollectedLog struct {
	Log   string
	Lines []string
	// Truncated: the log grew beyond what collection keeps; later lines
	// were not searched.
	Truncated bool
}

// Reconstruction is the scored answer to "could we tell what happened
// from what was recorded?".
type Reconstruction struct {
	// Collected is when the evidence was collected: the logs hold what
	// was written between T0 and then, alerts are those recorded by then.
	Collected     time.Time            `json:"collected"`
	Steps         []StepReconstruction `json:"steps"`
	Reconstructed int                  `json:"reconstructed"`
	Of            int                  `json:"of"`
	Sources       []SourceRecord       `json:"sources"`
}

// Score is "n of m steps".
func (r Reconstruction) Score() string {
	return fmt.Sprintf("%d of %d steps", r.Reconstructed, r.Of)
}

// SourceRecord says how much a log recorded while the scenario ran: a log
// with no line at all was off (or the attack never reached it).
type SourceRecord struct {
	Log       string `json:"log"`
	Lines     int    `json:"lines"`
	Truncated bool   `json:"truncated,omitempty"`
}

// StepReconstruction is one attacker step, scored.
type StepReconstruction struct {
	ID            string          `json:"id"`
	What          string          `json:"what"`
	Reconstructed bool            `json:"reconstructed"`
	Found         []EvidenceFound `json:"found,omitempty"`
	// Missing are the declared traces that were not there.
	Missing []string `json:"missing,omitempty"`
}

// EvidenceFound is a trace that was there: where, and the event itself.
type EvidenceFound struct {
	Evidence string `json:"evidence"` // the declaration it satisfies
	Source   string `json:"source"`   // the log, or the alert's source (fim, state, ...)
	Rule     string `json:"rule,omitempty"`
	AlertSeq int64  `json:"alert_seq,omitempty"` // the alert's timeline event
	Line     int    `json:"line,omitempty"`      // 1-based, counted from T0 in that log
	Event    string `json:"event"`               // the matching line or matched event, clipped
}

// maxEventText bounds the quoted event in the record.
const maxEventText = 400

// Reconstruct scores each attacker step of scenario against what remained:
// the logs collected and the alerts the scenario's observe window recorded
// on the timeline. A step is reconstructed when at least one of its traces
// was found; every trace found is listed, so the report shows which sources
// carried the step and which did not.
func Reconstruct(steps []AttackerStep, events []Event, scenario string, logs []CollectedLog, collected time.Time) Reconstruction {
	rec := Reconstruction{Collected: collected.UTC(), Steps: []StepReconstruction{}, Sources: []SourceRecord{}, Of: len(steps)}
	byLog := map[string]CollectedLog{}
	for _, l := range logs {
		byLog[l.Log] = l
		rec.Sources = append(rec.Sources, SourceRecord{Log: l.Log, Lines: len(l.Lines), Truncated: l.Truncated})
	}
	var alerts []Event
	var alertData []Alert
	for _, e := range events {
		if e.Kind != KindAlert || e.Scenario != scenario {
			continue
		}
		var a Alert
		if e.Decode(&a) != nil || a.Window != "observe" {
			continue
		}
		alerts, alertData = append(alerts, e), append(alertData, a)
	}
	for _, st := range steps {
		sr := StepReconstruction{ID: st.ID, What: st.What}
		for _, ev := range st.Evidence {
			re, err := regexp.Compile(ev.Match)
			if err != nil {
				sr.Missing = append(sr.Missing, ev.String()+" (pattern does not compile: "+err.Error()+")")
				continue
			}
			found, ok := findEvidence(ev, re, byLog, alerts, alertData)
			if !ok {
				why := ev.String()
				if l, collected := byLog[ev.Log]; ev.Log != "" && (!collected || len(l.Lines) == 0) {
					why += " (the log recorded nothing)"
				}
				sr.Missing = append(sr.Missing, why)
				continue
			}
			found.Evidence = ev.String()
			sr.Found = append(sr.Found, found)
		}
		sr.Reconstructed = len(sr.Found) > 0
		if sr.Reconstructed {
			rec.Reconstructed++
		}
		rec.Steps = append(rec.Steps, sr)
	}
	return rec
}

// findEvidence returns the first trace matching ev.
func findEvidence(ev StepEvidence, re *regexp.Regexp, logs map[string]CollectedLog, alerts []Event, alertData []Alert) (EvidenceFound, bool) {
	if ev.Log != "" {
		for i, line := range logs[ev.Log].Lines {
			if re.MatchString(line) {
				return EvidenceFound{Source: ev.Log, Line: i + 1, Event: clip.String(line, maxEventText)}, true
			}
		}
		return EvidenceFound{}, false
	}
	for i, a := range alertData {
		if a.Rule != ev.Rule {
			continue
		}
		found := EvidenceFound{Source: a.Source, Rule: a.Rule, AlertSeq: alerts[i].Seq}
		if ev.Match == "" {
			found.Event = clip.String(strings.Join(a.Matched, "; "), maxEventText)
			if found.Event == "" {
				found.Event = alerts[i].Summary
			}
			return found, true
		}
		for _, m := range a.Matched {
			if re.MatchString(m) {
				found.Event = clip.String(m, maxEventText)
				return found, true
			}
		}
	}
	return EvidenceFound{}, false
}
