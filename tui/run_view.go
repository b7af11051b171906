package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

// The run screen as the facilitator sees it.

func (m runModel) title() string {
	if m.sc == nil {
		return ""
	}
	return fmt.Sprintf("%s (%d/%d) · %s", m.sc.ID, m.index+1, len(m.x.scenarios), m.x.mode)
}

// clockText is the title bar's right side: the scenario's clock and the
// whole exercise's (the story's time is on the clocks line).
func (m runModel) clockText(w int) string {
	x := m.x
	var s string
	switch {
	case m.starting:
		s = "stack getting ready"
	case !m.running && m.ended:
		s = "ended"
	default:
		s = formatT(m.elapsed())
	}
	if w >= 100 {
		s = "scenario " + s + " · exercise " + formatT(x.elapsed())
	} else {
		s += " · ex " + formatT(x.elapsed())
	}
	if m.clock.paused || x.clock.paused {
		s += " PAUSED"
	}
	return s
}

// formatStory renders exercise time as +1d02h30m, +2h05m or +12m.
func formatStory(d time.Duration) string {
	mins := int(d / time.Minute)
	switch {
	case mins >= 24*60:
		return fmt.Sprintf("+%dd%02dh%02dm", mins/(24*60), mins/60%24, mins%60)
	case mins >= 60:
		return fmt.Sprintf("+%dh%02dm", mins/60, mins%60)
	}
	return fmt.Sprintf("+%dm", mins)
}

// statusLine is the hint above the help; while typing, the field itself
// is inputLine, which always gets its own line.
func (m runModel) statusLine() string {
	x := m.x
	st := x.styles
	switch m.input {
	case inputDecision:
		p := x.people[m.who]
		return fmt.Sprintf("decision by %s (%s) · tab: someone else", p.Name, p.Role)
	case inputNote:
		p := x.people[m.who]
		return fmt.Sprintf("note by %s (%s) · tab: someone else", p.Name, p.Role)
	case inputCorrect:
		return "correct " + m.editingID + " · the record keeps what it said before"
	case inputStrike:
		return "strike " + m.editingID + " · the record keeps it, marked struck"
	case inputMark:
		return fmt.Sprintf("%s: %s", m.markPend.Mark, m.markPend.Outcome)
	case inputEval:
		return fmt.Sprintf("%s on: %s · tab: next objective · shift+tab: evaluator", x.people[m.who].Name, m.objectives()[m.obj])
	}
	switch {
	case m.liveErr != "":
		return st.bad.Render(m.liveErr)
	case m.status != "":
		return m.status
	case m.journalErr() != "":
		return st.bad.Render(m.journalErr())
	}
	return ""
}

func (m runModel) inputLine() string {
	if m.input == inputNone {
		return ""
	}
	return m.text.View()
}

func (m runModel) journalErr() string {
	if err := m.x.journal.err; err != nil {
		return "the record file could not be written (the record is kept in memory): " + err.Error()
	}
	return ""
}

func (m runModel) keys() bindings {
	k := m.x.keys
	if m.input != inputNone {
		b := []key.Binding{withHelp(k.Confirm, "enter", "record"), k.Cancel}
		switch {
		case m.picksSpeaker():
			b = append(b, withHelp(k.NextField, "tab", "who"))
		case m.input == inputEval:
			b = append(b, withHelp(k.NextField, "tab", "objective"), withHelp(k.PrevSection, "shift+tab", "evaluator"))
		}
		return bindings{short: b}
	}
	pause := k.Pause
	if m.clock.paused {
		pause = withHelp(k.Pause, "space", "resume")
	}
	short := []key.Binding{pause, k.NextInject, k.Decision, k.Note, k.Phase, k.Breach, k.Guide}
	if m.x.live() {
		short = append(short, k.Respond)
	}
	move := withHelp(k.Up, "↑/↓", "scroll")
	switch m.pane {
	case paneFeed:
		if m.guide {
			short = append(short, withHelp(k.MarkObserved, "1/2/3", "mark"))
		}
	case paneLog:
		short = append(short, k.Correct, k.Strike)
	}
	short = append(short, withHelp(k.Pane, "tab", "pane"), move, withHelp(k.Read, "enter", "read"), k.EndScenario)
	record := []key.Binding{k.Decision, k.Note, k.EvalNoteRun, k.Correct, k.Strike}
	if m.x.live() {
		record = append(record, k.Respond)
	}
	return bindings{short: short, pinned: []key.Binding{k.Quit, k.Help}, full: [][]key.Binding{
		{pause, k.NextInject, k.TakeBack, k.Phase, k.Breach, k.EndScenario},
		record,
		{k.Guide, k.MarkObserved, k.MarkPartly, k.MarkNot},
		{k.Pane, k.Up, k.Down, k.PageUp, k.PageDown, k.Read, k.Quit, k.Help},
	}}
}

