package tui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/scenarios"
)

// SaveFunc writes the exercise's evidence from its timeline and the
// scenarios it ran, and says where it went.
type SaveFunc func(ctx context.Context, events []timeline.Event, ran []*scenarios.Scenario) (Saved, error)

// Saved is where the evidence went and what it concluded.
type Saved struct {
	Path   string
	Result string // PASSED, WARNED, FAILED
}

// BundleSaver writes a signed evidence bundle into out/<exercise id>.
// secrets, called at save time (a live stack's credentials exist only once
// it runs), lists values the bundle must not contain.
func BundleSaver(out, toolVersion string, secrets func() []string, opts ...reports.Option) SaveFunc {
	return func(ctx context.Context, events []timeline.Event, ran []*scenarios.Scenario) (Saved, error) {
		if len(events) == 0 {
			return Saved{}, errors.New("nothing was recorded")
		}
		var run timeline.RunInfo
		if err := events[0].Decode(&run); err != nil {
			return Saved{}, fmt.Errorf("read run.start: %w", err)
		}
		in := reports.Input{Events: events, ToolVersion: toolVersion}
		for _, s := range ran {
			f, err := scenarioFile(s)
			if err != nil {
				return Saved{}, err
			}
			in.Scenarios = append(in.Scenarios, f)
		}
		o := append([]reports.Option(nil), opts...)
		if secrets != nil {
			o = append(o, reports.WithSecrets(secrets()...))
		}
		dir := filepath.Join(out, run.ExerciseID)
		b, err := reports.WriteBundle(ctx, dir, in, o...)
		if err != nil {
			return Saved{}, fmt.Errorf("write the evidence bundle to %s: %w", dir, err)
		}
		return Saved{Path: b.Dir, Result: b.Result}, nil
	}
}

// scenarioFile reads a scenario's file as it was loaded, so the bundle
// holds exactly the version the timeline names.
func scenarioFile(s *scenarios.Scenario) (reports.File, error) {
	if s.Artifacts == nil {
		return reports.File{}, fmt.Errorf("scenario %s: its file is not at hand", s.ID)
	}
	data, err := fs.ReadFile(s.Artifacts, path.Base(filepath.ToSlash(s.File)))
	if err != nil {
		return reports.File{}, fmt.Errorf("scenario %s: read %s: %w", s.ID, s.File, err)
	}
	return reports.File{Name: s.ID + ".yaml", Data: data}, nil
}
