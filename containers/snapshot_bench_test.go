package containers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
)

// BenchmarkSeededStackReady times a real-plugin stack ready and seeded:
// warm (restored from a snapshot; target under 8 s for 300/1000, and
// under 5 s for 10k customers + 50k orders) and cold (image present, no
// snapshot; target under 60 s). The warm snapshot is built before the
// timer runs and kept in BREACHDRILL_BENCH_SNAPSHOTS (default: a folder
// under the system's temp folder), so repeated runs measure restores only.
func BenchmarkSeededStackReady(b *testing.B) {
	imgs := stacktest.Images(b)
	woo := stacktest.WooCommerce(b)
	dir := os.Getenv("BREACHDRILL_BENCH_SNAPSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "breachdrill-bench-snapshots")
	}
	for _, bb := range []struct {
		customers, orders int
		warm              bool
	}{
		{300, 1000, true},
		{300, 1000, false},
		{10000, 50000, true},
	} {
		mode := "cold"
		if bb.warm {
			mode = "warm"
		}
		b.Run(fmt.Sprintf("%s/%d-%d", mode, bb.customers, bb.orders), func(b *testing.B) {
			spec := fakedata.Spec{Seed: 1, Customers: bb.customers, Orders: bb.orders}
			ds, err := fakedata.New(spec)
			if err != nil {
				b.Fatal(err)
			}
			opts := []containers.Option{containers.WithImages(imgs), containers.WithWooCommerce(woo),
				containers.WithStartupTimeout(5 * time.Minute),
				containers.WithSeed(spec.Key(), func(ctx context.Context, s *containers.Stack) error {
					_, err := fakedata.Load(ctx, s.DB(), ds)
					return err
				})}
			if bb.warm {
				opts = append(opts, containers.WithWarmStarts(dir))
				// Builds the snapshot if there is none: not what is measured.
				s, err := containers.Run(context.Background(), opts...)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			var total time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				s, err := containers.Run(context.Background(), opts...)
				if err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				b.StopTimer()
				if bb.warm && s.Info().WarmSnapshot == "" {
					b.Fatal("a warm start did not restore the snapshot")
				}
				if err := s.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/ready")
		})
	}
}
