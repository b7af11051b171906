package detect_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okRule = `title: PHP in uploads
name: my-php-in-uploads
level: high
logsource:
  category: webserver
detection:
  sel:
    cs-uri-stem|contains: /wp-content/uploads/
  condition: sel
`

func TestLoadPackReportsEveryProblem(t *testing.T) {
	fsys := fstest.MapFS{
		"a/one.yml":       {Data: []byte(okRule)},
		"b/dup.yml":       {Data: []byte(okRule)},
		"b/typo.yaml":     {Data: []byte(strings.Replace(strings.Replace(okRule, "my-php-in-uploads", "typo-rule", 1), "cs-uri-stem|contains", "cs-uri-stem|contians", 1))},
		"schema.graphql":  {Data: []byte("directive @pii(category: String!) on FIELD_DEFINITION\ntype Query {\n  email: String @pii(category: \"mail\")\n}\n")},
		"notes/README.md": {Data: []byte("not a rule")},
	}
	_, err := detect.LoadPack(fsys)
	require.True(t, fault.IsInput(err), "error %v is not marked as bad input", err)
	var le *detect.LoadError
	require.True(t, errors.As(err, &le), "error %T is not a *LoadError", err)
	want := []string{
		`b/dup.yml:1:1: rule id "my-php-in-uploads" is already used by a/one.yml`,
		`b/typo.yaml:8:5: search sel: modifier "contians" is not supported`,
		`schema.graphql:3:18: Query.email: @pii category "mail"`,
	}
	text := err.Error()
	for _, w := range want {
		assert.Contains(t, text, w)
	}
	assert.Len(t, le.Problems, len(want), text)
}

func TestLoadDirNamesFilesUnderDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("id: x-check\ntitle: t\nseverity: loud\nkind: file\nfile: {globs: ['*.sql']}\ncondition: {exists: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := detect.LoadDir(dir)
	want := filepath.Join(dir, "bad.yml") + `:3:11: severity "loud"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v; want it to contain %q", err, want)
	}
	if _, err := detect.LoadDir(filepath.Join(dir, "missing")); !fault.IsInput(err) {
		t.Errorf("a missing folder gives %v; want bad input", err)
	}
}

func TestOverride(t *testing.T) {
	pack := shippedPack(t)
	n := len(pack.IDs())
	mine, err := detect.LoadPack(fstest.MapFS{"x.yml": {Data: []byte(okRule)}})
	if err != nil {
		t.Fatal(err)
	}
	h := pack.Hash()
	if got := pack.Override(mine); len(got) != 0 {
		t.Errorf("a new id reported as overridden: %v", got)
	}
	if !pack.Has("my-php-in-uploads") || len(pack.IDs()) != n+1 || pack.Hash() == h {
		t.Errorf("the added rule is not in the pack")
	}
	info, _ := pack.Rule("my-php-in-uploads")
	if info.Severity != "high" || info.Source != detect.SourceAccess || info.Kind != detect.KindSigma || info.File != "x.yml" {
		t.Errorf("metadata %+v", info)
	}
}
