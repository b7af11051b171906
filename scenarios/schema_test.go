package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// compileSchema compiles the scenario schema the registry generates.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := JSONSchema()
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("scenario.schema.json", doc))
	s, err := c.Compile("scenario.schema.json")
	require.NoError(t, err)
	return s
}

// schemaAccepts reads YAML the way an editor's language server does (as
// JSON values) and validates it against the schema.
func schemaAccepts(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("YAML: %w", err)
	}
	b, err := json.Marshal(JSONValue(v))
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return s.Validate(inst)
}

// wantLine reads the "# want: ..." first line of a fixture.
func wantLine(t *testing.T, data []byte) string {
	t.Helper()
	line, _, _ := strings.Cut(string(data), "\n")
	want, ok := strings.CutPrefix(line, "# want: ")
	require.True(t, ok, "fixture without a '# want: message' first line")
	return want
}

// `scenarios validate` and the published schema agree: both accept every
// shipped scenario, the skeleton of `scenarios new` and every example of the
// reference, and both refuse every bad-input fixture.
func TestSchemaAgreesWithValidate(t *testing.T) {
	schema := compileSchema(t)

	type input struct {
		name string
		data []byte
	}
	var good []input
	err := fs.WalkDir(builtin, "catalog", func(p string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Base(p) == "scenario.yaml" {
			b, _ := fs.ReadFile(builtin, p)
			good = append(good, input{p, b})
		}
		return err
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(good), 10)
	sk, err := Skeleton("my-scenario", "../scenario.schema.json")
	require.NoError(t, err)
	good = append(good, input{"skeleton", sk})
	for _, e := range append(Actions(), Checks()...) {
		good = append(good, input{"example " + e.Name, []byte(exampleScenario(e))})
	}
	for _, in := range good {
		t.Run("accepts "+in.name, func(t *testing.T) {
			_, err := Parse(in.name, in.data)
			assert.NoError(t, err, "scenarios validate")
			assert.NoError(t, schemaAccepts(t, schema, in.data), "schema")
		})
	}

	files, err := filepath.Glob("testdata/invalid/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 25)
	for _, f := range files {
		t.Run("refuses "+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			want := wantLine(t, data)
			_, err = Parse(f, data)
			require.Error(t, err, "scenarios validate accepted it")
			assert.Contains(t, err.Error(), want)
			assert.Error(t, schemaAccepts(t, schema, data), "the schema accepted it")
		})
	}

	// What only validate can see is documented, and still refused by it.
	beyond, err := filepath.Glob("testdata/beyond-schema/*.yaml")
	require.NoError(t, err)
	for _, f := range beyond {
		t.Run("validate refuses "+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			_, err = Parse(f, data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), wantLine(t, data))
		})
	}
}

// exampleScenario puts an entry's reference example where it belongs.
func exampleScenario(e Entry) string {
	inject, verify := "  - wait: 1s\n", "  - file.absent: wp-content/x\n"
	if _, isAction := actionRegistry[e.Name]; isAction {
		inject = "  - " + e.Example + "\n"
	} else {
		verify = "  - " + e.Example + "\n"
	}
	return "id: example\ntitle: Example\nseverity: low\npreconditions: [peer]\ninject:\n" + inject +
		"expect:\n  - {rule: r1}\nrespond:\n  - wait: 1s\nverify:\n" + verify
}

func TestReferenceDocumentsEveryArgument(t *testing.T) {
	for _, e := range append(Actions(), Checks()...) {
		t.Run(e.Name, func(t *testing.T) {
			assert.NotEmpty(t, e.Doc)
			assert.NotEmpty(t, e.Example, "every entry needs an example")
			assert.True(t, strings.HasPrefix(e.Example, e.Name+":"), "example %q is not of %s", e.Example, e.Name)
			for _, a := range e.Args {
				assert.NotEmpty(t, a.Doc, "argument %s has no doc tag", a.Name)
				assert.False(t, strings.HasPrefix(a.Type, "value ("), "argument %s has type %s: teach describeArg in reference.go to describe it", a.Name, a.Type)
			}
			if e.Shorthand != "" {
				assert.Contains(t, argNames(newOf(e.Name)), e.Shorthand)
			}
		})
	}
}

func newOf(name string) any {
	if a, ok := actionRegistry[name]; ok {
		return a.new()
	}
	return checkRegistry[name].new()
}

// Every {{placeholder}} the code fills in is in the reference's table, so a
// new one cannot go undocumented.
func TestPlaceholdersDocumented(t *testing.T) {
	documented := map[string]bool{}
	for _, p := range Placeholders {
		documented[p.Name] = true
	}
	re := regexp.MustCompile(`"(\{\{[a-z_]+\}\})"`)
	for _, f := range []string{"env.go", "actions.go", "checks.go"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			assert.True(t, documented[m[1]], "%s fills in %s, which Placeholders does not document", f, m[1])
		}
	}
}

// Every shipped scenario points editors at the published schema.
func TestShippedScenariosReferenceTheSchema(t *testing.T) {
	dirs, err := fs.ReadDir(builtin, "catalog")
	require.NoError(t, err)
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			f, err := builtin.Open("catalog/" + d.Name() + "/scenario.yaml")
			require.NoError(t, err)
			defer f.Close()
			first, _ := bufio.NewReader(f).ReadString('\n')
			assert.Equal(t, SchemaHeader, first, "run go generate ./scenarios to add it")
			_, err = os.Stat(filepath.Join("..", SchemaFile))
			assert.NoError(t, err, "the schema the header points at is not published")
		})
	}
}

func TestSkeleton(t *testing.T) {
	tests := []struct {
		id      string
		wantErr bool
	}{
		{"card-skimmer", false},
		{"x1", false},
		{"Card_Skimmer", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			b, err := Skeleton(tt.id, "../scenario.schema.json")
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			s, err := Parse("scenario.yaml", b)
			require.NoError(t, err)
			assert.Equal(t, tt.id, s.ID)
			assert.NotEmpty(t, s.Tabletop)
			assert.NotEmpty(t, s.Objectives)
			assert.Contains(t, string(b), "# yaml-language-server: $schema=../scenario.schema.json\n")
		})
	}
}
