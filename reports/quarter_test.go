package reports

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuarter(t *testing.T) {
	tests := []struct {
		in      string
		want    Quarter
		wantErr bool
	}{
		{"2026-Q4", Quarter{2026, 4}, false},
		{"2026-q1", Quarter{2026, 1}, false},
		{" 2027-Q2 ", Quarter{2027, 2}, false},
		{"2026-Q5", Quarter{}, true},
		{"2026-Q0", Quarter{}, true},
		{"26-Q4", Quarter{}, true},
		{"2026Q4", Quarter{}, true},
		{"Q4-2026", Quarter{}, true},
		{"", Quarter{}, true},
	}
	for _, tt := range tests {
		got, err := ParseQuarter(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseQuarter(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), tt.in) {
			t.Errorf("error %q does not name the argument", err)
		}
	}
	q := Quarter{2026, 1}
	if q.Prev() != (Quarter{2025, 4}) || !q.Contains(time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)) || q.Contains(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("quarter arithmetic")
	}
	if w := (Quarter{2026, 2}).window(); w[0] != (Quarter{2025, 3}) || w[3] != (Quarter{2026, 2}) {
		t.Errorf("window %v", w)
	}
}

func specsByID(ids ...string) []spec {
	var out []spec
	for _, s := range catalogueSpecs() {
		for _, id := range ids {
			if s.id == id {
				out = append(out, s)
			}
		}
	}
	return out
}

func writeFixtureBundle(t *testing.T, dir string, in Input, opts ...Option) {
	t.Helper()
	if _, err := WriteBundle(context.Background(), dir, in, append([]Option{WithKey(testKey(1))}, opts...)...); err != nil {
		t.Fatal(err)
	}
}

