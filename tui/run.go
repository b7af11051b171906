package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// incidentPhases are NIST SP 800-61's, as the scribe advances them.
func incidentPhases() []string {
	return []string{"detect", "analyse", "contain", "eradicate", "recover", "post-incident"}
}

type runInput int

const (
	inputNone runInput = iota
	inputDecision
	inputNote
)

// feedItem is an inject as delivered to the room.
type feedItem struct {
	index  int
	at     time.Duration
	inject scenarios.TabletopInject
	early  bool
}

// logItem is a line of the decision log.
type logItem struct {
	at              time.Duration
	who, role, what string
	note            bool
}

type alertItem struct {
	at    time.Duration
	alert timeline.Alert
}

// runModel is the hour itself, one scenario at a time: the clock, the
// injects, the phase, the regulatory clocks, the log and — live — the
// stack's alerts and containment.
type runModel struct {
	x       *exercise
	index   int
	sc      *scenarios.Scenario
	injects []scenarios.TabletopInject

	clock   stopwatch
	running bool
	next    int
	feed    []feedItem
	phase   int // into incidentPhases; -1 before the first
	log     []logItem
	clocks  []timeline.Clock
	status  string
	ended   bool

	// Live mode. scope ends with the scenario and stops waiting for
	// containment; opCancel interrupts an inject or playbook in flight.
	scope       context.Context
	cancelScope context.CancelFunc
	session     Session
	startErr    error
	starting    bool
	busy        string // "injecting", "running the playbook"
	opCancel    context.CancelFunc
	closing     bool
	injected    bool
	responded   bool
	respondNext bool
	contained   bool
	containedAt time.Duration
	alerts      []alertItem
	checks      map[string]bool
	checkOrder  []string
	engineLine  string
	liveErr     string

	input runInput
	text  lineInput
	who   int
}

func newRun(x *exercise) runModel {
	return runModel{x: x, phase: -1}
}

// begin starts scenario i: discussion at once, live once the engine has
// the scenario ready (after what the console recorded before it).
func (m *runModel) begin(i int) tea.Cmd {
	x := m.x
	s := x.scenarios[i]
	*m = newRun(x)
	m.index, m.sc = i, s
	m.injects = append([]scenarios.TabletopInject(nil), s.Tabletop...)
	sort.SliceStable(m.injects, func(a, b int) bool { return m.injects[a].At < m.injects[b].At })
	m.checks = map[string]bool{}
	if !x.live() {
		x.recordScenarioStart(s)
		m.startClock()
		return nil
	}
	m.starting = true
	m.scope, m.cancelScope = context.WithCancel(x.ctx)
	scope := m.scope
	x.journal.then(func(tl *timeline.Timeline) tea.Cmd { return startSession(scope, x.cfg.Live, tl, s) })
	return nil
}

func (m *runModel) startClock() {
	m.clock = startStopwatch(m.x.now())
	m.running = true
	m.deliverDue()
}

func (m runModel) elapsed() time.Duration { return m.clock.elapsed(m.x.now()) }

// tick delivers whatever inject has come due.
func (m *runModel) tick() tea.Cmd {
	if m.running && !m.clock.paused && !m.ended {
		m.deliverDue()
	}
	return nil
}

func (m *runModel) deliverDue() {
	now := m.elapsed()
	for m.next < len(m.injects) && m.injects[m.next].At <= now {
		m.deliver(false)
	}
}

func (m *runModel) deliver(early bool) {
	x := m.x
	in := m.injects[m.next]
	at := m.elapsed()
	m.feed = append(m.feed, feedItem{index: m.next, at: at, inject: in, early: early})
	summary := fmt.Sprintf("inject %d/%d: %s", m.next+1, len(m.injects), in.Say)
	if early {
		summary += fmt.Sprintf(" (brought forward from %s to %s)", formatT(in.At), formatT(at))
	}
	x.record(timeline.KindTabletopInject, m.sc.ID, x.facilitator(), summary,
		timeline.TabletopInject{AtSeconds: in.At.Seconds(), Say: in.Say, Ask: in.Ask, Expect: in.Expect})
	m.next++
}

