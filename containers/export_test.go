package containers

import (
	"context"
	"time"
)

// GCRuns is GC limited to the named runs: the tests prove --all on runs
// they made without removing stacks other processes on this engine use.
func GCRuns(ctx context.Context, all bool, runIDs ...string) ([]RunSummary, error) {
	in := map[string]bool{}
	for _, id := range runIDs {
		in[id] = true
	}
	return gc(ctx, all, func(r RunSummary) bool { return in[r.RunID] })
}

// RunLabels are the labels a run of this process carries, for containers
// a test starts by hand.
func RunLabels(runID string) map[string]string { return runLabels(runID, false, time.Now()) }
