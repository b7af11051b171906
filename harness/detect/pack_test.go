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
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("id: x-check\ntitle: t\nseverity: loud\nkind: file\nfile: {globs: ['*.sql']}\ncondition: {exists: true}\n"), 0o644))
	_, err := detect.LoadDir(dir)
	want := filepath.Join(dir, "bad.yml") + `:3:11: severity "loud"`
	assert.ErrorContains(t, err, want, "the problem must name the file under dir, line and column")
	_, err = detect.LoadDir(filepath.Join(dir, "missing"))
	assert.True(t, fault.IsInput(err), "a missing folder gives %v; want bad input", err)
}

func TestOverride(t *testing.T) {
	pack := shippedPack(t)
	n := len(pack.IDs())
	mine, err := detect.LoadPack(fstest.MapFS{"x.yml": {Data: []byte(okRule)}})
	require.NoError(t, err)
	h := pack.Hash()
	assert.Empty(t, pack.Override(mine), "a new id must not be reported as overridden")
	assert.True(t, pack.Has("my-php-in-uploads"), "the added rule must be in the pack")
	assert.Len(t, pack.IDs(), n+1, "the pack must grow by the added rule")
	assert.NotEqual(t, h, pack.Hash(), "the pack's hash must change with the added rule")
	info, _ := pack.Rule("my-php-in-uploads")
	assert.Equal(t, "high", info.Severity, "metadata %+v", info)
	assert.Equal(t, detect.SourceAccess, info.Source, "metadata %+v", info)
	assert.Equal(t, detect.KindSigma, info.Kind, "metadata %+v", info)
	assert.Equal(t, "x.yml", info.File, "metadata %+v", info)
}
