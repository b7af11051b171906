// Package stacktest starts real stacks for integration tests. Where Docker
// is reachable the tests run, always: a missing image is built, and a test
// that cannot start its stack fails rather than skips. Only without Docker
// do they skip, and in CI (CI set) even that is a failure.
package stacktest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
)

// Available reports whether integration tests can run here. It fails tb
// when they should run but cannot.
func Available(tb testing.TB) bool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := containers.CheckDocker(ctx); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI is set but Docker is not reachable: %v", err)
		}
		tb.Skipf("no Docker engine: %v", err)
		return false
	}
	return true
}

// Images makes sure the debian stack image exists, building it once if not
// (builds of concurrent test processes are serialised by EnsureImages).
func Images(tb testing.TB) containers.Images {
	tb.Helper()
	if !Available(tb) {
		return containers.Images{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	imgs, err := containers.EnsureImages(ctx, containers.SourceDebian, containers.WithBuildProgress(testWriter{tb}))
	if err != nil {
		tb.Fatalf("stack images: %v", err)
	}
	return imgs
}

// Start starts a stack for tb and removes it when tb ends.
func Start(tb testing.TB, opts ...containers.Option) *containers.Stack {
	tb.Helper()
	imgs := Images(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := containers.Run(ctx, append([]containers.Option{containers.WithImages(imgs)}, opts...)...)
	if err != nil {
		tb.Fatalf("start stack: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			tb.Errorf("remove stack %s: %v", s.RunID(), err)
		}
	})
	return s
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Logf("%s", p)
	return len(p), nil
}
