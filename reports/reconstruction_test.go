package reports

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

var reconTestSteps = []timeline.AttackerStep{
	{ID: "admin-created", What: "administrator created", Evidence: []timeline.StepEvidence{
		{Log: "audit", Match: `user_register.*it-helpdesk`},
		{Rule: "admin-set-changed", Match: "it-helpdesk"},
	}},
	{ID: "customers-read", What: "billing addresses read", Evidence: []timeline.StepEvidence{
		{Log: "db-audit", Match: `wc_order_addresses`},
	}},
	{ID: "export-downloaded", What: "export downloaded", Evidence: []timeline.StepEvidence{
		{Log: "access", Match: `export-customers.*<script>`},
	}},
}

// reconDrill records the original scenario (audit trail on) and the
// variant (off) in one drill, each with its reconstruction as the engine
// records it, from the same scoring function.
func reconDrill(t *testing.T) []timeline.Event {
	t.Helper()
	r := newRecorder(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	r.add(timeline.KindRunStart, "", "engine", "drill", timeline.RunInfo{ExerciseID: "recon-1", Kind: timeline.ExerciseDrill, Title: "reconstruction"})
	download := `{"path":"/wp-content/uploads/export-customers-1.csv","user_agent":"<script>x</script>","status":200}`
	for _, sc := range []struct {
		id   string
		logs []timeline.CollectedLog
	}{
		{"with-audit", []timeline.CollectedLog{
			{Log: "audit", Lines: []string{`{"event":"user_register","object":{"user":{"login":"it-helpdesk"}}}`}},
			{Log: "db-audit", Lines: []string{`QUERY,wordpress,'SELECT a.email FROM wp_wc_order_addresses a'`}},
			{Log: "access", Lines: []string{download}},
		}},
		{"no-audit", []timeline.CollectedLog{
			{Log: "audit", Lines: []string{}},
			{Log: "db-audit", Lines: []string{}},
			{Log: "access", Lines: []string{download}},
		}},
	} {
		r.wait(time.Second).add(timeline.KindScenarioStart, sc.id, "", sc.id, timeline.ScenarioInfo{ID: sc.id, Title: "export " + sc.id, Severity: "high",
			Expect: []timeline.Expect{{Rule: "admin-set-changed", WithinSeconds: 30}}, AttackerSteps: reconTestSteps})
		r.wait(time.Second).add(timeline.KindStepStart, sc.id, "breachdrill", "inject", timeline.Step{Stage: "inject", Index: 1, Action: "user.create"})
		r.wait(time.Second).add(timeline.KindInjected, sc.id, "", "inject complete", nil)
		r.wait(time.Second).add(timeline.KindAlert, sc.id, "", "admin-set-changed", timeline.Alert{Rule: "admin-set-changed", Source: "state", Window: "observe", Matched: []string{"it-helpdesk (user 7)"}})
		rec := timeline.Reconstruct(reconTestSteps, r.tl.Events(), sc.id, sc.logs, r.now)
		r.wait(time.Second).add(timeline.KindReconstruction, sc.id, "breachdrill", rec.Score(), rec)
		r.wait(time.Second).add(timeline.KindContained, sc.id, "", "contained", nil)
		r.wait(time.Second).add(timeline.KindScenarioEnd, sc.id, "", "passed", timeline.ScenarioEnd{Outcome: timeline.OutcomePassed})
	}
	r.wait(time.Second).add(timeline.KindRunEnd, "", "", "end", timeline.RunEnd{Outcome: "passed"})
	return r.tl.Events()
}

func TestReconstructionInEveryFormat(t *testing.T) {
	x, err := analyse(reconDrill(t), defaultDue)
	require.NoError(t, err)

	t.Run("markdown", func(t *testing.T) {
		md := string(renderMarkdown(x, "SHA256:test"))
		for _, want := range []string{
			"## Reconstruction from the remaining logs",
			"### `with-audit`: 3 of 3 steps reconstructed",
			"### `no-audit`: 2 of 3 steps reconstructed",
			"audit: 0 lines (recorded nothing); db-audit: 0 lines (recorded nothing); access: 1 line.",
			"| `customers-read` | billing addresses read | **no** | — | db-audit log /wc_order_addresses/ (the log recorded nothing) |",
			"rule admin-set-changed (state), alert event",
			"access log line 1 since T0",
			"| step | `with-audit` | `no-audit` |",
			"| `admin-created` | yes: audit, state | yes: state |",
			"| `customers-read` | yes: db-audit | no |",
			"| score | 3 of 3 steps | 2 of 3 steps |",
		} {
			assert.Contains(t, md, want, "report.md")
		}
	})
	t.Run("html", func(t *testing.T) {
		page, err := renderHTML(x, "SHA256:test", nil)
		require.NoError(t, err)
		html := string(page)
		for _, want := range []string{
			`<section id="reconstruction">`,
			`id="reconstruction-no-audit-customers-read"`,
			`<span class="score">2 of 3 steps</span>`,
			`<table id="reconstruction-comparison">`,
			`<td>yes: audit, state</td><td>yes: state</td>`,
			"db-audit log /wc_order_addresses/ (the log recorded nothing)",
		} {
			assert.Contains(t, html, want, "report.html")
		}
		assert.NotContains(t, html, "<script>x", "a quoted log line is escaped")
		assert.Contains(t, html, "&lt;script&gt;x", "the quoted log line is shown, escaped")
		at := strings.Index(html, `id="reconstruction-no-audit-customers-read"`)
		require.GreaterOrEqual(t, at, 0, "each step's row has an id")
		row := html[at:]
		row = row[:strings.Index(row, "</tr>")]
		assert.Contains(t, row, `<span class="tag missed">no</span>`, "the step the missing trail hides is marked not reconstructed")
	})
	t.Run("controls", func(t *testing.T) {
		var row *ControlCoverage
		for i := range x.Controls {
			if x.Controls[i].Key() == "ISO27001:5.28" {
				row = &x.Controls[i]
			}
		}
		require.NotNil(t, row, "ISO/IEC 27001 A.5.28 is in the mapping")
		assert.Equal(t, ControlGap, row.Status, "a step the logs cannot prove is an evidence-collection gap")
		assert.Equal(t, []string{"no-audit: 2 of 3 steps reconstructed from the remaining logs; not provable: customers-read"}, row.Gaps)
		assert.Contains(t, row.Evidence, "with-audit: every attacker step (3 of 3 steps) reconstructed from the logs")
		assert.Equal(t, ResultPassed, x.Result, "the reconstruction score informs; it does not change the verdict")
		var topics []string
		for _, l := range x.Limitations() {
			topics = append(topics, l.Topic)
		}
		assert.Contains(t, topics, "Reconstruction", "the report says what the score cannot mean")
	})
	t.Run("results.json", func(t *testing.T) {
		b, err := renderResults(x)
		require.NoError(t, err)
		var res Results
		require.NoError(t, json.Unmarshal(b, &res))
		require.Len(t, res.Scenarios, 2)
		for i, want := range []int{3, 2} {
			rec := res.Scenarios[i].Reconstruction
			require.NotNil(t, rec, "%s carries its reconstruction", res.Scenarios[i].ID)
			assert.Equal(t, want, rec.Reconstructed)
			assert.Equal(t, 3, rec.Of)
		}
		step := res.Scenarios[1].Reconstruction.Steps[0]
		require.Len(t, step.Found, 1)
		assert.Equal(t, "state", step.Found[0].Source, "without the audit trail the admin shows only in WordPress's own data")
		assert.Equal(t, "it-helpdesk (user 7)", step.Found[0].Event)
		assert.NotZero(t, step.Found[0].AlertSeq)
	})
}

// A drill whose scenarios declare no attacker steps shows no section.
func TestNoReconstructionNoSection(t *testing.T) {
	r := newRecorder(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	r.add(timeline.KindRunStart, "", "engine", "drill", timeline.RunInfo{ExerciseID: "plain", Kind: timeline.ExerciseDrill})
	r.add(timeline.KindScenarioStart, "s1", "", "s1", timeline.ScenarioInfo{ID: "s1", Title: "s1", Severity: "low"})
	x, err := analyse(r.tl.Events(), defaultDue)
	require.NoError(t, err)
	assert.NotContains(t, string(renderMarkdown(x, "k")), "Reconstruction")
	page, err := renderHTML(x, "k", nil)
	require.NoError(t, err)
	assert.NotContains(t, string(page), `id="reconstruction"`)
	assert.Empty(t, x.ReconstructionComparison())
}
