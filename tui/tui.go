package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Mode is how the exercise runs.
type Mode int

const (
	// ModeAuto is live when Docker answers and a live engine is wired,
	// discussion otherwise; the facilitator can change it in setup.
	ModeAuto Mode = iota
	// ModeDiscussion runs narrative injects only, without a stack.
	ModeDiscussion
	// ModeLive provisions a stack and really injects each scenario.
	ModeLive
)

func (m Mode) String() string {
	switch m {
	case ModeDiscussion:
		return "discussion"
	case ModeLive:
		return "live"
	}
	return "auto"
}

// Config is everything the console needs from the command.
type Config struct {
	// Catalog is what the facilitator picks from; Selected are the ids
	// picked already (--scenario).
	Catalog  []*scenarios.Scenario
	Selected []string
	// Participants are the people known before setup (--participant).
	Participants []timeline.Participant
	Mode         Mode
	Title        string
	ToolVersion  string

	// Now is the clock (default time.Now). With ManualClock the console
	// starts no ticker of its own: tests move Now and send ticks, so every
	// screen is the same on every run.
	Now         func() time.Time
	ManualClock bool
	// NewID names the exercise when setup is done (default: the engine's
	// naming, time plus a random suffix).
	NewID func(time.Time) string
	// Renderer styles the screens (default lipgloss's, which honours
	// NO_COLOR).
	Renderer *lipgloss.Renderer

	// CheckDocker says whether live mode can run; nil means it cannot.
	CheckDocker func(context.Context) error
	// OpenTimeline creates the exercise's record once setup is done; the
	// timeline should write to a file as it goes, so that a crash keeps it.
	OpenTimeline func(ctx context.Context, exerciseID string) (*timeline.Timeline, error)
	// Live runs live mode; nil leaves only discussion mode.
	Live Live
	// Save writes the evidence at the end.
	Save SaveFunc
	// SaveDraft keeps the hot wash as it stands (JSON), on every change,
	// so that a paused exercise comes back with it; nil keeps it in
	// memory. Saves may run concurrently: version grows with each, and a
	// save older than one already written must be dropped.
	SaveDraft func(exerciseID string, version int, draft []byte) error

	// TimeScale compresses exercise time: 60 makes a minute of the
	// exercise an hour of the story and of the regulatory clocks. 0 or 1
	// runs them in real time.
	TimeScale float64

	// Resume continues a saved exercise instead of starting with setup.
	// OpenTimeline then hands back the record it was read from.
	Resume *Resume
}

// Resume is a paused exercise as saved: its record and the hot wash's
// draft.
type Resume struct {
	Events []timeline.Event
	Draft  []byte
}

// outcomeCompleted ends a tabletop that reached its hot wash.
const outcomeCompleted = "completed"

type state int

const (
	stateSetup state = iota
	stateProvision
	stateRun
	stateHotWash
	stateSaving
	stateDone
	stateFailed
)

// Model is the console: one state, one sub-model per screen.
type Model struct {
	x     *exercise
	state state

	width, height int
	help          help.Model

	setup setupModel
	prov  provisionModel
	run   runModel
	wash  hotwashModel

	// confirm, when set, is the question on screen; each choice's key
	// sends its message.
	confirm *confirmation
	// reader, when set, shows one entry in full over the screen.
	reader *readerModel
	// pausedForLater: the facilitator paused and saved; the record file
	// stays for --resume.
	pausedForLater bool
	// resumeDraft is the hot wash a resumed exercise brought back;
	// startNext, when positive, is the scenario a resumed exercise starts
	// once its record is open.
	resumeDraft *washDraft
	startNext   int
	reopened    bool

	events       <-chan timeline.Event
	stopEvents   func()
	provisioning bool
	provCancel   context.CancelFunc
	stackUp      bool

	// Ending: the outcome recorded in run.end, and whether the program
	// exits once the bundle is written (the user quit) or shows it.
	ending      string
	quitAfter   bool
	endRecorded bool
	saving      bool
	saved       *Saved
	err         error
	quitting    bool
}

type confirmation struct {
	question string
	choices  []choice
}

// choice is one answer to a question on screen; a nil msg just closes it.
type choice struct {
	key key.Binding
	msg tea.Msg
}