// view lays the run screen out top to bottom: phase, regulatory clocks,
// the stack and its alerts (live), the inject feed and the decision log.
// Each list is a pane that scrolls; tab moves between them.
func (m runModel) view(w, h int) string {
	if m.sc == nil {
		return ""
	}
	st := m.x.styles
	top := []string{m.phaseLine()}
	top = append(top, m.clockLines(w)...)
	if m.x.live() {
		top = append(top, m.liveLines(w)...)
	}
	var alerts []string
	if m.x.live() && (len(m.alerts) > 0 || m.injected) {
		n := min(3, max(1, len(m.alerts)))
		if m.pane == paneAlerts {
			n = min(6, max(1, len(m.alerts)))
		}
		alerts = m.alertLines(w, n)
	}
	rest := h - len(top) - len(alerts) - 4 // two rules, two pane headings
	logLines := len(m.logLinesAll(w))
	logH := min(max(4, rest/3), max(1, logLines))
	if m.pane == paneLog {
		logH = min(max(4, rest/2), max(1, logLines))
	}
	feedH := rest - logH
	if feedH < 3 {
		logH = max(1, logH-(3-feedH))
		feedH = rest - logH
	}
	out := append([]string(nil), top...)
	out = append(out, alerts...)
	out = append(out, st.muted.Render(strings.Repeat("─", w)))
	out = append(out, m.feedLines(w, max(1, feedH+1))...)
	out = append(out, st.muted.Render(strings.Repeat("─", w)))
	out = append(out, m.logLines(w, logH+1)...)
	return strings.Join(out, "\n")
}

func (m runModel) phaseLine() string {
	st := m.x.styles
	var parts []string
	for i, p := range incidentPhases() {
		switch {
		case i == m.phase:
			parts = append(parts, st.label.Render("["+p+"]"))
		case i < m.phase:
			parts = append(parts, p+"✓")
		default:
			parts = append(parts, st.muted.Render(p))
		}
	}
	return st.heading.Render("phase ") + strings.Join(parts, " › ")
}

// clockLeft is what remains of a regulatory clock, in exercise time.
func (m runModel) clockLeft(c timeline.Clock) time.Duration {
	total := time.Duration(c.Hours * float64(time.Hour))
	return total - m.x.story(m.elapsed()-m.aware)
}

func (m runModel) clockLines(w int) []string {
	st := m.x.styles
	story := ""
	if x := m.x; x.scale > 0 && x.scale != 1 {
		// Compressed: the story runs in exercise time, and so do the
		// regulatory clocks.
		story = fmt.Sprintf("story %s (×%g) · ", formatStory(x.story(m.elapsed())), x.scale)
	}
	if len(m.clocks) == 0 {
		return []string{st.heading.Render("clocks ") + story + st.muted.Render("not started · b when the breach is confirmed")}
	}
	line := st.heading.Render("clocks ") + story
	// The record keeps every clock; the room watches the ones that run out
	// within the first three days (DORA's later reports would crowd them).
	var shown []timeline.Clock
	for _, c := range m.clocks {
		if c.Hours <= 72 {
			shown = append(shown, c)
		}
	}
	labels := clockLabels(shown)
	chips := make([]string, len(shown))
	for i, c := range shown {
		left := m.clockLeft(c)
		chips[i] = labels[i] + " " + formatCountdown(left)
		if left < time.Hour {
			chips[i] = st.bad.Render(chips[i])
		}
	}
	return packChips(line, chips, w)
}

// packChips lays chips out after head, " · " between them, breaking lines
// between chips, never inside one.
func packChips(head string, chips []string, w int) []string {
	var out []string
	line, width := head, ansi.StringWidth(head)
	for i, chip := range chips {
		cw := ansi.StringWidth(chip)
		switch {
		case i == 0:
		case width+3+cw > w:
			out = append(out, line)
			line, width = "       ", 7
		default:
			line += " · "
			width += 3
		}
		line += chip
		width += cw
	}
	return append(out, line)
}

// paneHeading marks the pane the arrows move in and says what is out of
// view.
func (m runModel) paneHeading(p runPane, text string, above, below int) string {
	st := m.x.styles
	mark := "  "
	if m.pane == p {
		mark = "▸ "
	}
	s := st.heading.Render(mark + text)
	var more []string
	if above > 0 {
		more = append(more, fmt.Sprintf("↑%d", above))
	}
	if below > 0 {
		more = append(more, fmt.Sprintf("↓%d", below))
	}
	if len(more) > 0 {
		s += st.muted.Render(" · " + strings.Join(more, " ") + " more lines")
	}
	return s
}

func (m runModel) cursorMark(p runPane, on bool) string {
	if on && m.pane == p {
		return "›"
	}
	return " "
}

