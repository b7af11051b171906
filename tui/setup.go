package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

type setupSection int

const (
	secScenarios setupSection = iota
	secParticipants
	secMode
	setupSections
)

func (s setupSection) String() string {
	return [...]string{"Scenarios", "Participants", "Mode"}[s]
}

// setupModel is the first screen: which scenarios, who is in the room in
// which role, and whether a real stack takes part.
type setupModel struct {
	x       *exercise
	section setupSection

	all    []*scenarios.Scenario
	picked []string // ids in the order picked: the order they run
	cursor int      // into visible()
	filter lineInput

	participants []timeline.Participant
	pcursor      int
	adding       bool
	name         lineInput
	role         int

	mode Mode
	// liveWhyNot says why live mode cannot be chosen ("" when it can).
	liveWhyNot string
	err        string
}

func newSetup(x *exercise) (setupModel, error) {
	cfg := x.cfg
	m := setupModel{
		x:            x,
		all:          cfg.Catalog,
		filter:       newInput(x.styles, "/ ", "id, title, ATT&CK id, control, severity", 60),
		name:         newInput(x.styles, "name › ", "full name", 60),
		participants: append([]timeline.Participant(nil), cfg.Participants...),
		mode:         ModeDiscussion,
	}
	for _, id := range cfg.Selected {
		if !m.known(id) {
			ids := make([]string, len(m.all))
			for i, s := range m.all {
				ids[i] = s.ID
			}
			return setupModel{}, fault.Input(fmt.Errorf("unknown scenario %q: the catalogue has %s", id, strings.Join(ids, ", ")))
		}
		if !m.isPicked(id) {
			m.picked = append(m.picked, id)
		}
	}
	switch {
	case cfg.Mode == ModeDiscussion:
		// Checked first: --discussion wires no engine, and "no live
		// engine in this build" would blame the build for the flag.
		m.liveWhyNot = "discussion mode was asked for (--discussion)"
	case cfg.Live == nil:
		m.liveWhyNot = "no live engine in this build"
	case cfg.Mode == ModeLive:
		m.mode = ModeLive
	case cfg.CheckDocker == nil:
		m.liveWhyNot = "Docker cannot be checked"
	default:
		m.liveWhyNot = "checking Docker…"
	}
	if len(m.picked) > 0 {
		// Pointing at the first pick shows its details straight away.
		for i, s := range m.visible() {
			if s.ID == m.picked[0] {
				m.cursor = i
				break
			}
		}
	}
	return m, nil
}

