package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
)

// WatchScenario is the scenario id a watch session's alerts belong to: a
// session is one open-ended observe window.
const WatchScenario = "watch"

// WatchOptions describe one purple-team session (breachdrill watch).
type WatchOptions struct {
	ToolVersion string
	Pack        *detect.Pack
	Provision   ProvisionOptions
	Interval    time.Duration // state checks (default 1s)
	// For ends the session after this long; 0 runs until ctx ends
	// (Ctrl-C), which is a normal end, not an interruption.
	For time.Duration
	// Rearm lets a rule alert again after this long (default 30s), so an
	// attack repeated later is seen again; each rule alerts at most once
	// per period, so a scanner's thousand requests stay readable.
	Rearm time.Duration
	// Expect lists rule ids that must fire (a gate).
	Expect []string
	// Sink receives the timeline as it is written.
	Sink io.Writer
	Say  func(string)
	// Ready is called once detection is attached, with the stack's URL:
	// from then on every request is seen.
	Ready func(url string)
	// OnAlert is called for each alert as it is recorded.
	OnAlert func(WatchAlert)
	// OnRearm is called each time the rules are rearmed (every Rearm),
	// after which each may alert again.
	OnRearm func()
	// Replay bounds the attack responses fetched again to count what
	// left the stack (default 20; negative: none).
	Replay int
}

// WatchAlert is one alert of a session, with its latency from the event
// that matched.
type WatchAlert struct {
	Time      time.Time     `json:"time"`
	Rule      string        `json:"rule"`
	Title     string        `json:"title"`
	Severity  string        `json:"severity"`
	Source    string        `json:"source"`
	Matched   []string      `json:"matched"`
	EventTime time.Time     `json:"event_time"`
	Latency   time.Duration `json:"latency_ns"`
}

// WatchResult is what a session leaves for reports.
type WatchResult struct {
	ExerciseID string
	Events     []timeline.Event
	Alerts     []WatchAlert
	// Missing are expected rules that never fired.
	Missing []string
	// Hits counts the events each rule matched, alerting or not.
	Hits    map[string]int
	Secrets []string
}

// maxAttackTargets bounds the attack requests remembered for the
// exposure count.
const maxAttackTargets = 200

