package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// PresentConfig is what the room display needs: where to read the
// exercise's record as the facilitator's console writes it.
type PresentConfig struct {
	// Read returns the record as it stands (the console appends to it).
	Read func(ctx context.Context) ([]timeline.Event, error)
	// Now is the clock (default time.Now); with ManualClock the display
	// reads the record only when a test sends it a tick.
	Now         func() time.Time
	ManualClock bool
	// Every is how often the record is read again (default 1s).
	Every    time.Duration
	Renderer *lipgloss.Renderer
}

// Presenter is the room display (tabletop --present): read-only, live,
// for a projector or a shared screen. It shows what the room is meant to
// see — the current inject and its questions, the clocks, the phase and,
// live, the alerts — and never the facilitator's guide, marks or log.
type Presenter struct {
	ctx    context.Context
	cfg    PresentConfig
	styles styles
	keys   presentKeyMap
	help   help.Model

	width, height int
	snap          snapshot
	read          bool
	err           error
	quitting      bool
}

// presentKeyMap is the room display's keys: it only scrolls and quits.
type presentKeyMap struct {
	Quit key.Binding
}

func defaultPresentKeyMap() presentKeyMap {
	return presentKeyMap{Quit: key.NewBinding(key.WithKeys("q", "ctrl+c", "esc"), key.WithHelp("q", "close the display"))}
}

type (
	// recordReadMsg: the record was read again.
	recordReadMsg struct {
		events []timeline.Event
		err    error
	}
	// presentTickMsg: time to read the record again.
	presentTickMsg struct{}
)

