package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcomes reads every scenario's outcome and the stack's seal from a
// bundle's timeline.
func outcomes(t *testing.T, bundle string) (map[string]string, *timeline.StackInfo) {
	t.Helper()
	f, err := os.Open(filepath.Join(bundle, "timeline.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	events, err := timeline.ReadJSONL(f)
	require.NoError(t, err)
	out := map[string]string{}
	var stack *timeline.StackInfo
	for _, e := range events {
		switch e.Kind {
		case timeline.KindScenarioEnd:
			var end timeline.ScenarioEnd
			require.NoError(t, e.Decode(&end))
			out[e.Scenario] = end.Outcome
		case timeline.KindRunStart:
			var info timeline.RunInfo
			require.NoError(t, e.Decode(&info))
			stack = info.Stack
		}
	}
	return out, stack
}

func onlyBundle(t *testing.T, dir string) string {
	t.Helper()
	bundles, _ := filepath.Glob(filepath.Join(dir, "drill-*"))
	require.Len(t, bundles, 1, "one bundle in %s", dir)
	raws, _ := filepath.Glob(filepath.Join(dir, ".*.timeline.jsonl"))
	assert.Empty(t, raws, "the raw timeline is gone")
	return bundles[0]
}

// Two drills at once get a stack each, each sealed, and both pass.
func TestTwoDrillsAtOnce(t *testing.T) {
	stacktest.Images(t)
	dirs := []string{t.TempDir(), t.TempDir()}
	results := make([]result, len(dirs))
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runCLI(t, exerciseEnv(t), append([]string{"drill", "--scenario", "debug-log-exposure", "--out", dir}, lightTraffic...)...)
		}()
	}
	wg.Wait()
	runs := map[string]bool{}
	for i, r := range results {
		require.Equal(t, 0, r.code, "drill %d: %s", i, lastLines(r.stderr, 20))
		got, stack := outcomes(t, onlyBundle(t, dirs[i]))
		assert.Equal(t, map[string]string{"debug-log-exposure": timeline.OutcomePassed}, got)
		require.NotNil(t, stack)
		assert.True(t, stack.NetworkSealed, "drill %d's network was sealed", i)
		runs[stack.RunID] = true
		assert.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(r.pid)))
	}
	assert.Len(t, runs, 2, "each drill had its own stack")
}

// A database that stops answering for 40 s mid-drill is never reported as
// a detection miss: the scenario passes late or is an infrastructure
// error (exit 3), and the stack is removed either way.
func TestDatabasePaused40s(t *testing.T) {
	stacktest.Images(t)
	dir := t.TempDir()
	cmd, sc, stdout := startCLI(t, exerciseEnv(t), append([]string{"drill", "--scenario", "exposed-db-backup", "--out", dir}, lightTraffic...)...)
	var log strings.Builder
	waitFor(t, sc, &log, "] exposed-db-backup          inject")
	db := docker(t, "ps", "-q", "--filter", "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid), "--filter", "label=org.breachdrill.role=db")
	require.NotEmpty(t, db)
	docker(t, "pause", db)
	// The drill's output is read on, or it would block on a full pipe.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
		}
	}()
	// Not a wait for anything: the 40 s the database stays paused is the
	// fault this test injects (the drill's DB outage), so it is a duration.
	time.Sleep(40 * time.Second)
	docker(t, "unpause", db)
	<-done
	code := exitCode(cmd.Wait())
	assert.Contains(t, []int{0, 3}, code, "%s\n%s", stdout.String(), lastLines(log.String(), 30))
	got, _ := outcomes(t, onlyBundle(t, dir))
	require.NotEmpty(t, got)
	for id, o := range got {
		assert.Contains(t, []string{timeline.OutcomePassed, timeline.OutcomeInfra}, o, "%s", id)
	}
	assert.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid)))
}
