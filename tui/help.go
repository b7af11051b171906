package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

// shortHelp lays keys out in at most rows lines of w cells, in order, and
// never cuts one in half: what does not fit is left to the full help. The
// pinned keys (quit, more keys) are always shown, on the last line.
func shortHelp(h help.Model, keys, pinned []key.Binding, w, rows int) string {
	const sep = " • "
	render := func(b key.Binding) string { return h.ShortHelpView([]key.Binding{b}) }
	sepW := ansi.StringWidth(sep)
	var pins []string
	pinW := 0
	for _, b := range pinned {
		if !b.Enabled() {
			continue
		}
		s := render(b)
		pins = append(pins, s)
		pinW += ansi.StringWidth(s) + sepW
	}
	var lines [][]string
	var line []string
	lineW := 0
	room := func() int {
		if len(lines) == rows-1 {
			return w - pinW
		}
		return w
	}
	for _, b := range keys {
		if !b.Enabled() {
			continue
		}
		s := render(b)
		sw := ansi.StringWidth(s)
		add := sw
		if len(line) > 0 {
			add += sepW
		}
		if lineW+add > room() {
			if len(lines) == rows-1 {
				// The last line is full: the rest is in the full help.
				continue
			}
			lines = append(lines, line)
			line, lineW, add = nil, 0, sw
		}
		line = append(line, s)
		lineW += add
	}
	if len(pins) > 0 && len(line) > 0 && lineW+pinW > w {
		if len(lines) < rows-1 {
			lines = append(lines, line)
			line, lineW = nil, 0
		} else {
			// Make room on the last line: keys give way to the pins.
			for len(line) > 0 && lineW+pinW > w {
				last := line[len(line)-1]
				line = line[:len(line)-1]
				lineW -= ansi.StringWidth(last) + sepW
			}
		}
	}
	line = append(line, pins...)
	lines = append(lines, line)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Join(l, h.Styles.ShortSeparator.Render(sep))
	}
	return strings.Join(out, "\n")
}

// fullHelp lays the groups of keys out side by side, starting a new band
// of columns below when the next group would not fit in w cells.
func fullHelp(h help.Model, groups [][]key.Binding, w int) string {
	h.Width = 0
	var bands []string
	var band [][]key.Binding
	for _, g := range groups {
		try := append(append([][]key.Binding(nil), band...), g)
		if len(band) > 0 && maxLineWidth(h.FullHelpView(try)) > w {
			bands = append(bands, h.FullHelpView(band))
			band = [][]key.Binding{g}
			continue
		}
		band = try
	}
	if len(band) > 0 {
		bands = append(bands, h.FullHelpView(band))
	}
	return strings.Join(bands, "\n")
}

func maxLineWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}
