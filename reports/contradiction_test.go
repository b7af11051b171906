package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSectionContradictsAnother checks the statements that can
// contradict each other in one report: the Art. 33 notice and the control
// map, the PCI 12.10.7 outcome and the room's rating, the scenario's
// rating and the objectives rated, the plan test and the policy.
func TestNoSectionContradictsAnother(t *testing.T) {
	personal := func(exposure *timeline.Exposure) []timeline.Event {
		r := newRecorder(time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC))
		r.add(timeline.KindRunStart, "", "bd", "drill", timeline.RunInfo{ExerciseID: "d", Kind: timeline.ExerciseDrill, Scenarios: []string{"s"}})
		r.wait(time.Second).add(timeline.KindScenarioStart, "s", "bd", "s", timeline.ScenarioInfo{ID: "s", Title: "Dump in the web root", PersonalData: true,
			Controls: []string{"GDPR:33"}, Expect: []timeline.Expect{{Rule: "r", WithinSeconds: 30}}})
		r.wait(time.Second).add(timeline.KindStepStart, "s", "bd", "inject", timeline.Step{Stage: "inject", Index: 1, Action: "http.request", Args: "GET /dump.sql"})
		if exposure != nil {
			r.wait(time.Second).add(timeline.KindExposure, "s", "bd", "leak", *exposure)
		}
		r.wait(time.Second).add(timeline.KindAlert, "s", "detect", "alert", timeline.Alert{Rule: "r", Window: "observe"})
		r.add(timeline.KindClock, "s", "bd", "GDPR", timeline.Clock{Regime: "GDPR Art. 33 notice", Hours: 72, Deadline: r.now.Add(72 * time.Hour)})
		r.wait(time.Second).add(timeline.KindCheck, "s", "bd", "before", timeline.Check{Stage: timeline.CheckBefore, Name: "gone", Pass: false})
		r.wait(time.Second).add(timeline.KindStepDone, "s", "bd", "respond", timeline.Step{Stage: "respond", Index: 1, Action: "file.delete"})
		r.wait(time.Second).add(timeline.KindCheck, "s", "bd", "after", timeline.Check{Stage: timeline.CheckAfter, Name: "gone", Pass: true})
		r.wait(time.Second).add(timeline.KindContained, "s", "bd", "contained", nil)
		r.wait(time.Second).add(timeline.KindScenarioEnd, "s", "bd", "end", timeline.ScenarioEnd{})
		r.wait(time.Second).add(timeline.KindRunEnd, "", "bd", "end", timeline.RunEnd{Outcome: "passed"})
		return r.tl.Events()
	}
	control := func(x *exercise, key string) ControlCoverage {
		for _, c := range x.Controls {
			if c.Key() == key {
				return c
			}
		}
		require.Failf(t, "control missing", "the analysis has no control %s", key)
		return ControlCoverage{}
	}

	t.Run("Art. 33: no notice, none cited", func(t *testing.T) {
		x, err := analyse(personal(nil), defaultDue)
		require.NoError(t, err)
		assert.Empty(t, x.Notices)
		c := control(x, "GDPR:33")
		assert.NotContains(t, strings.Join(c.Evidence, " "), "notice", "the control map must not cite a notice section 11 says was not drafted")
	})
	t.Run("Art. 33: a notice with the counted people, cited", func(t *testing.T) {
		x, err := analyse(personal(&timeline.Exposure{Artifact: "GET /dump.sql", Bytes: 9000, Subjects: 300, Records: 1245,
			Customers: []int{1, 2, 3}, Canaries: []string{"c1", "c2", "c3", "c4", "c5", "c6"}, Method: "distinct seeded customers", Categories: map[string]int{"email": 300}}), defaultDue)
		require.NoError(t, err)
		require.Len(t, x.Notices, 1)
		assert.Equal(t, 300, x.Notices[0].Subjects, "people counted in the dump, not the 6 canaries")
		assert.Equal(t, 1245, x.Notices[0].Records)
		assert.Contains(t, x.Notices[0].Method, "canaries are provenance, not the count")
		assert.Contains(t, strings.Join(control(x, "GDPR:33").Evidence, " "), "draft Art. 33 notice (s)")
	})
	t.Run("PCI 12.10.7 and ratings follow the room", func(t *testing.T) {
		x, err := analyse(tabletop(t, "tt", time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)), defaultDue)
		require.NoError(t, err)
		require.Len(t, x.PCI, 1)
		assert.False(t, x.PCI[0].Pass, "the team rated locating stored PAN M")
		c := control(x, "PCI:12.10.7")
		assert.Equal(t, ControlGap, c.Status)
		require.NotEmpty(t, c.Gaps)
		assert.Contains(t, c.Gaps[0], "rated M")
		require.Len(t, x.Scenarios, 1)
		assert.Equal(t, timeline.RatingM, x.Scenarios[0].Rating, "rated, not 'not rated'")
		assert.False(t, x.Scenarios[0].RatingDerived)
		// The fixture tabletop has a facilitator but no incident commander:
		// it does not demonstrate a test of the plan.
		pci := control(x, "PCI:12.10.2")
		assert.Equal(t, ControlNotExercised, pci.Status)
		assert.Contains(t, pci.Note, "no participant acted as incident commander")
		var objectiveItems int
		for _, it := range x.Plan {
			if it.Objective == "Locate stored PAN" {
				objectiveItems++
				assert.NotEmpty(t, it.Owner)
				assert.NotEmpty(t, it.Due)
				assert.Equal(t, "plaintext-pan-order-meta", it.Scenario)
				assert.Contains(t, it.Control, "PCI:12.10.7")
			}
		}
		assert.Equal(t, 1, objectiveItems, "the M rating becomes an improvement item linked to objective, scenario and control")
	})
	t.Run("a short tabletop does not test the plan; a full one does", func(t *testing.T) {
		events := tabletop(t, "tt2", time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC))
		x, err := analyse(events, defaultDue)
		require.NoError(t, err)
		ok, why := planTested(x, DefaultPolicy())
		assert.False(t, ok)
		assert.Contains(t, why, "incident commander")
		lenient := DefaultPolicy()
		lenient.Tabletop.IncidentCommander = false
		ok, why = planTested(x, lenient)
		assert.True(t, ok, why)
	})
}
