package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
)

// ProvisionOptions say which stack an exercise runs on and what data it
// holds.
type ProvisionOptions struct {
	Source      containers.Source
	WooCommerce string // plugin folder or zip; empty: WooCommerce's tables only
	TablePrefix string
	// Attach uses the running stack with this run id (stack up) instead of
	// starting one; it is left running afterwards.
	Attach    string
	Customers int
	Orders    int
	Seed      int64
	// Cold installs and seeds the stack even where a warm snapshot of the
	// same stack and dataset could be restored; SnapshotDir is where warm
	// snapshots live (default containers.DefaultSnapshotDir).
	Cold        bool
	SnapshotDir string
}

// Provisioned is a seeded stack with the dataset's means to count leaks.
type Provisioned struct {
	Stack    *containers.Stack
	Owned    bool
	Dataset  *timeline.DatasetInfo
	Canaries []string
	Cards    func(n int) []string
	Scan     func(artifact string, body []byte) (timeline.Exposure, error)

	// Customers are seeded customers' logins for the shoppers.
	Customers []shopper.Account
}

// Provision starts (or attaches to) a stack, seeds it with the synthetic
// dataset and makes that the reset point every scenario returns to.
func Provision(ctx context.Context, opts ProvisionOptions, say func(string)) (*Provisioned, error) {
	if say == nil {
		say = func(string) {}
	}
	spec, err := fakedata.Spec{Seed: uint64(opts.Seed), Customers: opts.Customers, Orders: opts.Orders, TablePrefix: opts.TablePrefix}.Normalize()
	if err != nil {
		return nil, fault.Input(err)
	}
	ds, err := fakedata.New(spec)
	if err != nil {
		return nil, fault.Input(err)
	}
	var s *containers.Stack
	owned := opts.Attach == ""
	if owned {
		imgs, err := containers.EnsureImages(ctx, opts.Source, containers.WithBuildProgress(lineWriter(say)))
		if err != nil {
			return nil, err
		}
		copts := []containers.Option{containers.WithImages(imgs), containers.WithProgress(say)}
		if opts.TablePrefix != "" {
			copts = append(copts, containers.WithTablePrefix(opts.TablePrefix))
		}
		if opts.WooCommerce != "" {
			copts = append(copts, containers.WithWooCommerce(opts.WooCommerce))
		}
		// The stack takes the seeded state as its reset point itself, and
		// keeps it for warm starts.
		copts = append(copts, containers.WithSeed(spec.Key(), func(ctx context.Context, s *containers.Stack) error {
			_, err := load(ctx, s, ds, say)
			return err
		}))
		if !opts.Cold {
			dir := opts.SnapshotDir
			if dir == "" {
				if dir, err = containers.DefaultSnapshotDir(); err != nil {
					return nil, err
				}
			}
			copts = append(copts, containers.WithWarmStarts(dir))
		}
		if s, err = containers.Run(ctx, copts...); err != nil {
			return nil, err
		}
		say(fmt.Sprintf("stack %s ready at %s", s.RunID(), s.URL()))
		if f := StackInfo(s.Info()).Fidelity(); f != "" {
			say("WARNING: " + f + " Pass --woocommerce ZIP (or set BREACHDRILL_WOOCOMMERCE) to drill the real plugin.")
		}
	} else {
		if s, err = containers.Attach(ctx, opts.Attach); err != nil {
			return nil, err
		}
		say(fmt.Sprintf("using running stack %s at %s", s.RunID(), s.URL()))
		spec.TablePrefix = s.TablePrefix()
		if ds, err = fakedata.New(spec); err != nil {
			s.Release()
			return nil, fault.Input(err)
		}
	}
	if iso := s.Isolation(); !iso.Enforced {
		say("the stack's network is NOT sealed: " + iso.Reason)
	}
	p := &Provisioned{Stack: s, Owned: owned}
	m, err := p.seeded(ctx, ds, say)
	if err != nil {
		p.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	p.index(ds, m)
	return p, nil
}

// seeded returns the manifest of the dataset on the stack: a stack Provision
// started was seeded (or restored seeded) by Run; an attached one is seeded
// here, and its seeded state made the reset point.
func (p *Provisioned) seeded(ctx context.Context, ds *fakedata.Dataset, say func(string)) (fakedata.Manifest, error) {
	if p.Owned {
		m, err := fakedata.LoadManifest(ctx, p.Stack.DB())
		if err == nil && p.Stack.Info().WarmSnapshot != "" {
			say(fmt.Sprintf("restored seeded: %d customers, %d orders, %d canaries (%d rows), from warm snapshot %.12s", m.Spec.Customers, m.Spec.Orders, len(m.Canaries), m.Rows(), p.Stack.Info().WarmSnapshot))
		}
		return m, err
	}
	m, err := load(ctx, p.Stack, ds, say)
	if err != nil {
		return m, err
	}
	return m, p.Stack.Snapshot(ctx)
}

// load seeds the stack with ds (nothing to do if it holds ds already).
func load(ctx context.Context, s *containers.Stack, ds *fakedata.Dataset, say func(string)) (fakedata.Manifest, error) {
	spec := ds.Spec()
	start := time.Now()
	last := time.Time{}
	m, err := fakedata.Load(ctx, s.DB(), ds, fakedata.WithProgress(func(pr fakedata.Progress) {
		if time.Since(last) > 2*time.Second || pr.Done == pr.Total {
			last = time.Now()
			say(fmt.Sprintf("seeding %s %d/%d (%d rows)", pr.Phase, pr.Done, pr.Total, pr.Rows))
		}
	}))
	if err != nil {
		return m, err
	}
	say(fmt.Sprintf("seeded %d customers, %d orders, %d canaries (%d rows) in %.1fs", spec.Customers, spec.Orders, len(m.Canaries), m.Rows(), time.Since(start).Seconds()))
	return m, nil
}

// maxShopperAccounts is how many customers the shoppers log in as.
const maxShopperAccounts = 50

// index keeps what scenarios need to count leaks of the dataset, and the
// customers the shoppers log in as.
func (p *Provisioned) index(ds *fakedata.Dataset, m fakedata.Manifest) {
	spec := ds.Spec()
	p.Dataset = &timeline.DatasetInfo{Seed: int64(spec.Seed), Customers: spec.Customers, Orders: spec.Orders, Canaries: len(m.Canaries), Hash: m.DataSHA256}
	for _, c := range m.Canaries {
		p.Canaries = append(p.Canaries, c.Token, c.Email)
	}
	scanner := fakedata.NewScanner(m.Canaries)
	people := customerIndex{}
	for i := 0; i < spec.Customers; i++ {
		c := ds.Customer(i)
		// Canaries stay out of the shoppers' hands: their markers must
		// appear only where something leaked them.
		if c.Canary == "" && len(p.Customers) < maxShopperAccounts {
			p.Customers = append(p.Customers, shopper.Account{Login: c.Login, Password: c.Password, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName})
		}
		for _, e := range []string{c.Email, c.Billing.Email} {
			if e != "" {
				people[strings.ToLower(e)] = i
			}
		}
	}
	p.Scan = func(_ string, body []byte) (timeline.Exposure, error) {
		x := exposureOf(scanner.ScanBytes(body))
		x.Customers = people.found(body)
		x.Subjects, x.Method = len(x.Customers), SubjectsMethod
		return x, nil
	}
	p.Cards = func(n int) []string {
		var out []string
		for i := 0; i < spec.Customers && len(out) < n; i++ {
			for _, c := range ds.Customer(i).Cards {
				if len(out) < n {
					out = append(out, c.Number())
				}
			}
		}
		return out
	}
}

// exposureOf turns a scanner report into the timeline's exposure record.
func exposureOf(r fakedata.Report) timeline.Exposure {
	x := timeline.Exposure{Bytes: r.Bytes, Subjects: r.Subjects, Records: int(r.Records), Categories: map[string]int{}}
	for _, c := range r.Categories {
		if c.Count > 0 {
			x.Categories[c.Category] = int(c.Distinct)
		}
		if c.Category == fakedata.CardNumber.String() && c.Count > 0 {
			x.CardNumber = true
		}
	}
	for _, h := range r.Canaries {
		x.Canaries = append(x.Canaries, h.Canary.Token)
	}
	return x
}

// Close removes the stack if Provision started it, and lets go of it
// otherwise.
func (p *Provisioned) Close(ctx context.Context) error {
	if !p.Owned {
		p.Stack.Release()
		return nil
	}
	return p.Stack.Close(ctx)
}

// lineWriter adapts a line callback to an io.Writer.
type lineWriter func(string)

func (w lineWriter) Write(b []byte) (int, error) {
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			w(l)
		}
	}
	return len(b), nil
}
