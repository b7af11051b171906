package timeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkReconstruct scores the four rogue-admin steps against 100 000
// access-log lines and 20 000 database-audit lines in which the traces are
// the last lines: the worst case, every pattern tried on every line.
func BenchmarkReconstruct(b *testing.B) {
	access := make([]string, 100_000)
	for i := range access {
		access[i] = fmt.Sprintf(`{"time":"2026-11-28T10:00:%02d.000000+0000","method":"GET","path":"/product/item-%d/","status":200,"user_agent":"Mozilla/5.0"}`, i%60, i)
	}
	access[len(access)-1] = downloadLine
	db := make([]string, 20_000)
	for i := range db {
		db[i] = fmt.Sprintf(`20261128 10:00:04,db,wp_app,172.18.0.3,12,%d,QUERY,wordpress,'SELECT option_value FROM wp_options WHERE option_name = \'opt%d\'',0`, i, i)
	}
	db[len(db)-1] = dbAuditLine
	logs := []CollectedLog{{Log: "audit", Lines: []string{auditLine}}, {Log: "db-audit", Lines: db}, {Log: "access", Lines: access}}
	tl := New(WithClock(fakeClock(time.Millisecond)))
	tl.MustAppend(Entry{Kind: KindScenarioStart, Scenario: "s1", Data: ScenarioInfo{ID: "s1"}})
	for i := 0; i < 200; i++ {
		tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "noise", Source: "access", Window: "observe", Matched: []string{"x"}}})
	}
	tl.MustAppend(Entry{Kind: KindAlert, Scenario: "s1", Data: Alert{Rule: "admin-set-changed", Source: "state", Window: "observe", Matched: []string{"added since baseline: it-helpdesk (user 7)"}}})
	events := tl.Events()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := Reconstruct(reconSteps, events, "s1", logs, time.Time{})
		require.Equal(b, 3, rec.Reconstructed, "score %s, want 3 of 3", rec.Score())
	}
	b.ReportMetric(float64(len(access)+len(db)), "lines/op")
}
