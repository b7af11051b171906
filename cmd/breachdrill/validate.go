package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/scenarios"
)

// Everything a run needs is checked before any container starts: a wrong
// flag found after a two-minute drill costs the two minutes and leaves a
// bundle that says "infrastructure-error" about a typo. Each check fails
// with an input error (exit 2) that names its flag.

// Bounds of the durations a run accepts.
const (
	minInterval       = 100 * time.Millisecond
	maxInterval       = time.Minute
	maxBaselineWindow = 10 * time.Minute
	// maxParallel stacks at once: each needs about 1 GB of memory.
	maxParallel = 8
	// Shopper traffic and checkout probes: below these the windows see
	// hardly any normal traffic; above, a small stack only queues it.
	minShopperRate   = 0.1
	maxShopperRate   = 20
	minCheckoutEvery = time.Second
	maxCheckoutEvery = 10 * time.Minute
)

// checkInput checks the exercise's flags, paths and files. Checks that
// need no engine come first, so that a typo is reported even without
// Docker; then the run id and the network seal, which ask the engine.
func (f *exerciseFlags) checkInput(ctx context.Context, list []*scenarios.Scenario) error {
	if f.interval < minInterval || f.interval > maxInterval {
		return fault.Input(fmt.Errorf("--interval %s: use %s to %s", f.interval, minInterval, maxInterval))
	}
	if f.window < 0 || f.window > maxBaselineWindow {
		return fault.Input(fmt.Errorf("--baseline-window %s: use 0s to %s", f.window, maxBaselineWindow))
	}
	if !(f.shopperRate >= minShopperRate && f.shopperRate <= maxShopperRate) {
		return fault.Input(fmt.Errorf("--shopper-rate %g: use %g to %g requests per second", f.shopperRate, float64(minShopperRate), float64(maxShopperRate)))
	}
	if f.checkoutEvery < minCheckoutEvery || f.checkoutEvery > maxCheckoutEvery {
		return fault.Input(fmt.Errorf("--checkout-every %s: use %s to %s", f.checkoutEvery, minCheckoutEvery, maxCheckoutEvery))
	}
	if f.parallel < 1 || f.parallel > maxParallel {
		return fault.Input(fmt.Errorf("--parallel %d: use 1 to %d stacks at once", f.parallel, maxParallel))
	}
	if f.parallel > 1 && f.run != "" {
		return fault.Input(errors.New("--parallel with --run: --run drills the one running stack; parallel runs start stacks of their own"))
	}
	if f.customers < 1 || f.customers > fakedata.MaxCustomers {
		return fault.Input(fmt.Errorf("--customers %d: use 1 to %d", f.customers, fakedata.MaxCustomers))
	}
	if f.orders < 0 || f.orders > fakedata.MaxOrders {
		return fault.Input(fmt.Errorf("--orders %d: use 0 to %d", f.orders, fakedata.MaxOrders))
	}
	if err := containers.CheckTablePrefix(f.stack.prefix); err != nil {
		return err
	}
	if _, err := (fakedata.Spec{Seed: uint64(f.seed), Customers: f.customers, Orders: f.orders, TablePrefix: f.stack.prefix}).Normalize(); err != nil {
		return fault.Input(fmt.Errorf("--customers/--orders/--seed: %w", err))
	}
	if _, err := containers.ParseSource(f.stack.source); err != nil {
		return err
	}
	if f.stack.woocommerce != "" {
		if f.run != "" {
			return fault.Input(errors.New("--woocommerce with --run: the running stack already has its plugin; give one or the other"))
		}
		if _, err := containers.CheckWooCommerce(f.stack.woocommerce); err != nil {
			return err
		}
	}
	if err := checkOutDir("--out", f.out); err != nil {
		return err
	}
	if f.key != "" {
		if _, err := reports.ReadPrivateKey(f.key); err != nil {
			return fault.Input(fmt.Errorf("--key %s: not an ed25519 private key in PKCS#8 PEM (make one with `openssl genpkey -algorithm ed25519`): %v", f.key, err))
		}
	}

	var planting []string
	for _, s := range list {
		if s.PlantsCode() {
			planting = append(planting, s.ID)
		}
	}
	iso := containers.Isolation{Enforced: true}
	if f.run != "" {
		var err error
		if iso, err = containers.CheckRun(ctx, f.run); err != nil {
			return err
		}
	} else if len(planting) > 0 {
		var err error
		if iso, err = containers.CheckIsolation(ctx); err != nil {
			return err
		}
	}
	if len(planting) > 0 && !iso.Enforced && !f.allowExposed {
		return fault.Input(fmt.Errorf("--allow-exposed: %s plant(s) a web shell, backdoor or vulnerable plugin, and the stack's network cannot be sealed here (%s); run those scenarios where it can, choose others, or pass --allow-exposed to accept the exposure",
			strings.Join(planting, ", "), iso.Reason))
	}
	return nil
}

