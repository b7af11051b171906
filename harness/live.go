package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// ErrScenarioFault means a containment check already passed before the
// response: the scenario cannot prove containment and must be fixed.
var ErrScenarioFault = errors.New("scenario fault")

// Live drives one scenario a step at a time, for a tabletop run against a
// real stack: the facilitator decides when the breach happens and when the
// playbook runs; detection and containment checks run on their own and
// land on the timeline.
type Live struct {
	sr        *scenarioRun
	eng       *detect.Engine
	contained chan struct{}
	cancel    context.CancelFunc
	loopDone  chan struct{}
	once      sync.Once
	closeErr  error
	// playbook is held while the playbook runs, and by each round of
	// checks: a check's own request served mid-playbook runs under the
	// old configuration and can undo a step (a GET that logs to
	// debug.log after the playbook deleted it).
	playbook sync.Mutex
}

// StartLive starts detection on stack and runs the scenario's clean
// baseline; nothing is injected until Inject.
func StartLive(ctx context.Context, stack Stack, tl *timeline.Timeline, secrets *Secrets, opts Options, s *scenarios.Scenario) (*Live, error) {
	r := NewRunner(stack, tl, secrets, opts)
	eng := detect.New(stack, opts.Pack, tl, detect.WithInterval(r.opts.Interval), detect.WithCanaries(opts.Canaries))
	if err := eng.Baseline(ctx); err != nil {
		return nil, fault.Infra(fmt.Errorf("detection baseline: %w", err))
	}
	if err := eng.Start(ctx); err != nil {
		return nil, fault.Infra(fmt.Errorf("start detection: %w", err))
	}
	sr := r.begin(eng, s, 1, 1)
	if err := sr.baseline(ctx); err != nil {
		sr.fail(ctx, "baseline", err)
		eng.Stop()
		return nil, err
	}
	return &Live{sr: sr, eng: eng, contained: make(chan struct{}), loopDone: make(chan struct{})}, nil
}

// Inject runs the scenario's inject, then watches in the background:
// regulatory clocks start at the first alert, and the containment checks
// run until they all pass, which closes Contained.
func (l *Live) Inject(ctx context.Context) error {
	if err := l.sr.inject(ctx); err != nil {
		l.sr.fail(ctx, "inject", err)
		close(l.loopDone)
		return err
	}
	// The checks must fail now; one that passes already would count as
	// contained the moment watching starts, whatever the room did.
	if err := l.sr.beforeRespond(ctx); err != nil {
		close(l.loopDone)
		if errors.Is(err, errStopScenario) {
			return fault.Input(fmt.Errorf("%w: %s", ErrScenarioFault, l.sr.end.Reason))
		}
		l.sr.fail(ctx, "before-respond", err)
		return err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	go l.watch(loopCtx)
	return nil
}

func (l *Live) watch(ctx context.Context) {
	defer close(l.loopDone)
	for {
		l.sr.expectedFired(l.sr.tl.Events())
		if err := l.sr.engineFault(); err != nil {
			l.sr.fail(ctx, "watch", err)
			return
		}
		l.playbook.Lock()
		ok, err := l.sr.checks(ctx, timeline.CheckAfter)
		l.playbook.Unlock()
		if err != nil && ctx.Err() == nil {
			l.sr.fail(ctx, "verify", err)
			return
		}
		if ok {
			l.sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindContained, Scenario: l.sr.s.ID, Summary: "every containment check passes"})
			close(l.contained)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.sr.opts.Poll):
		}
	}
}

// Respond runs the scenario's built-in playbook.
func (l *Live) Respond(ctx context.Context) error {
	l.playbook.Lock()
	defer l.playbook.Unlock()
	if err := l.sr.respond(ctx); err != nil {
		l.sr.fail(ctx, "respond", err)
		return err
	}
	return nil
}

// Contained is closed once every containment check passes.
func (l *Live) Contained() <-chan struct{} { return l.contained }

// Close stops watching, puts the stack back to its reset point, records
// the outcome and stops detection. Safe to call more than once.
func (l *Live) Close(ctx context.Context) error {
	l.once.Do(func() {
		if l.cancel != nil {
			l.cancel()
			<-l.loopDone
		}
		l.closeErr = l.sr.revert(ctx)
		if err := l.sr.engineFault(); err != nil {
			l.sr.fail(ctx, "revert", err)
		}
		// Faults no one picked up while the room talked still count.
		if err := l.sr.unreported(l.eng.Stop()); err != nil {
			l.sr.fail(ctx, "close", fault.Infra(engineError{err}))
			if l.closeErr == nil {
				l.closeErr = fault.Infra(engineError{err})
			}
		}
		l.sr.finish()
	})
	return l.closeErr
}
