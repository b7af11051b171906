package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

type washTab int

const (
	tabRatings washTab = iota
	tabFindings
	tabPlan
	washTabs
)

type editKind int

const (
	editNone editKind = iota
	editComment
	editStrength
	editImprovement
	editPlan
)

// objective is one thing the exercise set out to test, rated in the hot
// wash.
type objective struct {
	scenario string
	text     string
}

// hotwashModel is the debrief: HSEEP's P/S/M/U rating and a comment per
// objective, strengths and areas for improvement, and the improvement plan
// with owners and due dates. Nothing is recorded until the bundle is
// written, so a rating can be changed until then.
type hotwashModel struct {
	x   *exercise
	tab washTab

	objectives []objective
	ratings    []string
	comments   []string
	cur        int

	findings []timeline.Finding
	fcur     int
	plan     []timeline.Improvement
	pcur     int

	editing editKind
	fields  []lineInput
	field   int
	warned  bool
	err     string
}

func newHotwash(x *exercise) hotwashModel {
	m := hotwashModel{x: x}
	for _, s := range x.scenarios {
		objs := s.Objectives
		if len(objs) == 0 {
			objs = []string{"Respond to: " + s.Title}
		}
		for _, o := range objs {
			m.objectives = append(m.objectives, objective{scenario: s.ID, text: o})
		}
	}
	m.ratings = make([]string, len(m.objectives))
	m.comments = make([]string, len(m.objectives))
	return m
}

func (m hotwashModel) typing() bool { return m.editing != editNone }

func (m *hotwashModel) update(msg tea.Msg) tea.Cmd {
	k := m.x.keys
	km, isKey := msg.(tea.KeyMsg)
	if m.editing != editNone {
		if isKey {
			switch {
			case key.Matches(km, k.Cancel):
				m.stopEditing()
				return nil
			case m.editing == editPlan && key.Matches(km, k.NextField):
				return m.focus((m.field + 1) % len(m.fields))
			case m.editing == editPlan && key.Matches(km, k.PrevSection):
				return m.focus((m.field + len(m.fields) - 1) % len(m.fields))
			case key.Matches(km, k.Confirm):
				if m.editing == editPlan && m.field < len(m.fields)-1 {
					return m.focus(m.field + 1)
				}
				return m.commit()
			}
		}
		var cmd tea.Cmd
		m.fields[m.field], cmd = m.fields[m.field].Update(msg)
		return cmd
	}
	if !isKey {
		return nil
	}
	m.err = ""
	switch {
	case key.Matches(km, k.NextSection):
		m.tab = (m.tab + 1) % washTabs
		return nil
	case key.Matches(km, k.PrevSection):
		m.tab = (m.tab + washTabs - 1) % washTabs
		return nil
	case key.Matches(km, k.Save):
		if n := m.unrated(); n > 0 && !m.warned {
			m.warned = true
			m.err = fmt.Sprintf("%d objectives are not rated: w again writes the bundle without them", n)
			return nil
		}
		return send(hotwashDoneMsg{})
	}
	switch m.tab {
	case tabRatings:
		switch {
		case key.Matches(km, k.Up):
			m.cur = max(0, m.cur-1)
		case key.Matches(km, k.Down):
			m.cur = min(len(m.objectives)-1, m.cur+1)
		case key.Matches(km, k.RateP):
			m.rate(timeline.RatingP)
		case key.Matches(km, k.RateS):
			m.rate(timeline.RatingS)
		case key.Matches(km, k.RateM):
			m.rate(timeline.RatingM)
		case key.Matches(km, k.RateU):
			m.rate(timeline.RatingU)
		case key.Matches(km, k.Comment):
			if len(m.objectives) > 0 {
				return m.edit(editComment, field{"› ", "what went well, what did not", m.comments[m.cur]})
			}
		}
	case tabFindings:
		switch {
		case key.Matches(km, k.Up):
			m.fcur = max(0, m.fcur-1)
		case key.Matches(km, k.Down):
			m.fcur = min(len(m.findings)-1, m.fcur+1)
		case key.Matches(km, k.Strength):
			return m.edit(editStrength, field{"› ", "something the team did well", ""})
		case key.Matches(km, k.Improvement):
			return m.edit(editImprovement, field{"› ", "something to do better", ""})
		case key.Matches(km, k.Remove):
			m.findings, m.fcur = removeAt(m.findings, m.fcur)
		}
	case tabPlan:
		switch {
		case key.Matches(km, k.Up):
			m.pcur = max(0, m.pcur-1)
		case key.Matches(km, k.Down):
			m.pcur = min(len(m.plan)-1, m.pcur+1)
		case key.Matches(km, k.Improvement):
			due := m.x.now().AddDate(0, 0, 30).Format(time.DateOnly)
			return m.edit(editPlan,
				field{"item  › ", "corrective action", ""},
				field{"owner › ", "who does it", ""},
				field{"due   › ", "YYYY-MM-DD", due})
		case key.Matches(km, k.Remove):
			m.plan, m.pcur = removeAt(m.plan, m.pcur)
		case key.Matches(km, k.Status):
			if len(m.plan) > 0 {
				p := &m.plan[m.pcur]
				if p.Status == "done" {
					p.Status = "open"
				} else {
					p.Status = "done"
				}
			}
		}
	}
	return nil
}

