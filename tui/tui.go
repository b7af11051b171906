package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
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
	// so that a paused exercise comes back with it; nil keeps it in memory.
	SaveDraft func(exerciseID string, draft []byte) error

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

func (m Model) askQuit() (Model, tea.Cmd) {
	k := m.x.keys
	switch {
	case m.x.tl == nil && !m.x.runStarted && m.state == stateSetup:
		m.confirm = m.yesNo("Quit? Nothing has been recorded yet.", tea.QuitMsg{})
	case m.state == stateRun || m.state == stateHotWash:
		q := "Pause and save for later, or end the exercise (the hot wash follows)?"
		if m.state == stateHotWash {
			q = "Pause and save for later, or end now and write the bundle as it stands?"
		}
		m.confirm = &confirmation{
			question: q,
			choices: []choice{
				{withHelp(k.PauseSave, "p", "pause and save"), pauseSaveConfirmedMsg{}},
				{withHelp(k.EndNow, "e", "end"), endNowConfirmedMsg{}},
				{withHelp(k.Cancel, "esc", "keep going"), nil},
			},
		}
	default:
		m.confirm = m.yesNo("Quit the exercise? What was recorded is saved as evidence.", quitConfirmedMsg{})
	}
	return m, nil
}

// pauseForLater stops the clocks, writes where they stood and what the
// hot wash holds so far, and quits once the record file has it all; the
// bundle is written when the exercise is resumed and ended.
func (m Model) pauseForLater() (Model, tea.Cmd) {
	x := m.x
	if x.tl == nil {
		m.err = errors.New("the record never opened: there is nothing to resume")
		m.state = stateFailed
		return m, nil
	}
	switch m.state {
	case stateRun:
		if m.run.opCancel != nil {
			m.run.opCancel()
		}
		if m.run.cancelScope != nil {
			m.run.cancelScope()
		}
		m.run.pause("saved")
		if x.live() {
			x.record(timeline.KindNote, m.run.sc.ID, x.facilitator(), "the live stack is removed while the exercise is paused; it resumes in discussion mode",
				timeline.Note{Text: "the live stack is removed while the exercise is paused; it resumes in discussion mode"})
		}
	case stateHotWash:
		x.clock.pause(x.now())
		x.record(timeline.KindTabletopClock, "", x.facilitator(), "exercise saved for later during the hot wash",
			timeline.TabletopClock{State: "saved", ExerciseSeconds: x.elapsed().Seconds()})
		wash := m.wash
		x.journal.then(func(*timeline.Timeline) tea.Cmd {
			save := wash.saveDraft()
			return func() tea.Msg {
				if save != nil {
					if msg, ok := save().(draftSavedMsg); ok && msg.err != nil {
						return pausedSavedMsg{err: msg.err}
					}
				}
				return pausedSavedMsg{}
			}
		})
		return m, nil
	}
	x.journal.then(func(*timeline.Timeline) tea.Cmd { return send(pausedSavedMsg{}) })
	return m, nil
}

// PausedForLater reports whether the facilitator paused the exercise to
// resume it later: the record file is kept, and no bundle was written.
func (m Model) PausedForLater() bool { return m.pausedForLater }

// ID is the exercise's id (empty until setup is done).
func (m Model) ID() string { return m.x.id }

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

// wrapUp takes the exercise to its end one step at a time; it runs again
// as each step's message arrives. Whatever the way out — the hot wash's
// write key or a quit — the record ends with run.end and becomes a bundle.
func (m Model) wrapUp() (Model, tea.Cmd) {
	x := m.x
	if m.saving {
		return m, nil
	}
	if m.provisioning {
		// Quitting while the stack starts: stop it; stackFailedMsg or
		// stackReadyMsg brings us back here.
		if m.provCancel != nil {
			m.provCancel()
			m.provCancel = nil
		}
		return m, nil
	}
	if cmd, waiting := m.run.wind(); waiting {
		return m, cmd
	}
	var cmds []tea.Cmd
	if !m.endRecorded {
		m.endRecorded = true
		x.recordRunStart()
		m.run.recordInterrupted()
		if m.state == stateHotWash {
			m.wash.record()
		}
		x.record(timeline.KindRunEnd, "", x.facilitator(), "tabletop ended: "+m.ending, timeline.RunEnd{Outcome: m.ending})
	}
	if m.stackUp {
		m.stackUp = false
		cmds = append(cmds, removeStack(x.ctx, x.cfg.Live))
	}
	if x.tl == nil {
		// The record never opened; there is nothing to save.
		m.quitting = true
		return m, tea.Quit
	}
	m.state, m.saving = stateSaving, true
	x.journal.then(func(tl *timeline.Timeline) tea.Cmd { return saveBundle(x.ctx, x.cfg.Save, tl, x.scenarios) })
	return m, tea.Batch(cmds...)
}

func (m *Model) stopListening() {
	if m.stopEvents != nil {
		m.stopEvents()
		m.stopEvents = nil
	}
}

// View renders the screen on show: a title bar, the screen, a status
// line, the text being typed (always on its own line) and the help bar,
// cut to the terminal so nothing ever scrolls.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	x := m.x
	st := x.styles
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	f := m.frame()
	bodyH := h - 1 - len(f.status) - len(f.input) - len(f.help)
	if bodyH < 1 {
		// A terminal too small to show the screen still shows the keys.
		return fit(strings.Join(append(f.input, f.help...), "\n"), w, h)
	}
	name := " breachdrill tabletop · "
	if ansi.StringWidth(name+f.left+f.right)+2 > w {
		name = " tabletop · "
	}
	bar := st.bar.Render(padRight(spread(name+f.left, f.right+" ", w), w))
	parts := []string{bar, fit(f.body(w, bodyH), w, bodyH)}
	if len(f.status) > 0 {
		parts = append(parts, fit(strings.Join(f.status, "\n"), w, len(f.status)))
	}
	if len(f.input) > 0 {
		parts = append(parts, fit(strings.Join(f.input, "\n"), w, len(f.input)))
	}
	parts = append(parts, fit(strings.Join(f.help, "\n"), w, len(f.help)))
	return strings.Join(parts, "\n")
}

