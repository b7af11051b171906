package scenarios

import (
	"regexp"
	"strings"

	"github.com/breachdrill/breachdrill/containers"

	"go.yaml.in/yaml/v3"
)

// AttackerStep is one step of the attack, as an investigator would have to
// establish it afterwards, with every trace it would leave. After the run
// the engine scores each step against what the logs really recorded: a
// variant with the audit trail off shows which steps can no longer be
// proved.
type AttackerStep struct {
	ID       string
	What     string
	Evidence []Evidence
	Line     int
	Column   int
}

// Evidence is one trace of a step: a line of a log (Log) or an alert of a
// rule (Rule), either of which must match Match (a regular expression).
type Evidence struct {
	Log    string
	Rule   string
	Match  string
	Line   int
	Column int
}

// evidenceLogs are the logs a trace may be looked for in.
func evidenceLogs() []string {
	out := make([]string, 0, len(containers.Logs))
	for _, l := range containers.Logs {
		out = append(out, string(l))
	}
	return out
}

const attackerStepShape = "{id: admin-created, what: ..., evidence: [{log: audit, match: user_register}, {rule: admin-set-changed}]}"

func (p *parser) attackerSteps(n *yaml.Node) []AttackerStep {
	var out []AttackerStep
	ids := map[string]int{}
	for _, item := range p.mappings(n, "attacker_steps", "attacker step", attackerStepShape) {
		st := AttackerStep{Line: item.Line, Column: item.Column}
		var evNode *yaml.Node
		p.fields(item, "attacker step", map[string]func(*yaml.Node){
			"id": func(v *yaml.Node) {
				st.ID = p.str(v)
				if st.ID != "" && !idPattern.MatchString(st.ID) {
					p.errorf(v, "attacker step id %q: use lower-case words joined by '-', like admin-created", st.ID)
				}
				if prev, dup := ids[st.ID]; dup && st.ID != "" {
					p.errorf(v, "attacker step id %q given twice (first at line %d)", st.ID, prev)
				}
				ids[st.ID] = v.Line
			},
			"what":     func(v *yaml.Node) { st.What = p.str(v) },
			"evidence": func(v *yaml.Node) { evNode = v; st.Evidence = p.evidence(v) },
		})
		if st.ID == "" {
			p.errorf(item, "attacker step without id: name it, like admin-created")
		}
		if st.What == "" {
			p.errorf(item, "attacker step without what: say what the attacker did, in a line")
		}
		if evNode == nil {
			p.errorf(item, "attacker step without evidence: list the logs or rules that would show it")
		}
		out = append(out, st)
	}
	return out
}

func (p *parser) evidence(n *yaml.Node) []Evidence {
	var out []Evidence
	logs := evidenceLogs()
	items := p.mappings(n, "evidence", "evidence entry", "{log: access, match: 'GET /x'} or {rule: ID, match: ...}")
	for _, item := range items {
		ev := Evidence{Line: item.Line, Column: item.Column}
		p.fields(item, "evidence entry", map[string]func(*yaml.Node){
			"log": func(v *yaml.Node) {
				ev.Log = p.str(v)
				if ev.Log != "" && !contains(logs, ev.Log) {
					p.errorf(v, "unknown log %q%s: use one of %s", ev.Log, suggest(ev.Log, logs), strings.Join(logs, ", "))
				}
			},
			"rule": func(v *yaml.Node) {
				ev.Rule = p.str(v)
				ev.Line, ev.Column = v.Line, v.Column
			},
			"match": func(v *yaml.Node) {
				ev.Match = p.str(v)
				if _, err := regexp.Compile(ev.Match); err != nil {
					p.errorf(v, "match %q is not a regular expression: %v", ev.Match, err)
				}
			},
		})
		if (ev.Log == "") == (ev.Rule == "") {
			p.errorf(item, "an evidence entry names either a log (log: access) or a rule (rule: ID), not both or neither")
		}
		out = append(out, ev)
	}
	if len(items) == 0 && n.Kind == yaml.SequenceNode {
		p.errorf(n, "evidence is empty: list at least one log or rule that would show the step")
	}
	return out
}
