package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// ExerciseOptions describe one automated exercise (drill or test).
type ExerciseOptions struct {
	Kind        string // timeline.ExerciseDrill or ExerciseTest
	ToolVersion string
	Scenarios   []*scenarios.Scenario
	Pack        *detect.Pack
	Provision   ProvisionOptions
	Runner      Options
	// Sink receives the timeline as it is written (a file), so an
	// interrupted run keeps what it recorded.
	Sink io.Writer
	// Say receives one line per provisioning step.
	Say func(string)
	// LeftOut are the scenarios the selection left out, for the record.
	LeftOut []timeline.LeftOut
	// AllowExposed runs scenarios that plant code (Scenario.PlantsCode)
	// on a stack whose network is not sealed; without it they are refused.
	AllowExposed bool
	// Parallel runs the scenarios on this many stacks at once (see
	// runParallel); 0 or 1 runs them one after another on one stack.
	Parallel int
}

// ExerciseResult is everything an exercise leaves for reports.
type ExerciseResult struct {
	ExerciseID string
	Events     []timeline.Event
	Results    []timeline.ScenarioResult
	// Secrets of the run, for a last check that none reached the evidence.
	Secrets []string
}

// NewExerciseID names an exercise: UTC time plus a random suffix, sortable
// and unique across CI jobs.
func NewExerciseID(kind string, now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s-%s", kind, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b))
}

// Exercise provisions (or attaches to) a stack, seeds it, runs every
// scenario with detection watching, and removes what it created. Results
// come back even when the run failed part-way; the error then says why
// (infrastructure, or interrupted).
func Exercise(ctx context.Context, opts ExerciseOptions) (ExerciseResult, error) {
	say := opts.Say
	if say == nil {
		say = func(string) {}
	}
	secrets := NewSecrets()
	tlOpts := []timeline.Option{timeline.WithMask(secrets.Mask)}
	if opts.Sink != nil {
		tlOpts = append(tlOpts, timeline.WithSink(opts.Sink))
	}
	tl := timeline.New(tlOpts...)
	res := ExerciseResult{ExerciseID: NewExerciseID(opts.Kind, tl.Start())}
	ids := make([]string, len(opts.Scenarios))
	for i, s := range opts.Scenarios {
		ids[i] = s.ID
	}
	info := timeline.RunInfo{
		ExerciseID: res.ExerciseID, Kind: opts.Kind, ToolVersion: opts.ToolVersion, Scenarios: ids,
		RulePackHash: opts.Pack.Hash(),
		Automation:   "breachdrill " + opts.ToolVersion + ": scenario injects, detection rules and built-in response playbooks, no human actors",
		LeftOut:      opts.LeftOut,
	}

	provStart := time.Now()
	prov, err := Provision(ctx, opts.Provision, say)
	if err != nil {
		// Nothing ran: the run start still records what was attempted.
		tl.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Summary: opts.Kind + " " + res.ExerciseID, Data: info})
		tl.MustAppend(timeline.Entry{Kind: timeline.KindFault, Summary: err.Error(), Data: timeline.Fault{Error: err.Error()}})
		tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: "infrastructure-error", Data: timeline.RunEnd{Outcome: "infrastructure-error"}})
		res.Events = tl.Events()
		return res, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := prov.Close(cctx); cerr != nil {
			say("removing the stack: " + cerr.Error())
		}
	}()
	for _, s := range prov.Stack.Credentials().Secrets() {
		secrets.Add(s)
	}
	if err := checkExposure(prov.Stack.Isolation(), opts.Scenarios, opts.AllowExposed); err != nil {
		// The CLI checks this before starting anything; this is for
		// every other caller, and for a seal that failed after all.
		res.Events = tl.Events()
		return res, err
	}
	info.Stack = StackInfo(prov.Stack.Info())
	info.Dataset = prov.Dataset
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunStart, Summary: opts.Kind + " " + res.ExerciseID, Data: info})
	tl.MustAppend(timeline.Entry{Kind: timeline.KindPhase, Data: timeline.Phase{Name: "provision"},
		Summary: fmt.Sprintf("provision and seed: stack %s, %d customers, %d orders, ready in %.1fs", prov.Stack.RunID(), prov.Dataset.Customers, prov.Dataset.Orders, time.Since(provStart).Seconds())})

	ropts := opts.Runner
	ropts.Pack = opts.Pack
	ropts.Canaries = prov.Canaries
	ropts.Scan = prov.Scan
	ropts.Cards = prov.Cards
	if ropts.Customers == nil {
		ropts.Customers = prov.Customers
	}
	if ropts.ShopperSeed == 0 {
		ropts.ShopperSeed = uint64(opts.Provision.Seed)
	}
	var results []timeline.ScenarioResult
	var runErr error
	if n := min(opts.Parallel, len(opts.Scenarios)); n > 1 && prov.Owned {
		results, runErr = runParallel(ctx, n, prov, opts.Scenarios, tl, secrets, ropts, opts.Provision, say)
	} else {
		results, runErr = NewRunner(prov.Stack, tl, secrets, ropts).Run(ctx, opts.Scenarios)
	}

	outcome := "passed"
	switch {
	case ctx.Err() != nil:
		outcome = timeline.OutcomeInterrupted
		runErr = fault.Infra(fmt.Errorf("interrupted: %w", ctx.Err()))
	case runErr != nil:
		outcome = timeline.OutcomeInfra
		runErr = fault.Infra(runErr)
	default:
		// Worst first: infrastructure (exit 3), then a broken scenario
		// (exit 2: the input is wrong), then readiness gaps (exit 1).
		var infra, broken *timeline.ScenarioResult
		for i, r := range results {
			switch {
			case r.Outcome == timeline.OutcomeInfra && infra == nil:
				infra = &results[i]
			case r.Outcome == timeline.OutcomeScenarioFault && broken == nil:
				broken = &results[i]
			case r.Outcome != timeline.OutcomePassed && outcome == "passed":
				outcome = "gaps"
			}
		}
		switch {
		case infra != nil:
			outcome = timeline.OutcomeInfra
			runErr = fault.Infra(fmt.Errorf("%s: %s", infra.Info.ID, infra.Reason))
		case broken != nil:
			outcome = timeline.OutcomeScenarioFault
			runErr = fault.Input(fmt.Errorf("scenario %s: %s", broken.Info.ID, broken.Reason))
		}
	}
	tl.MustAppend(timeline.Entry{Kind: timeline.KindRunEnd, Summary: outcome, Data: timeline.RunEnd{Outcome: outcome}})
	res.Events = tl.Events()
	res.Results = timeline.Measure(res.Events)
	res.Secrets = secrets.List()
	return res, runErr
}

