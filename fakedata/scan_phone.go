package fakedata

import (
	"strings"
)

// phoneGroups is a candidate telephone number: its digit groups.
type phoneGroups struct {
	intl   bool // written with a leading '+'
	paren  bool // the first group was in parentheses
	dots   bool // some separator was a '.'
	dashes bool // some separator was a '-'
	lens   [8]int
	n      int
	digits [16]byte
	nd     int
	end    int
}

func (g phoneGroups) digitString() string { return string(g.digits[:g.nd]) }

// national is the number without country code or trunk prefix, so that
// "+44 7700 900123" and "07700 900123" are the same number.
func (g phoneGroups) national() string {
	d := g.digitString()
	switch {
	case g.intl && strings.HasPrefix(d, "1") && len(d) == 11:
		return d[1:]
	case g.intl && (strings.HasPrefix(d, "44") || strings.HasPrefix(d, "61")):
		return d[2:]
	case g.intl:
		return d
	case len(d) == 11 && d[0] == '1':
		return d[1:]
	case d[0] == '0':
		return d[1:]
	}
	return d
}

// parsePhone reads digit groups at i: an optional '+', an optional
// parenthesised first group, then groups split by single spaces, dashes,
// dots or pluses.
func parsePhone(b []byte, i int) (phoneGroups, bool) {
	var g phoneGroups
	j := i
	if j < len(b) && b[j] == '+' {
		g.intl = true
		j++
	}
	for g.n < len(g.lens) {
		open := j < len(b) && b[j] == '(' && g.n == 0
		if open {
			j++
		}
		s := j
		for j < len(b) && isDigit(b[j]) {
			if g.nd == len(g.digits) {
				return g, false
			}
			g.digits[g.nd] = b[j]
			g.nd++
			j++
		}
		if j == s {
			return g, false
		}
		g.lens[g.n] = j - s
		g.n++
		if open {
			if j >= len(b) || b[j] != ')' {
				return g, false
			}
			g.paren = true
			j++
			if j < len(b) && b[j] == ' ' {
				j++
			}
			if j >= len(b) || !isDigit(b[j]) {
				return g, false
			}
			continue
		}
		// '+' is a space in a URL-encoded form field (phone=07700+900123).
		if j+1 < len(b) && (b[j] == ' ' || b[j] == '-' || b[j] == '.' || b[j] == '+') && isDigit(b[j+1]) {
			g.dots = g.dots || b[j] == '.'
			g.dashes = g.dashes || b[j] == '-'
			j++
			continue
		}
		break
	}
	g.end = j
	if j < len(b) && (isWord(b[j]) || (j+1 < len(b) && (b[j] == '.' || b[j] == ':' || b[j] == '-') && isDigit(b[j+1]))) {
		return g, false
	}
	return g, g.valid()
}

// valid accepts the shapes telephone numbers are written in and turns
// down dates, times, decimals, IP addresses and ids.
func (g phoneGroups) valid() bool {
	l := g.lens[:g.n]
	d := g.digits[:g.nd]
	switch {
	case g.intl:
		return g.nd >= 10 && g.nd <= 15 && !g.dots && !g.paren
	case g.paren:
		// (212) 555-0147
		return g.n == 3 && l[0] == 3 && l[1] == 3 && l[2] == 4 && d[0] >= '2'
	case g.n == 3 && l[0] == 3 && l[1] == 3 && l[2] == 4 && d[0] >= '2' && d[3] >= '2':
		return true // 212-555-0147
	case g.n == 4 && l[0] == 1 && d[0] == '1' && l[1] == 3 && l[2] == 3 && l[3] == 4:
		return true // 1-212-555-0147
	case d[0] == '0' && !g.dots && !g.dashes && (g.nd == 10 || g.nd == 11) && g.n >= 2:
		// 07700 900123, 0113 496 0123, 020 7946 0123, 02 5550 1234
		for _, n := range l {
			if n < 2 {
				return false
			}
		}
		return l[0] <= 5
	case g.n == 1 && g.nd == 10 && d[0] >= '2' && d[3] >= '2':
		return true // 2125550147
	case g.n == 1 && g.nd == 11 && d[0] == '0' && (d[1] == '1' || d[1] == '2' || d[1] == '7'):
		return true // 07700900123
	}
	return false
}

// phoneAt checks for a telephone number at i and returns where scanning
// goes on: past the number, or i+1.
func (st *scanState) phoneAt(b []byte, i int, base int64) int {
	g, ok := parsePhone(b, i)
	if !ok {
		return i + 1
	}
	nat := g.national()
	st.found(Phone, base+int64(i), []byte(nat))
	if k, ok := st.s.byPhone[nat]; ok {
		st.canary(st.s.canaries[k].Token, base+int64(i), k)
	}
	return g.end
}

// streetAt checks for a street line at i: a house number, then up to four
// capitalised words the last of which is a street suffix ("12 Amber Lane").
func streetAt(b []byte, i int) (int, bool) {
	j := i
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j-i > 5 {
		return 0, false
	}
	for words := 0; words < 4; words++ {
		if j+1 >= len(b) || b[j] != ' ' || b[j+1] < 'A' || b[j+1] > 'Z' {
			return 0, false
		}
		s := j + 1
		j = s + 1
		for j < len(b) && isAlpha(b[j]) {
			j++
		}
		if words > 0 && isStreetSuffix(b[s:j]) {
			if j < len(b) && isWord(b[j]) {
				return 0, false
			}
			return j, true
		}
	}
	return 0, false
}

func isStreetSuffix(w []byte) bool {
	switch string(w) {
	case "Street", "St", "Lane", "Ln", "Road", "Rd", "Avenue", "Ave", "Drive", "Dr", "Court", "Ct",
		"Way", "Close", "Row", "Place", "Pl", "Crescent", "Terrace", "Grove", "Mews", "Walk",
		"Boulevard", "Blvd", "Square", "Gardens", "Parade", "Parkway", "Highway":
		return true
	}
	return false
}
