package tui

import (
	"github.com/charmbracelet/bubbles/viewport"
)

// scrolled shows lines in a viewport of w×h scrolled so that the selected
// range [from, to) is in view — the top of it when it is taller than h.
// Panes keep a cursor, not an offset, so the same cursor always shows
// the same lines.
func scrolled(lines []string, from, to, w, h int) (view string, above, below int) {
	if h <= 0 {
		return "", 0, 0
	}
	vp := viewport.New(w, h)
	vp.SetContent(joinLines(lines))
	off := max(0, min(from, to-h))
	off = max(0, min(off, len(lines)-h))
	vp.SetYOffset(off)
	return vp.View(), off, max(0, len(lines)-off-h)
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}
