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
	assert.Contains(t, readme, "```sh\ngo test -count=1 -p 1 -timeout 40m ./...\n```")
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

// The shard table of the CI guide is how Shard deals the shipped catalogue.
func TestCIGuideShardTable(t *testing.T) {
	doc := readDoc(t, "docs/run-in-ci.md")
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	for k := 1; k <= 3; k++ {
		part, err := scenarios.Shard(cat.All(), k, 3)
		require.NoError(t, err)
		var ids []string
		for _, s := range part {
			ids = append(ids, s.ID)
		}
		row := "| " + string(rune('0'+k)) + "/3 | " + strings.Join(ids, ", ") + " |"
		assert.Contains(t, doc, row)
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
