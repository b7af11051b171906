package detect

import (
	"regexp"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/fakedata"
)

// pan is a card number found in text.
type pan struct {
	digits string
	brand  string
}

// Masked is the number as PCI DSS allows it to be shown: the first six
// and last four digits.
func (p pan) Masked() string {
	n := len(p.digits)
	return p.digits[:6] + strings.Repeat("*", n-10) + p.digits[n-4:]
}

// findPANs returns the Luhn-valid card numbers of 13 to 19 digits in s
// (digits may be grouped by single spaces or dashes) whose prefix and
// length belong to a card brand. A run preceded by '+' is a phone number,
// and a run touching letters or more digits is an id or a hash.
func findPANs(s string, minDigits, maxDigits int) []pan {
	var out []pan
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		var digits []byte
		j := i
		for j < len(s) {
			if isDigit(s[j]) {
				digits = append(digits, s[j])
				j++
				continue
			}
			if (s[j] == ' ' || s[j] == '-') && j+1 < len(s) && isDigit(s[j+1]) && len(digits) > 0 {
				j++
				continue
			}
			break
		}
		i = j
		if len(digits) < minDigits || len(digits) > maxDigits {
			continue
		}
		// '+' starts a phone number; letters or a decimal point around the
		// run make it part of an id, a hash or a number like 0.6627450980392157.
		if start > 0 && (s[start-1] == '+' || s[start-1] == '.' || isAlnum(s[start-1])) {
			continue
		}
		if j < len(s) && (isAlnum(s[j]) || (s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]))) {
			continue
		}
		d := string(digits)
		b := cardBrand(d)
		if b == "" || !fakedata.Luhn(d) {
			continue
		}
		out = append(out, pan{digits: d, brand: b})
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// cardBrand names the brand whose prefix and length d has, or "".
func cardBrand(d string) string {
	n := len(d)
	p := func(k int) int {
		v := 0
		for i := 0; i < k && i < n; i++ {
			v = v*10 + int(d[i]-'0')
		}
		return v
	}
	switch {
	case d[0] == '4' && (n == 13 || n == 16 || n == 19):
		return "visa"
	case (p(2) >= 51 && p(2) <= 55 || p(4) >= 2221 && p(4) <= 2720) && n == 16:
		return "mastercard"
	case (p(2) == 34 || p(2) == 37) && n == 15:
		return "amex"
	case (p(4) == 6011 || p(2) == 65 || p(3) >= 644 && p(3) <= 649) && n >= 16 && n <= 19:
		return "discover"
	case p(4) >= 3528 && p(4) <= 3589 && n >= 16 && n <= 19:
		return "jcb"
	case (p(3) >= 300 && p(3) <= 305 || p(2) == 36 || p(2) == 38 || p(2) == 39) && n >= 14 && n <= 19:
		return "diners"
	case p(2) == 62 && n >= 16 && n <= 19:
		return "unionpay"
	case (p(2) == 50 || p(2) >= 56 && p(2) <= 69) && n >= 13 && n <= 19:
		return "maestro"
	}
	return ""
}

// maskPANs masks every card number in s, so that no alert, and no
// evidence built from alerts, ever holds a full one.
func maskPANs(s string) string {
	found := findPANs(s, 13, 19)
	if len(found) == 0 {
		return s
	}
	for _, p := range found {
		s = maskGrouped(s, p.digits)
	}
	return s
}

// maskGrouped masks digits in s, also where they are written in groups
// (4111 1111 1111 1111), keeping the first six and last four.
func maskGrouped(s, digits string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j, k := i, 0
		for j < len(s) && k < len(digits) && (s[j] == digits[k] || ((s[j] == ' ' || s[j] == '-') && k > 0)) {
			if isDigit(s[j]) {
				k++
			}
			j++
		}
		if k == len(digits) {
			seen := 0
			for x := i; x < j; x++ {
				if isDigit(s[x]) {
					if seen >= 6 && seen < len(digits)-4 {
						b.WriteByte('*')
					} else {
						b.WriteByte(s[x])
					}
					seen++
				} else {
					b.WriteByte(s[x])
				}
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// phonePattern needs separators or a leading +: plain runs of ten digits
// are timestamps far more often than phone numbers in WordPress options.
var phonePattern = regexp.MustCompile(`(?:\+\d{1,3}[ .\-]?)?(?:\(\d{2,5}\)[ .\-]?|\d{2,5}[ .\-])\d{2,5}[ .\-]\d{3,5}\b|\+\d{8,15}\b`)

// piiCounts is what a value holds in personal data.
type piiCounts struct {
	emails   int
	phones   int
	canaries []string
}

// countPII counts the distinct e-mail addresses and phone numbers in s and
// names the canaries it contains.
func countPII(s string, canaries []string) piiCounts {
	var c piiCounts
	seen := map[string]bool{}
	for _, m := range emailPattern.FindAllString(s, 1000) {
		m = strings.ToLower(m)
		if !seen[m] {
			seen[m] = true
			c.emails++
		}
	}
	for _, m := range phonePattern.FindAllString(s, 1000) {
		d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if len(d) >= 7 && !seen[d] {
			seen[d] = true
			c.phones++
		}
	}
	for _, k := range canaries {
		if k != "" && strings.Contains(s, k) {
			c.canaries = append(c.canaries, k)
		}
	}
	return c
}

func sortStrings(s []string) { sort.Strings(s) }
