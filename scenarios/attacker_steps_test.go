package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A scenario's attacker steps parse with their evidence, in order.
func TestAttackerStepsParse(t *testing.T) {
	file := good + `attacker_steps:
  - id: admin-created
    what: An administrator was created
    evidence:
      - {log: audit, match: user_register}
      - {rule: admin-set-changed, match: it-helpdesk}
  - id: export-downloaded
    what: The export was downloaded
    evidence:
      - {log: access}
`
	s, err := Parse("x.yaml", []byte(file))
	require.NoError(t, err, "a file with valid attacker steps parses")
	require.Len(t, s.AttackerSteps, 2)
	first := s.AttackerSteps[0]
	assert.Equal(t, "admin-created", first.ID)
	assert.Equal(t, "An administrator was created", first.What)
	assert.Equal(t, 13, first.Line, "the step keeps its line for messages")
	assert.Equal(t, []Evidence{
		{Log: "audit", Match: "user_register", Line: 16, Column: 9},
		{Rule: "admin-set-changed", Match: "it-helpdesk", Line: 17, Column: 16},
	}, first.Evidence, "evidence in order; a rule keeps the position of its id")
	assert.Equal(t, []Evidence{{Log: "access", Line: 21, Column: 9}}, s.AttackerSteps[1].Evidence)
}

// Each mistake in attacker steps is reported at its file:line:column with
// what would be right, like the rest of a scenario file.
func TestAttackerStepsValidation(t *testing.T) {
	step := func(body string) string { return good + "attacker_steps:\n" + body }
	tests := []struct {
		name     string
		file     string
		line     int
		column   int
		contains string
	}{
		{"not a list", step("  id: x\n"), 13, 3, "attacker_steps is a list of"},
		{"no id", step("  - what: w\n    evidence: [{log: access}]\n"), 13, 5, "attacker step without id"},
		{"bad id", step("  - id: Admin_Created\n    what: w\n    evidence: [{log: access}]\n"), 13, 9, `attacker step id "Admin_Created"`},
		{"duplicate id", step("  - {id: a, what: w, evidence: [{log: access}]}\n  - {id: a, what: w, evidence: [{log: access}]}\n"), 14, 10, `attacker step id "a" given twice (first at line 13)`},
		{"no what", step("  - id: a\n    evidence: [{log: access}]\n"), 13, 5, "attacker step without what"},
		{"no evidence", step("  - id: a\n    what: w\n"), 13, 5, "attacker step without evidence"},
		{"empty evidence", step("  - id: a\n    what: w\n    evidence: []\n"), 15, 15, "evidence is empty"},
		{"unknown key", step("  - id: a\n    what: w\n    evidence: [{log: access}]\n    proof: x\n"), 16, 5, `unknown key "proof" in attacker step`},
		{"unknown log", step("  - id: a\n    what: w\n    evidence: [{log: acess}]\n"), 15, 22, `unknown log "acess" (did you mean "access"?)`},
		{"log and rule", step("  - id: a\n    what: w\n    evidence: [{log: access, rule: r1}]\n"), 15, 16, "either a log (log: access) or a rule"},
		{"neither log nor rule", step("  - id: a\n    what: w\n    evidence: [{match: x}]\n"), 15, 16, "either a log (log: access) or a rule"},
		{"bad pattern", step("  - id: a\n    what: w\n    evidence: [{log: access, match: \"(unclosed\"}]\n"), 15, 37, `match "(unclosed" is not a regular expression`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.file))
			require.Error(t, err, "a broken attacker step is refused")
			var ps Problems
			require.True(t, errors.As(err, &ps), "the error lists positioned problems, got %T", err)
			for _, p := range ps {
				if strings.Contains(p.Msg, tt.contains) {
					assert.Equal(t, tt.line, p.Line, "line of %v", p)
					assert.Equal(t, tt.column, p.Column, "column of %v", p)
					assert.Regexp(t, `^x\.yaml:\d+:\d+: `, p.Error(), "file:line:col prefix")
					return
				}
			}
			require.Failf(t, "a problem must mention the mistake", "no problem mentions %q:\n%v", tt.contains, err)
		})
	}
}

// An evidence rule the pack lacks is reported where the scenario names it.
func TestAttackerStepsUnknownRule(t *testing.T) {
	s, err := Parse("x.yaml", []byte(good+"attacker_steps:\n  - id: a\n    what: w\n    evidence: [{rule: admin-set-changd}]\n"))
	require.NoError(t, err)
	c := &Catalog{}
	err = c.CheckRules([]*Scenario{s}, func(id string) bool { return id == "r1" || id == "admin-set-changed" }, []string{"r1", "admin-set-changed"})
	require.Error(t, err, "an unknown evidence rule is refused before any container starts")
	assert.Contains(t, err.Error(), `x.yaml:15:23: unknown rule id "admin-set-changd" (did you mean "admin-set-changed"?)`)
}