func (m runModel) feedLines(w, h int) []string {
	st := m.x.styles
	head := fmt.Sprintf("injects %d/%d", len(m.feed), len(m.injects))
	switch {
	case m.next < len(m.injects) && m.next == m.held:
		head += " · next held back: i delivers it"
	case m.next < len(m.injects) && m.running:
		head += " · next at " + formatT(m.injects[m.next].At)
	case m.next >= len(m.injects) && len(m.injects) > 0:
		head += " · all delivered"
	}
	if m.guide {
		head += " · guide on"
	}
	if len(m.feed) == 0 {
		return []string{m.paneHeading(paneFeed, head, 0, 0), st.muted.Render("  the first inject comes when the scenario starts")}
	}
	// One hanging indent for the feed, wide enough for its widest time and
	// the mark of an inject brought forward, with a space before the text.
	lw := 0
	for _, f := range m.feed {
		lw = max(lw, len(formatT(f.at)))
	}
	lw += 3
	hang := strings.Repeat(" ", lw)
	var lines []string
	from, to := 0, 0
	for n, r := range m.feedRows() {
		f := m.feed[r.item]
		sel := n == m.feedCur
		var rows []string
		if r.outcome < 0 {
			mark := " "
			if f.early {
				// Brought forward by the facilitator.
				mark = "*"
			}
			label := m.cursorMark(paneFeed, sel) + padRight(formatT(f.at)+mark, lw-1)
			rows = indent(label, hang, f.inject.Say, w)
			if sel && m.pane == paneFeed {
				rows[0] = st.cursor.Render(rows[0])
			}
			for _, q := range f.inject.Ask {
				rows = append(rows, indent(hang+st.question.Render("? "), hang+"  ", q, w)...)
			}
		} else {
			e := f.inject.Expect[r.outcome]
			mk := m.marks[markKey{f.index, e}]
			label := m.cursorMark(paneFeed, sel) + strings.Repeat(" ", lw-1) + markSymbol(mk.Mark) + " "
			pad := hang + "    "
			rows = indent(label, pad, st.muted.Render("expect ")+e, w)
			if mk.Note != "" {
				rows = append(rows, indent(pad+"“", pad+" ", mk.Note+"”", w)...)
			}
			if sel && m.pane == paneFeed {
				rows[0] = st.cursor.Render(rows[0])
			}
		}
		if sel {
			from, to = len(lines), len(lines)+len(rows)
		}
		lines = append(lines, rows...)
	}
	view, above, below := scrolled(lines, from, to, w, h-1)
	return append([]string{m.paneHeading(paneFeed, head, above, below)}, strings.Split(view, "\n")...)
}

func (m runModel) logLines(w, h int) []string {
	st := m.x.styles
	if len(m.log) == 0 {
		return []string{m.paneHeading(paneLog, "log (0)", 0, 0), st.muted.Render("  d records a decision or action, n a note")}
	}
	lines, from, to := m.logRows(w)
	view, above, below := scrolled(lines, from, to, w, h-1)
	return append([]string{m.paneHeading(paneLog, fmt.Sprintf("log (%d)", len(m.log)), above, below)}, strings.Split(view, "\n")...)
}

func (m runModel) logLinesAll(w int) []string {
	lines, _, _ := m.logRows(w)
	return lines
}

// logRows is the whole log, each entry wrapped under its time, and the
// rows of the entry under the cursor.
func (m runModel) logRows(w int) (lines []string, from, to int) {
	st := m.x.styles
	cur := m.logCur
	if m.pane != paneLog {
		cur = len(m.log) - 1
	}
	for i, it := range m.log {
		id := it.id
		if len(it.was) > 0 {
			id += " (corrected)"
		}
		var line string
		if it.note {
			line = fmt.Sprintf("%s %s note by %s: %s", formatT(it.at), id, it.who, it.what)
		} else {
			line = fmt.Sprintf("%s %s %s (%s): %s", formatT(it.at), id, it.who, it.role, it.what)
		}
		sel := i == cur && m.pane == paneLog
		if it.struck {
			line = "[struck] " + line
		}
		// Wrapped under its time, so the whole entry is on screen.
		rows := indent(m.cursorMark(paneLog, sel)+" ", "          ", line, w)
		for j := range rows {
			switch {
			case it.struck:
				rows[j] = st.muted.Render(rows[j])
			case sel:
				rows[j] = st.cursor.Render(rows[j])
			}
		}
		if i == cur {
			from, to = len(lines), len(lines)+len(rows)
		}
		lines = append(lines, rows...)
	}
	return lines, from, to
}

func (m runModel) alertLines(w, h int) []string {
	st := m.x.styles
	if len(m.alerts) == 0 {
		return []string{st.heading.Render("alerts ") + st.muted.Render("none yet")}
	}
	cur := m.alertCur
	if m.pane != paneAlerts {
		cur = len(m.alerts) - 1
	}
	var lines []string
	for i, a := range m.alerts {
		sel := i == cur && m.pane == paneAlerts
		line := m.cursorMark(paneAlerts, sel) + st.warn.Render(fmt.Sprintf("%s %s %s", formatT(a.at), a.alert.Severity, a.alert.Rule)) + " " + a.alert.Title
		lines = append(lines, padRight(line, w))
	}
	view, above, below := scrolled(lines, cur, cur+1, w, h)
	head := fmt.Sprintf("alerts (%d)", len(m.alerts))
	out := []string{m.paneHeading(paneAlerts, head, above, below)}
	return append(out, strings.Split(view, "\n")...)
}
