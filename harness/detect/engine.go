// Package detect is breachdrill's detection engine: it follows the stack's
// logs (web access, WordPress audit, MariaDB audit, PHP errors), watches
// the docroot's files, analyses GraphQL request bodies and runs state
// checks (HTTP probes, SQL, configuration) on an interval, evaluates a rule
// pack (Sigma rules through sigma-go, and state checks of ours) and
// appends an alert to the exercise timeline the first time each rule fires
// in each scenario window.
//
// Typical use by the exercise engine:
//
//	pack, _ := detect.LoadPack(rules.FS)
//	e := detect.New(stack, pack, tl, detect.WithCanaries(canaries))
//	e.Baseline(ctx)                    // after seeding, and after each Reset
//	e.Start(ctx)                       // sources attached when it returns
//	e.SetContext(id, detect.WindowBaseline)
//	... normal traffic (harness/shopper): no shipped rule may fire on it ...
//	e.SetContext(id, detect.WindowObserve)
//	... inject, wait for alerts on the timeline ...
//	e.Stop()
package detect

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect/graphql"
	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Stack is what the engine needs from a running stack;
// *containers.Stack implements it.
type Stack interface {
	URL() string
	TablePrefix() string
	DB() *sql.DB
	Follow(ctx context.Context, l containers.Log) (io.ReadCloser, error)
	Exec(ctx context.Context, svc containers.Service, cmd []string, opts ...containers.ExecOption) (containers.ExecResult, error)
	ReadFile(ctx context.Context, rel string) ([]byte, error)
}

// Windows of a scenario.
const (
	WindowBaseline = "baseline" // the clean window before the inject: any alert is a false positive
	WindowObserve  = "observe"  // after the inject
	// WindowWarmup is a scenario's set-up before its baseline (a tenant, a
	// gateway); its alerts are recorded and judged neither way.
	WindowWarmup = "warmup"
)

// Option configures New.
type Option func(*config)

type config struct {
	onMatch     func(Match)
	interval    time.Duration
	fimInterval time.Duration
	canaries    []string
	limits      graphql.Limits
	listOnly    bool
}

// WithInterval sets how often state checks run (default 1s); a check with
// its own interval runs at that one.
func WithInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.interval = d
		}
	}
}

// WithFileInterval sets how often file integrity looks for changed files
// (default 1s): a change is seen within about this long. Where the web
// container's writable layer cannot be read here, each look lists the
// whole docroot (8,000 files with WooCommerce) through the container's
// filesystem with a docker exec: about 0.33 s of CPU on a 2-core machine.
func WithFileInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.fimInterval = d
		}
	}
}

// WithFileListing makes file integrity list the whole docroot inside the
// container on every poll, even where it could read the web container's
// writable layer on this host and list only what changed: the slower way
// that works everywhere, for comparing the two.
func WithFileListing() Option {
	return func(c *config) { c.listOnly = true }
}

// WithCanaries gives the dataset's canary marker strings, which the PII
// checks report wherever they turn up (options, transients).
func WithCanaries(canaries []string) Option {
	return func(c *config) { c.canaries = append([]string(nil), canaries...) }
}

// Match is one event a Sigma rule matched: every one, not only the first
// that alerts in a window (watch counts attack requests with it).
type Match struct {
	Rule   RuleInfo
	Source Source
	Time   time.Time
	Fields map[string]string // a copy: the caller may keep it
}

// WithOnMatch calls f for every event a Sigma rule matches, from the
// source's goroutine; f must be quick and safe for concurrent use.
func WithOnMatch(f func(Match)) Option { return func(c *config) { c.onMatch = f } }

// WithGraphQLLimits bounds the GraphQL analysis per request.
func WithGraphQLLimits(l graphql.Limits) Option { return func(c *config) { c.limits = l } }

