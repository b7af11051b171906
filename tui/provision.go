package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// provisionModel shows the live stack starting: the engine's progress
// lines as they come, and what to do when it fails.
type provisionModel struct {
	x     *exercise
	lines <-chan string
	log   []string
	err   error
}

func newProvision(x *exercise, lines <-chan string) provisionModel {
	return provisionModel{x: x, lines: lines}
}

func (m *provisionModel) progress(line string) { m.log = append(m.log, line) }

func (m *provisionModel) failed(err error) { m.err = err }

func (m provisionModel) status() string {
	if m.err != nil {
		return m.x.styles.bad.Render("the stack did not start: ") + m.err.Error()
	}
	return "starting and seeding the shop stack; the first scenario starts when it is up"
}

func (m provisionModel) keys() bindings {
	k := m.x.keys
	if m.err != nil {
		return bindings{short: []key.Binding{k.Discussion, k.Quit}}
	}
	return bindings{short: []key.Binding{k.Quit}}
}

func (m provisionModel) view(w, h int) string {
	st := m.x.styles
	out := []string{st.heading.Render("Live stack"), ""}
	log := m.log
	if n := h - 4; len(log) > n {
		log = log[len(log)-max(0, n):]
	}
	for _, l := range log {
		out = append(out, "  "+l)
	}
	if len(m.log) == 0 && m.err == nil {
		out = append(out, st.muted.Render("  waiting for the engine…"))
	}
	if m.err != nil {
		out = append(out, "")
		out = append(out, indent("  ", "  ", "Press d to go on in discussion mode (narrative injects only), or q to stop.", w)...)
	}
	return strings.Join(out, "\n")
}
