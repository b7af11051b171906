package tui

import (
	"errors"
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// resume rebuilds the console from a saved record: the exercise's id,
// people and scenarios, the scenario in progress with its clock, injects,
// phase, regulatory clocks, log and marks — or the hot wash with its
// draft. It goes on in discussion mode: the live stack went with the
// pause. Both clocks stay paused until space.
func (m Model) resume(r Resume) (Model, error) {
	x := m.x
	if len(r.Events) == 0 || r.Events[0].Kind != timeline.KindRunStart {
		return Model{}, fault.Input(errors.New("the saved record does not open with run.start"))
	}
	s := replay(r.Events)
	if s.run.Kind != timeline.ExerciseTabletop {
		return Model{}, fault.Input(fmt.Errorf("%s is a %s, not a tabletop", s.run.ExerciseID, s.run.Kind))
	}
	if s.runEnd {
		return Model{}, fault.Input(fmt.Errorf("tabletop %s has already ended: its bundle holds the record", s.run.ExerciseID))
	}
	for _, id := range s.run.Scenarios {
		var found *scenarios.Scenario
		for _, c := range x.cfg.Catalog {
			if c.ID == id {
				found = c
			}
		}
		if found == nil {
			return Model{}, fault.Input(fmt.Errorf("tabletop %s ran scenario %q, which the catalogue no longer has", s.run.ExerciseID, id))
		}
		x.scenarios = append(x.scenarios, found)
	}
	draft, err := decodeDraft(r.Draft)
	if err != nil {
		return Model{}, fault.Input(fmt.Errorf("the hot wash draft of %s: %w", s.run.ExerciseID, err))
	}
	x.id, x.title, x.people = s.run.ExerciseID, s.run.Title, s.run.Participants
	x.mode, x.resumed, x.runStarted = ModeDiscussion, true, true
	if s.scale > 0 {
		x.scale = s.scale
	}
	x.logSeq = s.logSeq
	x.marks = s.marks
	x.evalNotes = s.evalNotes
	now := x.now()
	x.clock = pausedAt(now, s.exClock.elapsed(s.last))
	m.resumeDraft = draft
	m.run = newRun(x)

	switch {
	case s.current >= 0 && s.running:
		m.state = stateRun
		m.run.restore(s, s.current)
		m.run.status = "resumed from the saved record: space starts the clocks"
	case s.current+1 < len(x.scenarios) && !s.endedEarly:
		// Saved between scenarios: the next one starts (paused) now.
		m.state = stateRun
		m.startNext = s.current + 1
	default:
		m.state = stateHotWash
		m.wash = newHotwash(x, draft)
	}
	return m, nil
}

// pausedAt is a stopwatch standing still at elapsed.
func pausedAt(now time.Time, elapsed time.Duration) stopwatch {
	return stopwatch{start: now.Add(-elapsed), paused: true, pausedAt: now}
}

// restore puts scenario i back as the snapshot has it, clock paused.
func (m *runModel) restore(s snapshot, i int) {
	x := m.x
	m.index, m.sc = i, x.scenarios[i]
	m.injects = scheduled(m.sc)
	m.marks = x.marksFor(m.sc.ID)
	for _, f := range s.feed {
		if f.index >= 0 && f.index < len(m.injects) {
			f.inject = m.injects[f.index]
		}
		m.feed = append(m.feed, f)
	}
	m.next, m.held = s.nextInject(), s.held
	m.phase, m.log = s.phase, s.log
	m.clocks, m.aware = s.clocks, s.aware
	m.alerts = s.alerts
	m.clock = pausedAt(x.now(), s.scClock.elapsed(s.last))
	m.running = true
}

// draft is the hot wash draft a resumed exercise brought back.
func (m Model) draft() *washDraft { return m.resumeDraft }
