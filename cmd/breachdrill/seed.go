package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/spf13/cobra"
)

func newSeedCmd() *cobra.Command {
	var f stackFlags
	var spec fakedata.Spec
	var run string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill a stack with synthetic customers, orders, saved cards and canaries",
		Long: `Generate a synthetic shop (customers as WordPress users, products, orders in
both of WooCommerce's storages, saved card tokens) and load it into a stack.
The same --seed gives the same data on every machine. About 2% of the
customers are canaries: their e-mail, phone and address line are unique
markers, listed in the dataset's manifest (kept in the database
'breachdrill', out of the shop's reach), so any leaked artifact shows whose
records it holds.

With --run the stack of that run (from 'breachdrill stack up') is seeded;
without it a new stack is started, kept running, and seeded. Seeding a
stack again with the same flags changes nothing; a stack seeded with other
flags is refused. The seeded state becomes the stack's reset point.`,
		Example: "  breachdrill seed --customers 10000 --orders 50000 --seed 7\n  breachdrill seed --run bd1a2b3c4d --customers 500 --orders 2000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := spec.Normalize(); err != nil {
				return err // before starting anything
			}
			var s *containers.Stack
			var err error
			if run != "" {
				s, err = containers.Attach(ctx, run)
			} else {
				s, err = startStack(cmd, f, containers.WithKeep())
			}
			if err != nil {
				return err
			}
			// Either way the stack stays up for the user.
			defer s.Release()
			spec.TablePrefix = s.TablePrefix()
			d, err := fakedata.New(spec)
			if err != nil {
				return err
			}
			prev, err := fakedata.LoadManifest(ctx, s.DB())
			seeded := err == nil && prev.Spec.Seed == d.Spec().Seed && prev.Spec.Customers == d.Spec().Customers && prev.Spec.Orders == d.Spec().Orders
			start := time.Now()
			var printed time.Duration
			m, err := fakedata.Load(ctx, s.DB(), d, fakedata.WithProgress(func(p fakedata.Progress) {
				switch {
				case p.Phase == "cleanup":
					fmt.Fprintln(cmd.ErrOrStderr(), "  removing a partial dataset")
				case p.Done == p.Total || p.Elapsed-printed >= time.Second: // a line a second at most
					printed = p.Elapsed
					fmt.Fprintf(cmd.ErrOrStderr(), "  %5.1fs %-9s %8d/%-8d %10d rows\n", p.Elapsed.Seconds(), p.Phase, p.Done, p.Total, p.Rows)
				}
			}))
			if err != nil {
				if run == "" {
					return errors.Join(err, containers.RemoveRun(cleanupContext(ctx), s.RunID()))
				}
				return err
			}
			if !seeded {
				if err := s.Snapshot(ctx); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Run string `json:"run"`
					fakedata.Manifest
				}{s.RunID(), m})
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "run\t%s\n", s.RunID())
			fmt.Fprintf(w, "url\t%s/\n", s.URL())
			fmt.Fprintf(w, "seed\t%d\n", m.Spec.Seed)
			fmt.Fprintf(w, "dataset\t%d customers, %d orders, %d products, %d canaries\n", m.Spec.Customers, m.Spec.Orders, m.Spec.Products, len(m.Canaries))
			if seeded {
				fmt.Fprintf(w, "loaded\talready seeded with this dataset: nothing changed\n")
			} else {
				fmt.Fprintf(w, "loaded\t%d rows in %.1fs\n", m.Rows(), time.Since(start).Seconds())
			}
			fmt.Fprintf(w, "sha256\t%s\n", m.DataSHA256)
			if run == "" {
				fmt.Fprintf(w, "remove with\tbreachdrill stack down %s\n", s.RunID())
			}
			return w.Flush()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&run, "run", "", "seed the running stack of this run id instead of starting one")
	cmd.Flags().IntVar(&spec.Customers, "customers", 1000, "number of customers")
	cmd.Flags().IntVar(&spec.Orders, "orders", 5000, "number of orders")
	cmd.Flags().Uint64Var(&spec.Seed, "seed", 1, "seed of the generator: the same seed gives the same data")
	cmd.Flags().IntVar(&spec.Products, "products", fakedata.DefaultProducts, "number of products")
	cmd.Flags().Float64Var(&spec.CanaryShare, "canary-share", fakedata.DefaultCanaryShare, "fraction of customers that are canaries (at least one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the dataset's manifest as JSON")
	return cmd
}
