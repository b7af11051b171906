package containers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go/wait"
)

// sqlReady waits until a query succeeds through the container's published
// port, and, unlike a log-line wait, works for both image sources. On
// timeout it reports the last error, which is usually the real cause.
type sqlReady struct {
	port    string
	config  func(addr string) *mysql.Config
	timeout time.Duration
}

var _ wait.Strategy = sqlReady{}

func (w sqlReady) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	var last error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("database not ready after %s: %w (last error: %v)", w.timeout, ctx.Err(), last)
		case <-tick.C:
		}
		if st, err := target.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("database container stopped (exit code %d)", st.ExitCode)
		}
		insp, err := target.Inspect(ctx)
		if err != nil {
			if ctx.Err() == nil {
				last = err
			}
			continue
		}
		port := hostPort(insp.NetworkSettings.Ports, w.port)
		if port == "" {
			last = fmt.Errorf("port %s not published yet", w.port)
			continue
		}
		db, err := openDB(w.config("127.0.0.1:" + port))
		if err != nil {
			return err
		}
		err = db.PingContext(ctx)
		db.Close()
		if err == nil {
			return nil
		}
		if ctx.Err() == nil {
			last = err
		}
	}
}

// httpReady waits until GET path answers 200 through the published port.
// Ports are published on 127.0.0.1 only, so the address is built here
// rather than from the engine's idea of its host name.
type httpReady struct {
	port    string
	path    string
	timeout time.Duration
}

var _ wait.Strategy = httpReady{}

func (w httpReady) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	var last error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("web server not ready after %s: %w (last: %v)", w.timeout, ctx.Err(), last)
		case <-tick.C:
		}
		if st, err := target.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("web container stopped (exit code %d)", st.ExitCode)
		}
		insp, err := target.Inspect(ctx)
		if err != nil {
			if ctx.Err() == nil {
				last = err
			}
			continue
		}
		port := hostPort(insp.NetworkSettings.Ports, w.port)
		if port == "" {
			last = fmt.Errorf("port %s not published yet", w.port)
			continue
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+w.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				last = err
			}
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Errorf("GET %s: %s", w.path, resp.Status)
	}
}
