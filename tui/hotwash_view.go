package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/charmbracelet/bubbles/key"
)

// The hot wash as the facilitator sees it.

func (m hotwashModel) status() string {
	st := m.x.styles
	if m.err != "" {
		return st.bad.Render(m.err)
	}
	switch m.editing {
	case editComment:
		return "comment on: " + m.objectives[m.cur].text
	case editEvalNote:
		return "evaluator note on: " + m.objectives[m.cur].text + " · tab moves between fields"
	case editStrength:
		return "a strength"
	case editImprovement:
		return "an area for improvement"
	case editPlan, editFeedback, editSignOff:
		return "tab moves between fields · enter on the last records · esc cancels"
	}
	switch m.tab {
	case tabFeedback:
		return "each participant's view of the exercise: how useful, what worked, what to change"
	case tabSignOff:
		return "the facilitator and an approver sign the record off before it is written"
	}
	return "rate each objective, note strengths and improvements, plan the fixes; w writes the bundle"
}

// inputLine is the field being typed when the screen edits one line; the
// multi-field forms are drawn in the body.
func (m hotwashModel) inputLine() string {
	if m.editing == editNone || len(m.fields) != 1 {
		return ""
	}
	return m.fields[0].View()
}

func (m hotwashModel) keys() bindings {
	k := m.x.keys
	if m.editing != editNone {
		b := []key.Binding{withHelp(k.Confirm, "enter", "record"), k.Cancel}
		if len(m.fields) > 1 {
			b = append(b, k.NextField)
		}
		return bindings{short: b}
	}
	var short []key.Binding
	switch m.tab {
	case tabRatings:
		short = []key.Binding{withHelp(k.RateP, "p/s/m/u", "rate"), withHelp(k.Suggested, "a", "suggested"), withHelp(k.Comment, "c", "comment"), k.EvalNote}
	case tabFindings:
		short = []key.Binding{k.Strength, withHelp(k.Improvement, "a", "add improvement"), k.Remove}
	case tabPlan:
		short = []key.Binding{withHelp(k.Improvement, "a", "add item"), k.Status, k.Remove, k.Read}
	case tabFeedback:
		short = []key.Binding{withHelp(k.Add, "a", "add feedback"), k.Remove}
	case tabSignOff:
		short = []key.Binding{k.SignFac, k.SignApprover, withHelp(k.Remove, "x", "undo last")}
	}
	short = append(short, k.NextSection, k.Save)
	return bindings{short: short, pinned: []key.Binding{k.Quit, k.Help}, full: [][]key.Binding{
		{k.RateP, k.RateS, k.RateM, k.RateU, k.Suggested, k.Comment, k.EvalNote},
		{k.Strength, withHelp(k.Improvement, "a", "add improvement / item / feedback"), k.Status, k.Remove},
		{k.SignFac, k.SignApprover},
		{k.NextSection, k.PrevSection, k.Save, k.Quit, k.Help},
	}}
}

func (m hotwashModel) view(w, h int) string {
	st := m.x.styles
	rated := len(m.objectives) - m.unrated()
	names := []string{
		fmt.Sprintf("Ratings %d/%d", rated, len(m.objectives)),
		fmt.Sprintf("Findings (%d)", len(m.findings)),
		fmt.Sprintf("Plan (%d)", len(m.plan)),
		fmt.Sprintf("Feedback (%d)", len(m.feedback)),
		fmt.Sprintf("Sign-off %d/2", len(m.signOffs)),
	}
	var tabs []string
	for i, n := range names {
		if washTab(i) == m.tab {
			tabs = append(tabs, st.tabOn.Render("["+n+"]"))
		} else {
			tabs = append(tabs, st.tab.Render(" "+n+" "))
		}
	}
	out := []string{strings.Join(tabs, "")}
	switch m.tab {
	case tabRatings:
		out = append(out, m.ratingLines(w, h-1)...)
	case tabFindings:
		out = append(out, m.findingLines(w, h-1)...)
	case tabPlan:
		out = append(out, m.planLines(w, h-1)...)
	case tabFeedback:
		out = append(out, m.feedbackLines(w, h-1)...)
	case tabSignOff:
		out = append(out, m.signOffLines(w, h-1)...)
	}
	return strings.Join(out, "\n")
}

