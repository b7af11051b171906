package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTabletopEvaluationInReport: what the facilitator console records
// beyond decisions — corrections (original and correction both shown),
// expected-outcome marks, evaluator notes, feedback, sign-off and the
// time compression — reaches report.html and report.md.
func TestTabletopEvaluationInReport(t *testing.T) {
	start := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	r := newRecorder(start)
	sc := "plaintext-pan-order-meta"
	r.add(timeline.KindRunStart, "", "Ana Ruiz", "tabletop started", timeline.RunInfo{ExerciseID: "tabletop-eval", Kind: timeline.ExerciseTabletop,
		ToolVersion: "test", Scenarios: []string{sc}, Participants: []timeline.Participant{{Name: "Ana Ruiz", Role: "facilitator"}}})
	r.add(timeline.KindArtificiality, "", "Ana Ruiz", "artificiality", timeline.Artificiality{Text: "Exercise time is compressed: 1m stands for 1h (×60).", TimeScale: 60})
	r.add(timeline.KindScenarioStart, sc, "Ana Ruiz", "start", timeline.ScenarioInfo{ID: sc, Title: "PAN in order meta"})
	r.wait(time.Minute).add(timeline.KindDecision, sc, "Ana Ruiz", "decision", timeline.Decision{ID: "L1", Who: "Ana Ruiz", What: "Freeze exports"})
	r.wait(time.Minute).add(timeline.KindCorrection, sc, "Ana Ruiz", "L1 corrected", timeline.Correction{Of: "L1", Action: "edited", Text: "Freeze order exports", Was: "Freeze exports"})
	r.add(timeline.KindOutcomeMark, sc, "Ana Ruiz", "mark", timeline.OutcomeMark{Inject: 1, Outcome: "Card data found", Mark: timeline.MarkPartly, Note: "after a hint"})
	r.add(timeline.KindScenarioEnd, sc, "Ana Ruiz", "outcome: discussed", timeline.ScenarioEnd{Outcome: timeline.OutcomeDiscussed})
	r.add(timeline.KindEvaluatorNote, sc, "Eve Stone", "note", timeline.EvaluatorNote{Objective: "Locate stored PAN", Evaluator: "Eve Stone", Text: "Took nine minutes"})
	r.add(timeline.KindFeedback, "", "Ana Ruiz", "feedback", timeline.Feedback{Who: "Ana Ruiz", Score: 4, Worked: "Real injects", Improve: "Shorter"})
	r.add(timeline.KindSignOff, "", "Fay Ode", "signed", timeline.SignOff{Name: "Fay Ode", Role: "CISO", As: "approver", At: start.Add(time.Hour)})
	r.add(timeline.KindRunEnd, "", "Ana Ruiz", "ended", timeline.RunEnd{Outcome: "completed"})

	dir := filepath.Join(t.TempDir(), "b")
	_, err := WriteBundle(context.Background(), dir, Input{Events: r.tl.Events()}, WithKey(testKey(1)))
	require.NoError(t, err)
	html, err := os.ReadFile(filepath.Join(dir, ReportHTMLFile))
	require.NoError(t, err)
	md, err := os.ReadFile(filepath.Join(dir, ReportMDFile))
	require.NoError(t, err)
	for _, want := range []string{"Artificialities", "compressed", "Card data found", "partly", "after a hint", "Eve Stone", "Took nine minutes",
		"Freeze exports", "Freeze order exports", "Real injects", "Fay Ode", "CISO", "approver"} {
		assert.Contains(t, string(html), want, "report.html")
		assert.Contains(t, string(md), want, "report.md")
	}
}
