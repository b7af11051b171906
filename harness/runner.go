package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// Options tune a Runner.
type Options struct {
	Pack *detect.Pack
	// Interval is the state checks' polling interval.
	Interval time.Duration
	// BaselineWindow is how long the stack runs clean (browsed normally when
	// Browse is set) before each inject; any alert in it is a false positive.
	BaselineWindow time.Duration
	Browse         bool
	// Canaries are the dataset's marker values, for PII rules.
	Canaries []string
	// Scan counts what leaked; nil records exposures by size only.
	Scan func(artifact string, body []byte) (timeline.Exposure, error)
	// Cards hands the card-data scenario its card numbers.
	Cards func(n int) []string
	// Progress receives a line for everything that happens.
	Progress func(Progress)
	// Poll is how often verify re-runs failing checks (default 1s).
	Poll time.Duration
	// With Browse set, shoppers (harness/shopper) use the shop from the
	// baseline window to the end of verification and a probe places a
	// checkout every CheckoutEvery (default 5 s). Customers are the logins
	// customer visits use; ShopperSeed (plus the scenario's position)
	// decides what the shoppers do; Shoppers tune them (rate, how many).
	Customers     []shopper.Account
	ShopperSeed   uint64
	Shoppers      []shopper.Option
	CheckoutEvery time.Duration
}

// Progress is one update for a live display.
type Progress struct {
	Scenario string
	Index    int // 1-based
	Total    int
	Phase    string
	Detail   string
	Result   *timeline.ScenarioResult // set once the scenario ended
}

// Runner takes one stack through a list of scenarios.
type Runner struct {
	stack   Stack
	tl      *timeline.Timeline
	secrets *Secrets
	opts    Options
	// engineFaults counts faults taken from the engine's Err channel, so
	// those Stop returns beyond them are known to be unreported.
	engineFaults int
	// toured is set once a baseline window on this stack has seen the
	// shopper tour.
	toured bool
}

// NewRunner prepares a run. The timeline should mask with secrets.Mask.
func NewRunner(stack Stack, tl *timeline.Timeline, secrets *Secrets, opts Options) *Runner {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Progress == nil {
		opts.Progress = func(Progress) {}
	}
	return &Runner{stack: stack, tl: tl, secrets: secrets, opts: opts}
}

// Run runs the scenarios one after another, reusing the stack (Reset is
// far faster than a new stack), and returns every result as measured from
// the timeline. The error is non-nil when the infrastructure failed or ctx
// was cancelled; results are returned either way.
func (r *Runner) Run(ctx context.Context, list []*scenarios.Scenario) ([]timeline.ScenarioResult, error) {
	eng := detect.New(r.stack, r.opts.Pack, r.tl, detect.WithInterval(r.opts.Interval), detect.WithCanaries(r.opts.Canaries))
	if err := eng.Baseline(ctx); err != nil {
		return nil, fault.Infra(fmt.Errorf("detection baseline: %w", err))
	}
	if err := eng.Start(ctx); err != nil {
		return nil, fault.Infra(fmt.Errorf("start detection: %w", err))
	}
	var runErr error
	for i, s := range list {
		if err := r.scenario(ctx, eng, s, i+1, len(list)); err != nil {
			runErr = err
			break
		}
	}
	// Faults the engine saw that no stage picked up (after the last check
	// of the last scenario) still end the run as an infrastructure error.
	if err := r.unreported(eng.Stop()); err != nil {
		msg := r.secrets.Mask("detection engine: " + err.Error())
		r.tl.MustAppend(timeline.Entry{Kind: timeline.KindFault, Summary: msg, Data: timeline.Fault{Error: msg}})
		if runErr == nil {
			runErr = fault.Infra(engineError{err})
		}
	}
	return timeline.Measure(r.tl.Events()), runErr
}