func (m Model) yesNo(question string, yes tea.Msg) *confirmation {
	return &confirmation{question: question, choices: []choice{{m.x.keys.Yes, yes}, {m.x.keys.No, nil}}}
}

// New builds the console. It fails on a configuration the facilitator
// cannot fix from the screen: an unknown scenario id, live mode forced
// without a live engine.
func New(ctx context.Context, cfg Config) (Model, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = func(t time.Time) string { return harness.NewExerciseID(timeline.ExerciseTabletop, t) }
	}
	if cfg.OpenTimeline == nil || cfg.Save == nil {
		return Model{}, errors.New("tui: OpenTimeline and Save are required")
	}
	if cfg.Mode == ModeLive && cfg.Live == nil {
		return Model{}, errors.New("live mode is not available in this build")
	}
	st := newStyles(cfg.Renderer)
	x := &exercise{ctx: ctx, cfg: cfg, styles: st, keys: newKeyMap(), journal: &journal{}, mode: cfg.Mode}
	setup, err := newSetup(x)
	if err != nil {
		return Model{}, err
	}
	if cfg.TimeScale < 0 {
		return Model{}, fault.Input(fmt.Errorf("time scale %g: want a positive factor (60: a minute is an hour)", cfg.TimeScale))
	}
	x.scale = cfg.TimeScale
	h := help.New()
	h.Styles = st.help
	x.width = 80
	m := Model{x: x, state: stateSetup, width: 80, height: 24, help: h, setup: setup}
	if cfg.Resume != nil {
		return m.resume(*cfg.Resume)
	}
	return m, nil
}

// Init checks Docker (for the mode's default) and starts the clock; a
// resumed exercise reopens its record.
func (m Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	if m.x.resumed {
		cmds = append(cmds, openTimeline(m.x.ctx, m.x.cfg.OpenTimeline, m.x.id, false))
		if !m.x.cfg.ManualClock {
			cmds = append(cmds, tick())
		}
		return tea.Batch(cmds...)
	}
	if m.x.cfg.CheckDocker != nil && m.x.cfg.Live != nil && m.x.cfg.Mode != ModeDiscussion {
		cmds = append(cmds, checkDocker(m.x.ctx, m.x.cfg.CheckDocker))
	}
	if !m.x.cfg.ManualClock {
		cmds = append(cmds, tick())
	}
	return tea.Batch(cmds...)
}

// Saved reports where the bundle went, once it is written.
func (m Model) Saved() (Saved, bool) {
	if m.saved == nil {
		return Saved{}, false
	}
	return *m.saved, true
}

// Err is what stopped the console from finishing: the record could not be
// opened, or the bundle could not be written on the way out.
func (m Model) Err() error { return m.err }

