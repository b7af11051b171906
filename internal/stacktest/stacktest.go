// Package stacktest starts real stacks for integration tests. Where Docker
// is reachable the tests run, always: a missing image is built, and a test
// that cannot start its stack fails rather than skips. Only without Docker
// do they skip, and in CI (CI set) even that is a failure.
package stacktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
)

// The synthetic shop tests seed where its size is not what they test: the
// CLI's own default (--customers 300 --orders 1000 --seed 1). A warm
// snapshot is keyed by stack and dataset, so tests of every package and
// the CLI's then restore one snapshot per kind of stack (schema mode, real
// plugin) instead of each building its own, 15 to 35 s apiece.
const (
	Customers = 300
	Orders    = 1000
	Seed      = 1
)

// Available reports whether integration tests can run here. It fails tb
// when they should run but cannot.
func Available(tb testing.TB) bool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := containers.CheckDocker(ctx); err != nil {
		require.Empty(tb, os.Getenv("CI"), "CI is set but Docker is not reachable: %v", err)
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
	require.NoError(tb, err, "the stack images must exist or build")
	return imgs
}

// WooCommerce is the real WooCommerce release the suite drills: the one
// BREACHDRILL_WOOCOMMERCE names, else the copy beside the repository at
// ../shared/vendor/woocommerce/. Without one the test skips, saying so;
// in CI (CI set) that is a failure, since CI must drill the real plugin.
func WooCommerce(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("BREACHDRILL_WOOCOMMERCE"); p != "" {
		return p
	}
	p, err := vendorWooCommerce()
	if err != nil {
		require.Empty(tb, os.Getenv("CI"), "CI is set but the real WooCommerce is not available: %v", err)
		tb.Skipf("real WooCommerce not available (%v): set BREACHDRILL_WOOCOMMERCE to a release zip", err)
	}
	return p
}

// vendorWooCommerce finds ../shared/vendor/woocommerce/woocommerce-*.zip
// from the module root, the newest release first.
func vendorWooCommerce() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test")
		}
		dir = parent
	}
	zips, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "vendor", "woocommerce", "woocommerce-*.zip"))
	if len(zips) == 0 {
		return "", fmt.Errorf("no woocommerce-*.zip in %s", filepath.Join(dir, "..", "shared", "vendor", "woocommerce"))
	}
	slices.SortFunc(zips, func(a, b string) int { return strings.Compare(b, a) })
	return filepath.Clean(zips[0]), nil
}

// Start starts a stack for tb and removes it when tb ends.
func Start(tb testing.TB, opts ...containers.Option) *containers.Stack {
	tb.Helper()
	imgs := Images(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := containers.Run(ctx, append([]containers.Option{containers.WithImages(imgs)}, opts...)...)
	require.NoError(tb, err, "start a stack")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		assert.NoError(tb, s.Close(ctx), "remove stack %s", s.RunID())
	})
	return s
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Logf("%s", p)
	return len(p), nil
}

// Shared is one stack for all the tests of a package, started on first
// use, optionally seeded with a synthetic shop that becomes its reset
// point. Every Get resets it, so each test starts from that point. Declare
// one per package and Close it from TestMain.
type Shared struct {
	// Customers and Orders > 0 seed the stack (fakedata, seed Seed).
	Customers, Orders int
	Seed              uint64
	// RealWooCommerce runs the real plugin (see WooCommerce) instead of
	// schema mode.
	RealWooCommerce bool
	// Cold installs and seeds the stack instead of restoring a warm
	// snapshot of it (see containers.WithWarmStarts).
	Cold bool

	once     sync.Once
	stack    *containers.Stack
	manifest fakedata.Manifest
	err      error
}

// Get returns the shared stack, reset to its reset point.
func (s *Shared) Get(tb testing.TB) *containers.Stack {
	tb.Helper()
	imgs := Images(tb)
	opts := []containers.Option{containers.WithImages(imgs)}
	if s.RealWooCommerce {
		opts = append(opts, containers.WithWooCommerce(WooCommerce(tb)))
	}
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if !s.Cold {
			dir, err := containers.DefaultSnapshotDir()
			if err != nil {
				s.err = err
				return
			}
			opts = append(opts, containers.WithWarmStarts(dir))
		}
		if s.Customers > 0 {
			ds, err := fakedata.New(fakedata.Spec{Seed: s.Seed, Customers: s.Customers, Orders: s.Orders})
			if err != nil {
				s.err = err
				return
			}
			opts = append(opts, containers.WithSeed(ds.Spec().Key(), func(ctx context.Context, st *containers.Stack) error {
				if _, err := fakedata.Load(ctx, st.DB(), ds); err != nil {
					return fmt.Errorf("seed: %w", err)
				}
				return nil
			}))
		}
		opts = append(opts, containers.WithProgress(func(step string) { tb.Logf("shared stack: %s", step) }))
		if s.stack, s.err = containers.Run(ctx, opts...); s.err != nil || s.Customers == 0 {
			return
		}
		s.manifest, s.err = fakedata.LoadManifest(ctx, s.stack.DB())
	})
	require.NoError(tb, s.err, "start (and seed) the shared stack")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := s.stack.Reset(ctx)
	require.NoError(tb, err, "reset the shared stack")
	return s.stack
}

// Manifest describes the seeded dataset (canaries included).
func (s *Shared) Manifest() fakedata.Manifest { return s.manifest }

// Close removes the stack, if one was started.
func (s *Shared) Close() error {
	if s.stack == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.stack.Close(ctx)
}

// Suite is a testify suite over one real stack: the stack starts on the
// suite's first test (seeded as Shared says), every test gets it back at
// its reset point in Stack, and TearDownSuite removes it. Embed it and set
// Shared before suite.Run:
//
//	type S struct{ stacktest.Suite }
//	func TestX(t *testing.T) {
//		suite.Run(t, &S{stacktest.Suite{Shared: stacktest.Shared{Customers: 50, Orders: 100, Seed: 1}}})
//	}
type Suite struct {
	suite.Suite
	Shared Shared
	// Stack is the shared stack, reset before each test.
	Stack *containers.Stack
}

// SetupTest resets the stack (starting it first, once).
func (s *Suite) SetupTest() { s.Stack = s.Shared.Get(s.T()) }

// TearDownSuite removes the stack.
func (s *Suite) TearDownSuite() {
	s.Stack = nil
	s.NoError(s.Shared.Close(), "remove the suite's stack")
}

// HoldGC keeps every other test process that calls HoldGC waiting until
// tb ends. gc is machine-wide: one package's gc removes another package's
// deliberately stale runs before that test looks at them, and another's
// stale fixtures make "gc leaves no stale runs" false. go test runs
// packages in parallel processes, so a file lock, not a mutex.
func HoldGC(tb testing.TB) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "breachdrill-tests-gc.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(tb, err, "open the tests' gc lock %s", path)
	require.NoError(tb, syscall.Flock(int(f.Fd()), syscall.LOCK_EX), "take the tests' gc lock %s", path)
	tb.Cleanup(func() { f.Close() }) // closing the last descriptor releases the lock
}
