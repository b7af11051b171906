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
		assert.Equal(t, tt.wantErr, err != nil, "ParseQuarter(%q) error: %v", tt.in, err)
		assert.Equal(t, tt.want, got, "ParseQuarter(%q)", tt.in)
		if err != nil {
			assert.ErrorContains(t, err, tt.in, "the error must name the argument")
		}
	}
	q := Quarter{2026, 1}
	assert.Equal(t, Quarter{2025, 4}, q.Prev(), "the quarter before 2026-Q1")
	assert.True(t, q.Contains(time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)), "2026-Q1 must contain its last second")
	assert.False(t, q.Contains(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)), "2026-Q1 must not contain 1 April")
	w := (Quarter{2026, 2}).window()
	assert.Equal(t, Quarter{2025, 3}, w[0], "the window of 2026-Q2 starts four quarters back: %v", w)
	assert.Equal(t, Quarter{2026, 2}, w[3], "the window of 2026-Q2 ends with it: %v", w)
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
	_, err := WriteBundle(context.Background(), dir, in, append([]Option{WithKey(testKey(1))}, opts...)...)
	require.NoError(t, err, "write the fixture bundle %s", dir)
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
		require.NoError(t, err, "WriteQuarter")
	}
	assert.Equal(t, 2, pack.Exercises, "exercises in the quarter")
	assert.Equal(t, 3, pack.Earlier, "exercises before the quarter")
	require.Len(t, pack.Excluded, 2)
	assert.Equal(t, "stranger", pack.Excluded[0].Path)
	assert.Contains(t, strings.Join(pack.Excluded[0].Problems, " "), "integrity OK, signer")
	assert.Contains(t, strings.Join(pack.Excluded[0].Problems, " "), "not trusted")
	assert.Equal(t, "tampered", pack.Excluded[1].Path)
	assert.Contains(t, strings.Join(pack.Excluded[1].Problems, " "), ResultsFile)
	v, err := Verify(context.Background(), out)
	require.NoError(t, err, "Verify the pack")
	require.True(t, v.OK(), "the pack must verify: %v", v.Problems)
	require.Equal(t, BundleQuarterly, v.Bundle, "the pack's bundle kind")
	require.Equal(t, "2026-Q4", v.Quarter, "the pack's quarter")

	var sum QuarterSummary
	readJSON(t, filepath.Join(out, QuarterFile), &sum)
	require.Equal(t, "2026-Q1,2026-Q2,2026-Q3,2026-Q4", strings.Join(sum.Window, ","), "the summary's window")
	require.Len(t, sum.Trend, 4, "one trend point per quarter of the window")
	if assert.NotNil(t, sum.Trend[0].MedianDetect, "Q1 median detection") && assert.NotNil(t, sum.Trend[1].MedianDetect, "Q2 median detection") {
		assert.Less(t, *sum.Trend[1].MedianDetect, *sum.Trend[0].MedianDetect, "Q2 must detect faster than Q1: %+v %+v", sum.Trend[0], sum.Trend[1])
	}
	assert.Nil(t, sum.Trend[2].MedianDetect, "Q3 was a tabletop without a stack: no detection time")
	assert.Equal(t, 1, sum.Trend[2].Exercises, "Q3 had one exercise, the tabletop")
	scen := map[string]ScenarioSummary{}
	for _, s := range sum.Scenarios {
		scen[s.ID] = s
	}
	g := scen["graphql-pii-harvest"]
	assert.Equal(t, 2, g.RunsInQuarter, "graphql-pii-harvest runs in the quarter")
	assert.Equal(t, "passed", g.Latest, "graphql-pii-harvest latest outcome")
	assert.Equal(t, 4, g.RunsIn12Months, "graphql-pii-harvest runs in 12 months")
	assert.Equal(t, "detection-missed", scen["rest-user-enumeration"].Latest, "rest-user-enumeration latest outcome")
	assert.Equal(t, ResultFailed, sum.Result, "quarter result")
	// The miss in October was never closed by a passing run; the late
	// graphql detection of October was closed by December's pass.
	reasons := strings.Join(sum.Reasons, "\n")
	assert.Contains(t, reasons, "drill-2026-10: gap in rest-user-enumeration")
	assert.NotContains(t, reasons, "gap in graphql-pii-harvest")
	assert.Contains(t, sum.Summary, "so the quarter is FAILED")
	assert.NotEmpty(t, sum.VerdictPolicy)
	assert.Equal(t, 4, scen["plaintext-pan-order-meta"].RunsIn12Months, "plaintext-pan-order-meta runs in 12 months: 3 drills + the tabletop")
	var items []string
	for _, it := range sum.OpenItems {
		items = append(items, it.Item)
	}
	joined := strings.Join(items, "\n")
	for _, want := range []string{"Map every place card data can be written", "Make rule rest-user-enumeration detect"} {
		assert.Contains(t, joined, want, "open items")
	}
	for _, closed := range []string{"acquirer's contact", "graphql-alias-batching"} {
		assert.NotContains(t, joined, closed, "a closed item must not be open")
	}
	assert.True(t, sum.PCI12102.Tested, "PCI 12.10.2 tested: %+v", sum.PCI12102)
	assert.Equal(t, "drill-2026-12", sum.PCI12102.Exercise, "PCI 12.10.2's exercise")
	assert.True(t, sum.PCI12102.NextDue.Equal(day(2027, 12, 1)), "PCI 12.10.2 next due %v, want a year after the drill", sum.PCI12102.NextDue)
	ctl := map[string]QuarterControl{}
	for _, c := range sum.Controls {
		ctl[c.Key()] = c
	}
	iso := ctl["ISO27001:5.24"]
	assert.Equal(t, ControlNotExercised, iso.ThisQuarter, "ISO 5.24 (roles: only the Q3 tabletop) this quarter: %+v", iso)
	assert.True(t, iso.Last12Months, "ISO 5.24 (roles: the Q3 tabletop) in the last 12 months: %+v", iso)
	assert.NotEqual(t, ControlNotExercised, ctl["PCI:12.10.7"].ThisQuarter, "PCI 12.10.7 must be exercised this quarter: %+v", ctl["PCI:12.10.7"])

	page, _ := os.ReadFile(filepath.Join(out, ReportHTMLFile))
	for _, id := range []string{"summary", "exercises", "scenarios-exercised", "trends", "open-improvements", "controls", "excluded", "evidence", "pci-12-10-2"} {
		assert.Contains(t, string(page), `id="`+id+`"`, "quarterly report section %q", id)
	}
	assert.Equal(t, 4, strings.Count(string(page), `<path class="line`), "trend lines in the quarterly report")
	assert.Contains(t, string(page), "tampered", "the quarterly report must name the excluded bundle")

	var m Manifest
	readJSON(t, filepath.Join(out, ManifestFile), &m)
	assert.Len(t, m.Sources, 5, "sources the manifest pins")
	os.WriteFile(filepath.Join(out, QuarterFile), []byte("{}"), 0o644)
	v, _ = Verify(context.Background(), out)
	assert.False(t, v.OK(), "a tampered pack must fail verification")
	assert.True(t, hasProblem(v, QuarterFile, "content changed"), "a problem must name the changed %s: %v", QuarterFile, v.Problems)
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
