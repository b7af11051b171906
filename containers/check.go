package containers

import (
	"context"
	"fmt"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// The checks a command runs on its input before it starts anything: each
// fails with an input error that names the flag.

// CheckTablePrefix checks a WordPress table prefix as Run would.
func CheckTablePrefix(p string) error {
	if !prefixPattern.MatchString(p) {
		return fault.Input(fmt.Errorf("--table-prefix %q: a table prefix uses letters, digits and '_', ending in '_' (like wp_)", p))
	}
	return nil
}

// CheckRun says whether a stack with runID is running, and whether it is
// sealed (see Isolation).
func CheckRun(ctx context.Context, runID string) (Isolation, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return Isolation{}, err
	}
	defer cli.Close()
	runs, err := listRuns(ctx, cli)
	if err != nil {
		return Isolation{}, err
	}
	for _, r := range runs {
		if r.RunID == runID && len(r.Containers) >= 2 {
			return runIsolation(ctx, cli, runID), nil
		}
	}
	return Isolation{}, fault.Input(fmt.Errorf("--run %s: no running stack with this run id: `breachdrill stack list` shows the runs", runID))
}
