package timeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The attack's steps as rogue-admin-bulk-export declares them.
var reconSteps = []AttackerStep{
	{ID: "admin-created", What: "administrator created", Evidence: []StepEvidence{
		{Log: "audit", Match: `"event":"user_register".*"login":"it-helpdesk"`},
		{Rule: "admin-set-changed", Match: "it-helpdesk"},
	}},
	{ID: "customers-read", What: "billing addresses read", Evidence: []StepEvidence{
		{Log: "db-audit", Match: `(?i)FROM \S*wc_order_addresses a WHERE`},
	}},
	{ID: "export-downloaded", What: "export downloaded", Evidence: []StepEvidence{
		{Log: "access", Match: `"path":"/wp-content/uploads/export-customers-[0-9]+\.csv".*"status":200`},
	}},
}

const (
	auditLine    = `{"time":"2026-11-28T10:00:03.000001Z","event":"user_register","object":{"user":{"id":7,"login":"it-helpdesk","roles":["administrator"]}}}`
	dbAuditLine  = `20261128 10:00:04,db,wp_app,172.18.0.3,12,55,QUERY,wordpress,'SELECT a.order_id, a.email FROM wp_wc_order_addresses a WHERE a.address_type = \'billing\'',0`
	downloadLine = `{"time":"2026-11-28T10:00:05.000000+0000","method":"GET","path":"/wp-content/uploads/export-customers-20261128.csv","status":200}`
	browseLine   = `{"time":"2026-11-28T10:00:02.000000+0000","method":"GET","path":"/shop/","status":200}`
)

// reconTimeline records a scenario whose state rule fired in the observe
// window, plus alerts that must not count: one in the baseline window, one
// of another scenario, one whose matched events do not carry the pattern.
func reconTimeline(t *testing.T) []Event {
	t.Helper()
	tl := New(WithClock(fakeClock(time.Second)))
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s1", Data: ScenarioInfo{ID: "s1", AttackerSteps: reconSteps}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "admin-set-changed", Source: "state", Window: "baseline", Matched: []string{"it-helpdesk (user 7)"}}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "other", Data: Alert{Rule: "admin-set-changed", Source: "state", Window: "observe", Matched: []string{"it-helpdesk (user 7)"}}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "admin-set-changed", Source: "state", Window: "observe", Matched: []string{"shopmanager (user 3)"}}})
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "admin-set-changed", Source: "state", Window: "observe", Matched: []string{"added: it-helpdesk (user 7)"}}})
	return tl.Events()
}

func TestReconstruct(t *testing.T) {
	events := reconTimeline(t)
	stateAlert := events[len(events)-1].Seq
	at := time.Date(2026, 11, 28, 10, 1, 0, 0, time.UTC)
	tests := []struct {
		name  string
		logs  []CollectedLog
		want  map[string][]string // step id -> sources it was found in
		score string
	}{
		{
			name: "audit trail on: every step from its own log",
			logs: []CollectedLog{
				{Log: "audit", Lines: []string{auditLine}},
				{Log: "db-audit", Lines: []string{dbAuditLine}},
				{Log: "access", Lines: []string{browseLine, downloadLine}},
			},
			want:  map[string][]string{"admin-created": {"audit", "state"}, "customers-read": {"db-audit"}, "export-downloaded": {"access"}},
			score: "3 of 3 steps",
		},
		{
			name: "audit trail off: the admin is found only in WordPress's own data, the read nowhere",
			logs: []CollectedLog{
				{Log: "audit", Lines: []string{}},
				{Log: "db-audit", Lines: []string{}},
				{Log: "access", Lines: []string{browseLine, downloadLine}},
			},
			want:  map[string][]string{"admin-created": {"state"}, "customers-read": nil, "export-downloaded": {"access"}},
			score: "2 of 3 steps",
		},
		{
			name: "a log with lines, none of them the step's",
			logs: []CollectedLog{
				{Log: "audit", Lines: []string{`{"event":"wp_login","object":{"user":{"login":"admin"}}}`}},
				{Log: "db-audit", Lines: []string{`20261128 10:00:04,db,wp_app,172.18.0.3,12,56,QUERY,wordpress,'SELECT option_value FROM wp_options WHERE option_name = \'siteurl\'',0`}},
				{Log: "access", Lines: []string{browseLine}},
			},
			want:  map[string][]string{"admin-created": {"state"}, "customers-read": nil, "export-downloaded": nil},
			score: "1 of 3 steps",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := Reconstruct(reconSteps, events, "s1", tt.logs, at)
			require.Len(t, rec.Steps, len(reconSteps), "one row per declared step")
			assert.Equal(t, tt.score, rec.Score())
			assert.Equal(t, at, rec.Collected)
			for _, st := range rec.Steps {
				var sources []string
				for _, f := range st.Found {
					sources = append(sources, f.Source)
					assert.NotEmpty(t, f.Event, "%s: a trace quotes the event it found", st.ID)
					if f.Rule != "" {
						assert.Equal(t, stateAlert, f.AlertSeq, "%s: the alert counted is the observe-window one that carries the pattern", st.ID)
						assert.Equal(t, "added: it-helpdesk (user 7)", f.Event)
					}
				}
				assert.Equal(t, tt.want[st.ID], sources, "%s: sources it was reconstructed from", st.ID)
				assert.Equal(t, len(st.Found) > 0, st.Reconstructed, "%s: reconstructed iff a trace was found", st.ID)
				assert.Len(t, st.Missing, len(reconSteps[indexOfStep(st.ID)].Evidence)-len(st.Found), "%s: every trace not found is listed as missing", st.ID)
			}
		})
	}
}

