package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// readerModel shows one entry — an inject, a log entry, an alert — in
// full, wrapped to the terminal and scrolling in a viewport.
type readerModel struct {
	x     *exercise
	title string
	text  string
	vp    viewport.Model
}

// readerKeyMap is the reader's own keys, as bubbles' components carry
// theirs.
type readerKeyMap struct {
	Close    key.Binding
	Up, Down key.Binding
	Page     key.Binding
}

func defaultReaderKeyMap() readerKeyMap {
	return readerKeyMap{
		Close: key.NewBinding(key.WithKeys("esc", "enter", "q"), key.WithHelp("esc", "back")),
		Up:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "scroll")),
		Down:  key.NewBinding(key.WithKeys("down", "j")),
		Page:  key.NewBinding(key.WithKeys("pgup", "pgdown", " "), key.WithHelp("pgup/pgdn", "page")),
	}
}

func newReader(x *exercise, title, text string) *readerModel {
	return &readerModel{x: x, title: title, text: text, vp: viewport.New(0, 0)}
}

// update scrolls; it reports false once the reader is closed.
func (r *readerModel) update(msg tea.Msg) bool {
	km, ok := msg.(tea.KeyMsg)
	if ok && key.Matches(km, defaultReaderKeyMap().Close) {
		return false
	}
	r.vp, _ = r.vp.Update(msg)
	return true
}

func (r *readerModel) resize(w, h int) {
	r.vp.Width, r.vp.Height = w, h
	var lines []string
	for _, p := range strings.Split(strings.TrimRight(r.text, "\n"), "\n") {
		if strings.TrimSpace(p) == "" {
			lines = append(lines, "")
			continue
		}
		lead := len(p) - len(strings.TrimLeft(p, " "))
		pad := strings.Repeat(" ", lead)
		lines = append(lines, indent(pad, pad+"  ", strings.TrimLeft(p, " "), w-2)...)
	}
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	r.vp.SetContent(strings.Join(lines, "\n"))
}

func (r readerModel) view(w, h int) string {
	r.resize(w, h)
	return r.vp.View()
}

func (r readerModel) keys() bindings {
	k := defaultReaderKeyMap()
	return bindings{short: []key.Binding{k.Up, k.Page}, pinned: []key.Binding{k.Close}}
}