func (m runModel) typing() bool { return m.input != inputNone }

func (m *runModel) update(msg tea.Msg) tea.Cmd {
	x := m.x
	k := x.keys
	km, isKey := msg.(tea.KeyMsg)
	if m.input != inputNone {
		if isKey {
			switch {
			case key.Matches(km, k.Cancel):
				m.closeInput()
				return nil
			case m.input == inputDecision && key.Matches(km, k.NextField):
				m.who = (m.who + 1) % len(x.people)
				return nil
			case m.input == inputDecision && key.Matches(km, k.PrevSection):
				m.who = (m.who + len(x.people) - 1) % len(x.people)
				return nil
			case key.Matches(km, k.Confirm):
				m.commitInput()
				return nil
			}
		}
		var cmd tea.Cmd
		m.text, cmd = m.text.Update(msg)
		return cmd
	}
	if !isKey || m.sc == nil {
		return nil
	}
	m.status = ""
	switch {
	case key.Matches(km, k.Pause):
		m.togglePause()
	case key.Matches(km, k.NextInject):
		switch {
		case !m.running:
			m.status = "the scenario has not started yet"
		case m.next >= len(m.injects):
			m.status = "every inject of this scenario has been delivered"
		default:
			m.deliver(true)
		}
	case key.Matches(km, k.Phase):
		if m.phase >= len(incidentPhases())-1 {
			m.status = "already in the last phase"
			break
		}
		m.phase++
		name := incidentPhases()[m.phase]
		x.record(timeline.KindPhase, m.sc.ID, x.scribe(), "phase: "+name, timeline.Phase{Name: name})
	case key.Matches(km, k.Decision):
		if len(x.people) == 0 {
			m.status = "nobody is in the room"
			break
		}
		m.input = inputDecision
		m.who = m.defaultSpeaker()
		return m.openInput("what was decided or done")
	case key.Matches(km, k.Note):
		m.input = inputNote
		return m.openInput("a note for the record")
	case key.Matches(km, k.Breach):
		m.startClocks()
	case key.Matches(km, k.Respond):
		return m.respond()
	case key.Matches(km, k.EndScenario):
		switch {
		case m.starting:
			m.status = "wait for the stack to get the scenario ready"
		case m.busy != "":
			m.status = "wait: the stack is " + m.busy
		case m.closing:
			m.status = "the stack is being put back"
		default:
			q := fmt.Sprintf("End %s and go on to the next scenario?", m.sc.ID)
			if m.index == len(x.scenarios)-1 {
				q = fmt.Sprintf("End %s and go to the hot wash?", m.sc.ID)
			}
			return send(confirmationNeededMsg{question: q, yes: endScenarioConfirmedMsg{}})
		}
	}
	return nil
}

// defaultSpeaker is the incident commander, who makes most decisions.
func (m runModel) defaultSpeaker() int {
	for i, p := range m.x.people {
		if p.Role == RoleIncidentCommander {
			return i
		}
	}
	return 0
}

func (m *runModel) openInput(placeholder string) tea.Cmd {
	m.text = newInput(m.x.styles, "› ", placeholder, 500)
	m.text.Width = max(10, m.x.width-4)
	return m.text.Focus()
}

func (m *runModel) closeInput() {
	m.input = inputNone
	m.text.Blur()
}

func (m *runModel) commitInput() {
	x := m.x
	what := strings.TrimSpace(m.text.Value())
	if what == "" {
		m.closeInput()
		return
	}
	at := m.elapsed()
	switch m.input {
	case inputDecision:
		p := x.people[m.who]
		m.log = append(m.log, logItem{at: at, who: p.Name, role: p.Role, what: what})
		x.record(timeline.KindDecision, m.sc.ID, p.Name, fmt.Sprintf("%s (%s): %s", p.Name, p.Role, what),
			timeline.Decision{Who: p.Name, Role: p.Role, What: what})
	case inputNote:
		m.log = append(m.log, logItem{at: at, who: x.scribe(), what: what, note: true})
		x.record(timeline.KindNote, m.sc.ID, x.scribe(), "note: "+what, timeline.Note{Text: what})
	}
	m.closeInput()
}