// Watch attaches the rule pack to a live stack (started, or the one named
// in Provision.Attach) and records every alert until For elapses or ctx
// ends. At the end, attack requests that the server answered with content
// are fetched again and scanned, so the exposure is counted from what left
// the stack the way drills count it. The error is non-nil only when the
// infrastructure failed; the result is filled either way.
func Watch(ctx context.Context, opts WatchOptions) (WatchResult, error) {
	say := opts.Say
	if say == nil {
		say = func(string) {}
	}
	if opts.Rearm <= 0 {
		opts.Rearm = 30 * time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Replay == 0 {
		opts.Replay = 20
	}
	secrets := NewSecrets()
	tlOpts := []timeline.Option{timeline.WithMask(secrets.Mask)}
	if opts.Sink != nil {
		tlOpts = append(tlOpts, timeline.WithSink(opts.Sink))
	}
	tl := timeline.New(tlOpts...)
	res := WatchResult{ExerciseID: NewExerciseID(timeline.ExerciseWatch, tl.Start()), Hits: map[string]int{}}
	info := timeline.RunInfo{
		ExerciseID: res.ExerciseID, Kind: timeline.ExerciseWatch, ToolVersion: opts.ToolVersion, Scenarios: []string{WatchScenario},
		RulePackHash: opts.Pack.Hash(),
		Title:        "Purple-team watch: the rule pack against live attacks",
		Automation:   "breachdrill " + opts.ToolVersion + ": detection only; the attacks were made by a person or a tool outside breachdrill",
	}
	// The session's own end: Ctrl-C (ctx) or --for. Everything after it
	// (exposure, cleanup) runs on a context that is not cancelled.
	end := context.WithoutCancel(ctx)
	prov, err := Provision(ctx, opts.Provision, say)
	if err != nil {
		tl.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Summary: "watch " + res.ExerciseID, Data: info})
		tl.MustAppend(timeline.Entry{Kind: timeline.KindFault, Summary: err.Error(), Data: timeline.Fault{Error: err.Error()}})
		tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: timeline.OutcomeInfra, Data: timeline.RunEnd{Outcome: timeline.OutcomeInfra}})
		res.Events = tl.Events()
		return res, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(end, time.Minute)
		defer cancel()
		if cerr := prov.Close(cctx); cerr != nil {
			say("removing the stack: " + cerr.Error())
		}
	}()
	for _, s := range prov.Stack.Credentials().Secrets() {
		secrets.Add(s)
	}
	info.Stack = StackInfo(prov.Stack.Info())
	info.Dataset = prov.Dataset
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Summary: "watch " + res.ExerciseID, Data: info})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: WatchScenario, Summary: info.Title,
		Data: timeline.ScenarioInfo{ID: WatchScenario, Title: info.Title, Severity: "informational", Expect: expects(opts.Expect), DetectOnly: true}})

	var mu sync.Mutex
	var targets []attackTarget
	seen := map[string]bool{}
	onMatch := func(m detect.Match) {
		mu.Lock()
		defer mu.Unlock()
		res.Hits[m.Rule.ID]++
		if m.Source != detect.SourceAccess || m.Fields["cs-method"] != http.MethodGet || m.Fields["sc-status"] != "200" {
			return
		}
		uri := m.Fields["cs-uri"]
		if uri == "" || seen[uri] || len(targets) >= maxAttackTargets {
			return
		}
		seen[uri] = true
		targets = append(targets, attackTarget{rule: m.Rule.ID, uri: uri, ua: m.Fields["cs-user-agent"]})
	}
	eng := detect.New(prov.Stack, opts.Pack, tl, detect.WithInterval(opts.Interval), detect.WithCanaries(prov.Canaries), detect.WithOnMatch(onMatch))
	if err := eng.Baseline(ctx); err != nil {
		return res, finishWatch(tl, &res, secrets, fault.Infra(fmt.Errorf("detection baseline: %w", err)))
	}
	events, unsubscribe := tl.Subscribe(256)
	defer unsubscribe()
	if err := eng.Start(ctx); err != nil {
		return res, finishWatch(tl, &res, secrets, fault.Infra(fmt.Errorf("start detection: %w", err)))
	}
	eng.SetContext(WatchScenario, detect.WindowObserve)
	tl.MustAppend(timeline.Entry{Kind: timeline.KindPhase, Scenario: WatchScenario, Summary: "watching " + prov.Stack.URL(), Data: timeline.Phase{Name: "observe"}})
	if opts.Ready != nil {
		opts.Ready(prov.Stack.URL())
	}

	var stop <-chan time.Time
	if opts.For > 0 {
		t := time.NewTimer(opts.For)
		defer t.Stop()
		stop = t.C
	}
	rearm := time.NewTicker(opts.Rearm)
	defer rearm.Stop()
	var runErr error
	record := func(ev timeline.Event) {
		var a timeline.Alert
		if ev.Kind != timeline.KindAlert || ev.Decode(&a) != nil {
			return
		}
		wa := WatchAlert{Time: ev.Time, Rule: a.Rule, Title: a.Title, Severity: a.Severity, Source: a.Source, Matched: a.Matched}
		if a.EventTime != nil {
			wa.EventTime = *a.EventTime
			wa.Latency = ev.Time.Sub(wa.EventTime)
		}
		res.Alerts = append(res.Alerts, wa)
		if opts.OnAlert != nil {
			opts.OnAlert(wa)
		}
	}
