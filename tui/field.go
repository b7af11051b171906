package tui

import (
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is a one-line text field. bubbles' textinput would do, but it
// brings a clipboard module this module does not require; what a scribe
// types — a decision, a comment, a name — needs only this: insert, delete,
// move, paste.
type lineInput struct {
	Prompt      string
	Placeholder string
	// Width is how many cells of text show; longer text scrolls with the
	// cursor. 0 shows everything.
	Width int
	Limit int

	promptStyle, placeholderStyle lipgloss.Style

	value   []rune
	pos     int
	focused bool
}

// cursorMark shows where typing goes. It is a character, not reverse
// video, so it is visible under NO_COLOR too.
const cursorMark = "▏"

func (in *lineInput) Focus() tea.Cmd {
	in.focused = true
	return nil
}

func (in *lineInput) Blur()        { in.focused = false }
func (in lineInput) Focused() bool { return in.focused }
func (in lineInput) Value() string { return string(in.value) }
func (in *lineInput) Reset()       { in.value, in.pos = nil, 0 }
func (in *lineInput) SetValue(s string) {
	in.value = nil
	in.pos = 0
	in.insert([]rune(s))
}

func (in *lineInput) insert(rs []rune) {
	var clean []rune
	for _, r := range rs {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			clean = append(clean, ' ')
		case unicode.IsControl(r):
		default:
			clean = append(clean, r)
		}
	}
	if in.Limit > 0 {
		clean = clean[:max(0, min(len(clean), in.Limit-len(in.value)))]
	}
	v := make([]rune, 0, len(in.value)+len(clean))
	v = append(v, in.value[:in.pos]...)
	v = append(v, clean...)
	v = append(v, in.value[in.pos:]...)
	in.value = v
	in.pos += len(clean)
}

func (in *lineInput) cut(from, to int) {
	in.value = append(in.value[:from:from], in.value[to:]...)
	in.pos = from
}

// wordStart is where the word before the cursor begins.
func (in lineInput) wordStart() int {
	i := in.pos
	for i > 0 && in.value[i-1] == ' ' {
		i--
	}
	for i > 0 && in.value[i-1] != ' ' {
		i--
	}
	return i
}

func (in lineInput) Update(msg tea.Msg) (lineInput, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || !in.focused {
		return in, nil
	}
	switch k.Type {
	case tea.KeyRunes:
		in.insert(k.Runes)
	case tea.KeySpace:
		in.insert([]rune{' '})
	case tea.KeyBackspace:
		if k.Alt {
			in.cut(in.wordStart(), in.pos)
		} else if in.pos > 0 {
			in.cut(in.pos-1, in.pos)
		}
	case tea.KeyCtrlW:
		in.cut(in.wordStart(), in.pos)
	case tea.KeyDelete:
		if in.pos < len(in.value) {
			in.cut(in.pos, in.pos+1)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		in.pos = max(0, in.pos-1)
	case tea.KeyRight, tea.KeyCtrlF:
		in.pos = min(len(in.value), in.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		in.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		in.pos = len(in.value)
	case tea.KeyCtrlU:
		in.cut(0, in.pos)
	case tea.KeyCtrlK:
		in.value = in.value[:in.pos]
	}
	return in, nil
}

func (in lineInput) View() string {
	prompt := in.promptStyle.Render(in.Prompt)
	if len(in.value) == 0 && in.Placeholder != "" {
		cur := ""
		if in.focused {
			cur = cursorMark
		}
		return prompt + cur + in.placeholderStyle.Render(in.Placeholder)
	}
	before, after := string(in.value[:in.pos]), string(in.value[in.pos:])
	if in.Width > 0 {
		// Keep the cursor in view: cut from the left what does not fit
		// before it, then from the right what does not fit after it.
		if w := ansi.StringWidth(before); w > in.Width-1 {
			before = ansi.TruncateLeft(before, w-(in.Width-1), "…")
		}
		after = ansi.Truncate(after, max(0, in.Width-ansi.StringWidth(before)-1), "…")
	}
	if !in.focused {
		return prompt + before + after
	}
	return prompt + before + cursorMark + after
}

// newInput is a text field in the console's style.
func newInput(s styles, prompt, placeholder string, limit int) lineInput {
	return lineInput{Prompt: prompt, Placeholder: placeholder, Limit: limit, promptStyle: s.label, placeholderStyle: s.muted}
}
