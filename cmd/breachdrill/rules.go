package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/spf13/cobra"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "List and validate detection rules"}

	var asJSON, strict bool
	var dirs []string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rule pack: the shipped rules, plus yours with --rules",
		Long: `List every rule with its id, kind, source, severity and title. With --rules DIR
(repeatable), the rules in each DIR are added to the shipped ones in order (a
rule with the same id replaces the earlier one), as drill, test and watch do.
Sigma rules show their own id (a UUID) with --json; rules whose logsource the
stack cannot produce are listed as not applicable, with the reason.`,
		Example: "  breachdrill rules list\n  breachdrill rules list --rules ./sigma-web --rules ./mine --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pack, overridden, err := loadRulePack(cmd.ErrOrStderr(), dirs, strict)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Hash       string            `json:"hash"`
					Overridden []string          `json:"overridden,omitempty"`
					Rules      []detect.RuleInfo `json:"rules"`
				}{pack.Hash(), overridden, pack.Rules()})
			}
			out := cmd.OutOrStdout()
			w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKIND\tSOURCE\tSEVERITY\tTITLE")
			for _, r := range pack.Rules() {
				kind := r.Kind
				switch {
				case r.Interval > 0:
					kind += " every " + r.Interval.Round(time.Millisecond).String()
				case r.Correlation != "":
					kind += " " + r.Correlation
				}
				src := string(r.Source)
				if r.NotApplicable != "" {
					src = "not applicable"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, kind, src, r.Severity, r.Title)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(out, "\n%d rules, pack %s\n", len(pack.IDs()), pack.Hash()[:16])
			printNotApplicable(out, pack)
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the pack as JSON")
	list.Flags().StringArrayVar(&dirs, "rules", nil, "add your own rules from `DIR` (same id replaces the earlier rule); repeatable")
	list.Flags().BoolVar(&strict, "strict", false, "treat a rule the stack cannot feed (not applicable) as an error")

	var vstrict bool
	validate := &cobra.Command{
		Use:   "validate DIR...",
		Short: "Check rule packs and report every problem at its file:line:column",
		Long: `Load each folder as a rule pack (Sigma rules and correlations, state checks,
one GraphQL schema) and report every problem at file:line:column with what
would be right. Rules whose logsource the stack cannot produce (a proxy log,
Windows events) load as not applicable and are listed with the reason; with
--strict they are problems too. Exit code 2 when any problem is found.`,
		Example: "  breachdrill rules validate ./my-rules\n  breachdrill rules validate --strict ./sigma/rules/web",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			out := cmd.OutOrStdout()
			for _, d := range args {
				pack, err := detect.LoadDir(d, loadOptions(vstrict)...)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				n, na := len(pack.IDs()), len(pack.NotApplicable())
				prefix := ""
				if len(args) > 1 {
					prefix = d + ": "
				}
				if na > 0 {
					fmt.Fprintf(out, "%s%d rules OK, %d not applicable\n", prefix, n, na)
				} else {
					fmt.Fprintf(out, "%s%d rules OK\n", prefix, n)
				}
				printNotApplicable(out, pack)
			}
			return errors.Join(errs...)
		},
	}
	validate.Flags().BoolVar(&vstrict, "strict", false, "treat a rule the stack cannot feed (not applicable) as a problem")
	cmd.AddCommand(list, validate)
	return cmd
}

func loadOptions(strict bool) []detect.LoadOption {
	if strict {
		return []detect.LoadOption{detect.Strict()}
	}
	return nil
}

// loadRulePack is the shipped pack with each folder's rules added in
// order; replaced shipped rules are announced on stderr.
func loadRulePack(stderr io.Writer, dirs []string, strict bool) (*detect.Pack, []string, error) {
	pack, err := detect.LoadPack(rules.FS)
	if err != nil {
		return nil, nil, fmt.Errorf("shipped rules: %w", err)
	}
	var overridden []string
	for _, d := range dirs {
		// Your correlations may name shipped rules, and rules of folders before.
		mine, err := detect.LoadDir(d, append(loadOptions(strict), detect.Beside(pack))...)
		if err != nil {
			return nil, nil, fault.Input(err)
		}
		for _, id := range pack.Override(mine) {
			fmt.Fprintf(stderr, "rule %s: replaced by the one in %s\n", id, d)
			overridden = append(overridden, id)
		}
	}
	return pack, overridden, nil
}

// printNotApplicable lists the rules the stack cannot feed, each where it
// was decided, so the list reads like the problems an editor jumps to.
func printNotApplicable(w io.Writer, pack *detect.Pack) {
	na := pack.NotApplicable()
	if len(na) == 0 {
		return
	}
	fmt.Fprintf(w, "\nnot applicable (loaded, never evaluated):\n")
	for _, r := range na {
		fmt.Fprintf(w, "  %s (%s): %s\n", r.ID, r.File, r.NotApplicable)
	}
}

// rulePackFiles is what an evidence bundle records about the pack that
// ran: every rule with its ids, source and, for rules the stack could not
// feed, why they were not evaluated.
func rulePackFiles(pack *detect.Pack) []reports.File {
	data, err := json.MarshalIndent(struct {
		Hash          string            `json:"hash"`
		Rules         []detect.RuleInfo `json:"rules"`
		NotApplicable []detect.RuleInfo `json:"not_applicable,omitempty"`
	}{pack.Hash(), pack.Rules(), pack.NotApplicable()}, "", "  ")
	if err != nil {
		return nil
	}
	return []reports.File{{Name: "pack.json", Data: append(data, '\n')}}
}
