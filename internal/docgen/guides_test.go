package docgen

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var guides = []string{"write-a-scenario.md", "write-rules.md", "run-in-ci.md", "run-the-tabletop.md", "for-auditors.md"}

func readDoc(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	require.NoError(t, err)
	return string(b)
}

// Every relative link in the docs and the README points at a file that
// exists.
func TestDocLinksResolve(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	pages = append(pages, filepath.Join(root, "README.md"), filepath.Join(root, scenarios.ReferenceFile))
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, p := range pages {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			t.Run(filepath.Base(p)+" → "+target, func(t *testing.T) {
				_, err := os.Stat(filepath.Join(filepath.Dir(p), target))
				assert.NoError(t, err)
			})
		}
	}
}

// The README links each guide in one line and keeps its two set-up
// commands.
func TestReadmeLinksEveryGuide(t *testing.T) {
	readme := readDoc(t, "README.md")
	for _, g := range guides {
		t.Run(g, func(t *testing.T) {
			n := 0
			for _, line := range strings.Split(readme, "\n") {
				if strings.Contains(line, "](docs/"+g+")") {
					n++
				}
			}
			assert.Equal(t, 1, n, "README lines linking docs/%s", g)
			assert.FileExists(t, filepath.Join(root, "docs", g))
		})
	}
	assert.Contains(t, readme, "```sh\ngo run ./cmd/breachdrill drill --all\n```")
	assert.Contains(t, readme, "```sh\ngo test -count=1 -p 2 -timeout 40m ./...\n```")
}

// Each guide starts from a clean machine (a "Before you start" or first
// section that builds the binary) and says what result to check.
func TestGuidesStartFromACleanMachine(t *testing.T) {
	for _, g := range guides {
		t.Run(g, func(t *testing.T) {
			doc := readDoc(t, filepath.Join("docs", g))
			assert.Contains(t, doc, "go build -o bin/breachdrill ./cmd/breachdrill")
			assert.Regexp(t, `(?i)you (will|end)`, doc[:min(len(doc), 1500)], "the opening says what the reader ends with")
		})
	}
}

// The rule and state-check examples of the rules guide load, and the state
// check passes the schema.
func TestRulesGuideExamples(t *testing.T) {
	doc := readDoc(t, "docs/write-rules.md")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(doc, -1)
	schemaBytes, err := StateCheckSchema()
	require.NoError(t, err)
	schema := compile(t, schemaBytes)
	n := 0
	for i, b := range blocks {
		body := b[1]
		if !strings.Contains(body, "detection:") && !strings.Contains(body, "kind:") {
			continue
		}
		n++
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			_, err := detect.LoadPack(fstest.MapFS{"example.yml": {Data: []byte(body)}})
			require.NoError(t, err)
			if strings.Contains(body, "kind:") {
				assert.NoError(t, validateYAML(t, schema, []byte(body)))
			}
		})
	}
	assert.Equal(t, 2, n, "the guide's Sigma rule and state check")
}

// The rules guide documents every field each log source produces. The
// loader is the source of truth (harness/detect/source.go): a rule naming a
// field no event carries is refused with the list of those that exist, so
// the list is read from that message, not copied here.
func TestRulesGuideListsEveryField(t *testing.T) {
	doc := readDoc(t, "docs/write-rules.md")
	sections := map[string]string{}
	for _, part := range strings.Split(doc, "\n#### ")[1:] {
		title, body, _ := strings.Cut(part, "\n")
		sections[title] = body
	}
	tests := []struct {
		heading   string // start of the guide's section title
		logsource string
	}{
		{"Web access log", "{category: webserver}"},
		{"WordPress audit log", "{product: wordpress, service: audit}"},
		{"Database audit", "{product: mariadb, service: audit}"},
		{"PHP error log", "{product: php}"},
		{"File integrity", "{category: file_event}"},
		{"GraphQL", "{product: wordpress, service: graphql}"},
	}
	listed := regexp.MustCompile(`fields: (.*)$`)
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			var section string
			for title, body := range sections {
				if strings.HasPrefix(title, tt.heading) {
					section = body
				}
			}
			require.NotEmpty(t, section, "the guide has no section %q", tt.heading)
			assert.Contains(t, doc, "`logsource: "+tt.logsource+"`")
			rule := "title: probe\nname: field-probe\nlevel: low\nlogsource: " + tt.logsource +
				"\ndetection:\n  sel:\n    zz-no-such-field: x\n  condition: sel\n"
			_, err := detect.LoadPack(fstest.MapFS{"probe.yml": {Data: []byte(rule)}})
			require.Error(t, err)
			var fields []string
			for _, line := range strings.Split(err.Error(), "\n") {
				if m := listed.FindStringSubmatch(line); m != nil {
					fields = strings.Split(m[1], ", ")
				}
			}
			require.NotEmpty(t, fields, "the loader no longer lists a source's fields: %v", err)
			for _, f := range fields {
				assert.Contains(t, section, "`"+f+"`", "field %s of %s is not documented", f, tt.logsource)
			}
		})
	}
}