func (m *hotwashModel) rate(r string) {
	if len(m.objectives) == 0 {
		return
	}
	m.ratings[m.cur] = r
	// Rating moves on, so four objectives take four keys.
	m.cur = min(len(m.objectives)-1, m.cur+1)
}

func (m hotwashModel) unrated() int {
	n := 0
	for _, r := range m.ratings {
		if r == "" {
			n++
		}
	}
	return n
}

type field struct{ prompt, placeholder, value string }

func (m *hotwashModel) edit(kind editKind, fs ...field) tea.Cmd {
	m.editing = kind
	m.fields = make([]lineInput, len(fs))
	for i, f := range fs {
		in := newInput(m.x.styles, f.prompt, f.placeholder, 300)
		in.Width = max(10, m.x.width-len(f.prompt)-4)
		in.SetValue(f.value)
		m.fields[i] = in
	}
	return m.focus(0)
}

func (m *hotwashModel) focus(i int) tea.Cmd {
	for j := range m.fields {
		m.fields[j].Blur()
	}
	m.field = i
	return m.fields[i].Focus()
}

func (m *hotwashModel) stopEditing() {
	m.editing = editNone
	m.fields = nil
}

func (m *hotwashModel) commit() tea.Cmd {
	v := func(i int) string { return strings.TrimSpace(m.fields[i].Value()) }
	switch m.editing {
	case editComment:
		m.comments[m.cur] = v(0)
	case editStrength, editImprovement:
		if v(0) == "" {
			break
		}
		t := "strength"
		if m.editing == editImprovement {
			t = "improvement"
		}
		m.findings = append(m.findings, timeline.Finding{Type: t, Text: v(0)})
		m.fcur = len(m.findings) - 1
	case editPlan:
		item, owner, due := v(0), v(1), v(2)
		switch {
		case item == "":
			m.err = "the item needs a corrective action"
			return m.focus(0)
		case owner == "":
			m.err = "the item needs an owner"
			return m.focus(1)
		}
		if err := reports.ValidateDue(due, m.x.now()); err != nil {
			m.err = err.Error()
			return m.focus(2)
		}
		m.plan = append(m.plan, timeline.Improvement{Item: item, Owner: owner, Due: due, Status: "open"})
		m.pcur = len(m.plan) - 1
	}
	m.err = ""
	m.stopEditing()
	return nil
}

// record puts the hot wash on the timeline, as it stands when the bundle
// is written.
func (m hotwashModel) record() {
	x := m.x
	who := x.facilitator()
	for i, o := range m.objectives {
		if m.ratings[i] == "" {
			continue
		}
		x.record(timeline.KindRating, o.scenario, who, fmt.Sprintf("%s: %s", m.ratings[i], o.text),
			timeline.Rating{Objective: o.text, Rating: m.ratings[i], Comment: m.comments[i]})
	}
	for _, f := range m.findings {
		x.record(timeline.KindFinding, "", who, f.Type+": "+f.Text, f)
	}
	for _, p := range m.plan {
		x.record(timeline.KindImprovement, "", who, fmt.Sprintf("%s (owner %s, due %s)", p.Item, p.Owner, p.Due), p)
	}
}

func (m hotwashModel) status() string {
	st := m.x.styles
	if m.err != "" {
		return st.bad.Render(m.err)
	}
	switch m.editing {
	case editComment:
		return "comment on: " + m.objectives[m.cur].text + "\n" + m.fields[0].View()
	case editStrength:
		return "a strength · enter records · esc cancels\n" + m.fields[0].View()
	case editImprovement:
		return "an area for improvement · enter records · esc cancels\n" + m.fields[0].View()
	case editPlan:
		return "tab moves between fields · enter on the last records · esc cancels"
	}
	return "rate each objective, note strengths and improvements, plan the fixes; w writes the bundle"
}