func (m *runModel) togglePause() {
	x := m.x
	if !m.running {
		return
	}
	now := x.now()
	if m.clock.paused {
		m.clock.resume(now)
		x.record(timeline.KindNote, m.sc.ID, x.facilitator(), "exercise clock resumed at "+formatT(m.elapsed()), timeline.Note{Text: "exercise clock resumed"})
		m.deliverDue()
		return
	}
	m.clock.pause(now)
	// A pause explains a gap in the record to whoever reads it later.
	x.record(timeline.KindNote, m.sc.ID, x.facilitator(), "exercise clock paused at "+formatT(m.elapsed()), timeline.Note{Text: "exercise clock paused"})
}

// startClocks marks awareness: the room has confirmed a breach, and the
// notification deadlines run from now.
func (m *runModel) startClocks() {
	x := m.x
	if len(m.clocks) > 0 {
		m.status = "the regulatory clocks are already running"
		return
	}
	m.clocks = harness.RegulatoryClocks(x.now())
	for _, c := range m.clocks {
		x.record(timeline.KindClock, m.sc.ID, x.scribe(), fmt.Sprintf("%s due %s", c.Regime, c.Deadline.Format(time.RFC3339)), c)
	}
	m.status = "breach confirmed at " + formatT(m.elapsed()) + ": regulatory clocks started"
	if !m.sc.PersonalData() {
		m.status += " (this scenario puts no personal data at risk: check they apply)"
	}
}

func (m *runModel) respond() tea.Cmd {
	switch {
	case !m.x.live():
		m.status = "the playbook runs only against a live stack"
	case m.busy == "injecting":
		// The room is ahead of the stack: the playbook follows the inject.
		m.respondNext = true
		m.status = "the playbook runs as soon as the inject is done"
	case m.session == nil || !m.injected:
		m.status = "the breach has not been injected yet"
	case m.busy != "":
		m.status = "wait: the stack is " + m.busy
	case m.responded:
		m.status = "the playbook has already run"
	default:
		m.busy = "running the playbook"
		ctx, cancel := context.WithCancel(m.scope)
		m.opCancel = cancel
		return runPlaybook(ctx, m.session, m.sc.ID)
	}
	return nil
}

// end closes the scenario once the facilitator confirmed: discussion
// records its end here; live hands the stack back to the engine, which
// reverts it and records the measured outcome.
func (m *runModel) end() tea.Cmd {
	x := m.x
	if m.ended || m.sc == nil {
		return nil
	}
	if m.session != nil {
		if m.closing {
			return nil
		}
		m.closing = true
		return closeSession(x.ctx, m.session, m.sc.ID)
	}
	m.ended = true
	m.running = false
	end := timeline.ScenarioEnd{Outcome: timeline.OutcomeDiscussed}
	if m.startErr != nil {
		// Live, but the stack never had the scenario: the record must not
		// read as a discussion that chose not to use it.
		end = timeline.ScenarioEnd{Outcome: timeline.OutcomeInfra, Reason: m.startErr.Error()}
	}
	x.record(timeline.KindScenarioEnd, m.sc.ID, x.facilitator(), "outcome: "+end.Outcome, end)
	return send(scenarioDoneMsg{index: m.index})
}