// NewPresenter builds the room display.
func NewPresenter(ctx context.Context, cfg PresentConfig) (Presenter, error) {
	if cfg.Read == nil {
		return Presenter{}, errors.New("tui: PresentConfig.Read is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	st := newStyles(cfg.Renderer)
	h := help.New()
	h.Styles = st.help
	return Presenter{ctx: ctx, cfg: cfg, styles: st, keys: defaultPresentKeyMap(), help: h, width: 80, height: 24}, nil
}

func (p Presenter) readRecord() tea.Cmd {
	ctx, read := p.ctx, p.cfg.Read
	return func() tea.Msg {
		events, err := read(ctx)
		return recordReadMsg{events: events, err: err}
	}
}

func (p Presenter) Init() tea.Cmd { return p.readRecord() }

func (p Presenter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.width, p.height = msg.Width, msg.Height
	case tea.KeyMsg:
		if key.Matches(msg, p.keys.Quit) {
			p.quitting = true
			return p, tea.Quit
		}
	case recordReadMsg:
		p.err = msg.err
		if msg.err == nil {
			p.snap, p.read = replay(msg.events), true
		}
		if p.cfg.ManualClock {
			return p, nil
		}
		return p, tea.Tick(p.cfg.Every, func(time.Time) tea.Msg { return presentTickMsg{} })
	case presentTickMsg:
		return p, p.readRecord()
	}
	return p, nil
}

func (p Presenter) View() string {
	if p.quitting || p.width <= 0 || p.height <= 0 {
		return ""
	}
	st := p.styles
	w, h := p.width, p.height
	s := p.snap
	now := p.cfg.Now()
	right := ""
	if p.read && s.current >= 0 {
		right = "scenario " + formatT(s.scClock.elapsed(now)) + " · exercise " + formatT(s.exClock.elapsed(now))
		if w < 100 {
			right = formatT(s.scClock.elapsed(now)) + " · ex " + formatT(s.exClock.elapsed(now))
		}
		if s.paused {
			right += " PAUSED"
		}
	}
	title := s.run.Title
	if title == "" {
		title = s.run.ExerciseID
	}
	bar := st.bar.Render(padRight(spread(" room display · "+title, right+" ", w), w))
	helpView := shortHelp(p.help, nil, []key.Binding{p.keys.Quit}, w, 1)
	status := ""
	if p.err != nil {
		status = st.bad.Render("cannot read the record: " + p.err.Error())
	}
	bodyH := h - 3
	if bodyH < 1 {
		return fit(helpView, w, h)
	}
	return strings.Join([]string{bar, fit(p.body(w, bodyH, now), w, bodyH), fit(status, w, 1), fit(helpView, w, 1)}, "\n")
}

func (p Presenter) body(w, h int, now time.Time) string {
	st := p.styles
	s := p.snap
	switch {
	case !p.read:
		return "\n  Reading the exercise's record…"
	case s.runEnd:
		return "\n  " + st.heading.Render("The exercise has ended.") + "\n\n  Thank you for taking part."
	case s.current < 0:
		return "\n  The exercise is about to start."
	case !s.running && (len(s.ended) == len(s.run.Scenarios) || s.endedEarly):
		return "\n  " + st.heading.Render("The scenarios are over: the hot wash is under way.")
	}
	var out []string
	sc := s.run.Scenarios[s.current]
	head := fmt.Sprintf("scenario %d of %d · %s", s.current+1, len(s.run.Scenarios), sc)
	if !s.running {
		head += " · ended"
	}
	out = append(out, st.heading.Render(head))
	if s.saved {
		out = append(out, st.warn.Render("The exercise is paused and saved; it goes on when the facilitator resumes it."))
	}
	var phases []string
	for i, ph := range incidentPhases() {
		switch {
		case i == s.phase:
			phases = append(phases, st.label.Render("["+ph+"]"))
		case i < s.phase:
			phases = append(phases, ph+"✓")
		default:
			phases = append(phases, st.muted.Render(ph))
		}
	}
	out = append(out, st.heading.Render("phase ")+strings.Join(phases, " › "))
	out = append(out, p.clockLine(w, now))
	if s.run.Stack != nil {
		out = append(out, p.alertLines(w)...)
	}
	out = append(out, st.muted.Render(strings.Repeat("─", w)))
	if len(s.feed) == 0 {
		out = append(out, "", "  The first inject is on its way.")
		return strings.Join(out, "\n")
	}
	// The current inject first, whole; earlier ones below as room allows.
	for i := len(s.feed) - 1; i >= 0 && len(out) < h; i-- {
		f := s.feed[i]
		label := fmt.Sprintf("inject %d · %s  ", f.index+1, formatT(f.at))
		pad := strings.Repeat(" ", ansi.StringWidth(label))
		if i < len(s.feed)-1 {
			out = append(out, "")
			out = append(out, indent(st.muted.Render(label), pad, f.inject.Say, w)...)
			continue
		}
		out = append(out, indent(st.heading.Render(label), pad, f.inject.Say, w)...)
		for _, q := range f.inject.Ask {
			out = append(out, indent("  "+st.question.Render("? "), "    ", q, w)...)
		}
	}
	return strings.Join(out, "\n")
}

func (p Presenter) clockLine(w int, now time.Time) string {
	st := p.styles
	s := p.snap
	story := ""
	if s.scale > 0 && s.scale != 1 {
		story = fmt.Sprintf("story %s (×%g) · ", formatStory(time.Duration(float64(s.scClock.elapsed(now))*s.scale)), s.scale)
	}
	if len(s.clocks) == 0 {
		return st.heading.Render("clocks ") + story + st.muted.Render("not started")
	}
	var shown []timeline.Clock
	for _, c := range s.clocks {
		if c.Hours <= 72 {
			shown = append(shown, c)
		}
	}
	labels := clockLabels(shown)
	var chips []string
	for i, c := range shown {
		since := s.scClock.elapsed(now) - s.aware
		if s.scale > 0 {
			since = time.Duration(float64(since) * s.scale)
		}
		chips = append(chips, labels[i]+" "+formatCountdown(time.Duration(c.Hours*float64(time.Hour))-since))
	}
	return strings.Join(packChips(st.heading.Render("clocks ")+story, chips, w), "\n")
}

func (p Presenter) alertLines(w int) []string {
	st := p.styles
	s := p.snap
	if len(s.alerts) == 0 {
		return []string{st.heading.Render("alerts ") + st.muted.Render("none yet")}
	}
	out := []string{st.heading.Render(fmt.Sprintf("alerts (%d)", len(s.alerts)))}
	from := max(0, len(s.alerts)-5)
	for _, a := range s.alerts[from:] {
		out = append(out, padRight("  "+st.warn.Render(fmt.Sprintf("%s %s %s", formatT(a.at), a.alert.Severity, a.alert.Rule))+" "+a.alert.Title, w))
	}
	return out
}
