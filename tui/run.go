package tui

import (
	"context"
	"fmt"
	"sort"
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
	inputCorrect
	inputStrike
	inputMark
	inputEval
)

// runPane is the part of the run screen the arrows move in.
type runPane int

const (
	paneFeed runPane = iota
	paneLog
	paneAlerts
)

// feedItem is an inject as delivered to the room.
type feedItem struct {
	index  int
	at     time.Duration
	inject scenarios.TabletopInject
	early  bool
}

// logItem is a line of the decision log. Corrections keep what it said
// before: the timeline holds both, the screen shows the latest.
type logItem struct {
	id              string
	at              time.Duration
	who, role, what string
	note            bool
	struck          bool
	was             []string
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
	// held is the inject taken back: the schedule does not deliver it
	// again; i does.
	held  int
	feed  []feedItem
	phase int // into incidentPhases; -1 before the first
	log   []logItem
	// clocks run from aware, the scenario clock's reading when the breach
	// was confirmed: they stand still while the exercise is paused.
	clocks []timeline.Clock
	aware  time.Duration
	status string
	ended  bool

	// The facilitator's guide: the injects' expected outcomes, shown on
	// g, and how each was judged (key: inject index, outcome).
	guide bool
	marks map[markKey]timeline.OutcomeMark

	// What the arrows move: the pane, and a cursor in each.
	pane      runPane
	feedCur   int // into feedRows()
	logCur    int
	alertCur  int
	markPend  *timeline.OutcomeMark
	editingID string

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
	// endingEarly: the facilitator ended the exercise; the hot wash comes
	// after this scenario.
	endingEarly bool

	input runInput
	text  lineInput
	who   int
	obj   int // the objective an evaluator note is about
}

type markKey struct {
	inject  int
	outcome string
}

func newRun(x *exercise) runModel {
	return runModel{x: x, phase: -1, held: -1, marks: map[markKey]timeline.OutcomeMark{}, checks: map[string]bool{}}
}

// scheduled is a scenario's injects in the order the schedule runs them.
func scheduled(s *scenarios.Scenario) []scenarios.TabletopInject {
	in := append([]scenarios.TabletopInject(nil), s.Tabletop...)
	sort.SliceStable(in, func(a, b int) bool { return in[a].At < in[b].At })
	return in
}

// begin starts scenario i: discussion at once, live once the engine has
// the scenario ready (after what the console recorded before it).
func (m *runModel) begin(i int) tea.Cmd {
	x := m.x
	s := x.scenarios[i]
	*m = newRun(x)
	m.index, m.sc = i, s
	m.injects = scheduled(s)
	m.marks = x.marksFor(s.ID)
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
	m.x.clock.resume(m.x.now())
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
	for m.next < len(m.injects) && m.injects[m.next].At <= now && m.next != m.held {
		m.deliver(false)
	}
}

func (m *runModel) deliver(early bool) {
	x := m.x
	in := m.injects[m.next]
	at := m.elapsed()
	early = early && in.At > at
	m.feed = append(m.feed, feedItem{index: m.next, at: at, inject: in, early: early})
	summary := fmt.Sprintf("inject %d/%d: %s", m.next+1, len(m.injects), in.Say)
	if early {
		summary += fmt.Sprintf(" (brought forward from %s to %s)", formatT(in.At), formatT(at))
	}
	x.record(timeline.KindTabletopInject, m.sc.ID, x.facilitator(), summary,
		timeline.TabletopInject{Index: m.next + 1, AtSeconds: in.At.Seconds(), Say: in.Say, Ask: in.Ask, Expect: in.Expect})
	if m.next == m.held {
		m.held = -1
	}
	m.next++
	// The newest inject is what the room reads: the feed shows it first.
	m.feedCur = 0
}

// takeBack withdraws the last inject delivered: the record keeps it and
// says it was withdrawn; the schedule holds it until i delivers it again.
func (m *runModel) takeBack() {
	x := m.x
	if len(m.feed) == 0 {
		m.status = "no inject has been delivered yet"
		return
	}
	last := m.feed[len(m.feed)-1]
	m.feed = m.feed[:len(m.feed)-1]
	m.next, m.held = last.index, last.index
	m.feedCur = 0
	of := fmt.Sprintf("inject %d", last.index+1)
	x.record(timeline.KindCorrection, m.sc.ID, x.facilitator(), of+" withdrawn: "+last.inject.Say,
		timeline.Correction{Of: of, Action: "withdrawn", Was: last.inject.Say})
	m.status = of + " taken back: i delivers it again"
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
			case m.input == inputEval && key.Matches(km, k.NextField):
				m.obj = (m.obj + 1) % len(m.objectives())
				return nil
			case m.input == inputEval && key.Matches(km, k.PrevSection):
				m.who = (m.who + 1) % len(x.people)
				return nil
			case m.picksSpeaker() && key.Matches(km, k.NextField):
				m.who = (m.who + 1) % len(x.people)
				return nil
			case m.picksSpeaker() && key.Matches(km, k.PrevSection):
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
	case key.Matches(km, k.TakeBack):
		m.takeBack()
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
		return m.openInput("what was decided or done", "")
	case key.Matches(km, k.Note):
		if len(x.people) == 0 {
			m.status = "nobody is in the room"
			break
		}
		m.input = inputNote
		m.who = m.personIndex(x.scribe())
		return m.openInput("a note for the record", "")
	case key.Matches(km, k.EvalNoteRun):
		if len(x.people) == 0 {
			m.status = "nobody is in the room"
			break
		}
		m.input = inputEval
		m.who = m.personIndex(x.holding(RoleObserver, RoleFacilitator, RoleScribe))
		return m.openInput("what the evaluator observed against this objective", "")
	case key.Matches(km, k.Breach):
		m.startClocks()
	case key.Matches(km, k.Respond):
		return m.respond()
	case key.Matches(km, k.Guide):
		m.guide = !m.guide
		m.feedCur = 0
	case key.Matches(km, k.Pane):
		m.pane = (m.pane + 1) % m.panes()
	case key.Matches(km, k.PrevSection):
		m.pane = (m.pane + m.panes() - 1) % m.panes()
	case key.Matches(km, k.Up), key.Matches(km, k.Down), key.Matches(km, k.PageUp), key.Matches(km, k.PageDown):
		m.move(km)
	case key.Matches(km, k.Read):
		return m.read()
	case key.Matches(km, k.Correct):
		return m.correct()
	case key.Matches(km, k.Strike):
		return m.strike()
	case key.Matches(km, k.MarkObserved):
		return m.mark(timeline.MarkObserved)
	case key.Matches(km, k.MarkPartly):
		return m.mark(timeline.MarkPartly)
	case key.Matches(km, k.MarkNot):
		return m.mark(timeline.MarkNotObserved)
	case key.Matches(km, k.EndScenario):
		if why := m.notNow(); why != "" {
			m.status = why
			break
		}
		q := fmt.Sprintf("End %s and go on to the next scenario?", m.sc.ID)
		if m.index == len(x.scenarios)-1 {
			q = fmt.Sprintf("End %s and go to the hot wash?", m.sc.ID)
		}
		return send(confirmationNeededMsg{question: q, yes: endScenarioConfirmedMsg{}})
	}
	return nil
}

