package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/spf13/cobra"
)

func newTestCmd() *cobra.Command {
	var f exerciseFlags
	var junitPath, jsonPath string
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Regression-test detection rules against every scenario (for CI)",
		Long: `Run each selected scenario against the rule pack and report, per expected rule,
whether it fired within its deadline and how long it took. Before each
inject the stack is browsed normally for a clean baseline window: a rule
that fires there is a false positive and fails the test as surely as a miss.

Use --rules DIR to test your own pack (a rule with a shipped id replaces it),
--shard K/N to split the scenarios across CI jobs, --junit FILE for your CI's
test report. Every run also writes an evidence bundle under --out.

Exit codes: 0 every expected rule fired in time and none fired on normal
traffic; 1 a regression; 2 bad input; 3 the infrastructure failed.`,
		Example: "  breachdrill test --all --junit junit.xml\n  breachdrill test --all --rules ./my-rules --shard 1/3",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			if len(f.ids) == 0 {
				// test defaults to everything: it is the CI gate.
				f.all = true
			}
			if err := checkOutFile("--junit", junitPath); err != nil {
				return err
			}
			if err := checkOutFile("--json", jsonPath); err != nil {
				return err
			}
			res, bundle, err := runExercise(cmd, timeline.ExerciseTest, &f)
			if len(res.Events) > 0 {
				if junitPath != "" {
					if werr := writeFile(junitPath, func(w *os.File) error { return reports.WriteJUnit(w, res.Events) }); werr != nil {
						return werr
					}
				}
				if jsonPath != "" {
					if werr := writeFile(jsonPath, func(w *os.File) error {
						enc := json.NewEncoder(w)
						enc.SetIndent("", "  ")
						return enc.Encode(res.Results)
					}); werr != nil {
						return werr
					}
				}
			}
			out := cmd.OutOrStdout()
			regressions := printDetectionTable(out, res.Results)
			if bundle != nil {
				fmt.Fprintf(out, "\nevidence: %s\n", bundle.Dir)
			}
			fmt.Fprintf(out, "wall time %s\n", time.Since(start).Round(time.Second))
			if err != nil {
				return err
			}
			if regressions > 0 {
				return gapError{summary: fmt.Sprintf("%d detection regression(s)", regressions)}
			}
			return nil
		},
	}
	f.register(cmd, 5*time.Second)
	cmd.Flags().StringVar(&junitPath, "junit", "", "write a JUnit report to `FILE` (one test case per scenario and expected rule)")
	cmd.Flags().StringVar(&jsonPath, "json", "", "write the results as JSON to `FILE`")
	return cmd
}

// printDetectionTable prints one row per scenario and expected rule and
// returns how many failed. Containment is the drill's business; a test
// fails on detection only.
func printDetectionTable(w io.Writer, results []timeline.ScenarioResult) int {
	fmt.Fprintln(w)
	failed := 0
	// Columns size to the longest id: community rule ids derived from file
	// names run past any fixed width.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "SCENARIO\tRULE\tRESULT\tLATENCY\tDEADLINE\t")
	for _, r := range results {
		if timeline.Incomplete(r.Outcome) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Info.ID, "-", "ERROR", "-", "-", r.Reason)
			continue
		}
		for _, b := range r.BaselineAlerts {
			failed++
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\tfired on normal traffic\n", r.Info.ID, b.Rule, "FALSE+", "-", "-")
		}
		for _, x := range r.Expectations {
			verdict := "PASS"
			switch {
			case !x.Fired:
				verdict = "MISSED"
			case x.Late:
				verdict = "LATE"
			}
			if verdict != "PASS" {
				failed++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0fs\t\n", r.Info.ID, x.Rule, verdict, secs(x.LatencySeconds), x.WithinSeconds)
		}
	}
	return failed
}

// writeFile writes a whole file or nothing: a temp file renamed at the end.
func writeFile(path string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".breachdrill-*")
	if err != nil {
		return fault.Input(fmt.Errorf("%s: %w", path, err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