// frameParts is the screen on show cut into the frame's rows.
type frameParts struct {
	left, right string
	body        func(w, h int) string
	status      []string
	input       []string
	help        []string
}

func (m Model) frame() frameParts {
	w := m.width
	left, right, body, status, keys := m.screen()
	input := ""
	switch m.state {
	case stateRun:
		input = m.run.inputLine()
	case stateHotWash:
		input = m.wash.inputLine()
	}
	if m.reader != nil {
		left, body, status, keys = m.reader.title, m.reader.view, "esc goes back to the screen", m.reader.keys()
	}
	var helpView string
	switch {
	case m.confirm != nil:
		status = m.confirm.question
		var b []key.Binding
		for _, c := range m.confirm.choices {
			b = append(b, c.key)
		}
		helpView = shortHelp(m.help, b, nil, w, 2)
	case m.help.ShowAll:
		helpView = fullHelp(m.help, keys.FullHelp(), w)
	default:
		helpView = shortHelp(m.help, keys.short, keys.pinned, w, 2)
	}
	f := frameParts{left: left, right: right, body: body, help: strings.Split(helpView, "\n")}
	// The hint gets two lines, one while a field has the keyboard: the
	// field itself is never cut.
	room := 2
	if input != "" {
		room = 1
		f.input = []string{input}
	}
	for _, l := range strings.Split(status, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		f.status = append(f.status, wrap(l, w)...)
	}
	if len(f.status) > room {
		f.status = f.status[:room]
	}
	if len(f.status) == 0 && input == "" {
		f.status = []string{""}
	}
	return f
}

// bodyHeight is the room the screen's body has now.
func (m Model) bodyHeight() int {
	f := m.frame()
	return max(1, m.height-1-len(f.status)-len(f.input)-len(f.help))
}

// screen is the screen on show as its parts.
func (m Model) screen() (left, right string, body func(w, h int) string, status string, keys bindings) {
	x := m.x
	switch m.state {
	case stateSetup:
		return "setup", m.setup.summary(), m.setup.view, m.setup.status(), m.setup.keys()
	case stateProvision:
		return "starting the stack", x.id, m.prov.view, m.prov.status(), m.prov.keys()
	case stateRun:
		return m.run.title(), m.run.clockText(m.width), m.run.view, m.run.statusLine(), m.run.keys()
	case stateHotWash:
		return "hot wash", x.id, m.wash.view, m.wash.status(), m.wash.keys()
	case stateSaving:
		return "saving", x.id, func(w, h int) string { return "\n  Writing the evidence bundle…" }, "", bindings{}
	case stateDone:
		return "done", x.id, m.doneView, "", bindings{short: []key.Binding{x.keys.Continue}}
	}
	errText := ""
	if m.err != nil {
		errText = m.err.Error()
	}
	return "failed", "", func(w, h int) string {
		return "\n" + strings.Join(indent("  ", "  ", x.styles.bad.Render("The exercise could not go on: ")+errText, w), "\n")
	}, "", bindings{short: []key.Binding{x.keys.Continue}}
}

func (m Model) doneView(w, h int) string {
	x := m.x
	st := x.styles
	var b strings.Builder
	b.WriteString("\n")
	if m.saved != nil {
		b.WriteString("  " + st.good.Render("Evidence bundle written") + "\n\n")
		fmt.Fprintf(&b, "  %s\n\n", m.saved.Path)
		if m.saved.Result != "" {
			fmt.Fprintf(&b, "  result %s\n", m.saved.Result)
		}
		b.WriteString("  open report.html in it for the after-action report; check it with\n")
		fmt.Fprintf(&b, "  breachdrill evidence verify %s\n", m.saved.Path)
	}
	return b.String()
}

// SaveInterrupted ends a record whose console did not (the program was
// killed by a signal) and saves it: what was recorded is evidence all the
// same. It does nothing to a record that already ended.
func SaveInterrupted(ctx context.Context, tl *timeline.Timeline, catalog []*scenarios.Scenario, save SaveFunc) (Saved, error) {
	events := tl.Events()
	if len(events) == 0 {
		return Saved{}, errors.New("nothing was recorded")
	}
	var run timeline.RunInfo
	_ = events[0].Decode(&run)
	open := map[string]bool{}
	ended := false
	for _, e := range events {
		switch e.Kind {
		case timeline.KindScenarioStart:
			open[e.Scenario] = true
		case timeline.KindScenarioEnd:
			delete(open, e.Scenario)
		case timeline.KindRunEnd:
			ended = true
		}
	}
	if !ended {
		for _, id := range run.Scenarios {
			if open[id] {
				tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: id, Summary: "outcome: " + timeline.OutcomeInterrupted,
					Data: timeline.ScenarioEnd{Outcome: timeline.OutcomeInterrupted, Reason: "the console was stopped"}})
			}
		}
		tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: "tabletop ended: " + timeline.OutcomeInterrupted, Data: timeline.RunEnd{Outcome: timeline.OutcomeInterrupted}})
	}
	var ran []*scenarios.Scenario
	for _, id := range run.Scenarios {
		for _, s := range catalog {
			if s.ID == id {
				ran = append(ran, s)
			}
		}
	}
	return save(ctx, tl.Events(), ran)
}
