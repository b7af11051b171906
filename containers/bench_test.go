package containers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/require"
)

// BenchmarkImageBuild builds the debian image from nothing. It takes about
// a minute and replaces the tagged image, so it runs only when asked:
// BREACHDRILL_BENCH_BUILD=1 go test -run '^$' -bench ImageBuild ./containers
func BenchmarkImageBuild(b *testing.B) {
	if os.Getenv("BREACHDRILL_BENCH_BUILD") != "1" {
		b.Skip("set BREACHDRILL_BENCH_BUILD=1 to rebuild the image (about a minute)")
	}
	stacktest.Available(b)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		_, err := containers.EnsureImages(context.Background(), containers.SourceDebian, containers.WithRebuild())
		require.NoError(b, err, "rebuild the image")
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/build")
}

// BenchmarkStackReady starts a stack from existing images until it is ready
// (WordPress installed, WooCommerce's tables made, reset point taken).
// Target: under 10 s on 2 cores.
func BenchmarkStackReady(b *testing.B) {
	imgs := stacktest.Images(b)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		s, err := containers.Run(context.Background(), containers.WithImages(imgs))
		require.NoError(b, err, "start a stack")
		total += time.Since(start)
		b.StopTimer()
		require.NoError(b, s.Close(context.Background()), "remove the stack")
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/ready")
}

// BenchmarkStackReadyRealPlugin starts a stack with the real WooCommerce
// (activated, HPOS on, reset point taken) from the base image, which copies
// the plugin in, and from the derived image that has it baked in. Target:
// under 60 s cold on 2 cores.
func BenchmarkStackReadyRealPlugin(b *testing.B) {
	imgs := stacktest.Images(b)
	woo := stacktest.WooCommerce(b)
	baked, err := containers.BakeWooCommerce(context.Background(), imgs, woo, io.Discard)
	require.NoError(b, err, "bake WooCommerce into an image")
	for _, bb := range []struct {
		name string
		imgs containers.Images
	}{{"copied", imgs}, {"baked", baked}} {
		b.Run(bb.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				start := time.Now()
				// The base image is given as is: Run would otherwise pick
				// the derived image for this plugin by itself.
				s, err := containers.Run(context.Background(), containers.WithImages(bb.imgs), containers.WithWooCommerce(woo), containers.WithExactImages())
				require.NoError(b, err, "start a stack with the real plugin")
				total += time.Since(start)
				b.StopTimer()
				require.NoError(b, s.Close(context.Background()), "remove the stack")
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/ready")
		})
	}
}

// BenchmarkReset times Reset after what a typical scenario does: a debug
// log and a backdoor written into the docroot, an option changed, a rogue
// administrator added, card numbers put in order meta. Target: under 3 s.
func BenchmarkReset(b *testing.B) {
	s := benchStack.Get(b)
	ctx := context.Background()
	p := s.TablePrefix()
	debugLog := []byte(strings.Repeat("PHP Warning:  Undefined variable $x in /var/www/html/wp-content/themes/x.php on line 3\n", 10000))
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		steps := []func() error{
			func() error { return s.WriteFile(ctx, "wp-content/debug.log", debugLog, 0o644) },
			func() error {
				return s.WriteFile(ctx, "wp-content/plugins/rogue/rogue.php", []byte("<?php /* Plugin Name: Rogue */ @eval($_POST['x']);"), 0o644)
			},
			func() error {
				_, err := s.AppDB().ExecContext(ctx, "UPDATE "+p+"options SET option_value = 'https://evil.example' WHERE option_name = 'blogdescription'")
				return err
			},
			func() error {
				_, err := s.AppDB().ExecContext(ctx, fmt.Sprintf("INSERT INTO %susers (user_login, user_pass, user_email, user_registered) VALUES ('rogue%d', '$P$x', 'r%d@evil.example', NOW())", p, i, i))
				return err
			},
			func() error {
				_, err := s.AppDB().ExecContext(ctx, "INSERT INTO "+p+"usermeta (user_id, meta_key, meta_value) VALUES (LAST_INSERT_ID(), '"+p+"capabilities', 'a:1:{s:13:\"administrator\";b:1;}')")
				return err
			},
			func() error {
				_, err := s.AppDB().ExecContext(ctx, "INSERT INTO "+p+"wc_orders_meta (order_id, meta_key, meta_value) VALUES (1, '_card', '4111111111111111')")
				return err
			},
		}
		for _, step := range steps {
			require.NoError(b, step(), "change the stack before the reset")
		}
		b.StartTimer()
		start := time.Now()
		rep, err := s.Reset(ctx)
		require.NoError(b, err, "Reset")
		total += time.Since(start)
		if i == 0 {
			b.Logf("restored %v, dropped %v", rep.TablesRestored, rep.TablesDropped)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/reset")
}

// BenchmarkWAFCost times one request for a static file and one for a PHP
// page with ModSecurity off and blocking, on the same stack in the same run,
// so the difference is the WAF's cost.
func BenchmarkWAFCost(b *testing.B) {
	s := benchStack.Get(b)
	ctx := context.Background()
	b.Cleanup(func() { _ = s.SetWAF(ctx, containers.WAFOff) })
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(b *testing.B, path string) {
		resp, err := client.Get(s.URL() + path)
		require.NoError(b, err, "GET %s", path)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(b, http.StatusOK, resp.StatusCode, "GET %s", path)
	}
	for _, mode := range []containers.WAFMode{containers.WAFOff, containers.WAFBlock} {
		require.NoError(b, s.SetWAF(ctx, mode), "set the WAF to %s", mode)
		for _, page := range []struct{ name, path string }{{"static", "/wp-includes/css/dashicons.min.css"}, {"php", "/?p=1"}} {
			b.Run(string(mode)+"/"+page.name, func(b *testing.B) {
				get(b, page.path) // warm
				for b.Loop() {
					get(b, page.path)
				}
			})
		}
	}
}