// StackInfo is what the record says about a stack: no secret.
func StackInfo(i containers.Info) *timeline.StackInfo {
	si := &timeline.StackInfo{
		RunID: i.RunID, ImageSource: string(i.Images.Source), ImageDB: i.Images.DB, ImageWP: i.Images.WP,
		ImageDBID: i.ImageIDs.DB, ImageWPID: i.ImageIDs.WP,
		WordPressVersion: i.WordPressVersion, WooCommerceMode: i.WooCommerceMode, WooCommerceVersion: i.WooCommerceVersion,
		MariaDBVersion: i.MariaDBVersion, PHPVersion: i.PHPVersion,
		ApacheVersion: i.ApacheVersion, ModSecurityVersion: i.ModSecurityVersion, CRSVersion: i.CRSVersion,
		NetworkSealed: i.Isolation.Enforced, NetworkExposure: i.Isolation.Reason,
		WarmSnapshot: i.WarmSnapshot,
	}
	for _, p := range i.Plugins {
		si.Plugins = append(si.Plugins, timeline.PluginInfo{File: p.File, Version: p.Version, SHA256: p.SHA256})
	}
	return si
}

// checkExposure refuses scenarios that plant code on a stack whose network
// is not sealed, unless allowed.
func checkExposure(iso containers.Isolation, list []*scenarios.Scenario, allow bool) error {
	if iso.Enforced || allow {
		return nil
	}
	var ids []string
	for _, s := range list {
		if s.PlantsCode() {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return fault.Input(fmt.Errorf("--allow-exposed: %s plant(s) code an attacker could reach, and the stack's network is not sealed (%s)", strings.Join(ids, ", "), iso.Reason))
}
