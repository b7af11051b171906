package tui

import (
	"fmt"
	"strconv"
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
	tabFeedback
	tabSignOff
	washTabs
)

type editKind int

const (
	editNone editKind = iota
	editComment
	editEvalNote
	editStrength
	editImprovement
	editPlan
	editFeedback
	editSignOff
)

// objective is one thing the exercise set out to test, rated in the hot
// wash.
type objective struct {
	scenario string
	text     string
}

// hotwashModel is the debrief: HSEEP's P/S/M/U rating, a comment and
// evaluators' notes per objective, strengths and areas for improvement,
// the improvement plan with owners and due dates, the participants'
// feedback and the sign-off. It is saved as a draft on every change and
// recorded on the timeline when the bundle is written.
type hotwashModel struct {
	x   *exercise
	tab washTab

	objectives []objective
	ratings    []string
	ratedAt    []*time.Time // when the room gave each rating
	comments   []string
	evalNotes  []timeline.EvaluatorNote
	cur        int

	findings []timeline.Finding
	fcur     int
	plan     []timeline.Improvement
	pcur     int
	feedback []timeline.Feedback
	bcur     int
	signOffs []timeline.SignOff
	signAs   string

	// draftVersion numbers the drafts saved, newest highest.
	draftVersion int

	editing editKind
	fields  []lineInput
	field   int
	warned  bool
	err     string
}

func newHotwash(x *exercise, d *washDraft) hotwashModel {
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
	m.ratedAt = make([]*time.Time, len(m.objectives))
	m.comments = make([]string, len(m.objectives))
	m.restore(d)
	return m
}

func (m hotwashModel) typing() bool { return m.editing != editNone }

func (m *hotwashModel) update(msg tea.Msg) tea.Cmd {
	before := fmt.Sprint(m.draft())
	cmd := m.handle(msg)
	if fmt.Sprint(m.draft()) != before {
		// Saved on every change: a closed laptop loses nothing.
		return tea.Batch(cmd, m.saveDraft())
	}
	return cmd
}

