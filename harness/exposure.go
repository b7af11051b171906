package harness

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// SubjectsMethod says how exposure counts data subjects, for the Art. 33
// draft: people are counted from what left, canaries only prove where it
// came from.
const SubjectsMethod = "distinct seeded customers whose e-mail address (account or billing) appears in what left the stack"

// maxExposureBytes bounds how much of a decompressed artifact is read: a
// shop dump is a few MB; a bomb is not read whole.
const maxExposureBytes = 512 << 20

var emailPattern = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)

// customerIndex maps each seeded customer's e-mail addresses to the
// customer's position in the dataset.
type customerIndex map[string]int

// found lists the seeded customers whose e-mail appears in body (after
// gunzip, URL-, JSON- and HTML-unescaping what attack responses often
// escape), each once, in order.
func (ix customerIndex) found(body []byte) []int {
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
			if plain, err := io.ReadAll(io.LimitReader(zr, maxExposureBytes)); err == nil || len(plain) > 0 {
				body = plain
			}
		}
	}
	text := string(body)
	text = strings.NewReplacer(`\u0040`, "@", "&#64;", "@", "&#x40;", "@", `\/`, "/").Replace(text)
	if strings.Contains(text, "%40") || strings.Contains(text, "%2540") {
		if u, err := url.QueryUnescape(strings.ReplaceAll(text, "%2540", "%40")); err == nil {
			text += "\n" + u
		} else {
			text += "\n" + strings.ReplaceAll(strings.ReplaceAll(text, "%2540", "@"), "%40", "@")
		}
	}
	seen := map[int]bool{}
	for _, m := range emailPattern.FindAllString(text, -1) {
		if i, ok := ix[strings.ToLower(m)]; ok {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
