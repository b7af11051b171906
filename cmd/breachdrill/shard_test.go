package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What docs/ci does, end to end with real stacks: CI jobs each run one
// shard, and `evidence quarter` merges their bundles into a pack whose counts
// equal those of one unsharded run.
//
// Two of the cheapest scenarios stand for the catalogue (the shards are
// dealt the same way for the whole of it: Shard's own test covers that),
// one per shard. One rule a scenario depends on is broken on purpose (its
// condition changed so it can no longer match), so that a detection miss,
// not only a pass, has to survive the merge; the broken rule itself must
// make `test` exit 1 with a JUnit failure naming the scenario and the rule.
func TestShardedRunsMergeLikeOneRun(t *testing.T) {
	stacktest.Images(t)
	start := time.Now()
	dir := t.TempDir()
	env := exerciseEnv(t) // one signing key for every job, as CI's secret
	ruleDir := filepath.Join(dir, "rules")
	require.NoError(t, os.MkdirAll(ruleDir, 0o755))
	orig, err := rules.FS.ReadFile("checks/pii-in-options.yml")
	require.NoError(t, err)
	broken := strings.Replace(string(orig), "min_emails: 3\n    min_phones: 3\n    canaries: true", "min_emails: 1000000\n    min_phones: 1000000\n    canaries: false", 1)
	require.NotEqual(t, string(orig), broken, "the shipped check changed; update this test")
	require.NoError(t, os.WriteFile(filepath.Join(ruleDir, "pii-in-options.yml"), []byte(broken), 0o644))

	selection := []string{"--scenario", "pii-in-options-transients", "--scenario", "plaintext-pan-order-meta"}
	// Scenarios are dealt by id: shard 1/2 gets pii-in-options-transients,
	// whose broken rule makes it (and the unsharded run) exit 1.
	run := func(wantCode int, out, junit string, extra ...string) {
		args := append(append(append([]string{"test", "--rules", ruleDir, "--out", out, "--junit", junit}, selection...), lightTraffic...), extra...)
		r := runCLI(t, env, args...)
		require.Equal(t, wantCode, r.code, "%s\n%s", r.stdout, lastLines(r.stderr, 30))
		t.Logf("%s\n%s", strings.Join(args, " "), r.stdout)
		assert.Contains(t, r.stderr, "rule pii-in-options: replaced by", "the override is announced")
		if wantCode != 1 {
			return
		}
		cases := junitCases(t, junit)
		assert.True(t, slices.ContainsFunc(cases, func(c string) bool {
			return strings.HasPrefix(c, "breachdrill.pii-in-options-transients/detect pii-in-options within ") && strings.HasSuffix(c, ": fail")
		}), "a JUnit failure names the scenario and the broken rule: %v", cases)
	}
	var shardJUnit []string
	for k := 1; k <= 2; k++ {
		junit := filepath.Join(dir, fmt.Sprintf("junit-%d.xml", k))
		shardStart := time.Now()
		want := 0
		if k == 1 {
			want = 1
		}
		run(want, filepath.Join(dir, "sharded", fmt.Sprintf("shard-%d", k)), junit, "--shard", fmt.Sprintf("%d/2", k))
		t.Logf("shard %d/2 took %s", k, time.Since(shardStart).Round(time.Second))
		shardJUnit = append(shardJUnit, junit)
	}
	singleStart := time.Now()
	run(1, filepath.Join(dir, "single"), filepath.Join(dir, "junit-single.xml"))
	t.Logf("the unsharded run took %s", time.Since(singleStart).Round(time.Second))

	q := reports.QuarterOf(time.Now()).String()
	pack := func(in string) reports.QuarterSummary {
		out := filepath.Join(dir, "pack-"+filepath.Base(in))
		r := runCLI(t, env, "evidence", "quarter", q, "--in", in, "--out", out)
		require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
		v := runCLI(t, env, "evidence", "verify", out)
		require.Equal(t, 0, v.code, "the pack does not verify: %s%s", v.stdout, v.stderr)
		b, err := os.ReadFile(filepath.Join(out, reports.QuarterFile))
		require.NoError(t, err)
		var s reports.QuarterSummary
		require.NoError(t, json.Unmarshal(b, &s))
		return s
	}
	sharded, single := pack(filepath.Join(dir, "sharded")), pack(filepath.Join(dir, "single"))

	assert.Len(t, sharded.Exercises, 2, "one exercise per shard")
	assert.Len(t, single.Exercises, 1)
	assert.Equal(t, counts(single), counts(sharded))
	assert.Equal(t, single.Result, sharded.Result)
	c := counts(single)
	assert.Equal(t, 2, c.Scenarios)
	assert.Equal(t, 1, c.Passed, "one scenario passes, the one with the broken rule does not")

	// JUnit: the shards' cases together are the single run's.
	var merged []string
	for _, f := range shardJUnit {
		merged = append(merged, junitCases(t, f)...)
	}
	sort.Strings(merged)
	assert.Equal(t, junitCases(t, filepath.Join(dir, "junit-single.xml")), merged)
	t.Logf("two shards, one unsharded run and two packs took %s", time.Since(start).Round(time.Second))
}

// packCounts are the figures of a pack that must not depend on how the
// runs were split.
type packCounts struct {
	Scenarios, Runs, Passed, ExercisePassed, ExerciseTotal int
	Outcomes                                               map[string][]string
	Controls                                               map[string]string
}

func counts(s reports.QuarterSummary) packCounts {
	c := packCounts{Outcomes: map[string][]string{}, Controls: map[string]string{}}
	for _, sc := range s.Scenarios {
		if sc.RunsInQuarter > 0 {
			c.Scenarios++
			c.Outcomes[sc.ID] = sc.Outcomes
		}
	}
	for _, tp := range s.Trend {
		if tp.Quarter == s.Quarter {
			c.Runs, c.Passed = tp.Scenarios, tp.Passed
		}
	}
	for _, x := range s.Exercises {
		if x.InPeriod {
			c.ExercisePassed += x.Passed
			c.ExerciseTotal += x.Total
		}
	}
	for _, ctl := range s.Controls {
		c.Controls[ctl.Framework+":"+ctl.ID] = ctl.ThisQuarter
	}
	return c
}

// junitCases lists "classname/name: verdict" of every test case.
func junitCases(t *testing.T, path string) []string {
	var out []string
	for _, s := range readJUnit(t, path).Suites {
		for _, c := range s.Cases {
			v := "pass"
			if c.Failure != nil {
				v = "fail"
			}
			out = append(out, c.Classname+"/"+c.Name+": "+v)
		}
	}
	sort.Strings(out)
	return out
}