// unreported returns the faults in stopErr (everything the engine saw)
// beyond those the stages already recorded.
func (r *Runner) unreported(stopErr error) error {
	if stopErr == nil {
		return nil
	}
	all := []error{stopErr}
	if j, ok := stopErr.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	}
	if len(all) <= r.engineFaults {
		return nil
	}
	return errors.Join(all[r.engineFaults:]...)
}

// errStopScenario ends a scenario's stages early without a fault: its
// outcome is already decided (a scenario fault).
var errStopScenario = errors.New("scenario stopped")

// engineFault returns a fault the detection engine reported, if any,
// without waiting: checked between stages and while polling, so a log
// stream that dies in any phase ends the scenario.
func (sr *scenarioRun) engineFault() error {
	select {
	case err := <-sr.eng.Err():
		sr.engineFaults++
		return fault.Infra(engineError{err})
	default:
		return nil
	}
}

// scenario runs one scenario end to end. It returns an error only when the
// run cannot go on (the stack could not be put back, ctx ended, or the
// detection engine failed); a failed inject or check is recorded and the
// next scenario runs.
func (r *Runner) scenario(ctx context.Context, eng *detect.Engine, s *scenarios.Scenario, i, n int) error {
	sr := r.begin(eng, s, i, n)
	defer sr.finish()
	stages := []struct {
		name string
		do   func(context.Context) error
	}{
		{"baseline", sr.baseline},
		{"mark-logs", sr.markLogs},
		{"inject", sr.inject},
		{"observe", sr.observe},
		{"reconstruct", sr.reconstruct},
		{"before-respond", sr.beforeRespond},
		{"respond", sr.respond},
		{"verify", sr.verify},
	}
	var engineErr error
	for _, st := range stages {
		err := st.do(ctx)
		if err == nil {
			err = sr.engineFault()
		}
		if errors.Is(err, errStopScenario) {
			break
		}
		if err != nil {
			sr.fail(ctx, st.name, err)
			if isEngineFault(err) {
				engineErr = err
			}
			break
		}
	}
	if err := sr.revert(ctx); err != nil {
		return err
	}
	if engineErr == nil {
		if engineErr = sr.engineFault(); engineErr != nil {
			sr.fail(ctx, "revert", engineErr)
		}
	}
	// A detection source that died leaves every later scenario blind: they
	// would report misses that are not. Stop; they are listed as not run.
	return engineErr
}

// engineError is a fault of the detection engine (a source that died, a
// rule that cannot be evaluated), as opposed to one of the stack.
type engineError struct{ err error }

func (e engineError) Error() string { return "detection engine: " + e.err.Error() }
func (e engineError) Unwrap() error { return e.err }

func isEngineFault(err error) bool {
	var e engineError
	return errors.As(err, &e)
}

// scenarioRun is one scenario's pass through the lifecycle; the stages are
// methods so that a live tabletop can drive them one at a time.
type scenarioRun struct {
	*Runner
	eng    *detect.Engine
	s      *scenarios.Scenario
	env    *scenarios.Env
	i, n   int
	zero   timeline.Event
	end    timeline.ScenarioEnd
	last   map[string]bool // each check's last recorded result
	clocks bool

	// shoppers are the shoppers and the checkout probe (Browse).
	shoppers *traffic
	marks    *logMarks // log sizes at T0, for reconstruction
}

func (r *Runner) begin(eng *detect.Engine, s *scenarios.Scenario, i, n int) *scenarioRun {
	info := ScenarioInfo(s)
	if info.WAFMode = string(s.WAFMode()); info.WAFMode == "" {
		info.WAFMode = string(r.stack.Info().WAFMode)
	}
	r.tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: s.ID, Summary: s.Title, Data: info})
	env := scenarios.NewEnv(r.stack, s.Artifacts)
	env.Secret = r.secrets.Add
	env.Leaked = func(artifact string, body []byte) { r.exposure(s.ID, artifact, body) }
	if r.opts.Cards != nil {
		env.Cards = r.opts.Cards
	}
	env.Notified = func(n scenarios.Notice) { r.notified(s.ID, n) }
	return &scenarioRun{Runner: r, eng: eng, s: s, env: env, i: i, n: n, last: map[string]bool{}}
}