// Update moves the console on by one message; the journal then gets its
// chance to write whatever the message recorded.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste {
		// Keys typed faster than the terminal is read arrive as one
		// message ("aAna"); taken one by one, the first is a command and
		// the rest is text, as the typist meant.
		var cmds []tea.Cmd
		for _, r := range k.Runes {
			one := k
			one.Runes = []rune{r}
			var cmd tea.Cmd
			m, cmd = m.update(one)
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(append(cmds, m.x.journal.next())...)
	}
	m, cmd := m.update(msg)
	return m, tea.Batch(cmd, m.x.journal.next())
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	x := m.x
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		x.width = msg.Width
		if m.reader != nil {
			m.reader.resize(msg.Width, m.bodyHeight())
		}
		return m, nil

	case readFullMsg:
		m.reader = newReader(x, msg.title, msg.text)
		m.reader.resize(m.width, m.bodyHeight())
		return m, nil

	case choiceNeededMsg:
		m.confirm = &confirmation{question: msg.question, choices: msg.choices}
		return m, nil

	case pauseSaveConfirmedMsg:
		return m.pauseForLater()

	case pausedSavedMsg:
		if msg.err != nil {
			m.wash.err = "the hot wash could not be saved, so the exercise is not paused: " + msg.err.Error()
			return m, nil
		}
		m.pausedForLater = true
		m.stopListening()
		m.quitting = true
		return m, tea.Quit

	case draftSavedMsg:
		if msg.err != nil {
			m.wash.err = "the hot wash draft could not be saved: " + msg.err.Error()
		}
		return m, nil

	case endNowConfirmedMsg:
		switch m.state {
		case stateRun:
			if why := m.run.notNow(); why != "" {
				m.run.status = why
				return m, nil
			}
			m.run.endingEarly = true
			// Said on the record, so that a resumed exercise (and the room
			// display) know the hot wash comes next, live or not.
			m.run.recordClock("ended early")
			return m, m.run.end()
		case stateHotWash:
			return m, send(hotwashDoneMsg{})
		}
		m.ending, m.quitAfter = timeline.OutcomeInterrupted, true
		return m.wrapUp()

	case tea.KeyMsg:
		return m.handleKey(msg)

	case tickMsg:
		var cmd tea.Cmd
		if m.state == stateRun {
			cmd = m.run.tick()
		}
		if !x.cfg.ManualClock {
			cmd = tea.Batch(cmd, tick())
		}
		return m, cmd

	case dockerCheckedMsg:
		m.setup.dockerChecked(msg.err)
		return m, nil

	case setupDoneMsg:
		return m.begin()

	case timelineOpenedMsg:
		x.tl = msg.tl
		x.journal.open(msg.tl)
		m.events, m.stopEvents = msg.events, msg.stop
		if x.resumed && !m.reopened {
			m.reopened = true
			x.record(timeline.KindNote, "", x.facilitator(), fmt.Sprintf("exercise resumed from the saved record at exercise time %s (discussion mode)", formatT(x.elapsed())),
				timeline.Note{Text: "exercise resumed from the saved record"})
			if m.startNext > 0 {
				next := m.startNext
				m.startNext = 0
				cmd := m.run.begin(next)
				m.run.pause("paused")
				return m, cmd
			}
		}
		return m, waitEvent(m.events)

	case timelineFailedMsg:
		// Without a record there is no exercise: stop the stack starting.
		m.state, m.err = stateFailed, msg.err
		if m.provCancel != nil {
			m.provCancel()
			m.provCancel = nil
		}
		return m, nil

	case recordedMsg:
		x.journal.recorded(msg)
		return m, nil

	case engineEventMsg:
		m.run.engineEvent(msg.ev)
		return m, waitEvent(m.events)

	case stackProgressMsg:
		m.prov.progress(msg.line)
		return m, waitProgress(m.prov.lines)

	case stackReadyMsg:
		m.provisioning, m.provCancel = false, nil
		m.stackUp = true
		a := msg.access
		x.access = &a
		if m.ending != "" {
			return m.wrapUp()
		}
		x.recordRunStart()
		m.state = stateRun
		return m, m.run.begin(0)

	case stackFailedMsg:
		m.provisioning, m.provCancel = false, nil
		m.prov.failed(msg.err)
		if m.ending != "" {
			return m.wrapUp()
		}
		return m, nil

	case stackRemovedMsg:
		if msg.err != nil {
			text := "could not remove the stack: " + msg.err.Error() + " (breachdrill gc removes it)"
			m.run.status, m.wash.err = text, text
		}
		return m, nil

	case sessionStartedMsg, sessionFailedMsg, injectedMsg, respondedMsg, sessionClosedMsg:
		cmd := m.run.engineDone(msg, m.ending != "")
		if m.ending != "" {
			wm, wcmd := m.wrapUp()
			return wm, tea.Batch(cmd, wcmd)
		}
		return m, cmd

	case containedMsg:
		m.run.markContained(msg.scenario)
		return m, nil

	case scenarioDoneMsg:
		if m.ending != "" {
			return m.wrapUp()
		}
		if next := msg.index + 1; next < len(x.scenarios) && !m.run.endingEarly {
			return m, m.run.begin(next)
		}
		m.state = stateHotWash
		m.wash = newHotwash(x, m.draft())
		if m.stackUp {
			// The last scenario put the stack back; nobody needs it for the
			// hot wash.
			m.stackUp = false
			return m, removeStack(x.ctx, x.cfg.Live)
		}
		return m, nil

	case confirmationNeededMsg:
		m.confirm = m.yesNo(msg.question, msg.yes)
		return m, nil

	case endScenarioConfirmedMsg:
		return m, m.run.end()

	case quitConfirmedMsg:
		m.ending, m.quitAfter = timeline.OutcomeInterrupted, true
		return m.wrapUp()

	case hotwashDoneMsg:
		m.ending = outcomeCompleted
		return m.wrapUp()

	case bundleWrittenMsg:
		m.saved = &msg.saved
		m.stopListening()
		if m.quitAfter {
			m.quitting = true
			return m, tea.Quit
		}
		m.state = stateDone
		return m, nil

	case bundleFailedMsg:
		if m.quitAfter {
			m.err = msg.err
			m.stopListening()
			m.quitting = true
			return m, tea.Quit
		}
		// Everything is on the timeline (and in its file); the facilitator
		// can fix the cause and write again.
		m.saving = false
		m.state = stateHotWash
		m.wash.err = msg.err.Error() + " (the hot wash is recorded as it stood; w tries again)"
		return m, nil
	}
	return m.forward(msg)
}

