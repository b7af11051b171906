package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/spf13/cobra"
)

// catalogFlags are shared by every command that reads scenarios and rules.
type catalogFlags struct {
	scenarioDirs []string
	ruleDirs     []string
	strict       bool
}

func (f *catalogFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.scenarioDirs, "scenarios", nil, "add scenarios from `DIR` (a file with a shipped id replaces it); repeatable")
	cmd.Flags().StringArrayVar(&f.ruleDirs, "rules", nil, "add detection rules from `DIR` (a rule with a shipped id replaces it); repeatable")
	cmd.Flags().BoolVar(&f.strict, "strict", false, "refuse rules the stack cannot feed (not applicable) instead of listing them")
}

// load reads the catalogue and the rule pack and checks every expect entry
// names a rule that exists. Overrides are announced on stderr.
func (f *catalogFlags) load(cmd *cobra.Command) (*scenarios.Catalog, *detect.Pack, error) {
	pack, _, err := loadRulePack(cmd.ErrOrStderr(), f.ruleDirs, f.strict)
	if err != nil {
		return nil, nil, err
	}
	cat, err := scenarios.Load(f.scenarioDirs...)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range cat.Overrides {
		fmt.Fprintf(cmd.ErrOrStderr(), "scenario %s: replaced by %s\n", o.ID, o.File)
	}
	if err := cat.CheckRules(cat.All(), pack.Has, pack.IDs()); err != nil {
		return nil, nil, err
	}
	return cat, pack, nil
}

func newScenariosCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "scenarios", Short: "List, show and validate breach scenarios"}
	var f catalogFlags
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, _, err := f.load(cmd)
			if err != nil {
				return err
			}
			if asJSON {
				var out []any
				for _, s := range cat.All() {
					out = append(out, scenarioJSON(s))
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSEVERITY\tATT&CK\tTITLE")
			for _, s := range cat.All() {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.ID, s.Severity, strings.Join(s.Attack, ","), s.Title)
			}
			return w.Flush()
		},
	}
	f.register(list)
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var sf catalogFlags
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one scenario: what it injects, what must detect it, how it is contained",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, _, err := sf.load(cmd)
			if err != nil {
				return err
			}
			sel, err := cat.Select(args)
			if err != nil {
				return err
			}
			printScenario(cmd, sel[0])
			return nil
		},
	}
	sf.register(show)

	var vf catalogFlags
	validate := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check scenario files (the shipped ones when no path is given)",
		Long: `Check scenario files: YAML syntax, known actions and checks with the right
arguments, durations, controls, and that every expected rule exists in the
rule pack (shipped, plus --rules DIR). Problems are printed as
file:line:column: message; the exit code is 2 when there is any.`,
		Example: "  breachdrill scenarios validate ./my-scenarios\n  breachdrill scenarios validate --rules ./my-rules ./my-scenarios/x.yaml",
		RunE: func(cmd *cobra.Command, args []string) error {
			vf.scenarioDirs = append(vf.scenarioDirs, args...)
			cat, _, err := vf.load(cmd)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d scenarios OK\n", len(cat.All()))
			return nil
		},
	}
	vf.register(validate)

	var markdown bool
	actions := &cobra.Command{
		Use:   "actions",
		Short: "List the actions and checks scenario files may use",
		Long: `List the actions (inject, respond, revert) and checks (verify) scenario files
may use, with their arguments. --markdown prints the full reference: every
argument's type, default and meaning, and an example of each (the page
published as docs/reference/scenario-actions.md).`,
		Example: "  breachdrill scenarios actions\n  breachdrill scenarios actions --markdown > scenario-actions.md",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			if markdown {
				fmt.Fprint(cmd.OutOrStdout(), scenarios.Markdown())
				return
			}
			a, c := scenarios.Vocabulary()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ACTION (inject, respond, revert)\tWHAT IT DOES")
			for _, k := range sortedKeys(a) {
				fmt.Fprintf(w, "%s\t%s\n", k, a[k])
			}
			fmt.Fprintln(w, "\nCHECK (verify)\tWHAT IT PROVES")
			for _, k := range sortedKeys(c) {
				fmt.Fprintf(w, "%s\t%s\n", k, c[k])
			}
			w.Flush()
		},
	}
	actions.Flags().BoolVar(&markdown, "markdown", false, "print the full reference as Markdown")
	cmd.AddCommand(list, show, validate, actions, newScenarioNewCmd(), newScenarioSchemaCmd())
	return cmd
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func scenarioJSON(s *scenarios.Scenario) map[string]any {
	var expect []map[string]any
	for _, e := range s.Expect {
		expect = append(expect, map[string]any{"rule": e.Rule, "within_s": e.Within.Seconds()})
	}
	return map[string]any{
		"id": s.ID, "title": s.Title, "summary": s.Summary, "severity": s.Severity, "attack": s.Attack,
		"controls": s.Controls, "data_at_risk": s.DataAtRisk, "objectives": s.Objectives, "expect": expect,
		"contain_within_s": s.ContainWithin.Seconds(), "file": s.File, "version": s.Hash, "source": s.Source,
		"tabletop_injects": len(s.Tabletop),
	}
}

func printScenario(cmd *cobra.Command, s *scenarios.Scenario) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s — %s\n", s.ID, s.Title)
	fmt.Fprintf(out, "severity %s · ATT&CK %s · controls %s\n\n", s.Severity, strings.Join(s.Attack, ", "), strings.Join(s.Controls, ", "))
	if s.Summary != "" {
		fmt.Fprintf(out, "%s\n\n", strings.TrimSpace(s.Summary))
	}
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintln(out, title)
		for i, l := range lines {
			fmt.Fprintf(out, "  %d. %s\n", i+1, l)
		}
		fmt.Fprintln(out)
	}
	steps := func(st []scenarios.Step) []string {
		var out []string
		for _, x := range st {
			out = append(out, x.Do.Describe())
		}
		return out
	}
	section("Warm-up (before the baseline window)", steps(s.Warmup))
	section("Inject", steps(s.Inject))
	var exp []string
	for _, e := range s.Expect {
		exp = append(exp, fmt.Sprintf("%s within %s", e.Rule, e.Within))
	}
	section("Expect (detection)", exp)
	section("Respond (playbook)", steps(s.Respond))
	var ver []string
	for _, c := range s.Verify {
		ver = append(ver, c.Probe.Describe())
	}
	section(fmt.Sprintf("Verify (containment, within %s)", s.ContainWithin), ver)
	section("Revert", steps(s.Revert))
	var tt []string
	for _, t := range s.Tabletop {
		tt = append(tt, fmt.Sprintf("T+%s %s", t.At, t.Say))
	}
	section("Tabletop", tt)
	fmt.Fprintf(out, "file %s (sha256 %s)\n", s.File, s.Hash[:16])
}