// engineDone takes the result of a live step. ending says the console is
// on its way out: a scenario that just became ready is then not injected.
func (m *runModel) engineDone(msg tea.Msg, ending bool) tea.Cmd {
	x := m.x
	switch msg := msg.(type) {
	case sessionStartedMsg:
		if m.sc == nil || msg.scenario != m.sc.ID {
			return closeSession(x.ctx, msg.session, msg.scenario)
		}
		m.starting = false
		m.session = msg.session
		if ending {
			return nil
		}
		m.startClock()
		m.busy = "injecting"
		ctx, cancel := context.WithCancel(m.scope)
		m.opCancel = cancel
		return tea.Batch(injectBreach(ctx, m.session, m.sc.ID), waitContained(m.scope, m.session, m.sc.ID))
	case sessionFailedMsg:
		m.starting = false
		m.startErr = msg.err
		m.liveErr = "the stack could not start this scenario: " + msg.err.Error()
		if !ending {
			// The engine recorded the fault; the room goes on with the story.
			m.startClock()
		}
		return nil
	case injectedMsg:
		m.busy, m.opCancel, m.engineLine = "", nil, ""
		if msg.err != nil {
			m.liveErr = "the inject failed: " + msg.err.Error()
			return nil
		}
		m.injected = true
		m.status = "breach injected at " + formatT(m.elapsed()) + ": watch for alerts"
		if m.respondNext && !ending {
			m.respondNext = false
			return m.respond()
		}
	case respondedMsg:
		m.busy, m.opCancel, m.engineLine = "", nil, ""
		if msg.err != nil {
			m.liveErr = "the playbook failed: " + msg.err.Error()
			return nil
		}
		m.responded = true
		m.status = "playbook done at " + formatT(m.elapsed()) + ": containment checks running"
	case sessionClosedMsg:
		m.closing = false
		m.session = nil
		if m.cancelScope != nil {
			m.cancelScope()
		}
		m.ended, m.running = true, false
		if msg.err != nil {
			m.liveErr = "putting the stack back failed: " + msg.err.Error()
		}
		return send(scenarioDoneMsg{index: m.index})
	}
	return nil
}

// wind gets the scenario out of the engine's hands before the exercise
// ends: it waits for a start in flight, interrupts an inject or playbook,
// and closes the session. waiting is false once nothing is left.
func (m *runModel) wind() (cmd tea.Cmd, waiting bool) {
	switch {
	case m.starting:
		return nil, true
	case m.busy != "":
		if m.opCancel != nil {
			m.opCancel()
			m.opCancel = nil
		}
		return nil, true
	case m.session != nil:
		if m.closing {
			return nil, true
		}
		m.closing = true
		return closeSession(m.x.ctx, m.session, m.sc.ID), true
	}
	return nil, false
}

// recordInterrupted ends a scenario the facilitator quit in the middle of.
func (m *runModel) recordInterrupted() {
	if m.sc == nil || m.ended {
		return
	}
	m.ended, m.running = true, false
	end := timeline.ScenarioEnd{Outcome: timeline.OutcomeInterrupted, Reason: "the facilitator ended the exercise early"}
	if m.startErr != nil {
		end = timeline.ScenarioEnd{Outcome: timeline.OutcomeInfra, Reason: m.startErr.Error()}
	}
	m.x.record(timeline.KindScenarioEnd, m.sc.ID, m.x.facilitator(), "outcome: "+end.Outcome, end)
}

func (m *runModel) markContained(id string) {
	if m.sc == nil || id != m.sc.ID || m.contained {
		return
	}
	m.contained, m.containedAt = true, m.elapsed()
	m.status = "containment verified at " + formatT(m.containedAt)
}

// engineEvent shows what the engine recorded about this scenario.
func (m *runModel) engineEvent(ev timeline.Event) {
	if m.sc == nil || ev.Scenario != m.sc.ID {
		return
	}
	switch ev.Kind {
	case timeline.KindAlert:
		var a timeline.Alert
		if ev.Decode(&a) != nil || a.Window == "revert" {
			return
		}
		if a.Window == "baseline" {
			m.engineLine = "alert before the inject (false positive?): " + a.Rule
			return
		}
		m.alerts = append(m.alerts, alertItem{at: m.elapsed(), alert: a})
	case timeline.KindClock:
		var c timeline.Clock
		if ev.Decode(&c) != nil {
			return
		}
		for _, have := range m.clocks {
			if have.Regime == c.Regime {
				return
			}
		}
		m.clocks = append(m.clocks, c)
	case timeline.KindCheck:
		var c timeline.Check
		if ev.Decode(&c) != nil || c.Stage != "verify" {
			return
		}
		if _, seen := m.checks[c.Name]; !seen {
			m.checkOrder = append(m.checkOrder, c.Name)
		}
		m.checks[c.Name] = c.Pass
	case timeline.KindContained:
		m.markContained(ev.Scenario)
	case timeline.KindFault:
		m.liveErr = ev.Summary
	case timeline.KindStepStart, timeline.KindPhase:
		if ev.Actor == "breachdrill" || ev.Kind == timeline.KindPhase && ev.Actor == "" {
			m.engineLine = ev.Summary
		}
	}
}

