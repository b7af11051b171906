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
