// Command breachdrill runs incident-response drills against a disposable
// WordPress + WooCommerce + MariaDB stack. This package only wires flags to
// the packages that do the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/breachdrill/breachdrill/internal/fault"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run())
}

func run() int {
	// testcontainers prints a banner per container; the CLI has its own
	// progress lines.
	tclog.SetDefault(tclog.NewNoopLogger())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return fault.ExitOK
	}
	var ge gapError
	if errors.As(err, &ge) {
		// The drill ran and found a readiness gap; the report said so.
		return fault.ExitGap
	}
	fmt.Fprintln(os.Stderr, "breachdrill:", err)
	if ctx.Err() != nil && !fault.IsInput(err) {
		return fault.ExitInfra
	}
	return fault.Code(err)
}

// gapError ends a command that ran to completion but found a readiness
// gap (a rule missed, containment not verified): exit 1, nothing more to say.
type gapError struct{ summary string }

func (g gapError) Error() string { return g.summary }
