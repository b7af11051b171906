package main

import (
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/spf13/cobra"
)

func newDrillCmd() *cobra.Command {
	var f exerciseFlags
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Run scenarios end to end against a real stack and write signed evidence",
		Long: `Run an automated breach drill. For each scenario: a clean baseline window, the
real inject (files written by the web server, rows in the real tables, HTTP
requests the stack really serves), detection by the rule pack, the scenario's
built-in response playbook, containment checks, and a reset of the stack to
its seeded state. Time to detect, contain and recover are measured against
each scenario's deadlines.

It starts and seeds a disposable stack (or uses --run RUN from 'stack up'),
removes what it started, and writes a signed evidence bundle to
--out/<exercise-id>/ (verify it with 'breachdrill evidence verify').

Exit codes: 0 every scenario detected in time and contained; 1 a readiness
gap (a rule missed or late, a false positive, containment not verified);
2 bad input, including a scenario whose containment check passes before the
response (a scenario fault: it could prove nothing); 3 the infrastructure
failed (never reported as pass or miss).`,
		Example: "  breachdrill drill --all\n  breachdrill drill --scenario exposed-db-backup --scenario ajax-sqli-exfiltration --out ./evidence",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			res, bundle, err := runExercise(cmd, timeline.ExerciseDrill, &f)
			out := cmd.OutOrStdout()
			if len(res.Results) > 0 {
				fmt.Fprintln(out)
				printSummary(out, res.Results)
			}
			if bundle != nil {
				fmt.Fprintf(out, "\nevidence: %s (signed by %s)\n", bundle.Dir, bundle.Signer)
			}
			fmt.Fprintf(out, "wall time %s\n", time.Since(start).Round(time.Second))
			if err != nil {
				return err
			}
			for _, r := range res.Results {
				if r.Outcome != timeline.OutcomePassed {
					return gapError{summary: "readiness gaps found"}
				}
			}
			return nil
		},
	}
	f.register(cmd, 3*time.Second)
	return cmd
}
