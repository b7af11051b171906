package reports

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// reconView is one scenario's reconstruction as the reports show it.
type reconView struct {
	ID       string
	Title    string
	Measured bool // false: the scenario was not measured, so neither is this
	timeline.Reconstruction
}

// reconCompare is one attacker step across every scenario that declared
// it: the audit-trail variant beside the original shows what the missing
// trail cost.
type reconCompare struct {
	Step  string
	What  string
	Cells []string // per Reconstructions() entry: "yes: state", "no", "—" (not declared)
}

// Reconstructions are the scenarios that scored their attacker steps.
func (x *exercise) Reconstructions() []reconView {
	var out []reconView
	for _, s := range x.Scenarios {
		if s.Reconstruction != nil {
			out = append(out, reconView{ID: s.Info.ID, Title: s.Info.Title, Measured: !s.Incomplete(), Reconstruction: *s.Reconstruction})
		}
	}
	return out
}

// ReconstructionComparison lines up steps of the same id across scenarios;
// empty unless at least two scenarios scored a step in common.
func (x *exercise) ReconstructionComparison() []reconCompare {
	views := x.Reconstructions()
	if len(views) < 2 {
		return nil
	}
	var rows []reconCompare
	index := map[string]int{}
	shared := false
	for i, v := range views {
		for _, st := range v.Steps {
			k, ok := index[st.ID]
			if !ok {
				k = len(rows)
				index[st.ID] = k
				cells := make([]string, len(views))
				for j := range cells {
					cells[j] = "—"
				}
				rows = append(rows, reconCompare{Step: st.ID, What: st.What, Cells: cells})
			} else {
				shared = true
			}
			rows[k].Cells[i] = stepVerdict(st)
		}
	}
	if !shared {
		return nil
	}
	return rows
}

// stepVerdict is "yes: audit, state" or "no".
func stepVerdict(st timeline.StepReconstruction) string {
	if !st.Reconstructed {
		return "no"
	}
	var sources []string
	for _, f := range st.Found {
		if !slices.Contains(sources, f.Source) {
			sources = append(sources, f.Source)
		}
	}
	return "yes: " + strings.Join(sources, ", ")
}

// foundText names where a trace was found: "access log line 12" or
// "rule admin-set-changed (state), alert event 41".
func foundText(f timeline.EvidenceFound) string {
	if f.Rule != "" {
		return fmt.Sprintf("rule %s (%s), alert event %d", f.Rule, f.Source, f.AlertSeq)
	}
	return fmt.Sprintf("%s log line %d since T0", f.Source, f.Line)
}

// sourceText is "audit: 0 lines (recorded nothing)".
func sourceText(s timeline.SourceRecord) string {
	t := fmt.Sprintf("%s: %d lines", s.Log, s.Lines)
	if s.Lines == 1 {
		t = s.Log + ": 1 line"
	}
	if s.Lines == 0 {
		t += " (recorded nothing)"
	}
	if s.Truncated {
		t += " (more than collection keeps: later lines not searched)"
	}
	return t
}

const reconIntro = "Each attacker step the scenario declares, scored against what remained: the lines each log recorded from T0 until the evidence was collected (before the response) and the alerts recorded by then. A step counts as reconstructed when at least one trace of it was found; the declaration only says where to look."

func renderReconstructionMarkdown(b *bytes.Buffer, x *exercise) {
	views := x.Reconstructions()
	if len(views) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("\n## Reconstruction from the remaining logs\n\n%s\n", reconIntro)
	for _, v := range views {
		p("\n### `%s`: %s reconstructed\n\n", mdCell(v.ID), v.Score())
		if !v.Measured {
			p("The scenario was not measured; this reconstruction says nothing about readiness.\n\n")
		}
		var src []string
		for _, s := range v.Sources {
			src = append(src, sourceText(s))
		}
		if len(src) > 0 {
			p("Logs collected at %s UTC: %s.\n\n", v.Collected.Format("2006-01-02 15:04:05"), mdCell(strings.Join(src, "; ")))
		}
		p("| step | what | reconstructed | from (source and event) | not found in |\n|---|---|---|---|---|\n")
		for _, st := range v.Steps {
			yes := "**no**"
			if st.Reconstructed {
				yes = "yes"
			}
			var from []string
			for _, f := range st.Found {
				from = append(from, foundText(f)+": `"+mdCell(f.Event)+"`")
			}
			p("| `%s` | %s | %s | %s | %s |\n", mdCell(st.ID), mdCell(st.What), yes, orDash(strings.Join(from, "<br>")), mdCell(orDash(strings.Join(st.Missing, "; "))))
		}
	}
	if rows := x.ReconstructionComparison(); len(rows) > 0 {
		p("\n### The same steps across scenarios\n\n| step |")
		for _, v := range views {
			p(" `%s` |", mdCell(v.ID))
		}
		p("\n|---|%s\n", strings.Repeat("---|", len(views)))
		for _, r := range rows {
			p("| `%s` |", mdCell(r.Step))
			for _, c := range r.Cells {
				p(" %s |", mdCell(c))
			}
			p("\n")
		}
		p("| score |")
		for _, v := range views {
			p(" %s |", v.Score())
		}
		p("\n")
	}
}

// reconstructionEvidence maps a scenario's reconstruction onto ISO/IEC
// 27001 A.5.28 (collection and preservation of evidence): every step
// proved is evidence for it, every step the remaining logs cannot prove is
// a gap, named.
func reconstructionEvidence(s scenario, add, addGap func(key, why string)) {
	r := s.Reconstruction
	if r == nil {
		return
	}
	const key = "ISO27001:5.28"
	var lost []string
	for _, st := range r.Steps {
		if !st.Reconstructed {
			lost = append(lost, st.ID)
		}
	}
	if len(lost) == 0 {
		add(key, fmt.Sprintf("%s: every attacker step (%s) reconstructed from the logs", s.Info.ID, r.Score()))
		return
	}
	addGap(key, fmt.Sprintf("%s: %s reconstructed from the remaining logs; not provable: %s", s.Info.ID, r.Score(), strings.Join(lost, ", ")))
}

// reconstructionLimitations says what a reconstruction score can and
// cannot mean, when any scenario was scored.
func reconstructionLimitations(x *exercise) []Limitation {
	views := x.Reconstructions()
	if len(views) == 0 {
		return nil
	}
	var ids []string
	for _, v := range views {
		ids = append(ids, v.ID)
	}
	return []Limitation{{Topic: "Reconstruction", Text: "scored for " + strings.Join(ids, ", ") +
		" against the stack's own logs from T0 until the evidence was collected (before the response) and the alerts recorded by then, with the traces each scenario declares; " +
		"an investigator with other sources (hosting or CDN logs, backups, the payment processor) might prove more, and a trace proves an event was recorded, not who was behind it"}}
}
