package fakedata

import (
	"strings"
)

func isLocalChar(c byte) bool {
	return isWord(c) || c == '.' || c == '-' || c == '+'
}

func isDomainChar(c byte) bool { return isDigit(c) || isAlpha(c) || c == '-' || c == '.' }

// email checks for an address around the '@' at at (or "%40" when
// domainFrom is at+3).
func (st *scanState) email(b []byte, at, domainFrom int, base int64) int {
	s := at
	for s > 0 && at-s < 64 && isLocalChar(b[s-1]) {
		s--
	}
	for s < at && b[s] == '.' {
		s++
	}
	if s == at {
		return domainFrom
	}
	e := domainFrom
	for e < len(b) && e-domainFrom < 255 && isDomainChar(b[e]) {
		e++
	}
	for e > domainFrom && (b[e-1] == '.' || b[e-1] == '-') {
		e--
	}
	dot := -1
	for j := e - 1; j >= domainFrom; j-- {
		if b[j] == '.' {
			dot = j
			break
		}
	}
	if dot <= domainFrom || e-dot-1 < 2 {
		return domainFrom
	}
	for j := dot + 1; j < e; j++ {
		if !isAlpha(b[j]) {
			return domainFrom
		}
	}
	v := make([]byte, 0, at-s+1+e-domainFrom)
	v = append(v, b[s:at]...)
	v = append(v, '@')
	v = append(v, b[domainFrom:e]...)
	lower(v)
	st.found(Email, base+int64(s), v)
	return e
}

func lower(v []byte) {
	for i, c := range v {
		if c >= 'A' && c <= 'Z' {
			v[i] = c + 'a' - 'A'
		}
	}
}

func isItoa64(c byte) bool { return isDigit(c) || isAlpha(c) || c == '.' || c == '/' }

// passwordHash checks for a password hash starting at the '$' at i.
func (st *scanState) passwordHash(b []byte, i int, base int64) int {
	rest := b[i+1 : min(len(b), i+scanLookahead)]
	run := func(from, n int, ok func(byte) bool) bool {
		if from+n > len(rest) {
			return false
		}
		for _, c := range rest[from : from+n] {
			if !ok(c) {
				return false
			}
		}
		return from+n == len(rest) || !ok(rest[from+n])
	}
	end := 0
	switch {
	case len(rest) >= 3 && (rest[0] == 'P' || rest[0] == 'H') && rest[1] == '$':
		if run(2, 31, isItoa64) { // $P$ + cost + 8 salt + 22 hash
			end = 33
		}
	case len(rest) >= 6 && string(rest[:3]) == "wp$" && rest[3] == '2':
		if bcryptAt(rest[3:]) {
			end = 3 + 59
		}
	case len(rest) >= 3 && rest[0] == '2':
		if bcryptAt(rest) {
			end = 59
		}
	case len(rest) > 7 && string(rest[:6]) == "argon2":
		j, dollars := 6, 0
		for j < len(rest) && (isWord(rest[j]) || strings.IndexByte("$=,+/.-", rest[j]) >= 0) {
			if rest[j] == '$' {
				dollars++
			}
			j++
		}
		if dollars >= 3 && j >= 40 {
			end = j
		}
	}
	if end == 0 {
		return i + 1
	}
	st.found(PasswordHash, base+int64(i), b[i:i+1+end])
	return i + 1 + end
}

// bcryptAt checks "2y$10$" + 53 characters (b is what follows the '$').
func bcryptAt(b []byte) bool {
	if len(b) < 59 || strings.IndexByte("abxy", b[1]) < 0 || b[2] != '$' || !isDigit(b[3]) || !isDigit(b[4]) || b[5] != '$' {
		return false
	}
	for _, c := range b[6:59] {
		if !isItoa64(c) {
			return false
		}
	}
	return len(b) == 59 || !isItoa64(b[59])
}

const canaryTokenLen = 12

// canaryMarker checks for "canary-" + token around the '-' at i.
func (st *scanState) canaryMarker(b []byte, i int, base int64) int {
	const word = "canary"
	if i < len(word) || !strings.EqualFold(string(b[i-len(word):i]), word) {
		return i + 1
	}
	if s := i - len(word); s > 0 && isAlpha(b[s-1]) {
		return i + 1
	}
	e := i + 1
	for e < len(b) && e-i-1 < canaryTokenLen+1 && isHex(b[e]) {
		e++
	}
	if e-i-1 != canaryTokenLen || (e < len(b) && isWord(b[e])) {
		return i + 1
	}
	tok := strings.ToLower(string(b[i+1 : e]))
	known, ok := st.s.byToken[tok]
	if !ok {
		known = -1
	}
	st.canary(tok, base+int64(i-len(word)), known)
	return e
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// digits looks at a run of digits that starts a token: a card number, a
// telephone number or the house number of a street line.
func (st *scanState) digits(b []byte, i int, base int64) int {
	if e, ok := cardAt(b, i); ok {
		d := digitsOnly(b[i:e])
		st.found(CardNumber, base+int64(i), d)
		return e
	}
	if e := st.phoneAt(b, i, base); e > i+1 {
		return e
	}
	if e, ok := streetAt(b, i); ok {
		st.found(StreetAddress, base+int64(i), b[i:e])
		return e
	}
	for i++; i < len(b) && isDigit(b[i]); i++ {
	}
	return i
}

func digitsOnly(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if isDigit(c) {
			out = append(out, c)
		}
	}
	return out
}

// cardAt checks for a card number at i: 13 to 19 digits, plain or in
// groups of four (or Amex's 4-6-5) split by single spaces or dashes, with a
// valid Luhn digit and a card network's first digit.
func cardAt(b []byte, i int) (int, bool) {
	var groups [6]int
	ng, nd := 0, 0
	var digits [19]byte
	j := i
	for ng < len(groups) {
		s := j
		for j < len(b) && isDigit(b[j]) {
			if nd == len(digits) {
				return 0, false
			}
			digits[nd] = b[j]
			nd++
			j++
		}
		groups[ng] = j - s
		ng++
		if j+1 < len(b) && (b[j] == ' ' || b[j] == '-') && isDigit(b[j+1]) && nd < 19 {
			j++
			continue
		}
		break
	}
	if j < len(b) && (isWord(b[j]) || (b[j] == '.' && j+1 < len(b) && isDigit(b[j+1]))) {
		return 0, false
	}
	if nd < 13 || digits[0] < '2' || digits[0] > '6' {
		return 0, false
	}
	g := groups[:ng]
	switch {
	case ng == 1:
	case ng == 3 && g[0] == 4 && g[1] == 6 && g[2] == 5:
	default:
		for k, n := range g {
			if n != 4 && !(k == ng-1 && n >= 1 && n < 4) {
				return 0, false
			}
		}
	}
	if !Luhn(string(digits[:nd])) {
		return 0, false
	}
	return j, true
}
