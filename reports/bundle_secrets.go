package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/internal/redact"
)

// secretForms are the ways a secret can appear once a renderer escaped it.
func secretForms(secret string) []string {
	forms := map[string]bool{secret: true}
	if b, err := json.Marshal(secret); err == nil {
		forms[string(b[1:len(b)-1])] = true
	}
	var noHTML bytes.Buffer
	enc := json.NewEncoder(&noHTML)
	enc.SetEscapeHTML(false)
	if enc.Encode(secret) == nil {
		s := strings.TrimSpace(noHTML.String())
		forms[s[1:len(s)-1]] = true
	}
	forms[html.EscapeString(secret)] = true
	forms[template.HTMLEscapeString(secret)] = true
	var x bytes.Buffer
	if xml.EscapeText(&x, []byte(secret)) == nil {
		forms[x.String()] = true
	}
	forms[mdCell(secret)] = true
	out := make([]string, 0, len(forms))
	for f := range forms {
		if f != "" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// checkSecrets refuses the bundle if any file holds a secret, in any
// encoding or as a prefix or suffix (internal/redact): for bundles, whose
// inputs were redacted first, it is the last assertion; for quarterly
// packs, made of bundles, the only check. The error names the file and
// the secret's position, never the secret.
func checkSecrets(files []File, secrets []string) error {
	for i, s := range secrets {
		m := redact.New(s)
		if len(m.Secrets()) == 0 {
			continue
		}
		for _, f := range files {
			if m.Found(string(f.Data)) > 0 {
				return fmt.Errorf("%w: secret #%d (%d characters) appears in %s; bundle not written", ErrSecretFound, i+1, len(s), f.Name)
			}
		}
	}
	return nil
}
