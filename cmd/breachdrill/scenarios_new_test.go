package main

import (
	"os"
	"path/filepath"
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