loop:
	for {
		select {
		case ev := <-events:
			record(ev)
		case err := <-eng.Err():
			if fault.IsInfra(err) {
				runErr = err
				break loop
			}
			say("rule error: " + err.Error())
		case <-rearm.C:
			eng.SetContext(WatchScenario, detect.WindowObserve)
			if opts.OnRearm != nil {
				opts.OnRearm()
			}
		case <-stop:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	stopErr := eng.Stop()
	// Alerts recorded while detection stopped are the session's too.
	for drained := false; !drained; {
		select {
		case ev := <-events:
			record(ev)
		default:
			drained = true
		}
	}
	if runErr == nil && stopErr != nil && fault.IsInfra(stopErr) {
		runErr = stopErr
	}

	// Exposure: what the attack requests got back, fetched again from the
	// stack and scanned for the seeded personal data.
	mu.Lock()
	tgts := append([]attackTarget(nil), targets...)
	mu.Unlock()
	if runErr == nil && opts.Replay > 0 && prov.Scan != nil {
		countExposure(end, tl, prov, tgts, opts.Replay, say)
	}
	for _, id := range opts.Expect {
		if !firedIn(res.Alerts, id) {
			res.Missing = append(res.Missing, id)
		}
	}
	return res, finishWatch(tl, &res, secrets, runErr)
}

type attackTarget struct{ rule, uri, ua string }

// countExposure fetches up to n attack targets again (GET, as the
// attacker did) and records what each response carried.
func countExposure(ctx context.Context, tl *timeline.Timeline, prov *Provisioned, tgts []attackTarget, n int, say func(string)) {
	client := &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, t := range tgts {
		if i >= n {
			say(fmt.Sprintf("exposure: %d more attack requests not fetched again (limit %d)", len(tgts)-n, n))
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, prov.Stack.URL()+t.uri, nil)
		if err != nil {
			continue
		}
		req.Header.Set("User-Agent", "breachdrill-watch-exposure")
		resp, err := client.Do(req)
		if err != nil {
			say("exposure: " + err.Error())
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		x, err := prov.Scan(t.uri, body)
		if err != nil || (x.Records == 0 && x.Subjects == 0 && !x.CardNumber) {
			continue
		}
		x.Artifact = "response to " + t.rule + " request GET " + clipURI(t.uri)
		tl.MustAppend(timeline.Entry{Kind: timeline.KindExposure, Scenario: WatchScenario, Actor: "watch",
			Summary: fmt.Sprintf("%s: %d records, %d data subjects", x.Artifact, x.Records, x.Subjects), Data: x})
	}
}

func clipURI(u string) string {
	if len(u) > 160 {
		return u[:160] + "…"
	}
	return u
}

func expects(ids []string) []timeline.Expect {
	var out []timeline.Expect
	for _, id := range ids {
		out = append(out, timeline.Expect{Rule: id})
	}
	return out
}

func firedIn(alerts []WatchAlert, id string) bool {
	for _, a := range alerts {
		if a.Rule == id {
			return true
		}
	}
	return false
}

// finishWatch closes the session's timeline: a summary note with each
// rule's latency and hits, the scenario's end and the run's.
func finishWatch(tl *timeline.Timeline, res *WatchResult, secrets *Secrets, runErr error) error {
	var lines []string
	for _, a := range res.Alerts {
		lines = append(lines, fmt.Sprintf("%s fired %.3fs after the matching event (%s)", a.Rule, a.Latency.Seconds(), a.Source))
	}
	ids := make([]string, 0, len(res.Hits))
	for id := range res.Hits {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		lines = append(lines, fmt.Sprintf("%s matched %d events", id, res.Hits[id]))
	}
	if len(lines) > 0 {
		tl.MustAppend(timeline.Entry{Kind: timeline.KindNote, Scenario: WatchScenario, Actor: "watch", Summary: "watch summary",
			Data: timeline.Note{Text: strings.Join(lines, "\n")}})
	}
	outcome, reason := timeline.OutcomePassed, ""
	switch {
	case runErr != nil:
		outcome, reason = timeline.OutcomeInfra, runErr.Error()
	case len(res.Missing) > 0:
		outcome, reason = timeline.OutcomeMissed, "expected rules never fired: "+strings.Join(res.Missing, ", ")
	}
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: WatchScenario, Summary: outcome, Data: timeline.ScenarioEnd{Outcome: outcome, Reason: reason}})
	runOutcome := "passed"
	switch {
	case runErr != nil:
		runOutcome = timeline.OutcomeInfra
	case len(res.Missing) > 0:
		runOutcome = "gaps"
	}
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: runOutcome, Data: timeline.RunEnd{Outcome: runOutcome}})
	res.Events = tl.Events()
	res.Secrets = secrets.List()
	return runErr
}
