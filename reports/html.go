package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// ReportSections lists the element ids every report.html carries, in
// reading order; tests and auditors' tools can rely on them.
func ReportSections() []string {
	return []string{
		"summary", "overview", "time-bars", "scenarios", "participants", "analysis", "findings",
		"improvement-plan", "controls", "clocks", "gdpr-notice", "pci-12-10-7", "metrics", "limitations", "timeline", "evidence",
	}
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"utc":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"utcms": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") },
		"utcp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"dur":   func(d time.Duration) string { return secsF(d.Seconds()) },
		"secs":  secs,
		"secsF": secsF,
		"join":  strings.Join,
		"plus":  func(a, b int) int { return a + b },
		"minus": func(a, b int) int { return a - b },
		"addf":  func(a, b float64) float64 { return a + b },
		"list":  func(cs ...lineChart) []lineChart { return cs },
		"short": func(h string) string {
			if len(h) > 12 {
				return h[:12]
			}
			return h
		},
		"offset": func(ns int64) string {
			d := time.Duration(ns).Round(100 * time.Millisecond)
			h, m, s := int(d.Hours()), int(d.Minutes())%60, d.Seconds()-float64(int(d.Minutes())*60)
			if h > 0 {
				return fmt.Sprintf("%d:%02d:%04.1f", h, m, s)
			}
			return fmt.Sprintf("%d:%04.1f", m, s)
		},
		"score": func(s *float64) string {
			if s == nil {
				return "n/a"
			}
			return fmt.Sprintf("%.0f%%", *s)
		},
		"hours": hoursText,
		"resultClass": func(r string) string {
			switch r {
			case ResultPassed:
				return "pass"
			case ResultWarned:
				return "warn"
			}
			return "fail"
		},
		"resultText": func(r string) string {
			switch r {
			case ResultPassed:
				return "PASS"
			case ResultWarned:
				return "PASS with warnings"
			case ResultIncomplete:
				return "INCOMPLETE — not a pass"
			}
			return "FAIL"
		},
		"outcomeClass": outcomeClass,
		"latency":      latencyText,
		"passText":     passText,
		"controlClass": func(s string) string {
			switch s {
			case ControlExercised:
				return "exercised"
			case ControlGap:
				return "gap"
			}
			return "none"
		},
		"kindClass": func(k timeline.Kind) string { return strings.ReplaceAll(string(k), ".", "-") },

		"reconIntro": func() string { return reconIntro },
		"foundText":  foundText,
		"sourceText": sourceText,
	}
}

func outcomeClass(o string) string {
	switch o {
	case timeline.OutcomePassed, timeline.OutcomeDiscussed:
		return "ok"
	case timeline.OutcomeLate, timeline.OutcomeFalsePositive:
		return "warn"
	case timeline.OutcomeMissed, timeline.OutcomeNotContained:
		return "bad"
	}
	if timeline.Incomplete(o) {
		// Not measured is never shown like a pass.
		return "bad"
	}
	return "none"
}

// hoursText names a regulatory window the way the regulation does.
func hoursText(h float64) string {
	switch {
	case h >= 24*28:
		return "1 month"
	case h > 72 && int(h)%24 == 0:
		return fmt.Sprintf("%d days", int(h)/24)
	}
	return fmt.Sprintf("%g h", h)
}

// parseTemplate parses one page with the shared style. It parses on every
// call instead of caching in a package variable: a millisecond per bundle
// buys no shared mutable state.
func parseTemplate(name string) (*template.Template, error) {
	return template.New(name).Funcs(templateFuncs()).Funcs(checkoutFuncs()).ParseFS(templateFS, "templates/style.tmpl", "templates/reconstruction.tmpl", "templates/"+name)
}

type reportView struct {
	X           *exercise
	Bars        barChart
	Fingerprint string
	Evidence    []fileDigest
}

func renderHTML(x *exercise, fingerprint string, evidence []fileDigest) ([]byte, error) {
	t, err := parseTemplate("report.html.tmpl")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "report.html.tmpl", reportView{X: x, Bars: timeBars(x), Fingerprint: fingerprint, Evidence: evidence}); err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	return b.Bytes(), nil
}

// POC is the exercise's point of contact: the facilitator, or else the
// first participant who leads.
func (x *exercise) POC() *timeline.Participant {
	for _, want := range []string{"facilitator", "lead", "coordinator", "manager"} {
		for i, p := range x.Participants {
			if strings.Contains(strings.ToLower(p.Role), want) {
				return &x.Participants[i]
			}
		}
	}
	return nil
}

// Head is the hash of the last event: the timeline's fingerprint.
func (x *exercise) Head() string {
	if len(x.Events) == 0 {
		return ""
	}
	return x.Events[len(x.Events)-1].Hash
}
