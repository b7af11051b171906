package detect

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// stateCheck is a check with what it remembers between runs.
type stateCheck struct {
	info RuleInfo
	def  *check
	due  time.Time
	busy atomic.Bool

	fails int // consecutive infrastructure failures; touched only by the running check

	mu        sync.Mutex
	probes    map[string]probeMemo // http: path → last probe
	listed    []string             // http: files found in directory listings
	listedAt  time.Time
	baseSet   map[string]bool // http new_since_baseline, sql differs_from_baseline
	baseRows  map[string]bool // sql since_baseline: label+value hashes at Baseline
	haveBase  bool
	sqlRuns   map[int]sqlRun // sql: query index → last run
	cfgStamp  string         // config: the file's stamp when last read
	cfgResult []string
	cfgRead   time.Time
}

type probeMemo struct {
	stamp   string
	at      time.Time
	matched string
}

type sqlRun struct {
	dbTime  time.Time
	matched []string
	rows    []labelValue
}

type labelValue struct{ label, value string }

func newStateCheck(info RuleInfo, def *check) *stateCheck {
	return &stateCheck{info: info, def: def, probes: map[string]probeMemo{}, sqlRuns: map[int]sqlRun{}}
}

// readsFiles reports whether the check depends on the docroot's files,
// so that a change file integrity saw runs it at once.
func (c *stateCheck) readsFiles() bool {
	switch {
	case c.def.config != nil, c.def.file != nil:
		return true
	case c.def.http != nil:
		return len(c.def.http.files) > 0 || c.def.http.discover != nil
	}
	return false
}

// forget drops memoised query and configuration results, so the next run
// looks afresh. HTTP probes are kept: each is a page the shop renders
// (WordPress answers a missing file with its own 404 page, 0.25 s of CPU
// here), a probe's answer is trusted only while the file it asked for is
// unchanged, and a kept match is reported again in every window.
func (c *stateCheck) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sqlRuns = map[int]sqlRun{}
	c.cfgStamp, c.cfgResult = "", nil
}

// runChecks runs every due check each interval; a check still running
// from the last tick is skipped, not queued.
func (e *Engine) runChecks(ctx context.Context) {
	if len(e.checks) == 0 {
		return
	}
	t := time.NewTicker(min(e.cfg.interval, 250*time.Millisecond))
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	run := func(force func(*stateCheck) bool) {
		now := time.Now()
		for _, c := range e.checks {
			if !force(c) && now.Before(c.due) {
				continue
			}
			if !c.busy.CompareAndSwap(false, true) {
				continue
			}
			iv := c.def.interval
			if iv == 0 {
				iv = e.cfg.interval
			}
			c.due = now.Add(iv)
			e.prog.checkStarted(c.info.ID)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer e.prog.checkDone(c.info.ID) // after busy is cleared: a waiter's kick runs it again
				defer c.busy.Store(false)
				e.runCheck(ctx, c)
			}()
		}
	}
	all := func(*stateCheck) bool { return true }
	none := func(*stateCheck) bool { return false }
	run(all)
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
			run(all)
		case <-e.touched:
			run((*stateCheck).readsFiles)
		case <-t.C:
			run(none)
		}
	}
}

func (e *Engine) runCheck(ctx context.Context, c *stateCheck) {
	e.ref.RLock()
	defer e.ref.RUnlock()
	var matched []string
	var err error
	switch c.def.kind {
	case KindHTTP:
		matched, err = e.runHTTP(ctx, c)
	case KindSQL:
		matched, err = e.runSQL(ctx, c)
	case KindConfig:
		matched, err = e.runConfig(ctx, c)
	case KindFile:
		matched, err = e.runFile(ctx, c)
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		if !fault.IsInfra(err) {
			e.ruleError(c.info.ID, err)
			return
		}
		c.fails++
		if c.fails == 3 {
			e.report(fmt.Errorf("detect: state check %s keeps failing: %w", c.info.ID, err))
		}
		return
	}
	c.fails = 0
	if len(matched) > 0 {
		if len(matched) > 10 {
			matched = append(matched[:10:10], fmt.Sprintf("… and %d more", len(matched)-10))
		}
		e.emit(c.info, SourceState, time.Now(), false, matched)
	}
}

// baseline records what a check compares with later.
func (c *stateCheck) baseline(ctx context.Context, e *Engine) error {
	switch {
	case c.def.http != nil && c.def.http.cond.newSet != nil:
		set := map[string]bool{}
		for _, p := range c.def.http.paths {
			status, body, err := e.probe(ctx, p)
			if err != nil {
				return err
			}
			if statusIn(status, c.def.http.cond.status) {
				for _, m := range c.def.http.cond.newSet.FindAllSubmatch(body, -1) {
					set[string(m[1])] = true
				}
			}
		}
		c.mu.Lock()
		c.baseSet, c.haveBase = set, true
		c.mu.Unlock()
	case c.def.sql != nil && (c.def.sql.cond.differs || c.def.sql.cond.sinceBaseline):
		set, rows := map[string]bool{}, map[string]bool{}
		for _, q := range c.def.sql.queries {
			out, ok, err := e.query(ctx, q)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for _, lv := range out {
				set[lv.label] = true
				rows[rowKey(lv)] = true
			}
		}
		c.mu.Lock()
		c.baseSet, c.baseRows, c.haveBase = set, rows, true
		c.mu.Unlock()
	}
	c.forget()
	return nil
}

func rowKey(lv labelValue) string {
	h := sha256.Sum256([]byte(lv.value))
	return lv.label + "\x00" + string(h[:])
}