// Engine evaluates one rule pack against one stack.
type Engine struct {
	stack   Stack
	pack    *Pack
	tl      *timeline.Timeline
	cfg     config
	token   string // marks the engine's own HTTP probes in the access log
	client  *http.Client
	sources map[Source][]*compiledSigma
	checks  []*stateCheck
	fim     *fimState
	prog    progress // what has been looked at, for WaitCycles and WaitSeen
	// ref is held for reading by every check run and every file poll
	// with its evaluation, and for writing by Baseline: a cycle that
	// compared with the old reference is judged before the new one is
	// taken, never in the window opened after it.
	ref sync.RWMutex

	mu       sync.Mutex
	history  []ctxSwitch
	fired    map[firedKey]bool
	ruleErrs map[string]bool
	faults   []error
	cancel   context.CancelFunc
	done     sync.WaitGroup
	running  bool
	kick     chan struct{} // run every check now (a new context)
	touched  chan struct{} // the docroot changed: run the checks that look at files now
	errs     chan error
}

type ctxSwitch struct {
	at               time.Time
	scenario, window string
}

type firedKey struct{ rule, scenario, window string }

// New prepares an engine; nothing runs until Start. Each engine compiles
// its own copy of the rules, so aggregation counts are never shared.
func New(stack Stack, pack *Pack, tl *timeline.Timeline, opts ...Option) *Engine {
	cfg := config{interval: time.Second, fimInterval: time.Second, limits: graphql.DefaultLimits()}
	for _, o := range opts {
		o(&cfg)
	}
	e := &Engine{
		stack:    stack,
		pack:     pack,
		tl:       tl,
		cfg:      cfg,
		token:    randomToken(),
		sources:  map[Source][]*compiledSigma{},
		fim:      &fimState{listOnly: cfg.listOnly},
		history:  []ctxSwitch{{}},
		fired:    map[firedKey]bool{},
		ruleErrs: map[string]bool{},
		kick:     make(chan struct{}, 1),
		touched:  make(chan struct{}, 1),
		errs:     make(chan error, 32),
	}
	e.client = &http.Client{
		Timeout: 10 * time.Second,
		// A probe looks at what the server answers to exactly this path.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true, IdleConnTimeout: 30 * time.Second},
	}
	compiled := map[string]*compiledSigma{}
	for _, id := range pack.IDs() {
		r := pack.rules[id]
		switch {
		case r.info.NotApplicable != "":
			// Listed, never evaluated: the stack cannot feed it.
		case r.sigma != nil:
			c := compileSigma(r.info, r.sigma)
			compiled[id] = c
			e.sources[r.sigma.source] = append(e.sources[r.sigma.source], c)
		case r.check != nil:
			e.checks = append(e.checks, newStateCheck(r.info, r.check))
		}
	}
	for _, id := range pack.IDs() {
		r := pack.rules[id]
		if r.corr == nil || r.info.NotApplicable != "" {
			continue
		}
		cc := newCompiledCorrelation(r.info, r.corr)
		for i, b := range r.corr.bases {
			if c := compiled[b]; c != nil {
				c.feeds = append(c.feeds, corrFeed{corr: cc, base: i})
				c.silent = c.silent || !r.corr.generate
			}
		}
	}
	return e
}

// ProbeUserAgent is the User-Agent of the engine's own HTTP probes: the
// access-log source drops requests that carry it, so probes never trip a
// log rule.
func (e *Engine) ProbeUserAgent() string { return "breachdrill-probe/" + e.token }

