package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `scenarios new` writes a skeleton and the schema beside it; the skeleton
// validates as it is; a second `new` with the same id refuses to overwrite.
func TestScenariosNew(t *testing.T) {
	dir := t.TempDir()
	env := exerciseEnv(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"writes the skeleton", []string{"scenarios", "new", "card-skimmer", "--dir", dir}, 0,
			[]string{"wrote " + filepath.Join(dir, "card-skimmer", "scenario.yaml"), "wrote " + filepath.Join(dir, "scenario.schema.json")}},
		{"it validates", []string{"scenarios", "validate", dir}, 0, []string{"scenarios OK"}},
		{"never overwrites", []string{"scenarios", "new", "card-skimmer", "--dir", dir}, 2, []string{"already exists"}},
		{"refuses a bad id", []string{"scenarios", "new", "Card_Skimmer", "--dir", dir}, 2, []string{"lower-case words"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			assert.Equal(t, tt.code, r.code, "%s%s", r.stdout, r.stderr)
			for _, c := range tt.contains {
				assert.Contains(t, r.stdout+r.stderr, c)
			}
		})
	}
	schema, err := os.ReadFile(filepath.Join(dir, "scenario.schema.json"))
	require.NoError(t, err)
	want, err := scenarios.JSONSchema()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(schema))
}

// The reference and the schema print from the binary exactly as published.
func TestScenariosReferenceCommands(t *testing.T) {
	tests := []struct {
		args []string
		file string
	}{
		{[]string{"scenarios", "actions", "--markdown"}, scenarios.ReferenceFile},
		{[]string{"scenarios", "schema"}, scenarios.SchemaFile},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			require.Equal(t, 0, r.code, r.stderr)
			published, err := os.ReadFile(filepath.Join("..", "..", tt.file))
			require.NoError(t, err)
			assert.Equal(t, string(published), r.stdout, "stale: go generate ./scenarios")
		})
	}
}

// `scenarios validate` itself refuses every bad-input fixture with exit 2
// and the message the fixture names (the scenarios package checks that the
// published schema refuses them too).
func TestValidateRefusesTheFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "testdata", "*", "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 25)
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			require.True(t, ok)
			r := runCLI(t, nil, "scenarios", "validate", f)
			assert.Equal(t, 2, r.code, r.stdout)
			assert.Contains(t, r.stderr, want)
		})
	}
}
