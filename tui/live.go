package tui

import (
	"context"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
)

// Live is the exercise engine as the console drives it in live mode: one
// stack for the whole exercise, one Session per scenario. The command
// adapts the harness to it, so the console itself never talks to Docker and
// its tests can run live mode against a real stack or without one.
type Live interface {
	// Provision starts and seeds the stack, reporting each step as it goes.
	Provision(ctx context.Context, progress func(string)) (Access, error)
	// Start begins scenario s on the stack, recording on tl: detection
	// starts and the clean baseline runs; nothing is injected yet.
	Start(ctx context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (Session, error)
	// Close removes the stack. It is safe to call more than once.
	Close(ctx context.Context) error
}

// Session is one scenario on the live stack.
type Session interface {
	// Inject really breaches the stack; alerts then arrive on the timeline.
	Inject(ctx context.Context) error
	// Respond runs the scenario's built-in playbook.
	Respond(ctx context.Context) error
	// Contained is closed once every containment check passes.
	Contained() <-chan struct{}
	// Close puts the stack back and records the scenario's outcome.
	Close(ctx context.Context) error
}

var _ Session = (*harness.Live)(nil)

// Access is what participants need to investigate the stack. It is shown
// on the run screen — that is its point — and never recorded: the secrets
// in it are masked on the timeline and refused in the bundle.
type Access struct {
	URL      string
	AdminURL string
	User     string
	Password string
	// TablePrefix is the shop's database table prefix ("" for wp_).
	TablePrefix string
	// Stack and Dataset describe the stack for the record; they hold no
	// secret.
	Stack   *timeline.StackInfo
	Dataset *timeline.DatasetInfo
}
