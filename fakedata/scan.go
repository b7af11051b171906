package fakedata

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Category is a kind of personal data the scanner recognises.
type Category int

// The categories, in the order a Report lists them.
const (
	Email Category = iota
	Phone
	StreetAddress
	CardNumber   // 13 to 19 digits that pass the Luhn check
	PasswordHash // phpass ($P$, $H$), bcrypt ($2y$, $wp$2y$), argon2
	numCategories
)

var categoryNames = [numCategories]string{"email", "phone", "address", "card_number", "password_hash"}

func (c Category) String() string {
	if c < 0 || c >= numCategories {
		return fmt.Sprintf("Category(%d)", int(c))
	}
	return categoryNames[c]
}

// CategoryCount is what a scan found of one category.
type CategoryCount struct {
	Category    string `json:"category"`
	Count       int64  `json:"count"`        // occurrences
	Distinct    int64  `json:"distinct"`     // distinct values; estimated past 65,536
	FirstOffset int64  `json:"first_offset"` // of the first occurrence, -1 if none
}

// CanaryHit is a canary the scan found, by its marker token or its phone
// number. Known is false for a canary marker that is in no manifest the
// scanner was given.
type CanaryHit struct {
	Canary      Canary `json:"canary"`
	Known       bool   `json:"known"`
	Count       int64  `json:"count"`
	FirstOffset int64  `json:"first_offset"`
}

// Report is what a scan found. Offsets count bytes of the uncompressed
// content.
type Report struct {
	Bytes      int64           `json:"bytes"`
	Gzip       bool            `json:"gzip"`
	Categories []CategoryCount `json:"categories"`
	Canaries   []CanaryHit     `json:"canaries"`
	// Subjects is the number of distinct customers identified by canaries.
	Subjects int `json:"subjects"`
	// Records is the number of distinct personal-data values found, of all
	// categories: what GDPR Art. 33 calls the records concerned.
	Records int64 `json:"records"`
}

// Count returns the occurrences of category c.
func (r Report) Count(c Category) int64 {
	for _, cc := range r.Categories {
		if cc.Category == c.String() {
			return cc.Count
		}
	}
	return 0
}

// Scanner finds personal data and canaries in bytes and streams. It is
// safe for concurrent use.
type Scanner struct {
	canaries []Canary
	byToken  map[string]int // canary token → index in canaries
	byPhone  map[string]int // canary phone, as nationalNumber → index
}

// NewScanner returns a scanner that names the customers behind the given
// canaries (from a Manifest); with none it still counts canary markers.
func NewScanner(canaries []Canary) *Scanner {
	s := &Scanner{canaries: canaries, byToken: map[string]int{}, byPhone: map[string]int{}}
	for i, c := range canaries {
		s.byToken[strings.ToLower(c.Token)] = i
		if g, ok := parsePhone([]byte(c.Phone), 0); ok {
			s.byPhone[g.national()] = i
		}
	}
	return s
}

// How far a match may reach before and after the byte that anchors it;
// chunks overlap by this much so a match across a chunk border is found
// once. Longer candidates are not personal data of any category here.
const (
	scanLookback  = 128
	scanLookahead = 512
	scanChunk     = 1 << 20
)

// Scan reads r to its end in chunks (memory stays bounded whatever its
// size) and reports what it holds. Content that starts with gzip's magic
// bytes is decompressed first.
func (s *Scanner) Scan(ctx context.Context, r io.Reader) (Report, error) {
	return s.scanStream(ctx, r, scanChunk)
}

// scanStream scans r chunk bytes at a time; tests use small chunks to put
// many borders in a small input.
func (s *Scanner) scanStream(ctx context.Context, r io.Reader, chunk int) (Report, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	st := s.newState()
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Report{}, fmt.Errorf("scan: gzip: %w", err)
		}
		defer zr.Close()
		st.gzip = true
		r = zr
	} else {
		r = br
	}
	buf := make([]byte, scanLookback+chunk+scanLookahead)
	var base int64 // stream offset of buf[0]
	n, pos := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		m, err := io.ReadFull(r, buf[n:])
		n += m
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return Report{}, fmt.Errorf("scan: read: %w", err)
		}
		limit := n - scanLookahead
		if eof {
			limit = n
		}
		if limit > pos {
			pos = st.scan(buf[:n], pos, limit, base)
		}
		if eof {
			st.bytes = base + int64(n)
			return st.report(), nil
		}
		// Keep the lookback and whatever was not scanned yet.
		keep := max(min(pos, n)-scanLookback, 0)
		copy(buf, buf[keep:n])
		n -= keep
		pos -= keep
		base += int64(keep)
	}
}

