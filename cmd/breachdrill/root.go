package main

import (
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "breachdrill",
		Short: "Incident-response drills for WooCommerce shops that handle financial data",
		Long: `breachdrill starts a disposable WordPress + WooCommerce + MariaDB stack,
fills it with synthetic customers and orders, injects real breaches, detects
them with your rules, times detection and containment, and writes signed
evidence an auditor accepts.

Start here:
  breachdrill drill --all           every scenario end to end, signed evidence in ./evidence
  breachdrill test --junit junit.xml
                                    detection rules against every scenario (the CI gate)
  breachdrill tabletop              the quarterly tabletop, facilitated in the terminal
  breachdrill watch --for 10m       purple team: live alerts while you attack a stack (sqlmap, a scanner)
  breachdrill evidence verify DIR   check a bundle: hashes, hash chain, signature

  breachdrill stack up              a stack to explore by hand; stack down RUN removes it
  breachdrill scenarios list        the breach catalogue; scenarios show ID for one

The first run builds the offline stack image from Debian packages (about a
minute; needs root and mmdebstrap): breachdrill images build.

Exit codes: 0 all good, 1 a readiness gap was found, 2 bad input, 3 the
infrastructure failed (no Docker, a container died).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fault.Input(err)
	})
	root.AddCommand(newImagesCmd(), newStackCmd(), newSeedCmd(), newGCCmd(), newScenariosCmd(), newDrillCmd(), newTestCmd(), newTabletopCmd(), newRulesCmd(), newWatchCmd(), newEvidenceCmd())
	return root
}