// marksSummary counts how the room did against a scenario's expected
// outcomes, and what rating that suggests: all observed P, at least half
// S, some M, none U.
func marksSummary(marks map[markKey]timeline.OutcomeMark, expected int) (string, string) {
	if len(marks) == 0 {
		return "", ""
	}
	var obs, part, not int
	for _, mk := range marks {
		switch mk.Mark {
		case timeline.MarkObserved:
			obs++
		case timeline.MarkPartly:
			part++
		case timeline.MarkNotObserved:
			not++
		}
	}
	n := obs + part + not
	score := (float64(obs) + 0.5*float64(part)) / float64(n)
	suggest := timeline.RatingU
	switch {
	case score == 1:
		suggest = timeline.RatingP
	case score >= 0.5:
		suggest = timeline.RatingS
	case score > 0:
		suggest = timeline.RatingM
	}
	text := fmt.Sprintf("expected outcomes %d observed · %d partly · %d not", obs, part, not)
	if rest := expected - n; rest > 0 {
		text += fmt.Sprintf(" · %d unmarked", rest)
	}
	return text, suggest
}

func (m hotwashModel) expectedCount(scenario string) int {
	for _, s := range m.x.scenarios {
		if s.ID == scenario {
			n := 0
			for _, in := range s.Tabletop {
				n += len(in.Expect)
			}
			return n
		}
	}
	return 0
}

func (m hotwashModel) ratingLines(w, h int) []string {
	st := m.x.styles
	out := []string{st.muted.Render("P performed · S some challenges · M major challenges · U unable to perform")}
	var lines []string
	from, to := 0, 0
	last := ""
	for i, o := range m.objectives {
		if o.scenario != last {
			last = o.scenario
			head := ""
			if len(m.x.scenarios) > 1 {
				head = o.scenario
			}
			if text, suggest := marksSummary(m.x.marks[o.scenario], m.expectedCount(o.scenario)); text != "" {
				if head != "" {
					head += " · "
				}
				head += text + " → suggests " + suggest
			}
			if head != "" {
				lines = append(lines, indent(st.heading.Render(""), "  ", head, w)...)
			}
		}
		r := m.ratings[i]
		if r == "" {
			r = " "
		}
		prefix := "  "
		if i == m.cur {
			prefix = "› "
		}
		row := indent(prefix+"["+r+"] ", "      ", o.text, w)
		if i == m.cur {
			row[0] = st.cursor.Render(row[0])
			from = len(lines)
		}
		lines = append(lines, row...)
		if c := m.comments[i]; c != "" {
			lines = append(lines, indent("      “", "       ", c+"”", w)...)
		}
		for _, n := range append(append([]timeline.EvaluatorNote(nil), m.x.evalNotes...), m.evalNotes...) {
			if n.Objective == o.text {
				lines = append(lines, indent("      evaluator "+n.Evaluator+": ", "        ", n.Text, w)...)
			}
		}
		if i == m.cur {
			to = len(lines)
		}
	}
	bodyH := h - 1
	if m.editing == editEvalNote {
		lines = append(lines, "")
		for _, f := range m.fields {
			lines = append(lines, "  "+f.View())
		}
		to = len(lines)
	}
	view, _, _ := scrolled(lines, from, to, w, bodyH)
	return append(out, strings.Split(view, "\n")...)
}

func (m hotwashModel) findingLines(w, h int) []string {
	st := m.x.styles
	if len(m.findings) == 0 && m.editing == editNone {
		return []string{"", "  s adds a strength, a an area for improvement."}
	}
	var lines []string
	from, to := 0, 0
	for i, f := range m.findings {
		mark := "+ strength    "
		if f.Type != "strength" {
			mark = "- improvement "
		}
		prefix := "  "
		if i == m.fcur {
			prefix = "› "
		}
		row := indent(prefix+mark, strings.Repeat(" ", 16), f.Text, w)
		if i == m.fcur {
			row[0] = st.cursor.Render(row[0])
			from, to = len(lines), len(lines)+len(row)
		}
		lines = append(lines, row...)
	}
	view, _, _ := scrolled(lines, from, to, w, h)
	return strings.Split(view, "\n")
}