func (m *hotwashModel) handle(msg tea.Msg) tea.Cmd {
	k := m.x.keys
	km, isKey := msg.(tea.KeyMsg)
	if m.editing != editNone {
		if isKey {
			multi := len(m.fields) > 1
			switch {
			case key.Matches(km, k.Cancel):
				m.stopEditing()
				m.err = ""
				return nil
			case multi && key.Matches(km, k.NextField):
				return m.focus((m.field + 1) % len(m.fields))
			case multi && key.Matches(km, k.PrevSection):
				return m.focus((m.field + len(m.fields) - 1) % len(m.fields))
			case key.Matches(km, k.Confirm):
				if multi && m.field < len(m.fields)-1 {
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
		if missing := m.missing(); missing != "" && !m.warned {
			m.warned = true
			m.err = missing + ": w again writes the bundle without them"
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
		case key.Matches(km, k.Suggested):
			// The expected outcomes marked in the run suggest a rating.
			if len(m.objectives) == 0 {
				break
			}
			sc := m.objectives[m.cur].scenario
			if _, r := marksSummary(m.x.marks[sc], m.expectedCount(sc)); r != "" {
				m.rate(r)
			} else {
				m.err = "no expected outcome of " + sc + " was marked: nothing to suggest"
			}
		case key.Matches(km, k.EvalNote):
			if len(m.objectives) > 0 {
				return m.edit(editEvalNote,
					field{"evaluator › ", "who observed", m.x.holding(RoleObserver, RoleFacilitator)},
					field{"note      › ", "what the evaluator saw against this objective", ""})
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
		case key.Matches(km, k.Read):
			// The table cuts long items; enter reads one whole.
			if len(m.plan) > 0 {
				p := m.plan[m.pcur]
				return send(readFullMsg{title: "improvement item", text: fmt.Sprintf("%s\n\nowner %s · due %s · %s\n", p.Item, p.Owner, p.Due, p.Status)})
			}
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
	case tabFeedback:
		switch {
		case key.Matches(km, k.Up):
			m.bcur = max(0, m.bcur-1)
		case key.Matches(km, k.Down):
			m.bcur = min(len(m.feedback)-1, m.bcur+1)
		case key.Matches(km, k.Add):
			return m.edit(editFeedback,
				field{"who      › ", "participant's name", m.nextToGiveFeedback()},
				field{"useful   › ", "1 (not at all) to 5 (very)", ""},
				field{"worked   › ", "what worked in this exercise", ""},
				field{"improve  › ", "what to change next time", ""})
		case key.Matches(km, k.Remove):
			m.feedback, m.bcur = removeAt(m.feedback, m.bcur)
		}
	case tabSignOff:
		switch {
		case key.Matches(km, k.SignFac):
			m.signAs = "facilitator"
			return m.edit(editSignOff,
				field{"name › ", "the facilitator's name", m.x.holding(RoleFacilitator)},
				field{"role › ", "their role", "exercise facilitator"})
		case key.Matches(km, k.SignApprover):
			m.signAs = "approver"
			return m.edit(editSignOff,
				field{"name › ", "who approves the record", ""},
				field{"role › ", "their role, e.g. CISO", ""})
		case key.Matches(km, k.Remove):
			if n := len(m.signOffs); n > 0 {
				m.signOffs = m.signOffs[:n-1]
			}
		}
	}
	return nil
}

// missing says what is not done yet before the bundle is written.
func (m hotwashModel) missing() string {
	var out []string
	if n := m.unrated(); n > 0 {
		out = append(out, fmt.Sprintf("%d objectives are not rated", n))
	}
	if !m.signed("facilitator") || !m.signed("approver") {
		out = append(out, "the record is not signed off")
	}
	return strings.Join(out, "; ")
}

func (m hotwashModel) signed(as string) bool {
	for _, s := range m.signOffs {
		if s.As == as {
			return true
		}
	}
	return false
}

// nextToGiveFeedback suggests the first person in the room who has not
// filled in the form.
func (m hotwashModel) nextToGiveFeedback() string {
	done := map[string]bool{}
	for _, f := range m.feedback {
		done[f.Who] = true
	}
	for _, p := range m.x.people {
		if !done[p.Name] {
			return p.Name
		}
	}
	return ""
}

func (m *hotwashModel) rate(r string) {
	if len(m.objectives) == 0 {
		return
	}
	m.ratings[m.cur] = r
	m.ratedAt[m.cur] = m.x.stamp()
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
		in.Width = max(10, m.x.width-len([]rune(f.prompt))-4)
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
	case editEvalNote:
		who, text := v(0), v(1)
		switch {
		case who == "":
			m.err = "the note needs the evaluator's name"
			return m.focus(0)
		case text == "":
			m.err = "the note is empty"
			return m.focus(1)
		}
		m.evalNotes = append(m.evalNotes, timeline.EvaluatorNote{Objective: m.objectives[m.cur].text, Evaluator: who, Text: text})
	case editStrength, editImprovement:
		if v(0) == "" {
			break
		}
		t := "strength"
		if m.editing == editImprovement {
			t = "improvement"
		}
		m.findings = append(m.findings, timeline.Finding{Type: t, Text: v(0), At: m.x.stamp()})
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
		m.plan = append(m.plan, timeline.Improvement{Item: item, Owner: owner, Due: due, Status: "open", At: m.x.stamp()})
		m.pcur = len(m.plan) - 1
	case editFeedback:
		who := v(0)
		if who == "" {
			m.err = "whose feedback is it?"
			return m.focus(0)
		}
		score := 0
		if s := v(1); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 5 {
				m.err = fmt.Sprintf("usefulness %q: want a number from 1 to 5", s)
				return m.focus(1)
			}
			score = n
		}
		f := timeline.Feedback{Who: who, Score: score, Worked: v(2), Improve: v(3)}
		for _, p := range m.x.people {
			if strings.EqualFold(p.Name, who) {
				f.Who, f.Role = p.Name, p.Role
			}
		}
		m.feedback = append(m.feedback, f)
		m.bcur = len(m.feedback) - 1
	case editSignOff:
		name, role := v(0), v(1)
		switch {
		case name == "":
			m.err = "the sign-off needs a name"
			return m.focus(0)
		case role == "":
			m.err = "the sign-off needs a role"
			return m.focus(1)
		}
		kept := m.signOffs[:0]
		for _, s := range m.signOffs {
			if s.As != m.signAs {
				kept = append(kept, s)
			}
		}
		m.signOffs = append(kept, timeline.SignOff{Name: name, Role: role, As: m.signAs, At: m.x.now().UTC()})
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
			timeline.Rating{Objective: o.text, Rating: m.ratings[i], Comment: m.comments[i], At: m.ratedAt[i]})
	}
	for _, n := range m.evalNotes {
		x.record(timeline.KindEvaluatorNote, m.scenarioOf(n.Objective), n.Evaluator, fmt.Sprintf("evaluator %s on %q: %s", n.Evaluator, n.Objective, n.Text), n)
	}
	for _, f := range m.findings {
		x.record(timeline.KindFinding, "", who, f.Type+": "+f.Text, f)
	}
	for _, p := range m.plan {
		x.record(timeline.KindImprovement, "", who, fmt.Sprintf("%s (owner %s, due %s)", p.Item, p.Owner, p.Due), p)
	}
	for _, f := range m.feedback {
		x.record(timeline.KindFeedback, "", f.Who, fmt.Sprintf("feedback from %s", f.Who), f)
	}
	for _, s := range m.signOffs {
		x.record(timeline.KindSignOff, "", s.Name, fmt.Sprintf("signed off by %s (%s) as %s", s.Name, s.Role, s.As), s)
	}
}

func (m hotwashModel) scenarioOf(objective string) string {
	for _, o := range m.objectives {
		if o.text == objective {
			return o.scenario
		}
	}
	return ""
}
