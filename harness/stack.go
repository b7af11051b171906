package harness

import (
	"context"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/redact"
	"github.com/breachdrill/breachdrill/scenarios"
)

// Stack is the running stack as the engine uses it; *containers.Stack
// implements it.
type Stack interface {
	scenarios.Target
	detect.Stack
	Reset(ctx context.Context) (containers.ResetReport, error)
	VerifyReset(ctx context.Context) ([]string, error)
	Snapshot(ctx context.Context) error
	Info() containers.Info
	RunID() string
}

var _ Stack = (*containers.Stack)(nil)

// Secrets masks every secret of a run, including those created during it
// (a rotated password), before anything reaches the timeline: in every
// encoding it can take and as a prefix or suffix (see internal/redact).
type Secrets struct{ m *redact.Masker }

// NewSecrets starts with the given secrets.
func NewSecrets(initial ...string) *Secrets {
	return &Secrets{m: redact.New(initial...)}
}

// Add registers one more secret; values too short to mask without
// mangling ordinary text are ignored.
func (s *Secrets) Add(v string) { s.m.Add(v) }

// List returns every secret registered so far.
func (s *Secrets) List() []string { return s.m.Secrets() }

// Mask replaces every registered secret in text.
func (s *Secrets) Mask(text string) string { return s.m.Mask(text) }