// forward hands anything else (a text field's internal messages) to the
// screen on show.
func (m Model) forward(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.state {
	case stateSetup:
		m.setup, cmd = m.setup.update(msg)
	case stateRun:
		cmd = m.run.update(msg)
	case stateHotWash:
		cmd = m.wash.update(msg)
	}
	return m, cmd
}

func (m Model) handleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.x.keys
	if c := m.confirm; c != nil {
		for _, ch := range c.choices {
			if key.Matches(msg, ch.key) {
				m.confirm = nil
				if ch.msg == nil {
					return m, nil
				}
				return m, send(ch.msg)
			}
		}
		if msg.String() == "ctrl+c" || msg.String() == "esc" {
			m.confirm = nil
		}
		return m, nil
	}
	if m.reader != nil {
		if !m.reader.update(msg) {
			m.reader = nil
		}
		return m, nil
	}
	switch m.state {
	case stateDone, stateFailed:
		if key.Matches(msg, k.Continue) {
			m.quitting = true
			return m, tea.Quit
		}
		return m, nil
	case stateSaving:
		return m, nil
	}
	typing := m.typing()
	if msg.String() == "ctrl+c" || (!typing && key.Matches(msg, k.Quit)) {
		return m.askQuit()
	}
	if !typing && key.Matches(msg, k.Help) {
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	}
	switch m.state {
	case stateSetup:
		var cmd tea.Cmd
		m.setup, cmd = m.setup.update(msg)
		return m, cmd
	case stateProvision:
		if m.prov.err != nil && key.Matches(msg, k.Discussion) {
			// The room is here; the exercise goes on without a stack.
			m.x.mode = ModeDiscussion
			m.x.access = nil
			m.x.recordRunStart()
			m.state = stateRun
			return m, m.run.begin(0)
		}
		return m, nil
	case stateRun:
		return m, m.run.update(msg)
	case stateHotWash:
		return m, m.wash.update(msg)
	}
	return m, nil
}

// typing reports whether a text field has the keyboard, in which case
// letters are text, not commands.
func (m Model) typing() bool {
	switch m.state {
	case stateSetup:
		return m.setup.typing()
	case stateRun:
		return m.run.typing()
	case stateHotWash:
		return m.wash.typing()
	}
	return false
}

// begin leaves setup: the exercise gets its id, its record opens, and the
// first scenario starts (live: once the stack is up).
func (m Model) begin() (Model, tea.Cmd) {
	x := m.x
	x.scenarios = m.setup.chosen()
	x.people = append([]timeline.Participant(nil), m.setup.participants...)
	x.mode = m.setup.mode
	x.id = x.cfg.NewID(x.now())
	x.title = x.cfg.Title
	if x.title == "" {
		x.title = exerciseTitle(x.scenarios)
	}
	m.run = newRun(x)
	open := openTimeline(x.ctx, x.cfg.OpenTimeline, x.id, x.live())
	if !x.live() {
		x.recordRunStart()
		m.state = stateRun
		return m, tea.Batch(open, m.run.begin(0))
	}
	m.state = stateProvision
	lines := make(chan string, 64)
	m.prov = newProvision(x, lines)
	ctx, cancel := context.WithCancel(x.ctx)
	m.provisioning, m.provCancel = true, cancel
	return m, tea.Batch(open, provision(ctx, x.cfg.Live, lines), waitProgress(lines))
}
