package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
)

// exercise is what every screen shares: the configuration, the record
// being written and who is in the room. Screens hold a pointer to it, as
// glow's screens share its common model.
type exercise struct {
	// ctx lives here, not in a call chain, because commands outlive the
	// Update that made them; it ends with the program.
	ctx     context.Context
	cfg     Config
	styles  styles
	keys    keyMap
	journal *journal
	tl      *timeline.Timeline

	id        string
	title     string
	mode      Mode
	scenarios []*scenarios.Scenario
	people    []timeline.Participant
	access    *Access

	runStarted bool
	// clock is the whole exercise's, across scenarios; it pauses with
	// the scenario's.
	clock stopwatch
	// scale is exercise time per real time (60: a minute is an hour);
	// the story and the regulatory clocks run on it.
	scale float64
	// logSeq numbers log entries ("L1", "L2") so corrections can name
	// them.
	logSeq int
	// marks are the expected outcomes judged so far, per scenario.
	marks map[string]map[markKey]timeline.OutcomeMark
	// evalNotes are the evaluators' notes recorded during the run; the
	// hot wash shows them beside its own.
	evalNotes []timeline.EvaluatorNote
	// resumed says the exercise continues a saved record.
	resumed bool
	// width is the terminal's, for text fields that scroll.
	width int
}

func (x *exercise) now() time.Time { return x.cfg.Now() }

// stamp is now, in UTC, for the time fields of hot-wash entries: the
// record keeps when something was said, not only when it was written.
func (x *exercise) stamp() *time.Time {
	t := x.now().UTC()
	return &t
}

func (x *exercise) live() bool { return x.mode == ModeLive }

// elapsed is the whole exercise's time on its clock.
func (x *exercise) elapsed() time.Duration { return x.clock.elapsed(x.now()) }

// story turns clock time into exercise (narrative) time.
func (x *exercise) story(d time.Duration) time.Duration {
	if x.scale <= 0 {
		return d
	}
	return time.Duration(float64(d) * x.scale)
}

func (x *exercise) marksFor(scenario string) map[markKey]timeline.OutcomeMark {
	if x.marks == nil {
		x.marks = map[string]map[markKey]timeline.OutcomeMark{}
	}
	if x.marks[scenario] == nil {
		x.marks[scenario] = map[markKey]timeline.OutcomeMark{}
	}
	return x.marks[scenario]
}

func (x *exercise) nextLogID() string {
	x.logSeq++
	return fmt.Sprintf("L%d", x.logSeq)
}

// holding returns the first participant holding one of roles, by name.
func (x *exercise) holding(roles ...string) string {
	for _, r := range roles {
		for _, p := range x.people {
			if p.Role == r {
				return p.Name
			}
		}
	}
	return ""
}

// scribe is who the console records as writing things down.
func (x *exercise) scribe() string {
	if n := x.holding(RoleScribe, RoleFacilitator); n != "" {
		return n
	}
	return RoleScribe
}

// facilitator is who the console records as delivering injects.
func (x *exercise) facilitator() string {
	if n := x.holding(RoleFacilitator, RoleScribe); n != "" {
		return n
	}
	return RoleFacilitator
}

func (x *exercise) record(kind timeline.Kind, scenario, actor, summary string, data any) {
	x.journal.add(timeline.Entry{Kind: kind, Scenario: scenario, Actor: actor, Summary: summary, Data: data})
}

// recordRunStart opens the record once: who, what, and — live — the stack.
func (x *exercise) recordRunStart() {
	if x.runStarted {
		return
	}
	x.runStarted = true
	ids := make([]string, len(x.scenarios))
	for i, s := range x.scenarios {
		ids[i] = s.ID
	}
	info := timeline.RunInfo{
		ExerciseID: x.id, Kind: timeline.ExerciseTabletop, Title: x.title, ToolVersion: x.cfg.ToolVersion,
		Scenarios: ids, Participants: x.people,
	}
	if x.access != nil {
		info.Stack, info.Dataset = x.access.Stack, x.access.Dataset
	}
	x.record(timeline.KindRunStart, "", x.facilitator(), fmt.Sprintf("tabletop %s started (%s mode)", x.id, x.mode), info)
	x.clock = startStopwatch(x.now())
	if x.scale > 0 && x.scale != 1 {
		a := timeline.Artificiality{TimeScale: x.scale, Text: fmt.Sprintf(
			"Exercise time is compressed: %s of the exercise stands for %s (×%g). The story's clock and the regulatory clocks (GDPR, DORA, NYDFS) run in exercise time, so a 72-hour deadline passes in %s.",
			shortDuration(time.Minute), shortDuration(x.story(time.Minute)), x.scale, shortDuration(time.Duration(float64(72*time.Hour)/x.scale)))}
		x.record(timeline.KindArtificiality, "", x.facilitator(), "artificiality: "+a.Text, a)
	}
	// The roll call: each person's presence, with the time they were there.
	for _, p := range x.people {
		x.record(timeline.KindParticipant, "", p.Name, fmt.Sprintf("%s present as %s", p.Name, p.Role), p)
	}
}

func (x *exercise) recordScenarioStart(s *scenarios.Scenario) {
	x.record(timeline.KindScenarioStart, s.ID, x.facilitator(), s.Title, harness.ScenarioInfo(s))
}

func exerciseTitle(list []*scenarios.Scenario) string {
	if len(list) == 1 {
		return "Tabletop: " + list[0].Title
	}
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return "Tabletop: " + strings.Join(ids, ", ")
}
