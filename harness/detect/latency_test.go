package detect_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/require"
)

// BenchmarkDetectionLatency measures, per source, the time from an effect
// completing on a real stack to its alert on the timeline, with the
// default intervals (state checks and file integrity 1s). Run it with
// -benchtime 10x; it reports p50 and p95 in milliseconds.
func BenchmarkDetectionLatency(b *testing.B) {
	cases := []struct {
		name, rule string
		undo       func(b *testing.B, s *containers.Stack)
		effect     func(b *testing.B, s *containers.Stack, i int)
	}{
		{"log/webshell-request", "webshell-request", nil, func(b *testing.B, s *containers.Stack, i int) {
			request(b, s, "GET", fmt.Sprintf("/wp-content/plugins/akismet/x%d.php?cmd=id", i), "", nil)
		}},
		{"log-db/db-union-select-pii", "db-union-select-pii", nil, func(b *testing.B, s *containers.Stack, i int) {
			rows, err := s.AppDB().Query(fmt.Sprintf("SELECT post_title FROM %sposts WHERE ID = %d UNION SELECT email FROM %swc_order_addresses", s.TablePrefix(), i, s.TablePrefix()))
			require.NoError(b, err)
			rows.Close()
		}},
		{"fim/fim-new-php-file", "fim-new-php-file", nil, func(b *testing.B, s *containers.Stack, i int) {
			writeFile(b, s, fmt.Sprintf("wp-content/plugins/bd-latency/f%d.php", i), "<?php\n")
		}},
		{"state-sql/pan-in-database", "pan-in-database", func(b *testing.B, s *containers.Stack) {
			_, err := s.AppDB().Exec("DELETE FROM " + s.TablePrefix() + "wc_orders_meta WHERE meta_key = '_bd_card'")
			require.NoError(b, err)
		}, func(b *testing.B, s *containers.Stack, i int) {
			_, err := s.AppDB().Exec("INSERT INTO "+s.TablePrefix()+"wc_orders_meta (order_id, meta_key, meta_value) VALUES (?, '_bd_card', '4111111111111111')", 500+i)
			require.NoError(b, err)
		}},
		{"state-http/wp-debug-log-public", "wp-debug-log-public", func(b *testing.B, s *containers.Stack) {
			require.NoError(b, s.RemoveFile(b.Context(), "wp-content/debug.log"))
		}, func(b *testing.B, s *containers.Stack, i int) {
			writeFile(b, s, "wp-content/debug.log", fmt.Sprintf("[28-Nov-2026 01:10:%02d UTC] PHP Warning:  Undefined variable $x%d in /var/www/html/index.php on line 3\n", i%60, i))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := benchShared.Get(b)
			e, tl := startEngine(b, s, canaries(&benchShared), shippedPack(b))
			events, cancel := tl.Subscribe(64)
			defer cancel()
			var lat []time.Duration
			for i := 0; i < b.N; i++ {
				if c.undo != nil {
					c.undo(b, s)
					// The checks must see the clean state before the effect.
					require.NoError(b, e.WaitCycles(b.Context(), 1), "a check cycle after the undo")
				}
				ctxID := fmt.Sprintf("%s-%d", c.name, i)
				e.SetContext(ctxID, detect.WindowObserve)
				// The new context's forced run of every check completes
				// before the effect, so the latency measured is the
				// effect's, not a run in progress.
				require.NoError(b, e.WaitCycles(b.Context(), 1), "a check cycle in the new context")
				c.effect(b, s, i)
				t0 := time.Now()
				lat = append(lat, waitFor(b, events, c.rule, ctxID, t0))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				k := int(p*float64(len(lat))+0.5) - 1
				return float64(lat[max(0, min(k, len(lat)-1))].Milliseconds())
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
		})
	}
}

func waitFor(b *testing.B, events <-chan timeline.Event, rule, scenario string, t0 time.Time) time.Duration {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			var a timeline.Alert
			if ev.Kind == timeline.KindAlert && ev.Scenario == scenario && ev.Decode(&a) == nil && a.Rule == rule {
				return ev.Time.Sub(t0)
			}
		case <-timeout:
			require.FailNow(b, "no alert", "no %s alert within 30s", rule)
		}
	}
}
