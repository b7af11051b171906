// Package fault classifies errors into the exit codes of DESIGN.md: bad input
// (2) and infrastructure failure (3). Everything else that ends a command
// with an error is a readiness gap or a bug and exits 1.
package fault

import "errors"

// Exit codes shared by every command.
const (
	ExitOK    = 0
	ExitGap   = 1
	ExitInput = 2
	ExitInfra = 3
)

type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

type infraError struct{ err error }

func (e infraError) Error() string { return e.err.Error() }
func (e infraError) Unwrap() error { return e.err }

// Input marks err as the user's input being wrong (a flag, a file).
func Input(err error) error {
	if err == nil {
		return nil
	}
	return inputError{err}
}

// Infra marks err as the infrastructure failing (Docker, a container).
func Infra(err error) error {
	if err == nil {
		return nil
	}
	return infraError{err}
}

// IsInput reports whether err or anything it wraps was marked by Input.
func IsInput(err error) bool {
	var e inputError
	return errors.As(err, &e)
}

// IsInfra reports whether err or anything it wraps was marked by Infra.
func IsInfra(err error) bool {
	var e infraError
	return errors.As(err, &e)
}

// Code maps err to an exit code. Infrastructure wins over input: a run that
// lost its Docker engine must never look like the user's mistake.
func Code(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case IsInfra(err):
		return ExitInfra
	case IsInput(err):
		return ExitInput
	default:
		return ExitGap
	}
}