func (m setupModel) known(id string) bool {
	for _, s := range m.all {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (m setupModel) isPicked(id string) bool {
	for _, p := range m.picked {
		if p == id {
			return true
		}
	}
	return false
}

// dockerChecked settles the default mode: live when the engine answers
// (unless the command forced a mode), discussion otherwise.
func (m *setupModel) dockerChecked(err error) {
	if err != nil {
		m.liveWhyNot = "Docker is not reachable: " + err.Error()
		if m.mode == ModeLive {
			m.mode = ModeDiscussion
			m.err = "live mode needs Docker, which is not reachable: running in discussion mode"
		}
		return
	}
	m.liveWhyNot = ""
	if m.x.cfg.Mode == ModeAuto {
		m.mode = ModeLive
	}
}

// visible is the catalogue narrowed by the filter: every word must match
// the id, title, severity, an ATT&CK id or a control.
func (m setupModel) visible() []*scenarios.Scenario {
	words := strings.Fields(strings.ToLower(m.filter.Value()))
	if len(words) == 0 {
		return m.all
	}
	var out []*scenarios.Scenario
	for _, s := range m.all {
		hay := strings.ToLower(strings.Join(append(append([]string{s.ID, s.Title, s.Severity}, s.Attack...), s.Controls...), " "))
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func (m setupModel) chosen() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, id := range m.picked {
		for _, s := range m.all {
			if s.ID == id {
				out = append(out, s)
			}
		}
	}
	return out
}

func (m setupModel) typing() bool { return m.filter.Focused() || m.adding }

func (m setupModel) update(msg tea.Msg) (setupModel, tea.Cmd) {
	k := m.x.keys
	km, isKey := msg.(tea.KeyMsg)
	switch {
	case m.filter.Focused():
		if isKey {
			switch {
			case key.Matches(km, k.Cancel):
				m.filter.SetValue("")
				m.filter.Blur()
				m.cursor = 0
				return m, nil
			case key.Matches(km, k.Confirm):
				m.filter.Blur()
				return m, nil
			case km.Type == tea.KeyUp || km.Type == tea.KeyDown:
				m.move(km.Type == tea.KeyDown)
				return m, nil
			}
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.cursor = min(m.cursor, max(0, len(m.visible())-1))
		return m, cmd
	case m.adding:
		if isKey {
			switch {
			case key.Matches(km, k.Cancel):
				m.stopAdding()
				return m, nil
			case key.Matches(km, k.NextField, k.Right):
				// ←/→ pick the role, as the ‹role› beside the name shows.
				m.role = (m.role + 1) % len(Roles())
				return m, nil
			case key.Matches(km, k.PrevSection, k.Left):
				m.role = (m.role + len(Roles()) - 1) % len(Roles())
				return m, nil
			case key.Matches(km, k.Confirm):
				m.addParticipant()
				return m, nil
			}
		}
		var cmd tea.Cmd
		m.name, cmd = m.name.Update(msg)
		return m, cmd
	}
	if !isKey {
		return m, nil
	}
	m.err = ""
	switch {
	case key.Matches(km, k.NextSection):
		m.section = (m.section + 1) % setupSections
		return m, nil
	case key.Matches(km, k.PrevSection):
		m.section = (m.section + setupSections - 1) % setupSections
		return m, nil
	case key.Matches(km, k.Start):
		return m.start()
	}
	switch m.section {
	case secScenarios:
		switch {
		case key.Matches(km, k.Up), key.Matches(km, k.Down):
			m.move(key.Matches(km, k.Down))
		case key.Matches(km, k.Toggle):
			m.toggle()
		case key.Matches(km, k.Filter):
			return m, m.filter.Focus()
		}
	case secParticipants:
		switch {
		case key.Matches(km, k.Up):
			m.pcursor = max(0, m.pcursor-1)
		case key.Matches(km, k.Down):
			m.pcursor = min(len(m.participants)-1, m.pcursor+1)
		case key.Matches(km, k.Add):
			m.adding = true
			m.role = m.nextUnfilledRole()
			return m, m.name.Focus()
		case key.Matches(km, k.Remove):
			m.participants, m.pcursor = removeAt(m.participants, m.pcursor)
		case key.Matches(km, k.Role):
			if len(m.participants) > 0 {
				p := &m.participants[m.pcursor]
				p.Role = Roles()[(roleIndex(p.Role)+1)%len(Roles())]
			}
		}
	case secMode:
		if key.Matches(km, k.Up, k.Down, k.Left, k.Right, k.Toggle) {
			if m.mode == ModeLive {
				m.mode = ModeDiscussion
			} else if m.liveWhyNot == "" {
				m.mode = ModeLive
			} else {
				m.err = "live mode is unavailable: " + m.liveWhyNot
			}
		}
	}
	return m, nil
}

func (m *setupModel) move(down bool) {
	n := len(m.visible())
	if down {
		m.cursor = min(n-1, m.cursor+1)
	} else {
		m.cursor = max(0, m.cursor-1)
	}
}

func (m *setupModel) toggle() {
	vis := m.visible()
	if len(vis) == 0 {
		return
	}
	id := vis[m.cursor].ID
	for i, p := range m.picked {
		if p == id {
			m.picked = append(m.picked[:i], m.picked[i+1:]...)
			return
		}
	}
	m.picked = append(m.picked, id)
}

// nextUnfilledRole suggests the first plan role nobody holds yet, so that
// typing five names in a row fills the five roles.
func (m setupModel) nextUnfilledRole() int {
	held := map[string]bool{}
	for _, p := range m.participants {
		held[p.Role] = true
	}
	for i, r := range Roles() {
		if !held[r] {
			return i
		}
	}
	return roleIndex(RoleObserver)
}

func (m *setupModel) addParticipant() {
	name := strings.TrimSpace(m.name.Value())
	if name == "" {
		// An empty name ends a run of additions.
		m.stopAdding()
		return
	}
	for _, p := range m.participants {
		if strings.EqualFold(p.Name, name) {
			m.err = name + " is already in the room"
			return
		}
	}
	m.participants = append(m.participants, timeline.Participant{Name: name, Role: Roles()[m.role]})
	m.pcursor = len(m.participants) - 1
	m.name.Reset()
	m.role = m.nextUnfilledRole()
	m.err = ""
}

func (m *setupModel) stopAdding() {
	m.adding = false
	m.name.Reset()
	m.name.Blur()
}

func (m setupModel) start() (setupModel, tea.Cmd) {
	switch {
	case len(m.picked) == 0:
		m.section, m.err = secScenarios, "pick at least one scenario (space)"
	case len(m.participants) == 0:
		m.section, m.err = secParticipants, "add the people in the room (a)"
	case m.mode == ModeLive && m.liveWhyNot != "":
		m.section, m.err = secMode, "live mode is unavailable: "+m.liveWhyNot
	default:
		return m, send(setupDoneMsg{})
	}
	return m, nil
}

func (m setupModel) summary() string {
	people := "people"
	if len(m.participants) == 1 {
		people = "person"
	}
	sc := "scenarios"
	if len(m.picked) == 1 {
		sc = "scenario"
	}
	return fmt.Sprintf("%d %s · %d %s · %s", len(m.picked), sc, len(m.participants), people, m.mode)
}

func (m setupModel) status() string {
	if m.err != "" {
		return m.x.styles.bad.Render(m.err)
	}
	switch {
	case m.filter.Focused():
		return "type to filter · enter keeps the filter · esc clears it"
	case m.adding:
		return "tab or ←/→ changes the role · enter adds · enter on an empty name or esc finishes"
	}
	return "tab moves between scenarios, people and mode · enter starts the exercise"
}

func (m setupModel) keys() bindings {
	k := m.x.keys
	switch {
	case m.filter.Focused():
		return bindings{short: []key.Binding{k.Confirm, k.Cancel}}
	case m.adding:
		return bindings{short: []key.Binding{withHelp(k.Confirm, "enter", "add"), withHelp(k.NextField, "tab/←/→", "role"), k.Cancel}}
	}
	var short []key.Binding
	switch m.section {
	case secScenarios:
		short = []key.Binding{k.Toggle, k.Filter}
	case secParticipants:
		short = []key.Binding{k.Add, k.Remove, k.Role}
	case secMode:
		short = []key.Binding{withHelp(k.Toggle, "space", "switch mode")}
	}
	short = append(short, k.NextSection, k.Start)
	return bindings{short: short, pinned: []key.Binding{k.Quit, k.Help}, full: [][]key.Binding{
		{k.Up, k.Down, k.Toggle, k.Filter},
		{k.Add, k.Remove, k.Role},
		{k.NextSection, k.PrevSection, k.Start, k.Quit},
	}}
}

func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}

func (m setupModel) view(w, h int) string {
	st := m.x.styles
	var tabs []string
	for s := setupSection(0); s < setupSections; s++ {
		if s == m.section {
			tabs = append(tabs, st.tabOn.Render("["+s.String()+"]"))
		} else {
			tabs = append(tabs, st.tab.Render(" "+s.String()+" "))
		}
	}
	lines := []string{strings.Join(tabs, " ")}
	h--
	switch m.section {
	case secScenarios:
		lines = append(lines, m.scenarioView(w, h)...)
	case secParticipants:
		lines = append(lines, m.participantView(w, h)...)
	case secMode:
		lines = append(lines, m.modeView(w)...)
	}
	return strings.Join(lines, "\n")
}

func (m setupModel) scenarioView(w, h int) []string {
	st := m.x.styles
	var out []string
	if m.filter.Focused() || m.filter.Value() != "" {
		out = append(out, m.filter.View())
		h--
	}
	top := len(out)
	vis := m.visible()
	detail := m.detail(w, vis)
	listH := max(3, h-len(detail))
	if len(vis) == 0 {
		out = append(out, st.muted.Render("  no scenario matches the filter"))
	}
	from, to := window(len(vis), m.cursor, listH)
	idW := 28
	for i := from; i < to; i++ {
		s := vis[i]
		box := "[ ]"
		if m.isPicked(s.ID) {
			box = "[x]"
		}
		row := fmt.Sprintf("%s %s  %s %s", box, padRight(s.ID, idW), padRight(s.Severity, 9), strings.Join(s.Attack, " "))
		if i == m.cursor {
			out = append(out, st.cursor.Render("› "+row))
		} else {
			out = append(out, "  "+row)
		}
	}
	// The details sit at the bottom whatever the list's length.
	for len(out) < top+listH {
		out = append(out, "")
	}
	return append(out, detail...)
}

// detail describes the scenario under the cursor: what it is, the
// techniques, the controls it gives evidence for, what the room will get.
func (m setupModel) detail(w int, vis []*scenarios.Scenario) []string {
	if len(vis) == 0 || m.cursor >= len(vis) {
		return nil
	}
	st := m.x.styles
	s := vis[m.cursor]
	out := []string{st.muted.Render(strings.Repeat("─", w))}
	out = append(out, st.heading.Render(s.Title))
	var span string
	if n := len(s.Tabletop); n > 0 {
		span = fmt.Sprintf("%d injects over %s", n, shortDuration(s.Tabletop[n-1].At))
	} else {
		span = "no narrative injects"
	}
	out = append(out, fmt.Sprintf("%s · ATT&CK %s · %s · %d objectives", s.Severity, strings.Join(s.Attack, ", "), span, len(s.Objectives)))
	out = append(out, indent("controls ", "         ", strings.Join(s.Controls, " "), w)...)
	if len(s.DataAtRisk) > 0 {
		risk := "at risk  " + strings.Join(s.DataAtRisk, ", ")
		if s.PersonalData() {
			risk += " (personal data: GDPR, DORA, NYDFS clocks)"
		}
		out = append(out, risk)
	}
	return out
}

func (m setupModel) participantView(w, h int) []string {
	st := m.x.styles
	out := []string{st.heading.Render(fmt.Sprintf("People in the room (%d)", len(m.participants)))}
	if len(m.participants) == 0 && !m.adding {
		out = append(out, "  Nobody yet: press a to add the people in the room.")
	}
	listH := max(1, h-6)
	from, to := window(len(m.participants), m.pcursor, listH)
	for i := from; i < to; i++ {
		p := m.participants[i]
		row := padRight(p.Name, 30) + " " + p.Role
		if i == m.pcursor && !m.adding {
			out = append(out, st.cursor.Render("› "+row))
		} else {
			out = append(out, "  "+row)
		}
	}
	out = append(out, "")
	if m.adding {
		out = append(out, "  "+m.name.View())
		out = append(out, "  role ‹"+Roles()[m.role]+"›")
	} else {
		out = append(out, st.muted.Render("  roles: "+strings.Join(Roles(), ", ")))
	}
	if missing := m.missingRoles(); len(missing) > 0 {
		out = append(out, indent("  ", "  ", st.warn.Render("nobody is "+strings.Join(missing, ", ")), w)...)
	}
	return out
}

// missingRoles are the plan's roles nobody holds: worth saying before the
// exercise starts, since the record will show it.
func (m setupModel) missingRoles() []string {
	held := map[string]bool{}
	for _, p := range m.participants {
		held[p.Role] = true
	}
	var out []string
	for _, r := range Roles()[:5] {
		if !held[r] {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func (m setupModel) modeView(w int) []string {
	st := m.x.styles
	radio := func(on bool) string {
		if on {
			return "(•)"
		}
		return "( )"
	}
	row := func(on bool, name, desc string) []string {
		prefix := "  "
		if on {
			prefix = "› "
		}
		lines := indent(prefix+radio(on)+" "+padRight(name, 11), strings.Repeat(" ", 17), desc, w)
		if on {
			lines[0] = st.cursor.Render(lines[0])
		}
		return lines
	}
	out := []string{""}
	out = append(out, row(m.mode == ModeDiscussion, "discussion", "narrative injects on the scenario's schedule; no stack, no Docker")...)
	out = append(out, "")
	out = append(out, row(m.mode == ModeLive, "live", "a real shop stack is started and seeded; each scenario is really injected, alerts and containment appear as they happen")...)
	if m.liveWhyNot != "" {
		out = append(out, indent(strings.Repeat(" ", 17), strings.Repeat(" ", 17), st.warn.Render("unavailable: "+m.liveWhyNot), w)...)
	}
	return out
}
