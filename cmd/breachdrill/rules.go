package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/spf13/cobra"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "List and validate detection rules"}

	var asJSON bool
	var dir string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rule pack: the shipped rules, plus yours with --rules",
		Long: `List every rule with its id, kind, source, severity and title. With --rules DIR,
the rules in DIR are added to the shipped ones (a rule with the same id
replaces the shipped one), as drill and test do.`,
		Example: "  breachdrill rules list\n  breachdrill rules list --rules ./my-rules --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pack, err := detect.LoadPack(rules.FS)
			if err != nil {
				return fmt.Errorf("shipped rules: %w", err)
			}
			var overridden []string
			if dir != "" {
				mine, err := detect.LoadDir(dir)
				if err != nil {
					return err
				}
				overridden = pack.Override(mine)
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
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKIND\tSOURCE\tSEVERITY\tTITLE")
			for _, r := range pack.Rules() {
				kind := r.Kind
				if r.Interval > 0 {
					kind += " every " + r.Interval.Round(time.Millisecond).String()
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, kind, r.Source, r.Severity, r.Title)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n%d rules, pack %s\n", len(pack.IDs()), pack.Hash()[:16])
			for _, id := range overridden {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: yours replaces the shipped rule\n", id)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the pack as JSON")
	list.Flags().StringVar(&dir, "rules", "", "a folder of your own rules to add (same id replaces the shipped rule)")

	validate := &cobra.Command{
		Use:   "validate DIR...",
		Short: "Check rule packs and report every problem at its file:line:column",
		Long: `Load each folder as a rule pack (Sigma rules, state checks, one GraphQL
schema) and report every problem at file:line:column with what would be
right. Exit code 2 when any problem is found.`,
		Example: "  breachdrill rules validate ./my-rules",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, d := range args {
				pack, err := detect.LoadDir(d)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				n := len(pack.IDs())
				if len(args) > 1 {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rules OK\n", d, n)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%d rules OK\n", n)
				}
			}
			return errors.Join(errs...)
		},
	}
	cmd.AddCommand(list, validate)
	return cmd
}
