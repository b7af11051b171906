package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/spf13/cobra"
)

type watchFlags struct {
	stack     stackFlags
	ruleDirs  []string
	strict    bool
	run       string
	asJSON    bool
	dur       time.Duration
	expect    []string
	out       string
	key       string
	zip       bool
	interval  time.Duration
	rearm     time.Duration
	customers int
	orders    int
	seed      int64
}

func newWatchCmd() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch a live stack with the rule pack while you attack it (purple-team mode)",
		Long: `Attach the rule pack (shipped rules plus --rules) to a live stack and print
each alert as it happens: time, severity, rule, latency from the matching
request, and the request or event that matched. Attack the stack's URL with a
person or a real tool (sqlmap, a scanner) meanwhile; the URL is printed on
stderr once detection is attached.

With --run RUN it watches a stack from 'stack up' (re-seeded with the
synthetic dataset, so leaks can be counted); otherwise it starts one and
removes it at the end. --for ends the session after a while; Ctrl-C ends it
too. Each rule alerts at most once per --rearm period. The session ends in a
signed evidence bundle of kind watch: every alert with its latency, how many
events each rule matched, and the exposure counted from the attack requests'
responses (fetched again and scanned for the seeded personal data).

With --expect RULE (repeatable) the session is a gate: exit 1 when an
expected rule never fired. Exit 2 on bad input, 3 when the infrastructure
failed.`,
		Example: "  breachdrill watch --for 5m --expect web-sqli-probe --expect db-sqli-probe\n" +
			"  breachdrill watch --run bd-1a2b3c --rules ./sigma/rules/web --json > alerts.jsonl",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWatch(cmd, &f) },
	}
	f.stack.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ruleDirs, "rules", nil, "add detection rules from `DIR` (a rule with a shipped id replaces it); repeatable")
	fl.BoolVar(&f.strict, "strict", false, "refuse rules the stack cannot feed (not applicable) instead of listing them")
	fl.StringVar(&f.run, "run", "", "watch the running stack `RUN` (from `stack up`) instead of starting one")
	fl.BoolVar(&f.asJSON, "json", false, "print each alert as one JSON object per line")
	fl.DurationVar(&f.dur, "for", 0, "end the session after `DURATION` (default: until Ctrl-C)")
	fl.StringArrayVar(&f.expect, "expect", nil, "rule `ID` that must fire, or exit 1 (repeatable)")
	fl.StringVar(&f.out, "out", "evidence", "write the evidence bundle under `DIR`")
	fl.StringVar(&f.key, "key", "", "sign with the ed25519 key in `FILE` (default: your own key, created on first use)")
	fl.BoolVar(&f.zip, "zip", false, "also write the bundle as a .zip")
	fl.DurationVar(&f.interval, "interval", time.Second, "how often state checks (HTTP probes, SQL checks) run")
	fl.DurationVar(&f.rearm, "rearm", 30*time.Second, "let a rule alert again after this long")
	fl.IntVar(&f.customers, "customers", 300, "synthetic customers to seed")
	fl.IntVar(&f.orders, "orders", 1000, "synthetic orders to seed")
	fl.Int64Var(&f.seed, "seed", 1, "dataset seed")
	return cmd
}

// watchLine is one alert in --json output.
type watchLine struct {
	Time      time.Time `json:"time"`
	Rule      string    `json:"rule"`
	Title     string    `json:"title"`
	Severity  string    `json:"severity"`
	Source    string    `json:"source"`
	LatencyS  float64   `json:"latency_s"`
	EventTime time.Time `json:"event_time"`
	Matched   []string  `json:"matched"`
}