func (m runModel) title() string {
	if m.sc == nil {
		return ""
	}
	return fmt.Sprintf("%s (%d/%d) · %s", m.sc.ID, m.index+1, len(m.x.scenarios), m.x.mode)
}

func (m runModel) clockText() string {
	switch {
	case m.starting:
		return "stack getting ready"
	case !m.running && m.ended:
		return "ended"
	case m.clock.paused:
		return formatT(m.elapsed()) + " PAUSED"
	}
	return formatT(m.elapsed())
}

func (m runModel) statusLine() string {
	x := m.x
	st := x.styles
	switch m.input {
	case inputDecision:
		p := x.people[m.who]
		return fmt.Sprintf("decision by %s (%s) · tab: someone else · enter records · esc cancels\n%s", p.Name, p.Role, m.text.View())
	case inputNote:
		return "note for the record · enter records · esc cancels\n" + m.text.View()
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
		if m.input == inputDecision {
			b = append(b, withHelp(k.NextField, "tab", "who"))
		}
		return bindings{short: b}
	}
	row1 := []key.Binding{k.Pause, k.NextInject, k.Phase, k.Decision, k.Note}
	row2 := []key.Binding{k.Breach}
	if m.x.live() {
		row2 = append(row2, k.Respond)
	}
	row2 = append(row2, k.EndScenario, k.Quit, k.Help)
	last := []key.Binding{k.EndScenario, k.Quit, k.Help}
	if m.x.live() {
		last = append([]key.Binding{k.Respond}, last...)
	}
	return bindings{rows: [][]key.Binding{row1, row2}, full: [][]key.Binding{
		{k.Pause, k.NextInject, k.Phase},
		{k.Decision, k.Note, k.Breach},
		last,
	}}
}

// view lays the run screen out top to bottom: phase, regulatory clocks,
// the stack (live), then the inject feed, which gets whatever room the
// decision log leaves it.
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
	logLines := m.logLines(w)
	feedH := h - len(top) - len(logLines) - 2
	for feedH < 4 && len(logLines) > 2 {
		// The injects are what the room reads: the log gives way first.
		logLines = append(logLines[:1], logLines[2:]...)
		feedH++
	}
	out := append(top, st.muted.Render(strings.Repeat("─", w)))
	out = append(out, m.feedLines(w, max(1, feedH))...)
	for len(out) < h-len(logLines)-1 {
		out = append(out, "")
	}
	out = append(out, st.muted.Render(strings.Repeat("─", w)))
	out = append(out, logLines...)
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

