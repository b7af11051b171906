// Package clip shortens text for logs, alerts and reports.
package clip

import (
	"strings"
	"unicode/utf8"
)

// String shortens s to at most n bytes, without splitting a character, and
// marks the cut with an ellipsis.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Line puts s on one line (runs of white space become one space) and
// shortens it as String does.
func Line(s string, n int) string {
	return String(strings.Join(strings.Fields(s), " "), n)
}
