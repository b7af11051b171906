package reports

import (
	"bytes"
	"fmt"
	"strings"
)

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'").Replace(s)
	return strings.TrimSpace(s)
}

// renderMarkdown is report.md: what an engineer needs to fix the gaps, in
// the order they will read it (verdict, failures with the events that
// matched, per-scenario numbers, the plan).
func renderMarkdown(x *exercise, fingerprint string) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s\n\n", mdCell(x.Title))
	p("- Exercise: `%s` (%s)\n", mdCell(x.ID), x.kindName())
	p("- When: %s – %s UTC\n", x.Start.Format("2006-01-02 15:04:05"), x.End.Format("2006-01-02 15:04:05"))
	score := "n/a"
	if x.Score != nil {
		score = fmt.Sprintf("%.0f%%", *x.Score)
	}
	p("- Result: **%s** · readiness score %s · %d/%d scenarios passed\n", x.Result, score, x.Passed(), len(x.Scenarios))
	if x.Run.RulePackHash != "" {
		p("- Rule pack: `%s`\n", x.Run.RulePackHash)
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

	p("## Scenarios\n\n")
	p("| scenario | outcome | detect | contain (deadline) | recover | rating |\n|---|---|---:|---:|---:|---|\n")
	for _, s := range x.Scenarios {
		contain := secs(s.TimeToContain)
		if s.Info.ContainWithinSeconds > 0 {
			contain += " (" + secsF(s.Info.ContainWithinSeconds) + ")"
		}
		rating := s.Rating
		if rating == "" {
			rating = "—"
		}
		p("| `%s` | %s | %s | %s | %s | %s |\n", mdCell(s.Info.ID), mdCell(s.Outcome), secs(s.TimeToDetect), contain, secs(s.TimeToRecover), rating)
	}
	p("\n## Expected detections\n\n| scenario | rule | deadline | measured | result | alert event |\n|---|---|---:|---:|---|---:|\n")
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
			p("| `%s` | `%s` | %s | %s | %s | %s |\n", mdCell(s.Info.ID), mdCell(e.Rule), secsF(e.WithinSeconds), secs(e.LatencySeconds), tests[s.Info.ID+"/detect/"+e.Rule].Status, seq)
		}
	}
	if len(x.Plan) > 0 {
		p("\n## Improvement plan\n\n| item | owner | due | status |\n|---|---|---|---|\n")
		for _, it := range x.Plan {
			p("| %s | %s | %s | %s |\n", mdCell(it.Item), mdCell(it.Owner), mdCell(it.Due), mdCell(it.Status))
		}
	}
	renderTabletopRecordMarkdown(&b, x.Record)
	p("\n## Controls exercised\n\n")
	for _, c := range x.Controls {
		if c.Status != ControlNotExercised {
			p("- %s — %s\n", c.Name, c.Status)
		}
	}
	p("\nVerify this bundle: `breachdrill evidence verify <bundle dir or zip>`.\n")
	return b.Bytes()
}