// ScanBytes reports what b holds; b may be gzip-compressed.
func (s *Scanner) ScanBytes(b []byte) Report {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		r, err := s.Scan(context.Background(), bytes.NewReader(b))
		if err == nil {
			return r
		}
	}
	st := s.newState()
	st.scan(b, 0, len(b), 0)
	st.bytes = int64(len(b))
	return st.report()
}

// scanState is one scan's tally.
type scanState struct {
	s        *Scanner
	bytes    int64
	gzip     bool
	count    [numCategories]int64
	first    [numCategories]int64
	distinct [numCategories]distinctCounter
	hits     map[string]*CanaryHit // by token
	order    []string              // tokens in the order first found
}

func (s *Scanner) newState() *scanState {
	st := &scanState{s: s, hits: map[string]*CanaryHit{}}
	for i := range st.first {
		st.first[i] = -1
	}
	return st
}

func (st *scanState) found(c Category, at int64, value []byte) {
	if st.first[c] < 0 {
		st.first[c] = at
	}
	st.count[c]++
	st.distinct[c].add(hashBytes(value))
}

func (st *scanState) canary(token string, at int64, known int) {
	h := st.hits[token]
	if h == nil {
		h = &CanaryHit{Canary: Canary{Token: token}, FirstOffset: at}
		if known >= 0 {
			h.Canary, h.Known = st.s.canaries[known], true
		}
		st.hits[token] = h
		st.order = append(st.order, token)
	}
	h.Count++
}

func (st *scanState) report() Report {
	r := Report{Bytes: st.bytes, Gzip: st.gzip}
	for c := range numCategories {
		d := st.distinct[c].estimate()
		r.Categories = append(r.Categories, CategoryCount{Category: c.String(), Count: st.count[c], Distinct: d, FirstOffset: st.first[c]})
		r.Records += d
	}
	for _, tok := range st.order {
		r.Canaries = append(r.Canaries, *st.hits[tok])
	}
	slices.SortStableFunc(r.Canaries, func(a, b CanaryHit) int { return cmp.Compare(a.FirstOffset, b.FirstOffset) })
	r.Subjects = len(r.Canaries)
	return r
}

// Byte classes of the bytes that can start (anchor) a match.
const (
	clsNone = iota
	clsDigit
	clsAt
	clsPercent
	clsDollar
	clsDash
	clsPlus
	clsParen
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit
	}
	t['@'], t['%'], t['$'], t['-'], t['+'], t['('] = clsAt, clsPercent, clsDollar, clsDash, clsPlus, clsParen
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isWord(c byte) bool  { return isDigit(c) || isAlpha(c) || c == '_' }

// scan looks at every anchor in b[from:limit] and returns where the next
// scan must start: past the last match, which may end beyond limit.
func (st *scanState) scan(b []byte, from, limit int, base int64) int {
	i := from
	for i < limit {
		switch byteClass[b[i]] {
		case clsNone:
			i++
		case clsDigit:
			if i > 0 && (isWord(b[i-1]) || b[i-1] == '.') {
				// Inside a word, hex string or decimal: skip the run.
				for i++; i < len(b) && isDigit(b[i]); i++ {
				}
				continue
			}
			i = st.digits(b, i, base)
		case clsAt:
			i = st.email(b, i, i+1, base)
		case clsPercent:
			if i+2 < len(b) && b[i+1] == '4' && b[i+2] == '0' { // a URL-encoded '@'
				i = st.email(b, i, i+3, base)
			} else {
				i++
			}
		case clsDollar:
			i = st.passwordHash(b, i, base)
		case clsDash:
			i = st.canaryMarker(b, i, base)
		case clsPlus, clsParen:
			if i > 0 && isWord(b[i-1]) {
				i++
				continue
			}
			i = st.phoneAt(b, i, base)
		}
	}
	return i
}

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
