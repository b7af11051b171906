package tui

import (
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The run screen's record keeping: the decision log, corrections to it,
// the marks on expected outcomes, and reading any of it in full.

func (m *runModel) openInput(placeholder, value string) tea.Cmd {
	m.text = newInput(m.x.styles, "› ", placeholder, 500)
	m.text.Width = max(10, m.x.width-4)
	m.text.SetValue(value)
	return m.text.Focus()
}

func (m *runModel) closeInput() {
	m.input = inputNone
	m.markPend = nil
	m.editingID = ""
	m.text.Blur()
}

func (m *runModel) commitInput() {
	x := m.x
	what := strings.TrimSpace(m.text.Value())
	at := m.elapsed()
	switch m.input {
	case inputDecision:
		if what == "" {
			break
		}
		p := x.people[m.who]
		id := x.nextLogID()
		m.log = append(m.log, logItem{id: id, at: at, who: p.Name, role: p.Role, what: what})
		x.record(timeline.KindDecision, m.sc.ID, p.Name, fmt.Sprintf("%s (%s): %s", p.Name, p.Role, what),
			timeline.Decision{ID: id, Who: p.Name, Role: p.Role, What: what})
	case inputNote:
		if what == "" {
			break
		}
		p := x.people[m.who]
		id := x.nextLogID()
		m.log = append(m.log, logItem{id: id, at: at, who: p.Name, role: p.Role, what: what, note: true})
		x.record(timeline.KindNote, m.sc.ID, p.Name, "note: "+what, timeline.Note{ID: id, Text: what})
	case inputCorrect:
		it := m.logItem(m.editingID)
		if it == nil || what == "" || what == it.what {
			break
		}
		x.record(timeline.KindCorrection, m.sc.ID, x.scribe(), fmt.Sprintf("%s corrected: %s (was: %s)", it.id, what, it.what),
			timeline.Correction{Of: it.id, Action: "edited", Text: what, Was: it.what})
		it.was = append(it.was, it.what)
		it.what = what
	case inputStrike:
		it := m.logItem(m.editingID)
		if it == nil || it.struck {
			break
		}
		summary := it.id + " struck: " + it.what
		if what != "" {
			summary += " (" + what + ")"
		}
		x.record(timeline.KindCorrection, m.sc.ID, x.scribe(), summary,
			timeline.Correction{Of: it.id, Action: "struck", Text: what, Was: it.what})
		it.struck = true
	case inputEval:
		if what == "" {
			break
		}
		n := timeline.EvaluatorNote{Objective: m.objectives()[m.obj], Evaluator: x.people[m.who].Name, Text: what}
		x.evalNotes = append(x.evalNotes, n)
		x.record(timeline.KindEvaluatorNote, m.sc.ID, n.Evaluator, fmt.Sprintf("evaluator %s on %q: %s", n.Evaluator, n.Objective, n.Text), n)
		m.status = "evaluator note recorded on: " + n.Objective
	case inputMark:
		mk := *m.markPend
		mk.Note = what
		m.marks[markKey{mk.Inject - 1, mk.Outcome}] = mk
		summary := fmt.Sprintf("inject %d expected %q: %s", mk.Inject, mk.Outcome, mk.Mark)
		if what != "" {
			summary += " — " + what
		}
		x.record(timeline.KindOutcomeMark, m.sc.ID, x.facilitator(), summary, mk)
	}
	m.closeInput()
}

func (m *runModel) logItem(id string) *logItem {
	for i := range m.log {
		if m.log[i].id == id {
			return &m.log[i]
		}
	}
	return nil
}

// feedRow is one selectable row of the inject feed: an inject, or (with
// the guide on) one of its expected outcomes.
type feedRow struct {
	item    int // into feed
	outcome int // into the inject's Expect; -1 for the inject itself
}

// feedRows lists the feed newest first, as it is shown.
func (m runModel) feedRows() []feedRow {
	var out []feedRow
	for i := len(m.feed) - 1; i >= 0; i-- {
		out = append(out, feedRow{item: i, outcome: -1})
		if m.guide {
			for j := range m.feed[i].inject.Expect {
				out = append(out, feedRow{item: i, outcome: j})
			}
		}
	}
	return out
}

func (m *runModel) move(km tea.KeyMsg) {
	k := m.x.keys
	step := 1
	if key.Matches(km, k.PageUp, k.PageDown) {
		step = 5
	}
	if key.Matches(km, k.Up, k.PageUp) {
		step = -step
	}
	clamp := func(v, n int) int { return max(0, min(v, n-1)) }
	switch m.pane {
	case paneFeed:
		m.feedCur = clamp(m.feedCur+step, len(m.feedRows()))
	case paneLog:
		m.logCur = clamp(m.logCur+step, len(m.log))
	case paneAlerts:
		m.alertCur = clamp(m.alertCur+step, len(m.alerts))
	}
}

// selectedLog is the log entry under the cursor: the latest one unless the
// facilitator moved to another.
func (m runModel) selectedLog() *logItem {
	if len(m.log) == 0 {
		return nil
	}
	i := m.logCur
	if m.pane != paneLog {
		i = len(m.log) - 1
	}
	it := m.log[max(0, min(i, len(m.log)-1))]
	return &it
}

func (m *runModel) correct() tea.Cmd {
	it := m.selectedLog()
	switch {
	case it == nil:
		m.status = "the log is empty"
		return nil
	case it.struck:
		m.status = it.id + " is struck"
		return nil
	}
	m.pane = paneLog
	m.input, m.editingID = inputCorrect, it.id
	return m.openInput("the corrected entry", it.what)
}

func (m *runModel) strike() tea.Cmd {
	it := m.selectedLog()
	switch {
	case it == nil:
		m.status = "the log is empty"
		return nil
	case it.struck:
		m.status = it.id + " is already struck"
		return nil
	}
	m.pane = paneLog
	m.input, m.editingID = inputStrike, it.id
	return m.openInput("why (optional): enter strikes it", "")
}

func (m *runModel) mark(mark string) tea.Cmd {
	rows := m.feedRows()
	if !m.guide {
		m.status = "g shows the expected outcomes to mark"
		return nil
	}
	if m.pane != paneFeed || m.feedCur >= len(rows) || rows[m.feedCur].outcome < 0 {
		m.status = "move to an expected outcome (↑/↓ in the injects) to mark it"
		return nil
	}
	r := rows[m.feedCur]
	f := m.feed[r.item]
	m.markPend = &timeline.OutcomeMark{Inject: f.index + 1, Outcome: f.inject.Expect[r.outcome], Mark: mark}
	m.input = inputMark
	return m.openInput("a note on what the room did (optional): enter records", "")
}

// read opens the entry under the cursor in full.
func (m runModel) read() tea.Cmd {
	st := m.x.styles
	switch m.pane {
	case paneFeed:
		rows := m.feedRows()
		if len(rows) == 0 {
			return nil
		}
		f := m.feed[rows[min(m.feedCur, len(rows)-1)].item]
		var b strings.Builder
		fmt.Fprintf(&b, "Delivered at %s (scheduled %s)\n\n%s\n", formatT(f.at), formatT(f.inject.At), f.inject.Say)
		if len(f.inject.Ask) > 0 {
			b.WriteString("\nQuestions for the room\n")
			for _, q := range f.inject.Ask {
				b.WriteString("  ? " + q + "\n")
			}
		}
		if m.guide && len(f.inject.Expect) > 0 {
			b.WriteString("\nExpected outcomes (facilitator only)\n")
			for _, e := range f.inject.Expect {
				mk := m.marks[markKey{f.index, e}]
				b.WriteString("  " + markSymbol(mk.Mark) + " " + e + "\n")
				if mk.Note != "" {
					b.WriteString("      " + mk.Note + "\n")
				}
			}
		}
		return send(readFullMsg{title: fmt.Sprintf("inject %d/%d", f.index+1, len(m.injects)), text: b.String()})
	case paneLog:
		it := m.selectedLog()
		if it == nil {
			return nil
		}
		var b strings.Builder
		who := it.who
		if it.role != "" {
			who += " (" + it.role + ")"
		}
		kind := "decision or action"
		if it.note {
			kind = "note"
		}
		fmt.Fprintf(&b, "%s at %s by %s\n\n%s\n", kind, formatT(it.at), who, it.what)
		if it.struck {
			b.WriteString("\n" + st.bad.Render("struck from the record") + " (the timeline keeps it)\n")
		}
		for i, w := range it.was {
			fmt.Fprintf(&b, "\nversion %d: %s\n", i+1, w)
		}
		return send(readFullMsg{title: "log entry " + it.id, text: b.String()})
	case paneAlerts:
		if len(m.alerts) == 0 {
			return nil
		}
		a := m.alerts[max(0, min(m.alertCur, len(m.alerts)-1))]
		var b strings.Builder
		fmt.Fprintf(&b, "%s at %s · severity %s · source %s\n\n%s\n", a.alert.Rule, formatT(a.at), a.alert.Severity, a.alert.Source, a.alert.Title)
		if len(a.alert.Matched) > 0 {
			b.WriteString("\nWhat matched\n")
			for _, l := range a.alert.Matched {
				b.WriteString("  " + l + "\n")
			}
		}
		return send(readFullMsg{title: "alert " + a.alert.Rule, text: b.String()})
	}
	return nil
}

func markSymbol(mark string) string {
	switch mark {
	case timeline.MarkObserved:
		return "[✓]"
	case timeline.MarkPartly:
		return "[~]"
	case timeline.MarkNotObserved:
		return "[✗]"
	}
	return "[ ]"
}
