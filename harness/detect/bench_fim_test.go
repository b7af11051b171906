package detect_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/stretchr/testify/require"
)

// busyJiffies is the machine's CPU time spent so far, in clock ticks
// (1/100 s), from /proc/stat: every process's, the container engine's and
// the kernel's on their behalf.
func busyJiffies(b *testing.B) int64 {
	b.Helper()
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Skipf("the machine's CPU time is read from /proc/stat: %v", err)
	}
	fields := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])
	// user nice system idle iowait irq softirq steal; guest time is
	// already in user.
	var busy int64
	for i, f := range fields[1:min(len(fields), 9)] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		busy += n
	}
	return busy
}

// BenchmarkFileWatchCost measures what file integrity costs the machine
// on a seeded stack with WooCommerce's tables and nothing changing: CPU
// per poll (the whole machine's, so the container engine's and the
// stack's share too; run it on a quiet machine) and time per poll, for
// the writable layer and for a listing of the whole docroot. The
// engine's state checks are not loaded, so the figures are file
// integrity's alone, plus the idle stack's.
func BenchmarkFileWatchCost(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []detect.Option
	}{
		{"writable-layer", nil},
		{"listing", []detect.Option{detect.WithFileListing()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchShared.Get(b)
			opts := append([]detect.Option{detect.WithFileInterval(time.Second)}, c.opts...)
			e, _ := startEngine(b, s, nil, fimPack(b), opts...)
			require.NoError(b, e.WaitCycles(b.Context(), 1))
			b.ResetTimer()
			t0, j0 := time.Now(), busyJiffies(b)
			require.NoError(b, e.WaitCycles(b.Context(), b.N))
			j1, wall := busyJiffies(b), time.Since(t0)
			b.StopTimer()
			polls := float64(b.N)
			b.ReportMetric(float64(j1-j0)*10/polls, "cpu-ms/poll")
			b.ReportMetric(float64(j1-j0)/100/wall.Seconds(), "cpu-cores")
			b.ReportMetric(0, "ns/op")
			b.Logf("%s: %d polls in %s, %d ms of CPU", e.FileWatch(), b.N, wall.Round(time.Millisecond), (j1-j0)*10)
		})
	}
}

// BenchmarkEngineIdleCost measures what a running engine with the shipped
// pack costs the machine while the stack is idle: the CPU of the whole
// machine per second (state checks every second, file integrity, the log
// followers, and the idle stack itself), against the idle stack alone.
// Run it on a quiet machine with -benchtime 20x (seconds).
func BenchmarkEngineIdleCost(b *testing.B) {
	for _, withEngine := range []bool{false, true} {
		name := "stack-alone"
		if withEngine {
			name = "shipped-pack"
		}
		b.Run(name, func(b *testing.B) {
			s := benchShared.Get(b)
			if withEngine {
				e, _ := startEngine(b, s, canaries(&benchShared), shippedPack(b))
				require.NoError(b, e.WaitCycles(b.Context(), 1))
			}
			b.ResetTimer()
			t0, j0 := time.Now(), busyJiffies(b)
			// A duration, not a wait for anything: what is measured is
			// the cost of time passing.
			time.Sleep(time.Duration(b.N) * time.Second)
			j1, wall := busyJiffies(b), time.Since(t0)
			b.StopTimer()
			b.ReportMetric(float64(j1-j0)/100/wall.Seconds(), "cpu-cores")
			b.ReportMetric(0, "ns/op")
		})
	}
}