func (sr *scenarioRun) note(phase, detail string) {
	sr.opts.Progress(Progress{Scenario: sr.s.ID, Index: sr.i, Total: sr.n, Phase: phase, Detail: detail})
}

func (sr *scenarioRun) phase(name string) {
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindPhase, Scenario: sr.s.ID, Summary: name, Data: timeline.Phase{Name: name}})
	sr.shoppers.phase(name)
	sr.note(name, "")
}

// fail ends the scenario as an infrastructure error (or as interrupted);
// the stack is still put back so the next scenario starts clean.
func (sr *scenarioRun) fail(ctx context.Context, stage string, err error) {
	if ctx.Err() != nil {
		sr.end = timeline.ScenarioEnd{Outcome: timeline.OutcomeInterrupted, Reason: "stopped during " + stage}
		return
	}
	msg := sr.secrets.Mask(fmt.Sprintf("%s: %v", stage, err))
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindFault, Scenario: sr.s.ID, Summary: msg, Data: timeline.Fault{Error: msg}})
	sr.note(stage, "fault: "+msg)
}

// baseline re-takes the detection baseline and runs the clean window:
// normal traffic, no inject; any alert in it is a false positive.
func (sr *scenarioRun) baseline(ctx context.Context) error {
	sr.phase("baseline")
	// The warm-up (the WAF mode the preconditions declare, then the
	// scenario's own warmup steps) is part of the shop the baseline is
	// taken of, so rules are judged quiet with it in place; what it sets
	// off itself (a plugin's activation) is set-up, recorded in its own
	// window. Reset undoes it.
	if warm := sr.s.WarmUp(); len(warm) > 0 {
		sr.eng.SetContext(sr.s.ID, detect.WindowWarmup)
		if err := sr.steps(ctx, "warmup", warm); err != nil {
			return err
		}
	}
	// The reference is taken before the window opens: what the warm-up
	// (or the reset before it) changed belongs to that, not to the clean
	// window, even when the engine saw it only while the reference was
	// being taken.
	if err := sr.eng.Baseline(ctx); err != nil {
		return err
	}
	sr.eng.SetContext(sr.s.ID, "baseline")
	if !sr.opts.Browse {
		return sleep(ctx, sr.opts.BaselineWindow)
	}
	sr.shoppers = sr.startTraffic(ctx)
	// The tour (every kind of visitor, start to end) runs in the run's
	// first baseline window and in every one a warm-up changed the shop
	// for (a WAF mode, a second tenant, a gateway); the other windows see
	// the shoppers alone. A tour costs tens of seconds of real WooCommerce
	// pages on a small machine, and on the same shop and pack it would
	// prove the same thing again.
	if !sr.toured || len(sr.s.WarmUp()) > 0 {
		if err := sr.shoppers.tour(ctx); err != nil {
			return fmt.Errorf("normal traffic: %w", err)
		}
		sr.toured = true
	}
	sr.shoppers.shoppers()
	err := sleep(ctx, sr.opts.BaselineWindow)
	sr.shoppers.mark("baseline")
	return err
}

// inject runs the inject steps. Time zero is the start of the first one:
// the attacker's first action, not the end of the inject.
func (sr *scenarioRun) inject(ctx context.Context) error {
	sr.eng.SetContext(sr.s.ID, "observe")
	sr.phase("inject")
	if err := sr.steps(ctx, "inject", sr.s.Inject); err != nil {
		return err
	}
	done := sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindInjected, Scenario: sr.s.ID, Summary: "inject complete"})
	if sr.zero.Seq == 0 {
		sr.zero = done // a scenario without inject steps
	}
	return nil
}

