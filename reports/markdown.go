package reports

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'").Replace(s)
	return strings.TrimSpace(s)
}

// latencyText is a detection latency with the step it is measured from:
// "0.38s after step 2 (http.request GET /x)".
func latencyText(e timeline.ExpectationResult) string {
	if e.LatencySeconds == nil {
		return "—"
	}
	if e.Step == nil {
		return secs(e.LatencySeconds) + " after T0"
	}
	return secs(e.LatencySeconds) + " after " + e.Step.Label()
}

func passText(p *bool) string {
	switch {
	case p == nil:
		return "not run"
	case *p:
		return "passes"
	}
	return "fails"
}

// Headline is the one-line verdict every format leads with.
func (x *exercise) Headline() string {
	line := fmt.Sprintf("%d of %d selected scenarios passed", x.Passed(), len(x.Scenarios))
	if n := len(x.Incomplete()); n > 0 {
		line += fmt.Sprintf("; %d not measured", n)
	}
	switch x.Result {
	case ResultIncomplete:
		why := x.RunProblem()
		if inc := x.Incomplete(); why == "" && len(inc) > 0 {
			why = inc[0].Info.ID + " " + inc[0].Outcome + ": " + inc[0].Reason
		}
		return "INCOMPLETE, not a pass: " + why + ". " + line
	case ResultFailed:
		return fmt.Sprintf("FAILED: %d readiness gaps found. %s", len(x.Gaps())+len(x.WeakObjectives()), line)
	}
	return x.Result + ": " + line
}

// ScoreText is the readiness score, or why there is none.
func (x *exercise) ScoreText() string {
	switch {
	case x.Score != nil:
		return fmt.Sprintf("%.0f%%", *x.Score)
	case len(x.Incomplete()) > 0 || x.RunProblem() != "":
		return "not given: scenarios not measured"
	}
	return "n/a"
}

