// Package redact masks a run's secrets in text on its way to a record:
// the secret itself, every encoding it takes on the way to a log or a
// response (JSON, URL, HTML, SQL escaping, base64, and JSON of each of
// those), and prefixes and suffixes long enough to matter, because output
// is often clipped (a 40-character prefix of a salt is as good as the
// salt to someone who knows the rest is random).
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Marker replaces what is masked.
const Marker = "[masked]"

// MinSecret is the shortest secret masked at all: shorter values would
// mangle ordinary text.
const MinSecret = 6

// MinPartial is the shortest prefix or suffix of a secret (or of one of its
// encodings) that is masked on its own.
const MinPartial = 12

// Masker masks a growing set of secrets; it is safe for concurrent use.
type Masker struct {
	mu       sync.RWMutex
	secrets  []string
	forms    []string // every encoding of every secret, longest first
	replacer *strings.Replacer
	// Forms by their first and last MinPartial bytes: many share them
	// (an encoding differs from the raw secret only where it escapes), so
	// each distinct head and tail is searched for once.
	heads, tails map[string][]string
}

// New returns a masker for secrets.
func New(secrets ...string) *Masker {
	m := &Masker{}
	for _, s := range secrets {
		m.Add(s)
	}
	return m
}

// Add registers one more secret; shorter than MinSecret or known, it is
// ignored.
func (m *Masker) Add(secret string) {
	if len(secret) < MinSecret {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.secrets {
		if s == secret {
			return
		}
	}
	m.secrets = append(m.secrets, secret)
	seen := map[string]bool{}
	for _, f := range m.forms {
		seen[f] = true
	}
	for _, f := range Forms(secret) {
		if !seen[f] {
			seen[f] = true
			m.forms = append(m.forms, f)
		}
	}
	// Longest first: where two forms overlap, the longer one wins.
	sort.SliceStable(m.forms, func(i, j int) bool { return len(m.forms[i]) > len(m.forms[j]) })
	pairs := make([]string, 0, 2*len(m.forms))
	for _, f := range m.forms {
		pairs = append(pairs, f, Marker)
	}
	m.replacer = strings.NewReplacer(pairs...)
	m.heads, m.tails = map[string][]string{}, map[string][]string{}
	for _, f := range m.forms {
		if len(f) >= MinPartial {
			m.heads[f[:MinPartial]] = append(m.heads[f[:MinPartial]], f)
			m.tails[f[len(f)-MinPartial:]] = append(m.tails[f[len(f)-MinPartial:]], f)
		}
	}
}

// Secrets returns the secrets registered so far.
func (m *Masker) Secrets() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.secrets...)
}

// Mask replaces every form of every secret in text, whole or as a prefix
// or suffix of at least MinPartial characters.
func (m *Masker) Mask(text string) string {
	return m.mask(text)
}

// Found reports how many places in text held a secret.
func (m *Masker) Found(text string) int {
	return strings.Count(m.Mask(text), Marker) - strings.Count(text, Marker)
}

