package containers

import "context"

// GCRuns is GC limited to the named runs: the tests prove --all on runs
// they made without removing stacks other processes on this engine use.
func GCRuns(ctx context.Context, all bool, runIDs ...string) ([]RunSummary, error) {
	in := map[string]bool{}
	for _, id := range runIDs {
		in[id] = true
	}
	return gc(ctx, all, func(r RunSummary) bool { return in[r.RunID] })
}