// beforeRespond runs the containment checks once before the response.
// They must all fail: a check that already passes would "prove"
// containment whatever the response did, so the scenario is broken and
// ends as a scenario fault.
func (sr *scenarioRun) beforeRespond(ctx context.Context) error {
	results, err := sr.checkResults(ctx, timeline.CheckBefore)
	if err != nil {
		return err
	}
	for _, c := range results {
		if c.Pass {
			sr.end = timeline.ScenarioEnd{Outcome: timeline.OutcomeScenarioFault,
				Reason: fmt.Sprintf("containment check %q already passed before the response, so it cannot prove containment: fix the scenario", c.Name)}
			sr.note("before-respond", "scenario fault: "+sr.end.Reason)
			return errStopScenario
		}
	}
	return nil
}

func (sr *scenarioRun) respond(ctx context.Context) error {
	sr.phase("respond")
	return sr.steps(ctx, "respond", sr.s.Respond)
}

func (sr *scenarioRun) steps(ctx context.Context, stage string, steps []scenarios.Step) error {
	for k, st := range steps {
		desc := sr.secrets.Mask(st.Do.Describe())
		data := timeline.Step{Stage: stage, Index: k + 1, Action: st.Action, Args: desc}
		ev := sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindStepStart, Scenario: sr.s.ID, Actor: "breachdrill", Summary: stage + ": " + desc, Data: data})
		if stage == "inject" && k == 0 {
			sr.zero = ev
		}
		sr.note(stage, desc)
		start := time.Now()
		err := st.Do.Run(ctx, sr.env)
		data.Millis = time.Since(start).Milliseconds()
		if err != nil {
			data.Error = sr.secrets.Mask(err.Error())
		}
		sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindStepDone, Scenario: sr.s.ID, Actor: "breachdrill", Summary: stage + " done: " + desc, Data: data})
		if err != nil {
			return fmt.Errorf("step %d (%s, line %d): %w", k+1, st.Action, st.Line, err)
		}
	}
	return nil
}

// expectedFired reports, from the timeline, which expected rules fired in
// the observe window, starting the regulatory clocks at the first alert.
func (sr *scenarioRun) expectedFired(events []timeline.Event) (fired map[string]bool) {
	fired = map[string]bool{}
	for _, e := range events {
		if e.Kind != timeline.KindAlert || e.Scenario != sr.s.ID {
			continue
		}
		var a timeline.Alert
		if e.Decode(&a) != nil || a.Window != "observe" {
			continue
		}
		fired[a.Rule] = true
		if !sr.clocks && sr.s.PersonalData() {
			sr.clocks = true
			for _, c := range RegulatoryClocks(e.Time) {
				sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindClock, Scenario: sr.s.ID, Summary: fmt.Sprintf("%s due %s", c.Regime, c.Deadline.Format(time.RFC3339)), Data: c})
			}
		}
	}
	return fired
}

// observe waits until every expected rule fired or the longest deadline
// passed.
func (sr *scenarioRun) observe(ctx context.Context) error {
	sr.phase("observe")
	var longest time.Duration
	for _, e := range sr.s.Expect {
		longest = max(longest, e.Within)
	}
	deadline := time.NewTimer(time.Until(sr.zero.Time.Add(longest)))
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	reported := map[string]bool{}
	for {
		fired := sr.expectedFired(sr.tl.Events())
		all := true
		for _, e := range sr.s.Expect {
			all = all && fired[e.Rule]
			if fired[e.Rule] && !reported[e.Rule] {
				reported[e.Rule] = true
				sr.note("observe", "detected by "+e.Rule)
			}
		}
		if all {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-sr.eng.Err():
			sr.engineFaults++
			return fault.Infra(engineError{err})
		case <-deadline.C:
			return nil
		case <-tick.C:
		}
	}
}

