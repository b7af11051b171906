package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

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
	// The hint gets up to two lines; the field being typed always has its
	// own line under it, never cut by the hint's wrap.
	room := 2
	if input != "" {
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
