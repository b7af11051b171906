package harness_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BenchmarkWatchLatency is a watch session's alert latency on a real
// stack, p50 and p95: from sending an attack request to the alert reaching
// OnAlert (what `watch` prints), and from the request's time in the access
// log to the alert on the timeline (what the bundle records). Each
// iteration sends one shellshock probe; --rearm is 1s so every probe
// alerts. Run with -benchtime 20x.
func BenchmarkWatchLatency(b *testing.B) {
	stacktest.Images(b)
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	type seen struct {
		at  time.Time
		lat time.Duration // recorded alert minus the request's logged time
	}
	alerts := make(chan seen, 16)
	rearmed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := harness.Watch(ctx, harness.WatchOptions{
			ToolVersion: "bench", Pack: pack, Rearm: time.Second, Replay: -1,
			Provision: testShop(),
			Ready:     func(url string) { ready <- url },
			OnAlert: func(a harness.WatchAlert) {
				if a.Rule == "web-shellshock" {
					alerts <- seen{time.Now(), a.Latency}
				}
			},
			OnRearm: func() {
				select {
				case rearmed <- struct{}{}:
				default:
				}
			},
		})
		assert.NoError(b, err, "the watch session")
	}()
	var url string
	select {
	case url = <-ready:
	case <-time.After(5 * time.Minute):
		require.FailNow(b, "watch never attached")
	}
	var lat, logged []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 {
			// The last probe alerted: wait for a rearm after it, so
			// this one may alert too.
			select {
			case <-rearmed:
			default:
			}
			select {
			case <-rearmed:
			case <-time.After(15 * time.Second):
				require.FailNow(b, "no rearm", "no rearm within 15s of the last alert (rearm is 1s)")
			}
		}
		// A static file: the figure is the pipeline's (log, tail, rules,
		// timeline), not WordPress's page time.
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/wp-includes/js/jquery/jquery.min.js?i=%d", url, i), nil)
		req.Header.Set("User-Agent", "() { :;}; echo; /bin/id")
		sent := time.Now()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		resp.Body.Close()
		select {
		case a := <-alerts:
			lat = append(lat, a.at.Sub(sent))
			logged = append(logged, a.lat)
		case <-time.After(15 * time.Second):
			require.FailNow(b, "no alert", "no alert for probe %d within 15s", i)
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	pct := func(xs []time.Duration, p float64) float64 {
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		k := int(p*float64(len(xs))+0.999999) - 1
		return float64(xs[max(0, min(k, len(xs)-1))].Milliseconds())
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.95), "p95-ms")
	b.ReportMetric(pct(logged, 0.50), "event-p50-ms")
	b.ReportMetric(pct(logged, 0.95), "event-p95-ms")
}