// checks runs every containment check once and reports whether all pass.
func (sr *scenarioRun) checks(ctx context.Context, stage string) (bool, error) {
	results, err := sr.checkResults(ctx, stage)
	if err != nil {
		return false, err
	}
	all := true
	for _, c := range results {
		all = all && c.Pass
	}
	return all, nil
}

// checkResults runs every containment check once. Results are recorded
// when a check is first run in a stage and whenever its result changes,
// so a check polled for minutes leaves two lines, not two hundred.
func (sr *scenarioRun) checkResults(ctx context.Context, stage string) ([]timeline.Check, error) {
	var out []timeline.Check
	for k, c := range sr.s.Verify {
		res, err := c.Probe.Check(ctx, sr.env)
		if err != nil {
			return nil, fmt.Errorf("check %s (line %d): %w", c.Kind, c.Line, err)
		}
		desc := sr.secrets.Mask(c.Probe.Describe())
		detail := sr.secrets.Mask(res.Detail)
		out = append(out, timeline.Check{Stage: stage, Name: desc, Pass: res.Pass, Detail: detail})
		key := fmt.Sprintf("%s/%d", stage, k)
		if prev, seen := sr.last[key]; seen && prev == res.Pass {
			continue
		}
		sr.last[key] = res.Pass
		verdict := "fails"
		if res.Pass {
			verdict = "passes"
		}
		sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindCheck, Scenario: sr.s.ID, Actor: "breachdrill",
			Summary: fmt.Sprintf("%s: %s %s (%s)", stage, desc, verdict, detail),
			Data:    timeline.Check{Stage: stage, Name: desc, Pass: res.Pass, Detail: detail}})
	}
	return out, nil
}

// verify re-runs the checks until all pass (contained) or the scenario's
// containment deadline has passed. Time to contain counts from the first
// alert, so the deadline does too (from time zero when nothing alerted).
func (sr *scenarioRun) verify(ctx context.Context) error {
	sr.phase("verify")
	deadline := sr.firstAlert().Add(sr.s.ContainWithin)
	for {
		ok, err := sr.checks(ctx, timeline.CheckAfter)
		if err != nil {
			return err
		}
		if ok {
			sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindContained, Scenario: sr.s.ID, Summary: "every containment check passes"})
			sr.shoppers.afterContainment(ctx)
			sr.note("verify", "contained")
			return nil
		}
		if time.Now().After(deadline) {
			sr.note("verify", "not contained by the deadline")
			return nil
		}
		if err := sleep(ctx, sr.opts.Poll); err != nil {
			return err
		}
		if err := sr.engineFault(); err != nil {
			return err
		}
	}
}

// firstAlert is the time of the scenario's first alert after time zero,
// or time zero when there is none.
func (sr *scenarioRun) firstAlert() time.Time {
	for _, e := range sr.tl.Events() {
		if e.Kind != timeline.KindAlert || e.Scenario != sr.s.ID || e.Seq <= sr.zero.Seq {
			continue
		}
		var a timeline.Alert
		if e.Decode(&a) == nil && a.Window == "observe" {
			return e.Time
		}
	}
	return sr.zero.Time
}

