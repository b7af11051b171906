package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fit cuts s to exactly h lines of at most w cells, padding with empty
// lines: whatever a screen renders, the frame never scrolls the terminal
// or wraps, which is what keeps 80×24 and resizes clean.
func fit(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks s into lines of at most w cells, words kept whole where they
// fit.
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	return strings.Split(ansi.Wrap(strings.TrimSpace(s), w, ""), "\n")
}

// indent wraps s to w cells with every line after the first prefixed by
// pad, so continuation lines hang under the text, not the label.
func indent(first, pad, s string, w int) []string {
	lines := wrap(s, w-ansi.StringWidth(pad))
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = first + l
		} else {
			out[i] = pad + l
		}
	}
	return out
}

// padRight pads s with spaces to w cells (cutting it when longer).
func padRight(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// spread puts left and right on one line of w cells, right-aligned.
func spread(left, right string, w int) string {
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(left, max(0, w-ansi.StringWidth(right)-1), "…") + " " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

// window returns the range [from, to) of n items to show in h rows so that
// item cur stays visible.
func window(n, cur, h int) (from, to int) {
	if h <= 0 {
		return 0, 0
	}
	if n <= h {
		return 0, n
	}
	from = cur - h/2
	from = max(0, min(from, n-h))
	return from, from + h
}

// formatT renders an exercise-clock offset as T+mm:ss (T+h:mm:ss past an
// hour).
func formatT(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("T+%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("T+%02d:%02d", s/60, s%60)
}

// formatCountdown renders the time left to a deadline as hh:mm:ss, hours
// unbounded: regulatory clocks run for days.
func formatCountdown(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "overdue ", -d
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%s%02d:%02d:%02d", sign, s/3600, s/60%60, s%60)
}

// shortDuration renders a schedule offset the way scenario files write
// it: 15m, 1h30m, 45s.
func shortDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
