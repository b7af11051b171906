// GDPR Art. 33: the draft notice, counted from what left the stack, and
// the harm each category of data risks.

package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

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
	Method        string         `json:"method"` // how the numbers were obtained
	ClockRecorded bool           `json:"clock_recorded"`
}

// exposureTotals sums what left the stack. The same customer can appear
// in two artifacts, so subjects are the distinct seeded customers over all
// of them when the scanner named them, and never fewer than the largest
// single artifact's count; records are summed, because each artifact is a
// separate copy that left.
func exposureTotals(xs []timeline.Exposure) (subjects, records int, card bool) {
	customers := map[int]bool{}
	for _, x := range xs {
		subjects = max(subjects, x.Subjects)
		records += x.Records
		card = card || x.CardNumber
		for _, c := range x.Customers {
			customers[c] = true
		}
	}
	return max(subjects, len(customers)), records, card
}

// exposureMethod says how a notice's numbers were obtained.
func exposureMethod(xs []timeline.Exposure) string {
	methods := map[string]bool{}
	var list []string
	canaries := map[string]bool{}
	for _, x := range xs {
		m := x.Method
		if m == "" {
			m = "counted by the PII scanner in the artifact"
		}
		if !methods[m] {
			methods[m] = true
			list = append(list, m)
		}
		for _, c := range x.Canaries {
			canaries[c] = true
		}
	}
	text := "Data subjects: " + strings.Join(list, "; ") + ". Records: distinct personal-data values (e-mail, phone, address, card number, password hash) found, summed over the artifacts."
	if len(canaries) > 0 {
		text += fmt.Sprintf(" %d canary records were found among them, which proves the data came from this shop; canaries are provenance, not the count.", len(canaries))
	}
	return text
}

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
		n.Method = exposureMethod(s.Exposures)
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