// revert runs the scenario's revert steps and resets the stack, then proves
// it matches the reset point. Failing to put the stack back stops the run:
// the next scenario would start from a state nobody knows.
func (sr *scenarioRun) revert(ctx context.Context) error {
	// Putting the stack back must happen even after Ctrl-C.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	id := sr.s.ID
	sr.shoppers.stop()
	sr.eng.SetContext(id, "revert")
	sr.phase("revert")
	if err := sr.steps(cctx, "revert", sr.s.Revert); err != nil {
		msg := sr.secrets.Mask(err.Error())
		sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindFault, Scenario: id, Summary: msg, Data: timeline.Fault{Error: msg}})
	}
	rep, err := sr.stack.Reset(cctx)
	if err != nil {
		return fault.Infra(fmt.Errorf("%s: reset the stack: %w", id, err))
	}
	diffs, err := sr.stack.VerifyReset(cctx)
	if err != nil {
		return fault.Infra(fmt.Errorf("%s: verify the reset: %w", id, err))
	}
	detail := fmt.Sprintf("reset in %.2fs, %d tables restored", rep.Took.Seconds(), len(rep.TablesRestored))
	if len(diffs) > 0 {
		detail = "differs from the reset point: " + strings.Join(diffs, "; ")
	}
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindCheck, Scenario: id, Actor: "breachdrill", Summary: "revert: " + detail,
		Data: timeline.Check{Stage: "revert", Name: "stack matches the reset point", Pass: len(diffs) == 0, Detail: detail}})
	if len(diffs) > 0 {
		return fault.Infra(fmt.Errorf("%s: the stack did not return to its reset point: %s", id, strings.Join(diffs, "; ")))
	}
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindRecovered, Scenario: id, Summary: "stack back at the reset point"})
	return ctx.Err()
}

// finish records the verdict, measured from the timeline like any report.
func (sr *scenarioRun) finish() {
	sr.shoppers.stop()
	id := sr.s.ID
	end := sr.end
	if end.Outcome == "" {
		if res := sr.result(); res != nil {
			end = timeline.ScenarioEnd{Outcome: res.Outcome, Reason: res.Reason}
		}
	}
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: id, Summary: "outcome: " + end.Outcome, Data: end})
	sr.opts.Progress(Progress{Scenario: id, Index: sr.i, Total: sr.n, Phase: "done", Detail: end.Outcome, Result: sr.result()})
}

func (sr *scenarioRun) result() *timeline.ScenarioResult {
	for _, x := range timeline.Measure(sr.tl.Events()) {
		if x.Info.ID == sr.s.ID {
			return &x
		}
	}
	return nil
}

func (r *Runner) exposure(id, artifact string, body []byte) {
	x := timeline.Exposure{Artifact: artifact, Bytes: int64(len(body))}
	if r.opts.Scan != nil {
		scanned, err := r.opts.Scan(artifact, body)
		if err == nil {
			x = scanned
			x.Artifact, x.Bytes = artifact, int64(len(body))
		}
	}
	r.tl.MustAppend(timeline.Entry{Kind: timeline.KindExposure, Scenario: id,
		Summary: fmt.Sprintf("leaked %s: %d bytes, %d data subjects, %d records", artifact, x.Bytes, x.Subjects, x.Records), Data: x})
}

// notified records that an outside party acknowledged being told.
func (r *Runner) notified(id string, n scenarios.Notice) {
	data := timeline.Notification{Contact: n.Contact, Role: n.Role, Channel: n.Channel, Reference: n.Reference}
	r.tl.MustAppend(timeline.Entry{Kind: timeline.KindNotified, Scenario: id, Actor: "breachdrill",
		Summary: fmt.Sprintf("notified %s via %s (ref %s)", n.Contact, n.Channel, n.Reference), Data: data})
}

// ScenarioInfo is what the timeline records about a scenario.
func ScenarioInfo(s *scenarios.Scenario) timeline.ScenarioInfo {
	info := timeline.ScenarioInfo{
		ID: s.ID, Title: s.Title, Summary: s.Summary, Severity: s.Severity, Version: s.Hash, Source: s.Source,
		SeedPattern: s.SeedPattern, Attack: s.Attack, Controls: s.Controls, DataAtRisk: s.DataAtRisk, Objectives: s.Objectives,
		ContainWithinSeconds: s.ContainWithin.Seconds(), CardData: s.CardData(), PersonalData: s.PersonalData(),
		AttackerSteps: attackerSteps(s),
	}
	for _, e := range s.Expect {
		info.Expect = append(info.Expect, timeline.Expect{Rule: e.Rule, WithinSeconds: e.Within.Seconds()})
	}
	return info
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