func runWatch(cmd *cobra.Command, f *watchFlags) error {
	// Everything that can be wrong with the input is found before a
	// stack starts.
	if f.dur < 0 {
		return fault.Input(fmt.Errorf("--for %s: give a positive duration, or leave it out to stop with Ctrl-C", f.dur))
	}
	if f.interval < 100*time.Millisecond {
		return fault.Input(fmt.Errorf("--interval %s: use at least 100ms", f.interval))
	}
	if f.rearm < time.Second {
		return fault.Input(fmt.Errorf("--rearm %s: use at least 1s", f.rearm))
	}
	src, err := containers.ParseSource(f.stack.source)
	if err != nil {
		return fault.Input(err)
	}
	stderr, out := cmd.ErrOrStderr(), cmd.OutOrStdout()
	pack, _, err := loadRulePack(stderr, f.ruleDirs, f.strict)
	if err != nil {
		return err
	}
	for _, id := range f.expect {
		r, ok := pack.Rule(id)
		if !ok {
			return fault.Input(fmt.Errorf("--expect %s: no such rule (see `breachdrill rules list`)", id))
		}
		if r.NotApplicable != "" {
			return fault.Input(fmt.Errorf("--expect %s: the rule is not applicable to this stack: %s", id, r.NotApplicable))
		}
	}
	printNotApplicable(stderr, pack)
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fault.Input(fmt.Errorf("--out %s: %w", f.out, err))
	}
	partial, err := os.CreateTemp(f.out, ".watch-*.timeline.jsonl")
	if err != nil {
		return fault.Input(fmt.Errorf("--out %s: %w", f.out, err))
	}
	defer partial.Close()

	start := time.Now()
	say := func(s string) { fmt.Fprintf(stderr, "  %6.1fs %s\n", time.Since(start).Seconds(), s) }
	var outMu sync.Mutex
	res, runErr := harness.Watch(cmd.Context(), harness.WatchOptions{
		ToolVersion: version, Pack: pack, Interval: f.interval, For: f.dur, Rearm: f.rearm, Expect: f.expect,
		Sink: partial, Say: say,
		Provision: harness.ProvisionOptions{Source: src, WooCommerce: f.stack.woocommerce, TablePrefix: f.stack.prefix, Attach: f.run,
			Customers: f.customers, Orders: f.orders, Seed: f.seed, Cold: f.stack.cold},
		Ready: func(url string) {
			until := "Ctrl-C"
			if f.dur > 0 {
				until = f.dur.String() + " or Ctrl-C"
			}
			fmt.Fprintf(stderr, "watching %s with %d rules until %s; attack it now\n", url, len(pack.IDs())-len(pack.NotApplicable()), until)
		},
		OnAlert: func(a harness.WatchAlert) {
			outMu.Lock()
			defer outMu.Unlock()
			printWatchAlert(out, f.asJSON, a, time.Now())
		},
	})
	if len(res.Events) == 0 {
		return runErr
	}
	in := reports.Input{Events: res.Events, RulePackHash: pack.Hash(), ToolVersion: version, RulePack: rulePackFiles(pack)}
	opts := []reports.Option{reports.WithSecrets(res.Secrets...)}
	if f.key != "" {
		opts = append(opts, reports.WithKeyFile(f.key))
	}
	if f.zip {
		opts = append(opts, reports.WithZip())
	}
	bundle, err := reports.WriteBundle(context.WithoutCancel(cmd.Context()), filepath.Join(f.out, res.ExerciseID), in, opts...)
	if err != nil {
		return fmt.Errorf("write the evidence bundle (the raw timeline stays in %s): %w", partial.Name(), err)
	}
	partial.Close()
	os.Remove(partial.Name())
	if bundle.KeyCreated != "" {
		fmt.Fprintf(stderr, "created signing key %s (fingerprint %s)\n", bundle.KeyCreated, bundle.Signer)
	}
	summary := stderr
	if !f.asJSON {
		summary = out
	}
	printWatchSummary(summary, res)
	fmt.Fprintf(summary, "evidence: %s (signed by %s)\n", bundle.Dir, bundle.Signer)
	if runErr != nil {
		return runErr
	}
	if len(res.Missing) > 0 {
		return gapError{summary: "expected rules never fired: " + strings.Join(res.Missing, ", ")}
	}
	return nil
}

// printWatchAlert prints one alert: a line for people, or a JSON object.
// The latency printed is from the matching event to the moment printed.
func printWatchAlert(w io.Writer, asJSON bool, a harness.WatchAlert, now time.Time) {
	lat := a.Latency
	if !a.EventTime.IsZero() {
		lat = now.Sub(a.EventTime)
	}
	if asJSON {
		b, _ := json.Marshal(watchLine{Time: a.Time, Rule: a.Rule, Title: a.Title, Severity: a.Severity, Source: a.Source,
			LatencyS: lat.Seconds(), EventTime: a.EventTime, Matched: a.Matched})
		fmt.Fprintln(w, string(b))
		return
	}
	matched := ""
	if len(a.Matched) > 0 {
		matched = a.Matched[len(a.Matched)-1]
	}
	fmt.Fprintf(w, "%s  %-8s  %-28s  +%.2fs  %s\n", a.Time.Local().Format("15:04:05.000"), a.Severity, a.Rule, lat.Seconds(), matched)
}

// printWatchSummary is the end-of-session table: each rule that fired,
// how often it matched, and its latency; then p50/p95 over the alerts.
func printWatchSummary(w io.Writer, res harness.WatchResult) {
	fmt.Fprintln(w)
	if len(res.Alerts) == 0 {
		fmt.Fprintln(w, "no alerts")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tSEVERITY\tSOURCE\tALERTS\tMATCHED\tLATENCY")
		type row struct {
			rule, sev, src string
			n              int
			lat            time.Duration
		}
		rows := map[string]*row{}
		for _, a := range res.Alerts {
			r := rows[a.Rule]
			if r == nil {
				r = &row{rule: a.Rule, sev: a.Severity, src: a.Source, lat: a.Latency}
				rows[a.Rule] = r
			}
			r.n++
		}
		keys := make([]string, 0, len(rows))
		for k := range rows {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r := rows[k]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.3fs\n", r.rule, r.sev, r.src, r.n, res.Hits[k], r.lat.Seconds())
		}
		tw.Flush()
		p50, p95 := latencyPercentiles(res.Alerts)
		fmt.Fprintf(w, "\n%d alerts; latency from the matching event: p50 %.3fs, p95 %.3fs\n", len(res.Alerts), p50.Seconds(), p95.Seconds())
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(w, "expected but never fired: %s\n", strings.Join(res.Missing, ", "))
	}
}

// latencyPercentiles are the nearest-rank p50 and p95 of the alerts'
// latencies.
func latencyPercentiles(alerts []harness.WatchAlert) (p50, p95 time.Duration) {
	if len(alerts) == 0 {
		return 0, 0
	}
	lat := make([]time.Duration, len(alerts))
	for i, a := range alerts {
		lat[i] = a.Latency
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rank := func(p float64) time.Duration {
		k := int(p*float64(len(lat))+0.999999) - 1
		return lat[max(0, min(k, len(lat)-1))]
	}
	return rank(0.50), rank(0.95)
}
