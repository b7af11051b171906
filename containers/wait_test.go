package containers

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The readiness strategies report a container that stops with its exit
// code, at once, and one that never answers as a timeout naming what was
// awaited. Each runs one of the stack's images with its command replaced.
func TestReadinessFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := CheckDocker(ctx); err != nil {
		require.Empty(t, os.Getenv("CI"), "CI is set but Docker is not reachable: %v", err)
		t.Skipf("no Docker engine: %v", err)
	}
	imgs, err := EnsureImages(ctx, SourceDebian)
	require.NoError(t, err, "the stack images must exist or build")

	tests := []struct {
		name     string
		image    string
		cmd      string
		strategy func(timeout time.Duration) wait.Strategy
		timeout  time.Duration
		want     string
		deadline bool // whether the error is a timeout
	}{
		{"web container exits", imgs.WP, "exit 3", func(d time.Duration) wait.Strategy { return webReady(d, "/") }, time.Minute, "exited with code 3", false},
		{"db container exits", imgs.DB, "exit 4", func(d time.Duration) wait.Strategy {
			return dbReady(d, func(addr string) *mysql.Config { return (&Stack{}).dbConfig("u", "p", addr, "") })
		}, time.Minute, "exited with code 4", false},
		{"web never answers", imgs.WP, "sleep 600", func(d time.Duration) wait.Strategy { return webReady(d, "/") }, 3 * time.Second, "HTTP", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := testcontainers.Run(ctx, tc.image,
				testcontainers.WithLogger(tclog.NewNoopLogger()),
				testcontainers.WithLabels(map[string]string{"breachdrill.test": "readiness"}),
				testcontainers.WithExposedPorts("80/tcp", "3306/tcp"),
				testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
					loopbackOnly("80/tcp")(hc)
					loopbackOnly("3306/tcp")(hc)
				}),
				testcontainers.WithCmd("sh", "-c", tc.cmd),
				testcontainers.WithWaitStrategy(tc.strategy(tc.timeout)))
			t.Cleanup(func() { assert.NoError(t, testcontainers.TerminateContainer(c), "remove the test container") })
			require.Error(t, err, "a container that never gets ready must fail the start")
			t.Logf("start error: %v", err)
			assert.ErrorContains(t, err, tc.want, "the start error must say why")
			assert.Equal(t, tc.deadline, errors.Is(err, context.DeadlineExceeded), "timeout or not: %v", err)
			if tc.deadline {
				assert.ErrorContains(t, err, "within "+tc.timeout.String(), "a timeout must say how long was waited")
			}
		})
	}
}