// renderMarkdown is report.md: what an engineer needs to fix the gaps, in
// the order they will read it (verdict, failures with the events that
// matched, what was not measured, per-scenario numbers, the plan).
func renderMarkdown(x *exercise, fingerprint string) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s\n\n", mdCell(x.Title))
	p("- Exercise: `%s` (%s)\n", mdCell(x.ID), x.kindName())
	p("- When: %s – %s UTC\n", x.Start.Format("2006-01-02 15:04:05"), x.End.Format("2006-01-02 15:04:05"))
	p("- Result: **%s** · readiness score %s\n", x.Result, x.ScoreText())
	p("- %s\n", mdCell(x.Headline()))
	if x.RunOutcome != "" {
		p("- Run outcome: `%s`\n", mdCell(x.RunOutcome))
	}
	if x.Run.RulePackHash != "" {
		p("- Rule pack: `%s`\n", x.Run.RulePackHash)
	}
	if st := x.Run.Stack; st != nil {
		woo := "schema mode (no WooCommerce code)"
		if st.Fidelity() == "" {
			woo = "WooCommerce " + st.WooCommerceVersion
		}
		p("- Target: WordPress %s, %s, PHP %s, MariaDB %s, %s, ModSecurity %s, CRS %s; image `%s`\n",
			mdCell(st.WordPressVersion), mdCell(woo), mdCell(st.PHPVersion), mdCell(st.MariaDBVersion), mdCell(orDash(st.ApacheVersion)),
			mdCell(orDash(st.ModSecurityVersion)), mdCell(orDash(st.CRSVersion)), mdCell(orDash(st.ImageWPID)))
		for _, pl := range st.Plugins {
			p("  - plugin `%s` %s, files sha256 `%s`\n", mdCell(pl.File), mdCell(pl.Version), pl.SHA256)
		}
	}
	p("- Signed by: `%s`\n\n", fingerprint)

	var failing []testCase
	for _, t := range x.Tests {
		if t.Status == statusFailed || t.Status == statusError || t.Status == statusWarned {
			failing = append(failing, t)
		}
	}
	if len(failing) > 0 {
		p("## What failed\n\n")
		for _, t := range failing {
			p("### %s — %s\n\n", mdCell(t.ID), t.Status)
			p("%s\n\n", mdCell(t.Message))
			if len(t.Matched) > 0 {
				p("```\n")
				for _, m := range t.Matched {
					p("%s\n", strings.ReplaceAll(m, "```", "'''"))
				}
				p("```\n\n")
			}
		}
	}
	if inc := x.Incomplete(); len(inc) > 0 {
		p("## Not measured\n\nThese scenarios say nothing about readiness, either way.\n\n| scenario | outcome | reason |\n|---|---|---|\n")
		for _, s := range inc {
			p("| `%s` | %s | %s |\n", mdCell(s.Info.ID), s.Outcome, mdCell(s.Reason))
		}
		p("\n")
	}

	p("## Scenarios\n\n")
	p("| scenario | outcome | detect | contain (deadline) | recover | rating |\n|---|---|---:|---:|---:|---|\n")
	for _, s := range x.Scenarios {
		contain := secs(s.TimeToContain)
		if s.Info.ContainWithinSeconds > 0 {
			contain += " (" + secsF(s.Info.ContainWithinSeconds) + ")"
		}
		rating := s.Rating
		switch {
		case rating == "":
			rating = "—"
		case s.RatingDerived:
			rating += " (derived)"
		default:
			rating += " (hot wash)"
		}
		p("| `%s` | %s | %s | %s | %s | %s |\n", mdCell(s.Info.ID), mdCell(s.Outcome), secs(s.TimeToDetect), contain, secs(s.TimeToRecover), rating)
	}
	p("\n## Expected detections\n\n| scenario | rule | deadline | measured | result | alert event |\n|---|---|---:|---|---|---:|\n")
	tests := map[string]testCase{}
	for _, t := range x.Tests {
		tests[t.ID] = t
	}
	for _, s := range x.Scenarios {
		for _, e := range s.Expectations {
			seq := "—"
			if e.AlertSeq > 0 {
				seq = fmt.Sprint(e.AlertSeq)
			}
			result := tests[s.Info.ID+"/detect/"+e.Rule].Status
			if s.Incomplete() {
				result = "not measured"
			}
			p("| `%s` | `%s` | %s | %s | %s | %s |\n", mdCell(s.Info.ID), mdCell(e.Rule), secsF(e.WithinSeconds), mdCell(latencyText(e)), result, seq)
		}
	}
	renderReconstructionMarkdown(&b, x)
	p("\n## Containment checks, before and after the response\n\nA check must fail before the response, or its passing afterwards proves nothing.\n\n| scenario | check | before the response | after the response |\n|---|---|---|---|\n")
	for _, s := range x.Scenarios {
		for _, c := range s.Containment {
			p("| `%s` | %s | %s | %s |\n", mdCell(s.Info.ID), mdCell(c.Name), passText(c.Before), passText(c.After))
		}
	}
	renderCheckoutMarkdown(&b, x.Scenarios)
	notified := false
	for _, s := range x.Scenarios {
		for _, n := range s.Notifications {
			if !notified {
				p("\n## Outside parties told\n\nWhen the response told a party outside the team, acknowledged with a reference. T is T0, the start of the first inject step.\n\n| scenario | notified | via |\n|---|---|---|\n")
				notified = true
			}
			p("| `%s` | %s | %s |\n", mdCell(s.Info.ID), mdCell(n.Label()), mdCell(n.Channel))
		}
	}
	p("\n## How each figure is measured\n\n")
	for _, m := range x.Metrics() {
		p("- **%s**: from %s to %s.", m.Name, m.From, m.To)
		if m.Note != "" {
			p(" %s.", m.Note)
		}
		p("\n")
	}
	p("\nEach figure with its two timeline events:\n\n")
	for _, s := range x.Scenarios {
		for _, f := range s.Figures {
			p("- `%s`: %s\n", mdCell(s.Info.ID), mdCell(f.String()))
		}
	}
	if len(x.Plan) > 0 {
		p("\n## Improvement plan\n\n| item | objective | scenario | control | owner | due | status |\n|---|---|---|---|---|---|---|\n")
		for _, it := range x.Plan {
			p("| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(it.Item), mdCell(orDash(it.Objective)), mdCell(orDash(it.Scenario)), mdCell(orDash(it.Control)), mdCell(it.Owner), mdCell(it.Due), mdCell(it.Status))
		}
	}
	renderTabletopRecordMarkdown(&b, x.Record)
	p("\n## Controls\n\n| control | status | gap or evidence |\n|---|---|---|\n")
	for _, c := range x.Controls {
		why := strings.Join(c.Evidence, "; ")
		if len(c.Gaps) > 0 {
			why = "gap: " + strings.Join(c.Gaps, "; ") + " · " + why
		}
		p("| %s | %s | %s |\n", c.Name, c.Status, mdCell(why))
	}
	p("\n## Limitations and artificialities\n\n")
	for _, l := range x.Limitations() {
		p("- **%s**: %s.\n", l.Topic, mdCell(l.Text))
	}
	p("\nVerify this bundle against the signer you expect: `breachdrill evidence verify --trusted-key signer.pub <bundle dir or zip>`.\n")
	return b.Bytes()
}
