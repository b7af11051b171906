package redact

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A salt as containers makes them: the characters that escape differently
// in every format.
const salt = `k&Y<9>pQ'z"R/t%u+v w=#x;A?b@C[d]e{f}g|h~i^j$l(m)n*o,q.r:sB!D-E_F`

func goJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestMaskEncodings(t *testing.T) {
	m := New(salt)
	phpJSON := strings.ReplaceAll(goJSON(salt), "/", `\/`)
	tests := []struct {
		name string
		text string
	}{
		{"raw", "define('AUTH_KEY', '" + salt + "');"},
		{"go json (\\u0026)", `{"detail":` + goJSON(salt) + `}`},
		{"php json_encode (\\/)", `{"detail":` + phpJSON + `}`},
		{"upper-case \\u escapes", strings.ReplaceAll(goJSON(salt), `\u003c`, `\u003C`)},
		{"url query", "/?k=" + url.QueryEscape(salt) + "&x=1"},
		{"url path", "/p/" + url.PathEscape(salt)},
		{"url lower-case hex", "/?k=" + pctEscape.ReplaceAllStringFunc(url.QueryEscape(salt), strings.ToLower)},
		{"html", "<td>" + html.EscapeString(salt) + "</td>"},
		{"php htmlspecialchars", "<td>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;").Replace(salt) + "</td>"},
		{"sql standard", "INSERT INTO t VALUES ('" + strings.ReplaceAll(salt, "'", "''") + "')"},
		{"sql mysql", `SELECT '` + strings.NewReplacer(`'`, `\'`, `"`, `\"`).Replace(salt) + `'`},
		{"html inside json", `{"body":` + goJSON("<p>"+html.EscapeString(salt)+"</p>") + `}`},
		{"base64", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+salt))},
		{"base64 offset 1", base64.StdEncoding.EncodeToString([]byte("x" + salt + "tail"))},
		{"base64 offset 2", base64.StdEncoding.EncodeToString([]byte("xy" + salt + "tail"))},
		{"base64 url alphabet", base64.RawURLEncoding.EncodeToString([]byte("xyz" + salt))},
		{"40-char prefix", "... '" + salt[:40] + "..."},
		{"12-char prefix", "seen " + salt[:12] + " here"},
		{"12-char suffix", "seen " + salt[len(salt)-12:] + " here"},
		{"prefix of the json form", goJSON(salt)[:30]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := m.Mask(tc.text)
			assert.Contains(t, out, Marker)
			assert.Positive(t, m.Found(tc.text))
			for _, f := range []string{salt[:MinPartial], salt[len(salt)-MinPartial:]} {
				assert.NotContains(t, out, f)
			}
			if tc.name == "go json (\\u0026)" || tc.name == "html inside json" {
				assert.True(t, json.Valid([]byte(out)), "masked JSON stays JSON: %s", out)
			}
			assert.Zero(t, m.Found(out), "masking leaves nothing to find: %s", out)
		})
	}
}

func TestMaskLeavesOrdinaryTextAlone(t *testing.T) {
	m := New(salt, "s3cretPassw0rdValue123", "short")
	tests := []string{
		"",
		"GET /wp-login.php HTTP/1.1 200",
		`{"rule":"webshell-request","latency":0.38}`,
		"s3cretPassw0", // 12 chars but the prefix of a 22-char password: masked below, not here
		"short is too short to mask",
	}
	for _, text := range tests[:3] {
		assert.Equal(t, text, m.Mask(text))
		assert.Zero(t, m.Found(text))
	}
	assert.Equal(t, Marker, m.Mask(tests[3]), "a 12-character prefix is masked")
	assert.Equal(t, tests[4], m.Mask(tests[4]), "secrets under MinSecret are ignored")
	assert.Equal(t, []string{salt, "s3cretPassw0rdValue123"}, m.Secrets())
}

func TestAddLater(t *testing.T) {
	m := New()
	require.Equal(t, "rotated: NewPassw0rd!xyz", m.Mask("rotated: NewPassw0rd!xyz"))
	m.Add("NewPassw0rd!xyz")
	m.Add("NewPassw0rd!xyz")
	assert.Equal(t, "rotated: "+Marker, m.Mask("rotated: NewPassw0rd!xyz"))
	assert.Len(t, m.Secrets(), 1)
}

// FuzzMask: whatever surrounds a secret, and whichever encoding it takes,
// no whole secret and no prefix or suffix of MinPartial characters
// survives masking.
func FuzzMask(f *testing.F) {
	f.Add(salt, "before ", " after")
	f.Add("p&ss<w>rd'12345678", `{"a":"`, `"}`)
	f.Add("aaaaaaaaaaaaaaaaaaaa", "aaaa", "aaaa")
	f.Add("ünïcødé-sécret-välue", "x", "")
	f.Add("0123456789abcdef", "", "0123")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < MinPartial || strings.ContainsAny(secret, "[]") {
			// Brackets could rebuild a secret around the marker itself.
			return
		}
		m := New(secret)
		text := before + secret + after
		encoders := map[string]func(string) string{
			"raw":   func(s string) string { return s },
			"json":  func(s string) string { q := goJSON(s); return q[1 : len(q)-1] },
			"query": url.QueryEscape,
			"html":  html.EscapeString,
		}
		for name, enc := range encoders {
			out := m.Mask(enc(text))
			for _, part := range []string{enc(secret), enc(secret)[:MinPartial], secret[:MinPartial], secret[len(secret)-MinPartial:]} {
				if strings.Contains(enc(text), part) {
					require.NotContains(t, out, part, "%s: a part of the secret must not survive masking", name)
				}
			}
		}
		b64 := base64.StdEncoding.EncodeToString([]byte(text))
		require.NotZero(t, m.Found(b64), "base64 of %q must be found in %q", secret, b64)
	})
}

// BenchmarkMask: a run's dozen secrets over a 2 KB event payload.
func BenchmarkMask(b *testing.B) {
	m := New()
	for i := 0; i < 12; i++ {
		m.Add(salt[i:] + salt[:i])
	}
	text := strings.Repeat(`{"matched":["GET /wp-admin/admin-ajax.php?action=x HTTP/1.1 200"]}`, 30)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		m.Mask(text)
	}
}
