// The quarterly pack's human-readable pages: report.md and report.html.

package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

type quarterView struct {
	S           QuarterSummary
	Detect      lineChart
	Contain     lineChart
	Fingerprint string
	Sources     []SourceBundle
}

func renderQuarter(sum QuarterSummary, inWindow []sourceExercise, fp string) ([]File, error) {
	var periods []string
	var det, det95, con, con95 []*float64
	for _, t := range sum.Trend {
		periods = append(periods, t.Quarter)
		det, det95 = append(det, t.MedianDetect), append(det95, t.P95Detect)
		con, con95 = append(con, t.MedianContain), append(con95, t.P95Contain)
	}
	view := quarterView{
		S:           sum,
		Detect:      trendChart("Time to detect", periods, []string{"median", "p95"}, [][]*float64{det, det95}),
		Contain:     trendChart("Time to contain", periods, []string{"median", "p95"}, [][]*float64{con, con95}),
		Fingerprint: fp,
	}
	for _, s := range inWindow {
		view.Sources = append(view.Sources, s.src)
	}
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	t, err := parseTemplate("quarter.html.tmpl")
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := t.ExecuteTemplate(&page, "quarter.html.tmpl", view); err != nil {
		return nil, fmt.Errorf("render quarterly report: %w", err)
	}
	return []File{
		{QuarterFile, append(js, '\n')},
		{ReportMDFile, renderQuarterMarkdown(sum)},
		{ReportHTMLFile, page.Bytes()},
	}, nil
}

func renderQuarterMarkdown(s QuarterSummary) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Quarterly readiness pack %s\n\n", s.Quarter)
	score := "n/a"
	if s.ReadinessScore != nil {
		score = fmt.Sprintf("%.0f%%", *s.ReadinessScore)
	}
	in := 0
	for _, e := range s.Exercises {
		if e.InPeriod {
			in++
		}
	}
	p("%s\n\n", s.Summary)
	p("- Quarter result: **%s** · readiness score %s · %d exercises this quarter\n", s.Result, score, in)
	for _, r := range s.Reasons {
		p("  - %s\n", mdCell(r))
	}
	if s.PCI12102.Tested {
		p("- PCI DSS 12.10.2 / SOC 2 CC7.4: plan last tested %s (%s); next test due by %s\n", s.PCI12102.LastTested.Format(time.DateOnly), s.PCI12102.Exercise, s.PCI12102.NextDue.Format(time.DateOnly))
	} else {
		p("- PCI DSS 12.10.2 / SOC 2 CC7.4: **plan test not demonstrated** in the last 12 months: %s\n", mdCell(strings.Join(s.PCI12102.Why, "; ")))
	}
	p("\n## Verdict policy\n\n")
	for _, v := range s.VerdictPolicy {
		p("- %s.\n", v)
	}
	p("- %s.\n", s.Policy.Text())
	p("\n## Scenarios\n\n| scenario | runs this quarter | latest outcome | best/worst detect | median contain |\n|---|---:|---|---|---:|\n")
	for _, sc := range s.Scenarios {
		p("| `%s` | %d | %s | %s / %s | %s |\n", mdCell(sc.ID), sc.RunsInQuarter, mdCell(orDash(sc.Latest)), secs(sc.BestDetect), secs(sc.WorstDetect), secs(sc.MedianContain))
	}
	p("\n## Trend\n\nMedians over the scenarios measured against a live stack each quarter; a quarter with none shows no figure (nothing was measured, which is not zero).\n\n| quarter | exercises | passed/run | median detect | median contain | score |\n|---|---:|---:|---:|---:|---:|\n")
	for _, t := range s.Trend {
		sc := "n/a"
		if t.ReadinessScore != nil {
			sc = fmt.Sprintf("%.0f%%", *t.ReadinessScore)
		}
		p("| %s | %d | %d/%d | %s | %s | %s |\n", t.Quarter, t.Exercises, t.Passed, t.Scenarios, secs(t.MedianDetect), secs(t.MedianContain), sc)
	}
	if len(s.OpenItems) > 0 {
		p("\n## Open improvement items\n\n| item | owner | due | status | from |\n|---|---|---|---|---|\n")
		for _, it := range s.OpenItems {
			p("| %s | %s | %s | %s | %s |\n", mdCell(it.Item), mdCell(it.Owner), mdCell(it.Due), mdCell(it.Status), mdCell(it.Exercise))
		}
	}
	p("\n## Controls\n\n| control | this quarter | last 12 months |\n|---|---|---|\n")
	for _, c := range s.Controls {
		last := "no"
		if c.Last12Months {
			last = c.LastExercised.Format(time.DateOnly)
		}
		p("| %s | %s | %s |\n", c.Name, c.ThisQuarter, last)
	}
	if len(s.Excluded) > 0 {
		p("\n## Bundles left out (failed verification)\n\n")
		for _, e := range s.Excluded {
			p("- `%s`: %s\n", mdCell(e.Path), mdCell(strings.Join(e.Problems, "; ")))
		}
	}
	return b.Bytes()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