func (m runModel) clockLines(w int) []string {
	st := m.x.styles
	if len(m.clocks) == 0 {
		return []string{st.heading.Render("clocks ") + st.muted.Render("not started · b when the breach is confirmed")}
	}
	now := m.x.now()
	// Lines break between clocks, never inside one.
	var out []string
	line := st.heading.Render("clocks ")
	width, first := 7, true
	// The record keeps every clock; the room watches the ones that run out
	// within the first three days (DORA's later reports would crowd them).
	var shown []timeline.Clock
	for _, c := range m.clocks {
		if c.Hours <= 72 {
			shown = append(shown, c)
		}
	}
	labels := clockLabels(shown)
	for i, c := range shown {
		left := c.Deadline.Sub(now)
		chip := labels[i] + " " + formatCountdown(left)
		cw := len([]rune(chip))
		if left < time.Hour {
			chip = st.bad.Render(chip)
		}
		switch {
		case first:
			first = false
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

func (m runModel) liveLines(w int) []string {
	st := m.x.styles
	var out []string
	if a := m.x.access; a != nil {
		out = append(out, indent(st.heading.Render("stack  "), "       ",
			fmt.Sprintf("%s  login %s / %s", a.AdminURL, a.User, a.Password), w)...)
	}
	var state string
	switch {
	case m.contained:
		state = st.good.Render("CONTAINMENT VERIFIED at " + formatT(m.containedAt))
	case m.starting:
		state = "getting the scenario ready (detection baseline)"
	case m.busy != "":
		state = m.busy + "…"
	case m.injected:
		passing := 0
		for _, p := range m.checks {
			if p {
				passing++
			}
		}
		state = fmt.Sprintf("breach injected · containment not verified (%d/%d checks pass)", passing, len(m.checks))
		if len(m.checks) == 0 {
			state = "breach injected · containment not verified"
		}
	default:
		state = "not injected"
	}
	if m.engineLine != "" && !m.contained {
		state += st.muted.Render(" · " + m.engineLine)
	}
	out = append(out, st.heading.Render("engine ")+state)
	alerts := m.alerts
	if len(alerts) > 3 {
		alerts = alerts[len(alerts)-3:]
	}
	if len(m.alerts) == 0 && m.injected {
		out = append(out, st.heading.Render("alerts ")+st.muted.Render("none yet"))
	}
	for i, a := range alerts {
		label := "       "
		if i == 0 {
			label = st.heading.Render("alerts ")
		}
		out = append(out, label+st.warn.Render(fmt.Sprintf("%s %s %s", formatT(a.at), a.alert.Severity, a.alert.Rule))+" "+a.alert.Title)
	}
	return out
}

func (m runModel) feedLines(w, h int) []string {
	st := m.x.styles
	head := fmt.Sprintf("injects %d/%d", len(m.feed), len(m.injects))
	switch {
	case m.next < len(m.injects) && m.running:
		head += " · next at " + formatT(m.injects[m.next].At)
	case m.next >= len(m.injects) && len(m.injects) > 0:
		head += " · all delivered"
	}
	out := []string{st.heading.Render(head)}
	if len(m.feed) == 0 {
		out = append(out, st.muted.Render("  the first inject comes when the scenario starts"))
	}
	// One hanging indent for the feed, wide enough for its widest time.
	lw := 8
	for _, f := range m.feed {
		lw = max(lw, len(formatT(f.at))+1)
	}
	hang := strings.Repeat(" ", lw)
	// Newest first: the inject the room is on is always on screen whole.
	for i := len(m.feed) - 1; i >= 0 && len(out) < h; i-- {
		f := m.feed[i]
		mark := " "
		if f.early {
			// Brought forward by the facilitator.
			mark = "*"
		}
		label := padRight(formatT(f.at)+mark, lw)
		lines := indent(label, hang, f.inject.Say, w)
		for _, q := range f.inject.Ask {
			lines = append(lines, indent(hang+st.question.Render("? "), hang+"  ", q, w)...)
		}
		out = append(out, lines...)
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}

func (m runModel) logLines(w int) []string {
	st := m.x.styles
	out := []string{st.heading.Render(fmt.Sprintf("log (%d)", len(m.log)))}
	if len(m.log) == 0 {
		return append(out, st.muted.Render("  d records a decision or action, n a note"))
	}
	items := m.log
	if len(items) > 4 {
		items = items[len(items)-4:]
	}
	for _, it := range items {
		var line string
		if it.note {
			line = fmt.Sprintf("%s note: %s", formatT(it.at), it.what)
		} else {
			line = fmt.Sprintf("%s %s (%s): %s", formatT(it.at), it.who, it.role, it.what)
		}
		out = append(out, line)
	}
	return out
}
