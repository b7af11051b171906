package containers

import (
	"context"
	"fmt"
	"os"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Ryuk, testcontainers' reaper, is an image that cannot be pulled offline;
// this package cleans up after itself instead (labels, Close, Sweep, GC).
// testcontainers reads its configuration once per process, before the first
// container, which is why this is set here rather than left to the caller.
func disableReaper() {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

// dockerClient connects to the engine testcontainers would use (DOCKER_HOST,
// docker contexts, ~/.testcontainers.properties).
func dockerClient(ctx context.Context) (*client.Client, error) {
	disableReaper()
	dc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("no Docker engine reachable (%v): start Docker, or point DOCKER_HOST at one", err))
	}
	if _, err := dc.Ping(ctx, client.PingOptions{}); err != nil {
		dc.Close()
		return nil, fault.Infra(fmt.Errorf("no Docker engine reachable (%v): start Docker, or point DOCKER_HOST at one", err))
	}
	return dc.Client, nil
}

// CheckDocker reports, as an infrastructure error, when no engine answers.
func CheckDocker(ctx context.Context) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}