func (m hotwashModel) keys() bindings {
	k := m.x.keys
	if m.editing != editNone {
		b := []key.Binding{withHelp(k.Confirm, "enter", "record"), k.Cancel}
		if m.editing == editPlan {
			b = append(b, k.NextField)
		}
		return bindings{short: b}
	}
	var short []key.Binding
	switch m.tab {
	case tabRatings:
		short = []key.Binding{withHelp(k.RateP, "p/s/m/u", "rate"), withHelp(k.Comment, "c", "comment")}
	case tabFindings:
		short = []key.Binding{k.Strength, withHelp(k.Improvement, "a", "add improvement"), k.Remove}
	case tabPlan:
		short = []key.Binding{withHelp(k.Improvement, "a", "add item"), k.Status, k.Remove}
	}
	short = append(short, k.NextSection, k.Save, k.Quit)
	return bindings{short: short, full: [][]key.Binding{
		{k.RateP, k.RateS, k.RateM, k.RateU, k.Comment},
		{k.Strength, withHelp(k.Improvement, "a", "add improvement / item"), k.Status, k.Remove},
		{k.NextSection, k.Save, k.Quit, k.Help},
	}}
}

func (m hotwashModel) view(w, h int) string {
	st := m.x.styles
	rated := len(m.objectives) - m.unrated()
	names := []string{
		fmt.Sprintf("Ratings %d/%d", rated, len(m.objectives)),
		fmt.Sprintf("Findings (%d)", len(m.findings)),
		fmt.Sprintf("Plan (%d)", len(m.plan)),
	}
	var tabs []string
	for i, n := range names {
		if washTab(i) == m.tab {
			tabs = append(tabs, st.tabOn.Render("["+n+"]"))
		} else {
			tabs = append(tabs, st.tab.Render(" "+n+" "))
		}
	}
	out := []string{strings.Join(tabs, " ")}
	switch m.tab {
	case tabRatings:
		out = append(out, m.ratingLines(w, h-1)...)
	case tabFindings:
		out = append(out, m.findingLines(w, h-1)...)
	case tabPlan:
		out = append(out, m.planLines(w, h-1)...)
	}
	return strings.Join(out, "\n")
}

func (m hotwashModel) ratingLines(w, h int) []string {
	st := m.x.styles
	out := []string{st.muted.Render("P performed · S some challenges · M major challenges · U unable to perform")}
	var lines []string
	cursorLine := 0
	last := ""
	for i, o := range m.objectives {
		if o.scenario != last && len(m.x.scenarios) > 1 {
			lines = append(lines, st.heading.Render(o.scenario))
			last = o.scenario
		}
		r := m.ratings[i]
		if r == "" {
			r = " "
		}
		prefix := "  "
		if i == m.cur {
			prefix = "› "
			cursorLine = len(lines)
		}
		row := indent(prefix+"["+r+"] ", "      ", o.text, w)
		if i == m.cur {
			row[0] = st.cursor.Render(row[0])
		}
		lines = append(lines, row...)
		if c := m.comments[i]; c != "" {
			lines = append(lines, indent("      “", "       ", c+"”", w)...)
		}
	}
	from, to := window(len(lines), cursorLine, h-1)
	return append(out, lines[from:to]...)
}

func (m hotwashModel) findingLines(w, h int) []string {
	st := m.x.styles
	if len(m.findings) == 0 && m.editing == editNone {
		return []string{"", "  s adds a strength, a an area for improvement."}
	}
	var lines []string
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
		}
		lines = append(lines, row...)
	}
	from, to := window(len(lines), m.fcur, h)
	return lines[from:to]
}

func (m hotwashModel) planLines(w, h int) []string {
	st := m.x.styles
	itemW := max(10, w-2-14-12-7)
	out := []string{st.muted.Render("  " + padRight("corrective action", itemW) + " " + padRight("owner", 13) + " " + padRight("due", 11) + " status")}
	for i, p := range m.plan {
		prefix := "  "
		if i == m.pcur && m.editing == editNone {
			prefix = "› "
		}
		row := prefix + padRight(p.Item, itemW) + " " + padRight(p.Owner, 13) + " " + padRight(p.Due, 11) + " " + p.Status
		if i == m.pcur && m.editing == editNone {
			row = st.cursor.Render(row)
		}
		out = append(out, row)
	}
	if len(m.plan) == 0 && m.editing == editNone {
		out = append(out, "", "  a adds an improvement item: what, who, by when.")
	}
	if m.editing == editPlan {
		out = append(out, "")
		for _, f := range m.fields {
			out = append(out, "  "+f.View())
		}
	}
	if len(out) > h {
		out = append(out[:1], out[len(out)-h+1:]...)
	}
	return out
}