// A missing trace says when its log recorded nothing at all (the trail was
// off), as opposed to recording other things; a found line is numbered from
// T0 in its log.
func TestReconstructSaysWhyAndWhere(t *testing.T) {
	events := reconTimeline(t)
	rec := Reconstruct(reconSteps, events, "s1", []CollectedLog{
		{Log: "db-audit", Lines: []string{}},
		{Log: "access", Lines: []string{browseLine, downloadLine}, Truncated: true},
	}, time.Now())
	assert.Equal(t, []string{`audit log /"event":"user_register".*"login":"it-helpdesk"/ (the log recorded nothing)`}, rec.Steps[0].Missing,
		"a log that was not collected recorded nothing")
	assert.Equal(t, []string{`db-audit log /(?i)FROM \S*wc_order_addresses a WHERE/ (the log recorded nothing)`}, rec.Steps[1].Missing)
	require.Len(t, rec.Steps[2].Found, 1)
	assert.Equal(t, 2, rec.Steps[2].Found[0].Line, "the download is the access log's second line since T0")
	assert.Equal(t, downloadLine, rec.Steps[2].Found[0].Event)
	assert.Equal(t, []SourceRecord{{Log: "db-audit", Lines: 0}, {Log: "access", Lines: 2, Truncated: true}}, rec.Sources)
}

// Measure carries the recorded reconstruction into the scenario's result,
// so every report reads it from the timeline alone.
func TestMeasureCarriesReconstruction(t *testing.T) {
	tl := New(WithClock(fakeClock(time.Second)))
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s1", Data: ScenarioInfo{ID: "s1", AttackerSteps: reconSteps}})
	rec := Reconstruct(reconSteps, tl.Events(), "s1", []CollectedLog{{Log: "access", Lines: []string{downloadLine}}}, time.Date(2026, 11, 28, 10, 1, 0, 0, time.UTC))
	tl.MustAppend(Entry{Kind: KindReconstruction, Scenario: "s1", Data: rec})
	res := Measure(tl.Events())
	require.Len(t, res, 1)
	require.NotNil(t, res[0].Reconstruction, "the reconstruction event reaches the result")
	assert.Equal(t, rec, *res[0].Reconstruction)
	assert.Equal(t, "1 of 3 steps", res[0].Reconstruction.Score())
	assert.Equal(t, reconSteps, res[0].Info.AttackerSteps, "the declaration is recorded with the scenario")

	plain := New(WithClock(fakeClock(time.Second)))
	plain.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s2", Data: ScenarioInfo{ID: "s2"}})
	assert.Nil(t, Measure(plain.Events())[0].Reconstruction, "no attacker steps, no reconstruction")
}

func indexOfStep(id string) int {
	for i, s := range reconSteps {
		if s.ID == id {
			return i
		}
	}
	return -1
}
