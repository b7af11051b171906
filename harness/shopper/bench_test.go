package shopper_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
)

// BenchmarkShoppers is the simulator's throughput against a real-plugin
// stack on this machine: two visitors at once, unthrottled, b.N visits of
// the seeded plan in all. Reported: requests/s and orders placed/s.
func BenchmarkShoppers(b *testing.B) {
	s := shared.Get(b)
	sim := shopper.New(shop(b, s), shopper.WithRate(0))
	ctx := context.Background()
	lanes := 2
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for lane := 0; lane < lanes; lane++ {
		n := b.N / lanes
		if lane == 0 {
			n += b.N % lanes
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = sim.RunVisits(ctx, shopper.Plan(1, lane, n))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	st := sim.Stats()
	b.ReportMetric(float64(st.Requests)/elapsed, "req/s")
	b.ReportMetric(float64(st.Checkouts)/elapsed, "orders/s")
	b.ReportMetric(float64(st.Errors), "errors")
	b.ReportMetric(float64(st.Requests)/float64(b.N), "req/visit")
}

// BenchmarkCheckoutProbe is one probe checkout's round trip (catalogue
// cached, then cart, add-item, checkout), reported as p50 and p95.
func BenchmarkCheckoutProbe(b *testing.B) {
	s := shared.Get(b)
	p := shopper.NewProber(s.URL())
	ctx := context.Background()
	p.Once(ctx) // reads the catalogue once, as a running probe has
	var ms []float64
	failed := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := p.Once(ctx)
		if !r.OK {
			failed++
			continue
		}
		ms = append(ms, float64(r.Duration.Milliseconds()))
	}
	b.StopTimer()
	b.ReportMetric(timeline.Percentile(ms, 50), "p50-ms")
	b.ReportMetric(timeline.Percentile(ms, 95), "p95-ms")
	b.ReportMetric(float64(failed), "failed")
}
