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
  breachdrill images build          build the offline stack image (once, as root)
  breachdrill stack up              start a stack and print its URL and login
  breachdrill stack down RUN        remove it again

Exit codes: 0 all good, 1 a readiness gap was found, 2 bad input, 3 the
infrastructure failed (no Docker, a container died).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fault.Input(err)
	})
	root.AddCommand(newImagesCmd(), newStackCmd(), newGCCmd(), newScenariosCmd(), newDrillCmd(), newTestCmd(), newTabletopCmd(), newRulesCmd(), newEvidenceCmd())
	return root
}
