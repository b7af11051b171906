package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The CI recipes in docs/ci are valid YAML of their CI system's shape, and
// every breachdrill command they run exists with the flags they pass.
func TestCIRecipes(t *testing.T) {
	tests := []struct {
		file string
		// scripts returns every shell script of the file's jobs.
		scripts func(t *testing.T, doc map[string]any) []string
		// want are commands (subcommand paths) the recipe must run.
		want []string
	}{
		{"github-actions.yml", githubScripts, []string{"images build", "test", "evidence verify", "evidence quarter"}},
		{"gitlab-ci.yml", gitlabScripts, []string{"images build", "test", "evidence verify", "evidence quarter"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "docs", "ci", tt.file))
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, yaml.Unmarshal(data, &doc), "not valid YAML")
			scripts := tt.scripts(t, doc)
			require.NotEmpty(t, scripts)
			var ran []string
			for _, s := range scripts {
				for _, args := range breachdrillCommands(s) {
					path := checkCommand(t, args)
					ran = append(ran, path)
				}
			}
			for _, w := range tt.want {
				assert.Contains(t, ran, w, "the recipe never runs breachdrill %s", w)
			}
			// The test step shards the whole catalogue and writes JUnit.
			joined := strings.Join(scripts, "\n")
			assert.Regexp(t, `breachdrill test --all[^\n]*(\n[^\n]*)*--shard`, joined)
			assert.Contains(t, joined, "--junit")
		})
	}
}

func githubScripts(t *testing.T, doc map[string]any) []string {
	for _, k := range []string{"name", "on", "jobs"} {
		require.Contains(t, doc, k)
	}
	jobs, ok := doc["jobs"].(map[string]any)
	require.True(t, ok, "jobs is not a mapping")
	var out []string
	for name, j := range jobs {
		job, ok := j.(map[string]any)
		require.True(t, ok, "job %s", name)
		require.Contains(t, job, "runs-on", "job %s", name)
		steps, ok := job["steps"].([]any)
		require.True(t, ok, "job %s has no steps", name)
		for _, s := range steps {
			step, ok := s.(map[string]any)
			require.True(t, ok, "job %s: a step is not a mapping", name)
			_, uses := step["uses"]
			run, runs := step["run"].(string)
			require.True(t, uses != runs, "job %s: a step needs exactly one of uses and run", name)
			if runs {
				out = append(out, run)
			}
		}
		if m, ok := job["strategy"].(map[string]any); ok {
			shards := m["matrix"].(map[string]any)["shard"].([]any)
			assert.Len(t, shards, 3, "the matrix and SHARDS disagree")
		}
	}
	return out
}

func gitlabScripts(t *testing.T, doc map[string]any) []string {
	require.Contains(t, doc, "stages")
	var out []string
	keywords := map[string]bool{"stages": true, "variables": true, "default": true, "include": true, "workflow": true}
	for name, j := range doc {
		job, ok := j.(map[string]any)
		if keywords[name] {
			if name == "default" {
				out = append(out, scriptLines(t, job["before_script"])...)
			}
			continue
		}
		require.True(t, ok, "job %s is not a mapping", name)
		require.Contains(t, job, "stage", "job %s", name)
		require.Contains(t, job, "script", "job %s", name)
		for _, k := range []string{"before_script", "script", "after_script"} {
			out = append(out, scriptLines(t, job[k])...)
		}
	}
	return out
}

func scriptLines(t *testing.T, v any) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	require.True(t, ok, "a script is a list of lines")
	var out []string
	for _, l := range list {
		s, ok := l.(string)
		require.True(t, ok, "a script line is a string")
		out = append(out, s)
	}
	return out
}

var ciExpr = regexp.MustCompile(`\$\{\{[^}]*\}\}`)

// breachdrillCommands finds each breachdrill invocation in a shell script
// and returns its arguments (after the program name).
func breachdrillCommands(script string) [][]string {
	script = strings.ReplaceAll(ciExpr.ReplaceAllString(script, "X"), "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		for _, part := range regexp.MustCompile(`&&|\|\||;|\|`).Split(line, -1) {
			words := shellWords(part)
			for i, w := range words {
				if filepath.Base(w) == "breachdrill" && !strings.HasPrefix(w, "./cmd") {
					out = append(out, words[i+1:])
					break
				}
			}
		}
	}
	return out
}

// shellWords splits on blanks outside quotes and drops the quotes.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// checkCommand finds the subcommand args name in the real command tree and
// checks every flag; it returns the subcommand path ("evidence quarter").
func checkCommand(t *testing.T, args []string) string {
	t.Helper()
	cmd := newRootCmd()
	var path []string
	i := 0
	for ; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			break
		}
		var next *cobra.Command
		for _, c := range cmd.Commands() {
			if c.Name() == args[i] {
				next = c
			}
		}
		if next == nil {
			break
		}
		cmd = next
		path = append(path, args[i])
	}
	require.True(t, cmd.Runnable(), "breachdrill %s is not a command", strings.Join(args, " "))
	for _, a := range args[i:] {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		assert.NotNil(t, cmd.Flags().Lookup(name), "breachdrill %s has no flag --%s (it has %s)", strings.Join(path, " "), name, flagNames(cmd))
	}
	return strings.Join(path, " ")
}

func flagNames(cmd *cobra.Command) string {
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
	sort.Strings(names)
	return strings.Join(names, " ")
}

func TestBreachdrillCommands(t *testing.T) {
	tests := []struct {
		script string
		want   [][]string
	}{
		{"breachdrill test --all \\\n  --shard \"${{ matrix.shard }}/3\"", [][]string{{"test", "--all", "--shard", "X/3"}}},
		{`sudo "$(go env GOPATH)/bin/breachdrill" images build && docker save x`, [][]string{{"images", "build"}}},
		{"go install ./cmd/breachdrill", nil},
		{"q=1; breachdrill evidence quarter \"$q\" --in e", [][]string{{"evidence", "quarter", "$q", "--in", "e"}}},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			assert.Equal(t, tt.want, breachdrillCommands(tt.script))
		})
	}
}
