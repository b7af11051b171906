package detect

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// progress records what the engine has looked at, so that a caller can
// wait until it has seen a moment (a test asserting that nothing fired, a
// runner closing a window) instead of sleeping and hoping.
type progress struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	events  map[Source]int64
	latest  map[Source]time.Time
	fimDone int64
	runs    map[string]*checkRuns // state check id → its runs
}

type checkRuns struct{ started, done int64 }

// Progress is a snapshot of what an engine has processed.
type Progress struct {
	// Events counts the events evaluated per source (log lines, file
	// changes, GraphQL requests); the engine's own probes are not counted.
	Events map[Source]int64
	// Latest is the newest event time evaluated per source, by the
	// event's own clock (the log's time stamp).
	Latest map[Source]time.Time
	// FilePolls counts completed comparisons of the docroot's file list.
	FilePolls int64
	// CheckRuns counts completed runs per state check.
	CheckRuns map[string]int64
}

// wake returns a channel closed at the next change; p.mu must be held.
func (p *progress) wake() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// update applies f under the lock and wakes every waiter.
func (p *progress) update(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

func (p *progress) evaluated(src Source, at time.Time) {
	p.update(func() {
		if p.events == nil {
			p.events, p.latest = map[Source]int64{}, map[Source]time.Time{}
		}
		p.events[src]++
		if at.After(p.latest[src]) {
			p.latest[src] = at
		}
	})
}

func (p *progress) polled() { p.update(func() { p.fimDone++ }) }

func (p *progress) check(id string) *checkRuns {
	if p.runs == nil {
		p.runs = map[string]*checkRuns{}
	}
	r := p.runs[id]
	if r == nil {
		r = &checkRuns{}
		p.runs[id] = r
	}
	return r
}

func (p *progress) checkStarted(id string) { p.update(func() { p.check(id).started++ }) }
func (p *progress) checkDone(id string)    { p.update(func() { p.check(id).done++ }) }

// Progress returns what the engine has processed so far.
func (e *Engine) Progress() Progress {
	p := &e.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	out := Progress{Events: map[Source]int64{}, Latest: map[Source]time.Time{}, FilePolls: p.fimDone, CheckRuns: map[string]int64{}}
	for k, v := range p.events {
		out.Events[k] = v
	}
	for k, v := range p.latest {
		out.Latest[k] = v
	}
	for _, c := range e.checks {
		out.CheckRuns[c.info.ID] = 0
	}
	for k, r := range p.runs {
		out.CheckRuns[k] = r.done
	}
	return out
}

// wait blocks until cond holds (checked under the lock at every change),
// ctx ends or the engine stops; poke, when set, runs after each failed
// check, outside the lock.
func (e *Engine) wait(ctx context.Context, what string, cond func() bool, poke func()) error {
	p := &e.prog
	for {
		p.mu.Lock()
		ok, ch := cond(), p.wake()
		p.mu.Unlock()
		if ok {
			return nil
		}
		e.mu.Lock()
		running := e.running
		e.mu.Unlock()
		if !running {
			return fmt.Errorf("detect: engine stopped before %s", what)
		}
		if poke != nil {
			poke()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("detect: waiting for %s: %w", what, context.Cause(ctx))
		}
	}
}

// WaitCycles blocks until n file-integrity polls, and n runs of every
// state check, each begun after the call, have completed: whatever was
// done to the docroot or the database before the call has then been
// looked at by every check. Checks are run at once rather than at their
// own interval.
func (e *Engine) WaitCycles(ctx context.Context, n int) error {
	p := &e.prog
	p.mu.Lock()
	fimFrom := p.fimDone
	// A poll in progress began before the call: one more must complete.
	fimWant := fimFrom + int64(n) + 1
	want := map[string]int64{}
	for _, c := range e.checks {
		// Runs of one check never overlap, so once done reaches what was
		// started at the call plus n, n runs begun after it are done.
		want[c.info.ID] = p.check(c.info.ID).started + int64(n)
	}
	p.mu.Unlock()
	cond := func() bool {
		if p.fimDone < fimWant {
			return false
		}
		for id, w := range want {
			if p.check(id).done < w {
				return false
			}
		}
		return true
	}
	// Kick the checks now, and again when a check still short of its
	// runs completes one (it may have been busy at the last kick, which
	// skipped it); not at every event, which would run them flat out.
	kicked := int64(-1)
	kick := func() {
		p.mu.Lock()
		var done int64
		for id, w := range want {
			if d := p.check(id).done; d < w {
				done += d
			}
		}
		p.mu.Unlock()
		if done == kicked {
			return
		}
		kicked = done
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
	return e.wait(ctx, fmt.Sprintf("%d check cycles", n), cond, kick)
}

// WaitSeen blocks until the engine has evaluated an event of src stamped
// at or after t (by the event's own clock: for the access and audit logs
// microseconds, for server_audit and PHP's log whole seconds).
func (e *Engine) WaitSeen(ctx context.Context, src Source, t time.Time) error {
	p := &e.prog
	return e.wait(ctx, fmt.Sprintf("a %s event at or after %s", src, t.Format(time.RFC3339Nano)),
		func() bool { return !p.latest[src].Before(t) && p.events[src] > 0 }, nil)
}
