package harness

import (
	"context"
	"strings"
	"sync"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
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
// (a rotated password), before anything reaches the timeline.
type Secrets struct {
	mu   sync.RWMutex
	list []string
}

// NewSecrets starts with the given secrets.
func NewSecrets(initial ...string) *Secrets {
	s := &Secrets{}
	for _, v := range initial {
		s.Add(v)
	}
	return s
}

// Add registers one more secret.
func (s *Secrets) Add(v string) {
	if len(v) < 6 {
		// Too short to mask without mangling ordinary text.
		return
	}
	s.mu.Lock()
	s.list = append(s.list, v)
	s.mu.Unlock()
}

// List returns every secret registered so far.
func (s *Secrets) List() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.list...)
}

// Mask replaces every registered secret in text.
func (s *Secrets) Mask(text string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.list {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "[masked]")
		}
	}
	return text
}