func (m *Masker) mask(text string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.replacer == nil || text == "" {
		return text
	}
	text = m.replacer.Replace(text)
	spans := m.partials(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp[0]])
		b.WriteString(Marker)
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// partials finds prefixes and suffixes of forms in text, merged into
// sorted, disjoint spans.
func (m *Masker) partials(text string) [][2]int {
	var spans [][2]int
	if len(text) < MinPartial {
		return nil
	}
	for head, forms := range m.heads {
		for off := 0; ; {
			i := strings.Index(text[off:], head)
			if i < 0 {
				break
			}
			start := off + i
			end := start + MinPartial
			for _, f := range forms {
				e := start + MinPartial
				for e < len(text) && e-start < len(f) && text[e] == f[e-start] {
					e++
				}
				end = max(end, e)
			}
			spans = append(spans, [2]int{start, end})
			off = start + 1
		}
	}
	for tail, forms := range m.tails {
		for off := 0; ; {
			i := strings.Index(text[off:], tail)
			if i < 0 {
				break
			}
			end := off + i + MinPartial
			start := end - MinPartial
			for _, f := range forms {
				st := end - MinPartial
				for k := len(f) - MinPartial - 1; st > 0 && k >= 0 && text[st-1] == f[k]; k-- {
					st--
				}
				start = min(start, st)
			}
			spans = append(spans, [2]int{start, end})
			off = off + i + 1
		}
	}
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp[0] <= last[1] {
			last[1] = max(last[1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// Forms lists the ways secret can appear in text: as is, escaped for JSON
// (Go's and PHP's), URLs, HTML and XML, SQL string literals and Markdown
// tables, each of those again inside a JSON string, and its base64 in any
// alignment within a longer encoded text.
func Forms(secret string) []string {
	set := map[string]bool{}
	base := []string{secret}
	base = append(base, jsonForms(secret)...)
	base = append(base, urlForms(secret)...)
	base = append(base, htmlForms(secret)...)
	base = append(base, sqlForms(secret)...)
	base = append(base, strings.ReplaceAll(secret, "|", `\|`))
	for _, f := range base {
		set[f] = true
		for _, j := range jsonForms(f) {
			set[j] = true
		}
	}
	for _, f := range base64Cores(secret) {
		set[f] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		if len(f) >= MinSecret {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

var hexEscape = regexp.MustCompile(`\\u[0-9a-f]{4}`)

// jsonForms are the inside of a JSON string holding s: Go's encoder
// (which escapes <, > and & for HTML) and without that, PHP's json_encode
// (which also escapes '/' and writes non-ASCII as \uXXXX), and \u escapes
// in upper case.
func jsonForms(s string) []string {
	var out []string
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		t := strings.TrimSpace(buf.String())
		out = append(out, t[1:len(t)-1])
	}
	var php strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			php.WriteString(`\/`)
		case r == '"' || r == '\\':
			php.WriteByte('\\')
			php.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16Units(r) {
				php.WriteString(`\u` + hex4(u))
			}
		default:
			php.WriteRune(r)
		}
	}
	out = append(out, php.String())
	for _, f := range out[:len(out):len(out)] {
		if up := hexEscape.ReplaceAllStringFunc(f, func(e string) string { return `\u` + strings.ToUpper(e[2:]) }); up != f {
			out = append(out, up)
		}
	}
	return out
}

func utf16Units(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xd800 + (r>>10)&0x3ff), uint16(0xdc00 + r&0x3ff)}
}

func hex4(u uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[u>>12&0xf], digits[u>>8&0xf], digits[u>>4&0xf], digits[u&0xf]})
}

var pctEscape = regexp.MustCompile(`%[0-9A-F]{2}`)

// urlForms: query and path escaping, the query form with %20 for space
// (PHP's rawurlencode), every reserved byte escaped, and hex in lower case.
func urlForms(s string) []string {
	var all strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			all.WriteByte(c)
			continue
		}
		all.WriteString("%" + strings.ToUpper(hex4(uint16(c))[2:]))
	}
	out := []string{url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), all.String()}
	for _, f := range out[:len(out):len(out)] {
		out = append(out, pctEscape.ReplaceAllStringFunc(f, strings.ToLower))
	}
	return out
}

// htmlForms: Go's html and template escapers, PHP's htmlspecialchars with
// and without ENT_QUOTES, and XML.
func htmlForms(s string) []string {
	out := []string{html.EscapeString(s)}
	php := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;").Replace(s)
	out = append(out, php, strings.ReplaceAll(php, "&#039;", "'"), strings.ReplaceAll(php, "&#039;", "&apos;"))
	out = append(out, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "\x00", "\uFFFD").Replace(s))
	var x bytes.Buffer
	if xml.EscapeText(&x, []byte(s)) == nil {
		out = append(out, x.String())
	}
	return out
}

// sqlForms: a string literal as standard SQL (a doubled quote) and MySQL
// (a backslash) escape it.
func sqlForms(s string) []string {
	return []string{
		strings.ReplaceAll(s, "'", "''"),
		strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`).Replace(s),
	}
}

// base64Cores are the characters of secret's base64 that do not depend on
// the bytes around it, for each of the three alignments it can have within
// a longer encoded text, in the standard and the URL alphabet.
func base64Cores(secret string) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for a := 0; a < 3; a++ {
			e := enc.EncodeToString(append(make([]byte, a), secret...))
			// Characters that also hold bits of the bytes before...
			skip := []int{0, 2, 3}[a]
			// ...and after: only whole 6-bit groups of known bits count.
			keep := (a + len(secret)) * 8 / 6
			if keep > len(e) {
				keep = len(e)
			}
			if keep-skip >= MinPartial {
				out = append(out, e[skip:keep])
			}
		}
	}
	return out
}
