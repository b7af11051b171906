package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/spf13/cobra"
)

// exerciseFlags are shared by drill and test.
type exerciseFlags struct {
	catalog   catalogFlags
	stack     stackFlags
	ids       []string
	all       bool
	shard     string
	run       string
	customers int
	orders    int
	seed      int64
	out       string
	key       string
	zip       bool
	interval  time.Duration
	window    time.Duration
	// allowExposed runs scenarios that plant code even where the stack's
	// network cannot be sealed.
	allowExposed bool
	// allowExec lets scenarios' host.exec steps run tools here.
	allowExec bool
	// parallel is how many stacks run scenarios at once.
	parallel int
	// shopperRate and checkoutEvery set how busy the shop is: the
	// shoppers' requests per second, and how often the probe buys.
	shopperRate   float64
	checkoutEvery time.Duration
}

func (f *exerciseFlags) register(cmd *cobra.Command, window time.Duration) {
	f.catalog.register(cmd)
	f.stack.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ids, "scenario", nil, "run scenario `ID` (repeatable; see `breachdrill scenarios list`)")
	fl.BoolVar(&f.all, "all", false, "run every scenario")
	fl.StringVar(&f.shard, "shard", "", "run only part `K/N` of the selected scenarios (for parallel CI jobs)")
	fl.StringVar(&f.run, "run", "", "use the running stack `RUN` (from `stack up`) instead of starting one")
	fl.IntVar(&f.customers, "customers", 300, "synthetic customers to seed")
	fl.IntVar(&f.orders, "orders", 1000, "synthetic orders to seed")
	fl.Int64Var(&f.seed, "seed", 1, "dataset seed: the same seed gives the same customers and orders")
	fl.StringVar(&f.out, "out", "evidence", "write the evidence bundle under `DIR`")
	fl.StringVar(&f.key, "key", "", "sign with the ed25519 key in `FILE` (default: your own key, created on first use)")
	fl.BoolVar(&f.zip, "zip", false, "also write the bundle as a .zip")
	fl.DurationVar(&f.interval, "interval", time.Second, "how often state checks (HTTP probes, SQL checks) run")
	fl.DurationVar(&f.window, "baseline-window", window, "clean traffic before each inject; any alert in it is a false positive")
	fl.BoolVar(&f.allowExposed, "allow-exposed", false, "run scenarios that plant web shells, backdoors or vulnerable plugins even where the stack's network cannot be sealed (a remote or rootless engine)")
	fl.IntVar(&f.parallel, "parallel", 1, "run the scenarios on `N` stacks at once, each scenario on one (results and evidence as in a serial run, ordered by scenario); each stack needs about 1 GB of memory")
	fl.Float64Var(&f.shopperRate, "shopper-rate", 1, "requests per second the shoppers make together, from each baseline window to the end of verification (a small shop's steady traffic; lower it on a slow machine)")
	fl.DurationVar(&f.checkoutEvery, "checkout-every", 5*time.Second, "how often the checkout probe places a real guest order (it also buys at the start of the attack, of the response, and right after containment)")
	fl.BoolVar(&f.allowExec, "allow-exec", false, "allow scenarios' host.exec steps to run tools (e.g. sqlmap) on this machine against the stack's 127.0.0.1 URL")
}

// selection resolves --scenario/--all/--shard into scenarios, and loads
// the rule pack.
func (f *exerciseFlags) selection(cmd *cobra.Command) ([]*scenarios.Scenario, *detect.Pack, error) {
	list, _, pack, err := f.selectionWithLeftOut(cmd)
	return list, pack, err
}