func (m hotwashModel) planLines(w, h int) []string {
	st := m.x.styles
	itemW := max(10, w-2-14-12-7)
	out := []string{st.muted.Render("  " + padRight("corrective action", itemW) + " " + padRight("owner", 13) + " " + padRight("due", 11) + " status")}
	var lines []string
	for i, p := range m.plan {
		prefix := "  "
		if i == m.pcur && m.editing == editNone {
			prefix = "› "
		}
		row := prefix + padRight(p.Item, itemW) + " " + padRight(p.Owner, 13) + " " + padRight(p.Due, 11) + " " + p.Status
		if i == m.pcur && m.editing == editNone {
			row = st.cursor.Render(row)
		}
		lines = append(lines, row)
	}
	if len(m.plan) == 0 && m.editing == editNone {
		lines = append(lines, "", "  a adds an improvement item: what, who, by when.")
	}
	from, to := m.pcur, m.pcur+1
	if m.editing == editPlan {
		lines = append(lines, "")
		from = len(lines)
		for _, f := range m.fields {
			lines = append(lines, "  "+f.View())
		}
		to = len(lines)
	}
	view, _, _ := scrolled(lines, from, to, w, h-1)
	return append(out, strings.Split(view, "\n")...)
}

func (m hotwashModel) feedbackLines(w, h int) []string {
	st := m.x.styles
	var lines []string
	from, to := 0, 0
	for i, f := range m.feedback {
		prefix := "  "
		if i == m.bcur && m.editing == editNone {
			prefix = "› "
		}
		score := "–"
		if f.Score > 0 {
			score = fmt.Sprintf("%d/5", f.Score)
		}
		head := prefix + f.Who
		if f.Role != "" {
			head += " (" + f.Role + ")"
		}
		head += " · useful " + score
		if i == m.bcur && m.editing == editNone {
			head = st.cursor.Render(head)
			from = len(lines)
		}
		lines = append(lines, head)
		if f.Worked != "" {
			lines = append(lines, indent("    + ", "      ", f.Worked, w)...)
		}
		if f.Improve != "" {
			lines = append(lines, indent("    - ", "      ", f.Improve, w)...)
		}
		if i == m.bcur {
			to = len(lines)
		}
	}
	if len(m.feedback) == 0 && m.editing == editNone {
		lines = append(lines, "", "  a records one participant's feedback: how useful (1–5), what worked, what to change.")
	}
	if m.editing == editFeedback {
		lines = append(lines, "")
		from = len(lines)
		for _, f := range m.fields {
			lines = append(lines, "  "+f.View())
		}
		to = len(lines)
	}
	view, _, _ := scrolled(lines, from, to, w, h)
	return strings.Split(view, "\n")
}

func (m hotwashModel) signOffLines(w, h int) []string {
	st := m.x.styles
	lines := []string{""}
	for _, as := range []string{"facilitator", "approver"} {
		line := "  " + padRight(as, 12) + " "
		found := false
		for _, s := range m.signOffs {
			if s.As == as {
				line += st.good.Render(fmt.Sprintf("%s, %s", s.Name, s.Role)) + st.muted.Render(" · "+s.At.Format(time.DateTime)+" UTC")
				found = true
			}
		}
		if !found {
			line += st.muted.Render("not signed")
		}
		lines = append(lines, line)
	}
	lines = append(lines, "")
	lines = append(lines, indent("  ", "  ", "Signing accepts the record as it stands: the names, roles and times go into the bundle.", w)...)
	if m.editing == editSignOff {
		lines = append(lines, "", "  signing as "+m.signAs)
		for _, f := range m.fields {
			lines = append(lines, "  "+f.View())
		}
	}
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	return lines
}