func TestQuarterlyPack(t *testing.T) {
	root := t.TempDir()
	evidence := filepath.Join(root, "evidence")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	drillIn := func(id string, at time.Time, specs []spec) Input {
		events, files := drill(t, id, at, specs)
		return Input{Events: events, Scenarios: files}
	}
	// Faster in the spring: improve detection times for the trend.
	fast := catalogueSpecs()
	for i := range fast {
		for j := range fast[i].detect {
			if fast[i].detect[j] > 0 {
				fast[i].detect[j] /= 2
			}
		}
	}
	fixed := specsByID("graphql-pii-harvest", "debug-log-exposure")
	fixed[1].detect = []float64{12}

	writeFixtureBundle(t, filepath.Join(evidence, "old-2025"), drillIn("drill-2025-08", day(2025, 8, 1), catalogueSpecs()))
	writeFixtureBundle(t, filepath.Join(evidence, "q1"), drillIn("drill-2026-02", day(2026, 2, 10), catalogueSpecs()))
	writeFixtureBundle(t, filepath.Join(evidence, "q2"), drillIn("drill-2026-05", day(2026, 5, 10), fast))
	writeFixtureBundle(t, filepath.Join(evidence, "q3-tabletop"), Input{Events: tabletop(t, "tabletop-2026-08", day(2026, 8, 3))})
	writeFixtureBundle(t, filepath.Join(evidence, "ci", "drill-2026-10"), drillIn("drill-2026-10", day(2026, 10, 15), catalogueSpecs()))
	// Zipped only: the directory is gone, the zip stays.
	zipped := filepath.Join(evidence, "ci", "drill-2026-12")
	writeFixtureBundle(t, zipped, drillIn("drill-2026-12", day(2026, 12, 1), fixed), WithZip())
	os.RemoveAll(zipped)
	// A tampered bundle must be left out and named.
	bad := filepath.Join(evidence, "tampered")
	writeFixtureBundle(t, bad, drillIn("drill-2026-11-bad", day(2026, 11, 2), specsByID("debug-log-exposure")))
	os.WriteFile(filepath.Join(bad, ResultsFile), []byte(`{"result":"PASSED"}`), 0o644)
	// Intact, but signed by a key nobody pinned: left out too.
	stranger := filepath.Join(evidence, "stranger")
	_, err := WriteBundle(context.Background(), stranger, drillIn("drill-2026-11-stranger", day(2026, 11, 3), specsByID("debug-log-exposure")), WithKey(testKey(9)))
	require.NoError(t, err)
	pinned := WithVerifyOptions(WithTrustedKeys(testKey(1).Public().(ed25519.PublicKey)))

	out := filepath.Join(evidence, "quarter-2026-Q4") // inside --in: must not read itself
	q := Quarter{2026, 4}
	var pack Pack
	for range 2 {
		var err error
		pack, err = WriteQuarter(context.Background(), out, q, evidence, WithKey(testKey(1)), WithReplace(), WithToolVersion("v0.4.0"), pinned,
			withNow(day(2026, 12, 20)))
		if err != nil {
			t.Fatal(err)
		}
	}
	if pack.Exercises != 2 || pack.Earlier != 3 {
		t.Errorf("%d exercises in the quarter and %d before, want 2 and 3", pack.Exercises, pack.Earlier)
	}
	require.Len(t, pack.Excluded, 2)
	assert.Equal(t, "stranger", pack.Excluded[0].Path)
	assert.Contains(t, strings.Join(pack.Excluded[0].Problems, " "), "integrity OK, signer")
	assert.Contains(t, strings.Join(pack.Excluded[0].Problems, " "), "not trusted")
	assert.Equal(t, "tampered", pack.Excluded[1].Path)
	assert.Contains(t, strings.Join(pack.Excluded[1].Problems, " "), ResultsFile)
	v, err := Verify(context.Background(), out)
	if err != nil || !v.OK() || v.Bundle != BundleQuarterly || v.Quarter != "2026-Q4" {
		t.Fatalf("pack does not verify: %v %+v", err, v)
	}

	var sum QuarterSummary
	readJSON(t, filepath.Join(out, QuarterFile), &sum)
	if strings.Join(sum.Window, ",") != "2026-Q1,2026-Q2,2026-Q3,2026-Q4" || len(sum.Trend) != 4 {
		t.Fatalf("window %v trend %d", sum.Window, len(sum.Trend))
	}
	if sum.Trend[0].MedianDetect == nil || sum.Trend[1].MedianDetect == nil || *sum.Trend[1].MedianDetect >= *sum.Trend[0].MedianDetect {
		t.Errorf("Q2 should detect faster than Q1: %+v %+v", sum.Trend[0], sum.Trend[1])
	}
	if sum.Trend[2].MedianDetect != nil || sum.Trend[2].Exercises != 1 {
		t.Errorf("Q3 was a tabletop without a stack: %+v", sum.Trend[2])
	}
	scen := map[string]ScenarioSummary{}
	for _, s := range sum.Scenarios {
		scen[s.ID] = s
	}
	if g := scen["graphql-pii-harvest"]; g.RunsInQuarter != 2 || g.Latest != "passed" || g.RunsIn12Months != 4 {
		t.Errorf("graphql-pii-harvest: %+v", g)
	}
	if r := scen["rest-user-enumeration"]; r.Latest != "detection-missed" || sum.Result != ResultFailed {
		t.Errorf("rest-user-enumeration %+v, quarter result %s", r, sum.Result)
	}
	// The miss in October was never closed by a passing run; the late
	// graphql detection of October was closed by December's pass.
	reasons := strings.Join(sum.Reasons, "\n")
	assert.Contains(t, reasons, "drill-2026-10: gap in rest-user-enumeration")
	assert.NotContains(t, reasons, "gap in graphql-pii-harvest")
	assert.Contains(t, sum.Summary, "so the quarter is FAILED")
	assert.NotEmpty(t, sum.VerdictPolicy)
	if p := scen["plaintext-pan-order-meta"]; p.RunsIn12Months != 4 { // 3 drills + the tabletop
		t.Errorf("plaintext-pan-order-meta runs in 12 months: %d", p.RunsIn12Months)
	}
	var items []string
	for _, it := range sum.OpenItems {
		items = append(items, it.Item)
	}
	joined := strings.Join(items, "\n")
	for _, want := range []string{"Map every place card data can be written", "Make rule rest-user-enum detect"} {
		if !strings.Contains(joined, want) {
			t.Errorf("open items lack %q:\n%s", want, joined)
		}
	}
	for _, closed := range []string{"acquirer's contact", "graphql-pii-batch"} {
		if strings.Contains(joined, closed) {
			t.Errorf("closed item %q still open:\n%s", closed, joined)
		}
	}
	if !sum.PCI12102.Tested || sum.PCI12102.Exercise != "drill-2026-12" || !sum.PCI12102.NextDue.Equal(day(2027, 12, 1)) {
		t.Errorf("PCI 12.10.2: %+v", sum.PCI12102)
	}
	ctl := map[string]QuarterControl{}
	for _, c := range sum.Controls {
		ctl[c.Key()] = c
	}
	if c := ctl["ISO27001:5.24"]; c.ThisQuarter != ControlNotExercised || !c.Last12Months {
		t.Errorf("ISO 5.24 (roles: only the Q3 tabletop): %+v", c)
	}
	if c := ctl["PCI:12.10.7"]; c.ThisQuarter == ControlNotExercised {
		t.Errorf("PCI 12.10.7 should be exercised this quarter: %+v", c)
	}

	page, _ := os.ReadFile(filepath.Join(out, ReportHTMLFile))
	for _, id := range []string{"summary", "exercises", "scenarios-exercised", "trends", "open-improvements", "controls", "excluded", "evidence", "pci-12-10-2"} {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("quarterly report lacks %q", id)
		}
	}
	if strings.Count(string(page), `<path class="line`) != 4 || !strings.Contains(string(page), "tampered") {
		t.Error("quarterly report lacks trend lines or the excluded bundle")
	}

	var m Manifest
	readJSON(t, filepath.Join(out, ManifestFile), &m)
	if len(m.Sources) != 5 {
		t.Errorf("manifest pins %d sources, want 5", len(m.Sources))
	}
	os.WriteFile(filepath.Join(out, QuarterFile), []byte("{}"), 0o644)
	if v, _ := Verify(context.Background(), out); v.OK() || !hasProblem(v, QuarterFile, "content changed") {
		t.Errorf("tampered pack: %v", v.Problems)
	}
}

