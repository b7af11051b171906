package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/breachdrill/breachdrill/tui"
)

// liveEngine adapts the exercise engine to the console's live mode: one
// provisioned stack for the exercise, one harness.Live per scenario.
type liveEngine struct {
	provision harness.ProvisionOptions
	pack      *detect.Pack
	secrets   *harness.Secrets

	mu       sync.Mutex
	prov     *harness.Provisioned
	closed   bool
	removed  chan struct{} // closed once the stack is gone
	closeErr error
}

// tabletopBaseline is the clean window before each live inject: long
// enough to catch a noisy rule, short enough not to keep a room waiting.
const tabletopBaseline = 10 * time.Second

func (l *liveEngine) Provision(ctx context.Context, progress func(string)) (tui.Access, error) {
	prov, err := harness.Provision(ctx, l.provision, progress)
	if err != nil {
		return tui.Access{}, err
	}
	l.mu.Lock()
	if l.closed {
		// The console was quit while the stack started.
		l.mu.Unlock()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return tui.Access{}, errors.Join(errors.New("stopped while the stack started"), prov.Close(cctx))
	}
	l.prov = prov
	l.mu.Unlock()
	creds := prov.Stack.Credentials()
	// Registered before anything is recorded: the timeline masks them and
	// the bundle refuses them.
	for _, s := range creds.Secrets() {
		l.secrets.Add(s)
	}
	info := prov.Stack.Info()
	return tui.Access{
		URL: info.URL + "/", AdminURL: info.URL + "/wp-admin/", User: creds.AdminUser, Password: creds.AdminPassword,
		Stack: harness.StackInfo(info), Dataset: prov.Dataset,
	}, nil
}

func (l *liveEngine) Start(ctx context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (tui.Session, error) {
	l.mu.Lock()
	prov := l.prov
	l.mu.Unlock()
	if prov == nil {
		return nil, errors.New("no stack")
	}
	lv, err := harness.StartLive(ctx, prov.Stack, tl, l.secrets, harness.Options{
		Pack: l.pack, Canaries: prov.Canaries, Scan: prov.Scan, Cards: prov.Cards,
		Interval: time.Second, BaselineWindow: tabletopBaseline, Browse: true,
	}, s)
	if err != nil {
		// A nil *harness.Live in a tui.Session would not be a nil Session.
		return nil, err
	}
	return lv, nil
}

// Close removes the stack. The console calls it when the hot wash starts
// and the command again on the way out; the second call waits for the
// first, so the process never exits with the stack half removed.
func (l *liveEngine) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.removed != nil {
		done := l.removed
		l.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.closeErr
	}
	prov := l.prov
	l.prov, l.closed = nil, true
	l.removed = make(chan struct{})
	l.mu.Unlock()
	var err error
	if prov != nil {
		err = prov.Close(ctx)
	}
	l.mu.Lock()
	l.closeErr = err
	close(l.removed)
	l.mu.Unlock()
	return err
}