// checkOutDir makes sure dir is a folder this process can write in, or
// can be made as one; it creates nothing.
func checkOutDir(flag, dir string) error {
	if dir == "" {
		return fault.Input(fmt.Errorf("%s: give a folder", flag))
	}
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.IsDir():
			return fault.Input(fmt.Errorf("%s %s: %s is a file, not a folder", flag, dir, p))
		case err == nil:
			return writable(flag+" "+dir+": folder", p)
		case !errors.Is(err, fs.ErrNotExist):
			return fault.Input(fmt.Errorf("%s %s: %w", flag, dir, err))
		case filepath.Dir(p) == p:
			return fault.Input(fmt.Errorf("%s %s: %w", flag, dir, err))
		}
	}
}

// checkOutFile makes sure path can be written as a file: not a folder, in
// a folder that exists and is writable.
func checkOutFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fault.Input(fmt.Errorf("%s %s: is a folder, give a file name", flag, path))
	}
	parent := filepath.Dir(path)
	st, err := os.Stat(parent)
	if err != nil {
		return fault.Input(fmt.Errorf("%s %s: folder %s does not exist", flag, path, parent))
	}
	if !st.IsDir() {
		return fault.Input(fmt.Errorf("%s %s: %s is not a folder", flag, path, parent))
	}
	return writable(flag+" "+path+": folder", parent)
}

func writable(what, dir string) error {
	f, err := os.CreateTemp(dir, ".breachdrill-check-*")
	if err != nil {
		return fault.Input(fmt.Errorf("%s %s: cannot write there: %w", what, dir, err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkInput checks the tabletop's flags before the console opens; the
// stack's flags only matter when it may go live.
func (f *tabletopFlags) checkInput(ctx context.Context) error {
	if err := checkOutDir("--out", f.out); err != nil {
		return err
	}
	if f.key != "" {
		if _, err := reports.ReadPrivateKey(f.key); err != nil {
			return fault.Input(fmt.Errorf("--key %s: not an ed25519 private key in PKCS#8 PEM (make one with `openssl genpkey -algorithm ed25519`): %v", f.key, err))
		}
	}
	if f.discussion {
		return nil
	}
	if f.customers < 1 || f.customers > fakedata.MaxCustomers {
		return fault.Input(fmt.Errorf("--customers %d: use 1 to %d", f.customers, fakedata.MaxCustomers))
	}
	if f.orders < 0 || f.orders > fakedata.MaxOrders {
		return fault.Input(fmt.Errorf("--orders %d: use 0 to %d", f.orders, fakedata.MaxOrders))
	}
	if _, err := containers.ParseSource(f.stack.source); err != nil {
		return err
	}
	if err := containers.CheckTablePrefix(f.stack.prefix); err != nil {
		return err
	}
	if f.stack.woocommerce != "" {
		if _, err := containers.CheckWooCommerce(f.stack.woocommerce); err != nil {
			return err
		}
	}
	if !f.live {
		// Automatic mode goes live only if an engine answers; the
		// console checks the seal then.
		return nil
	}
	iso, err := containers.Isolation{}, error(nil)
	if f.run != "" {
		iso, err = containers.CheckRun(ctx, f.run)
	} else {
		iso, err = containers.CheckIsolation(ctx)
	}
	if err != nil {
		return err
	}
	if !iso.Enforced && !f.allowExposed {
		return fault.Input(fmt.Errorf("--allow-exposed: live injects plant web shells, backdoors and vulnerable plugins, and the stack's network cannot be sealed here (%s); use --discussion, or pass --allow-exposed to accept the exposure", iso.Reason))
	}
	return nil
}
