package reports

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The targets: writing and signing the bundle of a 10-scenario drill, and
// verifying it, each well under a second.

func BenchmarkWriteBundle(b *testing.B) {
	in := drillInput(b)
	key := testKey(1)
	root := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		_, err := WriteBundle(context.Background(), filepath.Join(root, fmt.Sprint(i)), in, WithKey(key))
		require.NoError(b, err, "WriteBundle")
	}
	reportPerOp(b)
}

// A noisy drill: 500 extra alerts per scenario, a 5,000-event timeline.
func BenchmarkWriteBundleNoisy(b *testing.B) {
	specs := catalogueSpecs()
	for i := range specs {
		specs[i].noise = 500
	}
	events, files := drill(b, "noisy", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), specs)
	in := Input{Events: events, Scenarios: files}
	key := testKey(1)
	root := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		_, err := WriteBundle(context.Background(), filepath.Join(root, fmt.Sprint(i)), in, WithKey(key))
		require.NoError(b, err, "WriteBundle")
	}
	reportPerOp(b)
	b.ReportMetric(float64(len(events)), "events")
	v, err := Verify(context.Background(), filepath.Join(root, "1"))
	require.NoError(b, err, "Verify the benchmark's bundle")
	require.True(b, v.OK(), "the benchmark's bundle must verify: %v", v.Problems)
}

func BenchmarkWriteBundleZip(b *testing.B) {
	in := drillInput(b)
	key := testKey(1)
	root := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		_, err := WriteBundle(context.Background(), filepath.Join(root, fmt.Sprint(i)), in, WithKey(key), WithZip())
		require.NoError(b, err, "WriteBundle")
	}
	reportPerOp(b)
}

func BenchmarkVerify(b *testing.B) {
	for _, zipped := range []bool{false, true} {
		b.Run(map[bool]string{false: "dir", true: "zip"}[zipped], func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "bundle")
			bundle, err := WriteBundle(context.Background(), dir, drillInput(b), WithKey(testKey(1)), WithZip())
			require.NoError(b, err, "WriteBundle")
			p := bundle.Dir
			if zipped {
				p = bundle.Zip
			}
			for b.Loop() {
				v, err := Verify(context.Background(), p)
				require.NoError(b, err, "Verify(%s)", p)
				require.True(b, v.OK(), "%s must verify: %v", p, v.Problems)
			}
			reportPerOp(b)
		})
	}
}

func reportPerOp(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/op")
	}
}