// notNow says why the scenario cannot end this moment ("" when it can).
func (m runModel) notNow() string {
	switch {
	case m.starting:
		return "wait for the stack to get the scenario ready"
	case m.busy != "":
		return "wait: the stack is " + m.busy
	case m.closing:
		return "the stack is being put back"
	}
	return ""
}

// objectives are the current scenario's, as the hot wash rates them.
func (m runModel) objectives() []string {
	if len(m.sc.Objectives) > 0 {
		return m.sc.Objectives
	}
	return []string{"Respond to: " + m.sc.Title}
}

func (m runModel) panes() runPane {
	if m.x.live() {
		return 3
	}
	return 2
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

func (m runModel) personIndex(name string) int {
	for i, p := range m.x.people {
		if p.Name == name {
			return i
		}
	}
	return 0
}

func (m runModel) picksSpeaker() bool {
	return (m.input == inputDecision || m.input == inputNote) && len(m.x.people) > 0
}

func (m *runModel) togglePause() {
	x := m.x
	if !m.running {
		return
	}
	now := x.now()
	if m.clock.paused {
		m.clock.resume(now)
		x.clock.resume(now)
		m.recordClock("resumed")
		m.deliverDue()
		return
	}
	m.pause("paused")
}

// pause stops both clocks and records where they stood: a pause explains
// a gap in the record, and a resumed console reads the clocks back.
func (m *runModel) pause(state string) {
	x := m.x
	now := x.now()
	if m.running {
		m.clock.pause(now)
	}
	x.clock.pause(now)
	m.recordClock(state)
}

func (m *runModel) recordClock(state string) {
	x := m.x
	scenario := ""
	if m.sc != nil {
		scenario = m.sc.ID
	}
	summary := fmt.Sprintf("exercise clock %s at %s (exercise %s)", state, formatT(m.elapsed()), formatT(x.elapsed()))
	if state == "ended early" {
		summary = fmt.Sprintf("the facilitator ended the exercise at %s (exercise %s): the hot wash follows", formatT(m.elapsed()), formatT(x.elapsed()))
	}
	x.record(timeline.KindTabletopClock, scenario, x.facilitator(), summary,
		timeline.TabletopClock{State: state, ScenarioSeconds: m.elapsed().Seconds(), ExerciseSeconds: x.elapsed().Seconds()})
}

// startClocks marks awareness: the room has confirmed a breach, and the
// notification deadlines run from now (in exercise time).
func (m *runModel) startClocks() {
	x := m.x
	if len(m.clocks) > 0 {
		m.status = "the regulatory clocks are already running"
		return
	}
	m.aware = m.elapsed()
	m.clocks = harness.RegulatoryClocks(x.now())
	for _, c := range m.clocks {
		x.record(timeline.KindClock, m.sc.ID, x.scribe(), fmt.Sprintf("%s due %s", c.Regime, c.Deadline.Format(time.RFC3339)), c)
	}
	m.status = "breach confirmed at " + formatT(m.elapsed()) + ": regulatory clocks started"
	if !m.sc.PersonalData() {
		m.status += " (this scenario puts no personal data at risk: check they apply)"
	}
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
	if m.endingEarly {
		end = timeline.ScenarioEnd{Outcome: timeline.OutcomeInterrupted, Reason: "the facilitator ended the exercise early"}
	}
	if m.startErr != nil {
		// Live, but the stack never had the scenario: the record must not
		// read as a discussion that chose not to use it.
		end = timeline.ScenarioEnd{Outcome: timeline.OutcomeInfra, Reason: m.startErr.Error()}
	}
	x.record(timeline.KindScenarioEnd, m.sc.ID, x.facilitator(), "outcome: "+end.Outcome, end)
	return send(scenarioDoneMsg{index: m.index})
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
