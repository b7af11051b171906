package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// runParallel runs the scenarios on n stacks at once: main and n-1 more
// provisioned like it (restored from the same warm snapshot, when warm
// starts are on), each scenario on one stack. Every scenario is recorded on
// a timeline of its own while it runs; once all have ended they are
// imported into tl one scenario after another, in the order given, so the
// record reads as a serial run's does (wall times kept, measurements the
// same). As in a serial run, an infrastructure error stops the run: no
// further scenario starts.
func runParallel(ctx context.Context, n int, main *Provisioned, list []*scenarios.Scenario, tl *timeline.Timeline, secrets *Secrets, ropts Options, popts ProvisionOptions, say func(string)) ([]timeline.ScenarioResult, error) {
	stacks := make([]*Provisioned, n)
	stacks[0] = main
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stacks[i], errs[i] = Provision(ctx, popts, func(s string) { say(fmt.Sprintf("stack %d/%d: %s", i+1, n, s)) })
		}()
	}
	wg.Wait()
	defer func() {
		for _, p := range stacks[1:] {
			if p != nil {
				_ = p.Close(context.WithoutCancel(ctx))
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, p := range stacks[1:] {
		for _, s := range p.Stack.Credentials().Secrets() {
			secrets.Add(s)
		}
		tl.MustAppend(timeline.Entry{Kind: timeline.KindPhase, Data: timeline.Phase{Name: "provision"},
			Summary: fmt.Sprintf("parallel stack %s (%s) provisioned like the first, same dataset", p.Stack.RunID(), p.Stack.URL())})
	}

	report := ropts.Progress
	if report == nil {
		report = func(Progress) {}
	}
	subs := make([]*timeline.Timeline, len(list))
	runErrs := make([]error, len(list))
	jobs := make(chan int)
	var stop sync.Once
	stopped := make(chan struct{})
	for _, p := range stacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := ropts
			o.Canaries, o.Scan, o.Cards = p.Canaries, p.Scan, p.Cards
			for i := range jobs {
				o.Progress = func(pr Progress) {
					pr.Index, pr.Total = i+1, len(list)
					report(pr)
				}
				subs[i] = timeline.New(timeline.WithMask(secrets.Mask))
				_, runErrs[i] = NewRunner(p.Stack, subs[i], secrets, o).Run(ctx, []*scenarios.Scenario{list[i]})
				if runErrs[i] != nil {
					stop.Do(func() { close(stopped) })
				}
			}
		}()
	}
feed:
	for i := range list {
		select {
		case jobs <- i:
		case <-stopped:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	var runErr error
	for i, sub := range subs {
		if sub == nil {
			continue
		}
		for _, ev := range sub.Events() {
			if _, err := tl.Import(ev); err != nil && runErr == nil {
				runErr = fault.Infra(err)
			}
		}
		if runErrs[i] != nil && runErr == nil {
			runErr = runErrs[i]
		}
	}
	return timeline.Measure(tl.Events()), runErr
}
