package containers

import (
	"context"
	"fmt"
	"os"
	"strings"

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
//
// A DOCKER_HOST that does not answer is an error: testcontainers would fall
// back to the local socket, and a run meant for one engine must not quietly
// start on another.
func dockerClient(ctx context.Context) (*client.Client, error) {
	disableReaper()
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		cli, err := client.New(client.FromEnv)
		if err == nil {
			if _, err = cli.Ping(ctx, client.PingOptions{}); err != nil {
				cli.Close()
			}
		}
		if err != nil {
			return nil, fault.Infra(fmt.Errorf("no Docker engine answers at DOCKER_HOST=%s (%s): start Docker there, or unset DOCKER_HOST to use the local engine", host, oneLine(err)))
		}
		return cli, nil
	}
	dc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err == nil {
		if _, err = dc.Ping(ctx, client.PingOptions{}); err != nil {
			dc.Close()
		}
	}
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("no Docker engine reachable (%s): start Docker, or point DOCKER_HOST at one", oneLine(err)))
	}
	return dc.Client, nil
}

// oneLine keeps a wrapped error on the one line a CLI error gets.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// CheckDocker reports, as an infrastructure error, when no engine answers.
func CheckDocker(ctx context.Context) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}
