package fakedata_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	. "github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// emptyAgain returns the stack to its unseeded state between benchmark
// runs: the stack's own reset (which copies back the few rows the tables
// had) is far quicker than deleting millions of rows.
func emptyAgain(b *testing.B, s *containers.Stack) {
	ctx := context.Background()
	_, err := s.Reset(ctx)
	require.NoError(b, err, "reset the stack")
	require.NoError(b, EnsureManifestStore(ctx, s.DB()), "create the manifest store")
	require.NoError(b, DeleteManifest(ctx, s.DB(), "wordpress"), "delete the manifest")
}

// benchLoad loads spec into a stack b.N times (emptying it between runs,
// untimed) and reports rows per second.
func benchLoad(b *testing.B, spec Spec) {
	s := stacktest.Start(b)
	ctx := context.Background()
	spec.TablePrefix = s.TablePrefix()
	d := mustNew(b, spec)
	var rows int64
	b.ResetTimer()
	for i := range b.N {
		if i > 0 {
			b.StopTimer()
			emptyAgain(b, s)
			b.StartTimer()
		}
		m, err := Load(ctx, s.DB(), d)
		require.NoError(b, err, "Load")
		rows += m.Rows()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(spec.Orders*b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
}

// BenchmarkLoad measures the target: 10,000 customers and 50,000 orders
// (4.06M rows) in under 10 s on the project's 2-core machine.
func BenchmarkLoad(b *testing.B) {
	benchLoad(b, Spec{Seed: 1, Customers: 10_000, Orders: 50_000})
}

// benchVsCeiling is the loader's tracked figure: its rate as a fraction
// of the database's ceiling, a plain LOAD DATA LOCAL INFILE of the same rows
// prepared as files beforehand (one file per table and chunk,
// autocommitted), so nothing but the database is timed. The two alternate
// on one stack, emptied before each run, so that load from elsewhere on the
// machine hits both alike.
func benchVsCeiling(b *testing.B, spec Spec) {
	var opts []containers.Option
	if spec.Orders > 100_000 {
		// Tens of millions of rows would not fit the in-memory database.
		opts = append(opts, containers.WithDatabaseOnDisk())
	}
	s := stacktest.Start(b, opts...)
	ctx := context.Background()
	spec.TablePrefix = s.TablePrefix()
	d := mustNew(b, spec)
	dir := b.TempDir()
	type part struct {
		path, table string
		rows        int64
	}
	var parts []part
	_, err := d.WriteTSV(ctx, func(table string, n int, rows int64, data []byte) error {
		p := filepath.Join(dir, fmt.Sprintf("%06d-%s.tsv", n, table))
		parts = append(parts, part{p, table, rows})
		return os.WriteFile(p, data, 0o600)
	})
	require.NoError(b, err, "write the dataset as TSV files")
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].path < parts[j].path })
	cols := TableColumns()
	ceiling := func() int64 {
		conn, err := s.DB().Conn(ctx)
		require.NoError(b, err, "a database connection")
		defer conn.Close()
		_, err = conn.ExecContext(ctx, "SET SESSION time_zone = '+00:00'")
		require.NoError(b, err, "set the session time zone")
		var rows int64
		for _, p := range parts {
			mysql.RegisterLocalFile(p.path)
			_, err := conn.ExecContext(ctx, fmt.Sprintf("LOAD DATA LOCAL INFILE '%s' INTO TABLE `%s%s` CHARACTER SET utf8mb4 (%s)", p.path, spec.TablePrefix, p.table, cols[p.table]))
			mysql.DeregisterLocalFile(p.path)
			require.NoError(b, err, "LOAD DATA of %s", p.path)
			rows += p.rows
		}
		return rows
	}
	load := func() int64 {
		m, err := Load(ctx, s.DB(), d)
		require.NoError(b, err, "Load")
		return m.Rows()
	}
	var loadTime, ceilTime time.Duration
	var rows int64
	b.ResetTimer()
	for i := range b.N {
		steps := []bool{true, false} // ceiling first on even runs, loader first on odd ones
		if i%2 == 1 {
			steps = []bool{false, true}
		}
		for j, isCeiling := range steps {
			if i > 0 || j > 0 {
				emptyAgain(b, s)
			}
			start := time.Now()
			if isCeiling {
				ceiling()
				ceilTime += time.Since(start)
			} else {
				rows += load()
				loadTime += time.Since(start)
			}
		}
	}
	b.ReportMetric(float64(rows)/loadTime.Seconds(), "load-rows/s")
	b.ReportMetric(float64(rows)/ceilTime.Seconds(), "ceiling-rows/s")
	b.ReportMetric(ceilTime.Seconds()/loadTime.Seconds(), "ratio")
	b.ReportMetric(loadTime.Seconds()/float64(b.N), "s/load")
	b.ReportMetric(ceilTime.Seconds()/float64(b.N), "s/ceiling")
}

func BenchmarkLoadVsCeiling(b *testing.B) {
	benchVsCeiling(b, Spec{Seed: 1, Customers: 10_000, Orders: 50_000})
}

// BenchmarkLoadVsCeilingMillion is the rate for 1,000,000 orders (and
// 100,000 customers, 78M rows) beside the ceiling's. One run of each takes
// 7 to 12 minutes here: use -benchtime 1x.
func BenchmarkLoadVsCeilingMillion(b *testing.B) {
	if os.Getenv("BREACHDRILL_BENCH_MILLION") != "1" {
		b.Skip("set BREACHDRILL_BENCH_MILLION=1 to load a million orders (7 to 12 minutes)")
	}
	benchVsCeiling(b, Spec{Seed: 1, Customers: 100_000, Orders: 1_000_000})
}

// BenchmarkGenerate measures the generator alone, without a database.
func BenchmarkGenerate(b *testing.B) {
	d := mustNew(b, Spec{Seed: 1, Customers: 10_000, Orders: 50_000})
	var rows, size int64
	for range b.N {
		_, err := d.WriteTSV(context.Background(), func(_ string, _ int, n int64, data []byte) error {
			rows += n
			size += int64(len(data))
			return nil
		})
		require.NoError(b, err, "generate the dataset")
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(size / int64(b.N))
}
