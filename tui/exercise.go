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
	// width is the terminal's, for text fields that scroll.
	width int
}

func (x *exercise) now() time.Time { return x.cfg.Now() }

func (x *exercise) live() bool { return x.mode == ModeLive }

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
