package reports

import (
	"bytes"
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// tabletopRecord is what a facilitated tabletop adds to the record beyond
// decisions and ratings: the corrections to its log (the original stays
// in the decision log, the correction is listed here), the expected
// outcomes the facilitator marked, evaluators' notes, the participants'
// feedback, the sign-off, and the exercise's artificialities.
type tabletopRecord struct {
	Corrections     []correction
	Marks           []outcomeMark
	EvaluatorNotes  []timeline.EvaluatorNote
	Feedback        []timeline.Feedback
	SignOffs        []timeline.SignOff
	Artificialities []string
}

type correction struct {
	Time     time.Time
	Scenario string
	Actor    string
	timeline.Correction
}

type outcomeMark struct {
	Scenario string
	timeline.OutcomeMark
}

// Any reports whether there is anything to show.
func (r tabletopRecord) Any() bool {
	return len(r.Corrections)+len(r.Marks)+len(r.EvaluatorNotes)+len(r.Feedback)+len(r.SignOffs)+len(r.Artificialities) > 0
}

func collectTabletopRecord(events []timeline.Event) tabletopRecord {
	var r tabletopRecord
	for _, e := range events {
		switch e.Kind {
		case timeline.KindCorrection:
			var c timeline.Correction
			if e.Decode(&c) == nil {
				r.Corrections = append(r.Corrections, correction{e.Time.UTC(), e.Scenario, e.Actor, c})
			}
		case timeline.KindOutcomeMark:
			var m timeline.OutcomeMark
			if e.Decode(&m) == nil {
				r.Marks = append(r.Marks, outcomeMark{e.Scenario, m})
			}
		case timeline.KindEvaluatorNote:
			var n timeline.EvaluatorNote
			if e.Decode(&n) == nil {
				r.EvaluatorNotes = append(r.EvaluatorNotes, n)
			}
		case timeline.KindFeedback:
			var f timeline.Feedback
			if e.Decode(&f) == nil {
				r.Feedback = append(r.Feedback, f)
			}
		case timeline.KindSignOff:
			var s timeline.SignOff
			if e.Decode(&s) == nil {
				r.SignOffs = append(r.SignOffs, s)
			}
		case timeline.KindArtificiality:
			var a timeline.Artificiality
			if e.Decode(&a) == nil {
				r.Artificialities = append(r.Artificialities, a.Text)
			}
		}
	}
	return r
}

// renderTabletopRecordMarkdown adds the evaluation to report.md.
func renderTabletopRecordMarkdown(b *bytes.Buffer, r tabletopRecord) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if len(r.Artificialities) > 0 {
		p("\n## Artificialities\n\n")
		for _, a := range r.Artificialities {
			p("- %s\n", mdCell(a))
		}
	}
	if len(r.Marks) > 0 {
		p("\n## Expected outcomes\n\n| scenario | inject | expected outcome | observed | note |\n|---|---:|---|---|---|\n")
		for _, m := range r.Marks {
			p("| `%s` | %d | %s | %s | %s |\n", mdCell(m.Scenario), m.Inject, mdCell(m.Outcome), m.Mark, mdCell(m.Note))
		}
	}
	if len(r.EvaluatorNotes) > 0 {
		p("\n## Evaluator notes\n\n| objective | evaluator | observation |\n|---|---|---|\n")
		for _, n := range r.EvaluatorNotes {
			p("| %s | %s | %s |\n", mdCell(n.Objective), mdCell(n.Evaluator), mdCell(n.Text))
		}
	}
	if len(r.Corrections) > 0 {
		p("\n## Corrections to the record\n\nThe original entries stay in the timeline; each correction follows them.\n\n| entry | correction | original | corrected | by |\n|---|---|---|---|---|\n")
		for _, c := range r.Corrections {
			p("| %s | %s | %s | %s | %s |\n", mdCell(c.Of), c.Action, mdCell(c.Was), mdCell(c.Text), mdCell(c.Actor))
		}
	}
	if len(r.Feedback) > 0 {
		p("\n## Participant feedback\n\n| participant | useful (1–5) | what worked | what to change |\n|---|---:|---|---|\n")
		for _, f := range r.Feedback {
			score := "—"
			if f.Score > 0 {
				score = fmt.Sprint(f.Score)
			}
			p("| %s | %s | %s | %s |\n", mdCell(f.Who), score, mdCell(f.Worked), mdCell(f.Improve))
		}
	}
	if len(r.SignOffs) > 0 {
		p("\n## Sign-off\n\n")
		for _, s := range r.SignOffs {
			p("- %s: %s, %s, %s UTC\n", s.As, mdCell(s.Name), mdCell(s.Role), s.At.UTC().Format("2006-01-02 15:04:05"))
		}
	}
}
