package docgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/breachdrill/breachdrill/scenarios"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const root = "../.."

// The published reference and schemas are what the registry generates
// now. After changing an action, a check or an argument (or merging a branch
// that did): go generate ./scenarios.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	files, err := Files(root)
	require.NoError(t, err)
	for _, p := range sortedPaths(files) {
		t.Run(p, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(root, p))
			require.NoError(t, err, "not published: run go generate ./scenarios")
			assert.True(t, bytes.Equal(files[p], got), "%s is stale: run go generate ./scenarios", p)
		})
	}
}

func compile(t *testing.T, b []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("schema.json", doc))
	s, err := c.Compile("schema.json")
	require.NoError(t, err)
	return s
}

func validateYAML(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	b, err := json.Marshal(scenarios.JSONValue(v))
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return s.Validate(inst)
}

// The rule loader and the state-check schema agree: both accept every
// shipped state check and refuse every bad-input fixture.
func TestStateCheckSchemaAgreesWithTheLoader(t *testing.T) {
	b, err := StateCheckSchema()
	require.NoError(t, err)
	schema := compile(t, b)
	load := func(name string, data []byte) error {
		_, err := detect.LoadPack(fstest.MapFS{name: {Data: data}})
		return err
	}

	shipped, err := fs.Glob(rules.FS, "checks/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, shipped)
	for _, p := range shipped {
		t.Run("accepts "+p, func(t *testing.T) {
			data, err := fs.ReadFile(rules.FS, p)
			require.NoError(t, err)
			assert.NoError(t, load(filepath.Base(p), data), "loader")
			assert.NoError(t, validateYAML(t, schema, data), "schema")
		})
	}

	bad, err := filepath.Glob("testdata/state-checks/*.yml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(bad), 15)
	for _, f := range bad {
		t.Run("refuses "+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			require.True(t, ok, "fixture without '# want:'")
			err = load(filepath.Base(f), data)
			require.Error(t, err, "the loader accepted it")
			assert.Contains(t, err.Error(), want)
			assert.Error(t, validateYAML(t, schema, data), "the schema accepted it")
		})
	}
}

func TestFilesAreValidJSONSchemas(t *testing.T) {
	files, err := Files(root)
	require.NoError(t, err)
	for _, p := range sortedPaths(files) {
		if !strings.HasSuffix(p, ".json") {
			continue
		}
		t.Run(p, func(t *testing.T) {
			compile(t, files[p])
			var v map[string]any
			require.NoError(t, json.Unmarshal(files[p], &v))
			assert.Equal(t, "http://json-schema.org/draft-07/schema#", v["$schema"], fmt.Sprint(p))
		})
	}
}
