package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/require"
)

// BenchmarkWatchLatency is a watch session's alert latency on a real
// stack: from sending an attack request to the alert reaching OnAlert
// (what `watch` prints), p50 and p95. Each iteration sends one shellshock
// probe; --rearm is 1s so every probe alerts. Run with -benchtime 20x.
func BenchmarkWatchLatency(b *testing.B) {
	stacktest.Images(b)
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	alerts := make(chan time.Time, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := harness.Watch(ctx, harness.WatchOptions{
			ToolVersion: "bench", Pack: pack, Rearm: time.Second, Replay: -1,
			Provision: harness.ProvisionOptions{Source: containers.SourceDebian, Customers: 20, Orders: 40, Seed: 5},
			Ready:     func(url string) { ready <- url },
			OnAlert: func(a harness.WatchAlert) {
				if a.Rule == "web-shellshock" {
					alerts <- time.Now()
				}
			},
		})
		if err != nil {
			b.Error(err)
		}
	}()
	var url string
	select {
	case url = <-ready:
	case <-time.After(5 * time.Minute):
		b.Fatal("watch never attached")
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(1100 * time.Millisecond) // past the rearm period
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/cgi-bin/t%d", url, i), nil)
		req.Header.Set("User-Agent", "() { :;}; echo; /bin/id")
		sent := time.Now()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		resp.Body.Close()
		select {
		case at := <-alerts:
			lat = append(lat, at.Sub(sent))
		case <-time.After(15 * time.Second):
			b.Fatalf("no alert for probe %d", i)
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		k := int(p*float64(len(lat))+0.999999) - 1
		return float64(lat[max(0, min(k, len(lat)-1))].Milliseconds())
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