// selectionWithLeftOut is selection, plus the scenarios --all left out and
// why, for the record.
func (f *exerciseFlags) selectionWithLeftOut(cmd *cobra.Command) ([]*scenarios.Scenario, []timeline.LeftOut, *detect.Pack, error) {
	if f.all == (len(f.ids) > 0) {
		return nil, nil, nil, fault.Input(fmt.Errorf("choose the scenarios: --all, or --scenario ID (repeatable)"))
	}
	cat, pack, err := f.catalog.load(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	list := cat.All()
	if !f.all {
		if list, err = cat.Select(f.ids); err != nil {
			return nil, nil, nil, err
		}
	}
	if f.shard != "" {
		k, n, err := parseShard(f.shard)
		if err != nil {
			return nil, nil, nil, err
		}
		if list, err = scenarios.Shard(list, k, n); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(list) == 0 {
		return nil, nil, nil, fault.Input(fmt.Errorf("--shard %s selects no scenario", f.shard))
	}
	// Scenarios that run tools on this machine need the user's consent:
	// named ones are refused without it, --all leaves them out.
	kept := list[:0:0]
	var leftOut []timeline.LeftOut
	for _, s := range list {
		switch {
		case !s.UsesHostExec() || f.allowExec:
			kept = append(kept, s)
		case f.all:
			why := "it runs a tool on this machine (host.exec); pass --allow-exec to include it"
			fmt.Fprintf(cmd.ErrOrStderr(), "scenario %s left out: %s\n", s.ID, why)
			leftOut = append(leftOut, timeline.LeftOut{ID: s.ID, Reason: why})
		default:
			return nil, nil, nil, fault.Input(fmt.Errorf("scenario %s runs a tool on this machine (host.exec): pass --allow-exec to allow it, or leave the scenario out", s.ID))
		}
	}
	list = kept
	if len(list) == 0 {
		return nil, nil, nil, fault.Input(fmt.Errorf("no scenario left to run without --allow-exec"))
	}
	return list, leftOut, pack, nil
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fault.Input(fmt.Errorf("--shard %q: write K/N, like 2/4", s))
	}
	return k, n, nil
}

// runExercise runs the scenarios and writes the evidence bundle.
func runExercise(cmd *cobra.Command, kind string, f *exerciseFlags) (harness.ExerciseResult, *reports.Bundle, error) {
	list, leftOut, pack, err := f.selectionWithLeftOut(cmd)
	if err != nil {
		return harness.ExerciseResult{}, nil, err
	}
	if err := f.checkInput(cmd.Context(), list); err != nil {
		return harness.ExerciseResult{}, nil, err
	}
	src, err := containers.ParseSource(f.stack.source)
	if err != nil {
		return harness.ExerciseResult{}, nil, err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return harness.ExerciseResult{}, nil, fault.Input(fmt.Errorf("--out %s: %w", f.out, err))
	}
	stderr := cmd.ErrOrStderr()
	start := time.Now()
	say := func(s string) { fmt.Fprintf(stderr, "  %6.1fs %s\n", time.Since(start).Seconds(), s) }

	// The timeline is streamed to a raw file while the run goes on, so a
	// crash keeps it until gc; the bundle replaces it at the end, and on
	// every other way out it goes too (it is not evidence; see
	// timeline.RawStore).
	store, err := timeline.DefaultRawStore()
	if err != nil {
		return harness.ExerciseResult{}, nil, fault.Infra(fmt.Errorf("raw timeline records: %w", err))
	}
	partial, err := store.Create(f.out, kind)
	if err != nil {
		return harness.ExerciseResult{}, nil, fault.Input(fmt.Errorf("--out %s: %w", f.out, err))
	}
	defer partial.Remove()

	popts := f.stack.provision(src)
	popts.Attach, popts.Customers, popts.Orders, popts.Seed = f.run, f.customers, f.orders, f.seed
	ctx := cmd.Context()
	if f.allowExec {
		ctx = scenarios.WithExecAllowed(ctx)
	}
	res, runErr := harness.Exercise(ctx, harness.ExerciseOptions{
		Kind: kind, ToolVersion: version, Scenarios: list, Pack: pack, Provision: popts, Sink: partial, Say: say, AllowExposed: f.allowExposed,
		LeftOut: leftOut, Parallel: f.parallel,
		Runner: harness.Options{Interval: f.interval, BaselineWindow: f.window, Browse: true, Progress: progressPrinter(stderr, start),
			Shoppers: []shopper.Option{shopper.WithRate(f.shopperRate)}, CheckoutEvery: f.checkoutEvery},
	})
	if len(res.Events) == 0 || (fault.IsInput(runErr) && !fault.IsInfra(runErr)) {
		// Bad input found late is still bad input: no bundle for it.
		return res, nil, runErr
	}
	in := reports.Input{Events: res.Events, RulePackHash: pack.Hash(), ToolVersion: version, RulePack: rulePackFiles(pack)}
	for _, s := range list {
		data, err := scenarioFile(s)
		if err == nil {
			in.Scenarios = append(in.Scenarios, reports.File{Name: s.ID + ".yaml", Data: data})
		}
	}
	opts := []reports.Option{reports.WithSecrets(res.Secrets...)}
	if f.key != "" {
		opts = append(opts, reports.WithKeyFile(f.key))
	}
	if f.zip {
		opts = append(opts, reports.WithZip())
	}
	bundle, err := reports.WriteBundle(context.WithoutCancel(cmd.Context()), filepath.Join(f.out, res.ExerciseID), in, opts...)
	if err != nil {
		return res, nil, fmt.Errorf("write the evidence bundle: %w", err)
	}
	if !bundle.Redacted.Empty() {
		fmt.Fprintln(stderr, "a secret of the run reached the record and was redacted in the bundle (recorded there as a finding)")
	}
	if bundle.KeyCreated != "" {
		fmt.Fprintf(stderr, "created signing key %s (fingerprint %s)\n", bundle.KeyCreated, bundle.Signer)
	}
	return res, &bundle, runErr
}

func scenarioFile(s *scenarios.Scenario) ([]byte, error) {
	if s.Source == "builtin" {
		return scenarios.BuiltinFile(s.ID)
	}
	return os.ReadFile(s.File)
}

// progressPrinter prints one line per thing that happens, which reads well
// both in a terminal and in a CI log.
func progressPrinter(w io.Writer, start time.Time) func(harness.Progress) {
	return func(p harness.Progress) {
		line := p.Phase
		if p.Detail != "" {
			line += ": " + p.Detail
		}
		if p.Result != nil {
			line = "done: " + describeResult(*p.Result)
		}
		fmt.Fprintf(w, "  %6.1fs [%d/%d] %-26s %s\n", time.Since(start).Seconds(), p.Index, p.Total, p.Scenario, line)
	}
}

func describeResult(r timeline.ScenarioResult) string {
	s := r.Outcome
	if r.TimeToDetect != nil {
		s += fmt.Sprintf(", detected in %.1fs", *r.TimeToDetect)
	}
	if r.TimeToContain != nil {
		s += fmt.Sprintf(", contained in %.1fs", *r.TimeToContain)
	}
	if r.Reason != "" && r.Outcome != timeline.OutcomePassed {
		s += " (" + r.Reason + ")"
	}
	return s
}

func secs(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", *p)
}

// printSummary prints the end-of-run table.
func printSummary(w io.Writer, results []timeline.ScenarioResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tOUTCOME\tDETECT\tCONTAIN\tRECOVER\tDETAIL")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Info.ID, r.Outcome, secs(r.TimeToDetect), secs(r.TimeToContain), secs(r.TimeToRecover), r.Reason)
	}
	tw.Flush()
}