// SetContext makes alerts from now on belong to scenario and window
// (WindowBaseline or WindowObserve; both may be empty). Each rule alerts
// once per (scenario, window); setting a context again starts it afresh.
// Log events carry their own microsecond timestamps and are placed by
// them, so a request made before the switch counts in the window it was
// made in even when it is read after.
func (e *Engine) SetContext(scenario, window string) {
	e.mu.Lock()
	e.history = append(e.history, ctxSwitch{at: time.Now(), scenario: scenario, window: window})
	if len(e.history) > 64 {
		e.history = e.history[len(e.history)-64:]
	}
	for k := range e.fired {
		if k.scenario == scenario && k.window == window {
			delete(e.fired, k)
		}
	}
	e.mu.Unlock()
	// A condition that still holds is found again in the new window at
	// once: every check runs now, queries afresh, and a probe kept from
	// before reports its match again.
	for _, c := range e.checks {
		c.forget()
	}
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// contextAt is the context an event belongs to: by its time when the
// source's clock is precise enough, else the current one.
func (e *Engine) contextAt(t time.Time, byEventTime bool) ctxSwitch {
	h := e.history
	if !byEventTime || t.IsZero() {
		return h[len(h)-1]
	}
	for i := len(h) - 1; i > 0; i-- {
		if !h[i].at.After(t) {
			return h[i]
		}
	}
	return h[0]
}

// emit appends an alert unless this rule already alerted in the context.
func (e *Engine) emit(info RuleInfo, src Source, at time.Time, byEventTime bool, matched []string) {
	e.mu.Lock()
	c := e.contextAt(at, byEventTime)
	key := firedKey{info.ID, c.scenario, c.window}
	if e.fired[key] {
		e.mu.Unlock()
		return
	}
	e.fired[key] = true
	e.mu.Unlock()
	masked := make([]string, len(matched))
	for i, m := range matched {
		masked[i] = maskPANs(m)
	}
	var evTime *time.Time
	if !at.IsZero() {
		t := at.UTC()
		evTime = &t
	}
	_, err := e.tl.Append(timeline.Entry{
		Kind:     timeline.KindAlert,
		Scenario: c.scenario,
		Actor:    "detect",
		Summary:  fmt.Sprintf("%s: %s", info.ID, info.Title),
		Data: timeline.Alert{
			Rule:      info.ID,
			SigmaID:   info.SigmaID,
			Title:     info.Title,
			Severity:  info.Severity,
			Source:    string(src),
			Window:    c.window,
			Matched:   masked,
			EventTime: evTime,
		},
	})
	if err != nil {
		e.report(fmt.Errorf("record alert %s: %w", info.ID, err))
	}
}

// Err delivers faults while the engine runs: infrastructure failures
// (marked fault.Infra: a log stream ended, the container stopped
// answering) and rules that fail to evaluate. Stop returns them all too.
func (e *Engine) Err() <-chan error { return e.errs }

func (e *Engine) report(err error) {
	e.mu.Lock()
	e.faults = append(e.faults, err)
	e.mu.Unlock()
	select {
	case e.errs <- err:
	default:
	}
}

// ruleError reports a rule that failed to evaluate, once per rule.
func (e *Engine) ruleError(id string, err error) {
	e.mu.Lock()
	seen := e.ruleErrs[id]
	e.ruleErrs[id] = true
	e.mu.Unlock()
	if !seen {
		e.report(fmt.Errorf("rule %s: %w", id, err))
	}
}

// Start attaches every source (log streams, the file watcher, the state
// checks) and returns once they are attached: whatever is appended to a log
// or changed in the docroot after Start returns is seen. The sources run
// until Stop or until ctx ends.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return errors.New("detect: engine already started")
	}
	e.running, e.faults = true, nil
	e.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	streams := map[Source]io.ReadCloser{}
	fail := func(err error) error {
		cancel()
		for _, rc := range streams {
			rc.Close()
		}
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
		return err
	}
	for _, s := range logSources {
		if !e.needs(s.source) {
			continue
		}
		rc, err := e.stack.Follow(runCtx, s.log)
		if err != nil {
			return fail(fmt.Errorf("detect: attach the %s log: %w", s.log, err))
		}
		streams[s.source] = rc
	}
	if err := e.fim.ensureReference(runCtx, e.stack); err != nil {
		return fail(fmt.Errorf("detect: list the docroot: %w", err))
	}
	e.mu.Lock()
	e.cancel = cancel
	e.mu.Unlock()
	for _, s := range logSources {
		if rc, ok := streams[s.source]; ok {
			e.done.Add(1)
			go func() {
				defer e.done.Done()
				e.follow(runCtx, s, rc)
			}()
		}
	}
	e.done.Add(2)
	go func() {
		defer e.done.Done()
		e.watchFiles(runCtx)
	}()
	go func() {
		defer e.done.Done()
		e.runChecks(runCtx)
	}()
	return nil
}

// needs reports whether any rule reads src (GraphQL events come from the
// access log).
func (e *Engine) needs(src Source) bool {
	if src == SourceAccess {
		return len(e.sources[SourceAccess]) > 0 || len(e.sources[SourceGraphQL]) > 0
	}
	return len(e.sources[src]) > 0
}

// Stop detaches every source and waits for them; it returns the faults
// seen while running (infrastructure failures marked fault.Infra).
func (e *Engine) Stop() error {
	e.mu.Lock()
	cancel := e.cancel
	e.cancel = nil
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	e.done.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.running = false
	return errors.Join(e.faults...)
}

func randomToken() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("detect: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}