func TestQuarterWithTrustedKey(t *testing.T) {
	in := t.TempDir()
	events, files := drill(t, "d1", time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), specsByID("debug-log-exposure"))
	writeFixtureBundle(t, filepath.Join(in, "d1"), Input{Events: events, Scenarios: files})
	other := testKey(7).Public().(ed25519.PublicKey)
	tests := []struct {
		name      string
		opts      []Option
		exercises int
		result    string
	}{
		{"signed by another key than the trusted one", []Option{WithVerifyOptions(WithTrustedKeys(other))}, 0, ResultWarned},
		{"no key pinned", nil, 0, ResultWarned},
		{"no key pinned, told to allow it", []Option{WithAllowUntrusted()}, 1, ResultPassed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pack")
			pack, err := WriteQuarter(context.Background(), out, Quarter{2026, 4}, in, append([]Option{WithKey(testKey(1)), withNow(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))}, tt.opts...)...)
			require.NoError(t, err)
			assert.Equal(t, tt.exercises, pack.Exercises)
			assert.Equal(t, 1-tt.exercises, len(pack.Excluded))
			var sum QuarterSummary
			readJSON(t, filepath.Join(out, QuarterFile), &sum)
			assert.Equal(t, tt.result, sum.Result, "%v", sum.Reasons)
		})
	}
}
