package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/spf13/cobra"
)

// wooEnv names the plugin every command uses when --woocommerce is not
// given, so a team sets its shop's WooCommerce once.
const wooEnv = "BREACHDRILL_WOOCOMMERCE"

type stackFlags struct {
	source      string
	woocommerce string
	prefix      string
	cold        bool
}

func (f *stackFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.source, "source", "debian", "image source: debian (built here, offline) or official (pulled)")
	cmd.Flags().StringVar(&f.woocommerce, "woocommerce", os.Getenv(wooEnv), "WooCommerce plugin folder or release zip to install and activate with HPOS (default $"+wooEnv+"; without either, WooCommerce's tables only: schema mode)")
	cmd.Flags().StringVar(&f.prefix, "table-prefix", "wp_", "WordPress table prefix")
	cmd.Flags().BoolVar(&f.cold, "cold", false, "install and seed the stack from scratch instead of restoring a warm snapshot of the same stack and dataset (snapshots live in ~/.cache/breachdrill/snapshots, hold no secret of any run and are removed by `breachdrill gc --snapshots`)")
}

// warmStarts is the option that restores warm snapshots, unless --cold.
func (f stackFlags) warmStarts() ([]containers.Option, error) {
	if f.cold {
		return nil, nil
	}
	dir, err := containers.DefaultSnapshotDir()
	if err != nil {
		return nil, err
	}
	return []containers.Option{containers.WithWarmStarts(dir)}, nil
}

// provision is what harness.Provision needs from the stack flags.
func (f stackFlags) provision(src containers.Source) harness.ProvisionOptions {
	return harness.ProvisionOptions{Source: src, WooCommerce: f.woocommerce, TablePrefix: f.prefix, Cold: f.cold}
}

// startStack builds the images if needed and starts a stack, printing
// progress to stderr.
func startStack(cmd *cobra.Command, f stackFlags, extra ...containers.Option) (*containers.Stack, error) {
	src, err := containers.ParseSource(f.source)
	if err != nil {
		return nil, err
	}
	// Checked before the image build, which can take minutes.
	if err := containers.CheckTablePrefix(f.prefix); err != nil {
		return nil, err
	}
	if f.woocommerce != "" {
		if _, err := containers.CheckWooCommerce(f.woocommerce); err != nil {
			return nil, err
		}
	}
	ctx := cmd.Context()
	imgs, err := containers.EnsureImages(ctx, src, containers.WithBuildProgress(cmd.ErrOrStderr()))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	opts := []containers.Option{
		containers.WithImages(imgs),
		containers.WithTablePrefix(f.prefix),
		containers.WithProgress(func(step string) {
			fmt.Fprintf(cmd.ErrOrStderr(), "  %5.1fs %s\n", time.Since(start).Seconds(), step)
		}),
	}
	if f.woocommerce != "" {
		opts = append(opts, containers.WithWooCommerce(f.woocommerce))
	}
	warm, err := f.warmStarts()
	if err != nil {
		return nil, err
	}
	opts = append(opts, warm...)
	return containers.Run(ctx, append(opts, extra...)...)
}

func newStackCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "stack", Short: "Start, list and remove disposable shop stacks"}

	var f stackFlags
	var asJSON bool
	var waf string
	up := &cobra.Command{
		Use:   "up",
		Short: "Start a stack and leave it running",
		Long: `Start a WordPress + WooCommerce + MariaDB stack on a private network, with the
web and database ports published on 127.0.0.1 only, and print its URL and the
run's administrator login. The stack keeps running after the command exits;
remove it with 'breachdrill stack down RUN' (the command prints it).
Ctrl-C while it starts removes everything it created.`,
		Example: "  breachdrill stack up\n  breachdrill stack up --woocommerce ./woocommerce.10.0.2.zip --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := containers.ParseWAFMode(waf)
			if err != nil {
				return err
			}
			s, err := startStack(cmd, f, containers.WithKeep(), containers.WithWAF(mode))
			if err != nil {
				return err
			}
			info, creds := s.Info(), s.Credentials()
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					containers.Info
					AdminUser     string `json:"admin_user"`
					AdminPassword string `json:"admin_password"`
				}{info, creds.AdminUser, creds.AdminPassword})
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "run\t%s\n", info.RunID)
			fmt.Fprintf(w, "url\t%s/\n", info.URL)
			fmt.Fprintf(w, "admin\t%s/wp-admin/  user %s  password %s\n", info.URL, creds.AdminUser, creds.AdminPassword)
			fmt.Fprintf(w, "database\t%s (MariaDB %s)\n", info.DBAddr, info.MariaDBVersion)
			fmt.Fprintf(w, "versions\tWordPress %s, PHP %s, %s\n", info.WordPressVersion, info.PHPVersion, info.ApacheVersion)
			woo := "schema only (WooCommerce's tables, no plugin)"
			if info.WooCommerceMode == containers.WooPlugin {
				woo = "plugin " + info.WooCommerceVersion + ", HPOS on"
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "WARNING: %s Pass --woocommerce ZIP (or set %s) to run the real plugin.\n", timeline.SchemaModeLimitation, wooEnv)
			}
			fmt.Fprintf(w, "woocommerce\t%s\n", woo)
			network := "sealed: the containers reach nothing outside the run; ports on 127.0.0.1 only"
			if !info.Isolation.Enforced {
				network = "NOT sealed: " + info.Isolation.Reason
			}
			fmt.Fprintf(w, "network\t%s\n", network)
			fmt.Fprintf(w, "waf\t%s (ModSecurity %s, OWASP CRS %s)\n", info.WAFMode, info.ModSecurityVersion, info.CRSVersion)
			fmt.Fprintf(w, "ready in\t%.1fs\n", info.ReadyAfter)
			fmt.Fprintf(w, "remove with\tbreachdrill stack down %s\n", info.RunID)
			return w.Flush()
		},
	}
	f.register(up)
	up.Flags().BoolVar(&asJSON, "json", false, "print the stack's details as JSON")
	up.Flags().StringVar(&waf, "waf", "off", "ModSecurity with the OWASP Core Rule Set (WordPress exclusions on): off, detect (log only) or block")

	down := &cobra.Command{
		Use:   "down RUN...",
		Short: "Remove stacks by run id",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if err := containers.RemoveRun(cleanupContext(cmd.Context()), id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", id)
			}
			return nil
		},
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List stacks and leftovers labelled by breachdrill",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			runs, err := containers.ListRuns(cmd.Context())
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no breachdrill stacks")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "RUN\tCREATED\tCONTAINERS\tSTATE")
			for _, r := range runs {
				state := "owned by a running process"
				switch {
				case r.Kept:
					state = "kept (stack up)"
				case !r.OwnerAlive:
					state = "stale: gc removes it"
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", r.RunID, r.Created.Local().Format(time.DateTime), len(r.Containers), state)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(up, down, list)
	return cmd
}

func newGCCmd() *cobra.Command {
	var all, snapshots bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove leftover containers and networks of earlier runs",
		Long: `Remove what runs left behind once they are over: containers, networks and
firewall rules labelled by breachdrill whose owning process is gone and that
were not started with 'stack up', and raw timelines (.drill-*.timeline.jsonl
in --out folders) of processes that were killed. Stacks of running processes,
other users' included, are left alone.

With --all, every breachdrill stack on this engine goes, kept and running
ones too (other users' as well): use 'stack down RUN' for your own.
Containers and networks without breachdrill's labels are never touched.

Warm snapshots (installed and seeded stacks that later runs restore, in
~/.cache/breachdrill/snapshots) go when they can no longer be restored: an
image they were made from is gone. With --snapshots every one goes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			removed, err := containers.GC(cleanupContext(cmd.Context()), all)
			for _, r := range removed {
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s (%d containers, %d networks)\n", r.RunID, len(r.Containers), len(r.Networks))
			}
			if err != nil {
				return err
			}
			raws, rerr := removeOrphanedRawTimelines()
			for _, p := range raws {
				fmt.Fprintf(cmd.OutOrStdout(), "removed raw timeline %s (its process is gone)\n", p)
			}
			if rerr != nil {
				return rerr
			}
			snaps, serr := gcSnapshots(cmd, snapshots)
			if serr != nil {
				return serr
			}
			if len(removed) == 0 && len(raws) == 0 && snaps == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to remove")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also remove kept and running stacks, other users' included")
	cmd.Flags().BoolVar(&snapshots, "snapshots", false, "remove every warm snapshot (the next run of each stack and dataset installs and seeds cold once)")
	return cmd
}

// gcSnapshots prunes warm snapshots (every one with all) and says which.
func gcSnapshots(cmd *cobra.Command, all bool) (int, error) {
	dir, err := containers.DefaultSnapshotDir()
	if err != nil {
		return 0, err
	}
	removed, err := containers.GCSnapshots(cleanupContext(cmd.Context()), dir, all)
	for _, r := range removed {
		fmt.Fprintf(cmd.OutOrStdout(), "removed warm snapshot %.12s (%s)\n", r.Key, r.Reason)
	}
	return len(removed), err
}

// cleanupContext survives the Ctrl-C that may have started the cleanup.
func cleanupContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

func removeOrphanedRawTimelines() ([]string, error) {
	store, err := timeline.DefaultRawStore()
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("raw timeline records: %w", err))
	}
	removed, err := store.RemoveOrphaned()
	if err != nil {
		return removed, fault.Infra(fmt.Errorf("remove raw timelines: %w", err))
	}
	return removed, nil
}
