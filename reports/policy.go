package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"go.yaml.in/yaml/v3"
)

// Policy is what the organisation requires before an exercise counts as a
// test of its incident-response plan (PCI DSS 12.10.2, SOC 2 CC7.4, DORA
// Art. 11, NYDFS 500.16). A ten-second tabletop with one person in it, or
// a drill that stopped half-way, is not a test of the plan.
type Policy struct {
	Tabletop TabletopPolicy `yaml:"tabletop" json:"tabletop"`
	Drill    DrillPolicy    `yaml:"drill" json:"drill"`
}

// TabletopPolicy is the minimum a tabletop must meet.
type TabletopPolicy struct {
	// IncidentCommander: a participant acted as incident commander.
	IncidentCommander bool `yaml:"incident_commander" json:"incident_commander"`
	// MinParticipants: people besides the incident commander.
	MinParticipants int `yaml:"min_participants" json:"min_participants"`
	// AllObjectivesRated: every objective of every scenario got a P/S/M/U
	// rating (at least one rating when the scenarios list none).
	AllObjectivesRated bool `yaml:"all_objectives_rated" json:"all_objectives_rated"`
	// HotWash: the room recorded strengths or areas for improvement.
	HotWash bool `yaml:"hot_wash" json:"hot_wash"`
}

// DrillPolicy says whether an automated drill can count.
type DrillPolicy struct {
	// Counts: a drill that ran every scenario's response playbook end to
	// end (every step done without error, containment checked) counts.
	Counts bool `yaml:"counts" json:"counts"`
}

// DefaultPolicy is the policy without a policy file: an incident
// commander and at least three other participants, every objective
// rated, a hot wash; or a drill that ran its playbooks end to end.
func DefaultPolicy() Policy {
	return Policy{
		Tabletop: TabletopPolicy{IncidentCommander: true, MinParticipants: 3, AllObjectivesRated: true, HotWash: true},
		Drill:    DrillPolicy{Counts: true},
	}
}

// LoadPolicy reads a policy file (YAML). Fields it leaves out keep their
// defaults; unknown fields are an error, so a typo cannot loosen the
// policy unnoticed.
func LoadPolicy(path string) (Policy, error) {
	p := DefaultPolicy()
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) /* an empty file keeps the defaults */ {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	if p.Tabletop.MinParticipants < 0 {
		return p, fmt.Errorf("%s: tabletop.min_participants %d: want 0 or more", path, p.Tabletop.MinParticipants)
	}
	return p, nil
}

// planTested reports whether the exercise meets the policy for "the plan
// was tested", and if not, why not, in words an auditor can check.
func planTested(x *exercise, p Policy) (bool, string) {
	if why := x.RunProblem(); why != "" {
		return false, why
	}
	if inc := x.Incomplete(); len(inc) > 0 {
		return false, fmt.Sprintf("%d of %d scenarios were not measured (%s: %s)", len(inc), len(x.Scenarios), inc[0].Info.ID, inc[0].Outcome)
	}
	if len(x.Scenarios) == 0 {
		return false, "no scenario was exercised"
	}
	switch x.Kind {
	case timeline.ExerciseTabletop:
		return tabletopMeets(x, p.Tabletop)
	case timeline.ExerciseDrill:
		if !p.Drill.Counts {
			return false, "the policy does not count automated drills as a test of the plan"
		}
		for _, s := range x.Scenarios {
			if len(s.Measures) == 0 {
				return false, "scenario " + s.Info.ID + " ran no response step"
			}
			for _, m := range s.Measures {
				if strings.Contains(m, "(failed: ") {
					return false, "scenario " + s.Info.ID + ": response step failed: " + m
				}
			}
			after := false
			for _, c := range s.Containment {
				after = after || c.After != nil
			}
			if !after {
				return false, "scenario " + s.Info.ID + ": containment was never checked after the response"
			}
		}
		return true, "every scenario's response playbook ran end to end and containment was checked"
	}
	return false, "a " + x.kindName() + " checks detection rules; it does not test the response plan"
}

func tabletopMeets(x *exercise, p TabletopPolicy) (bool, string) {
	var missing []string
	others, ic := 0, false
	for _, pt := range x.Participants {
		role := strings.ToLower(strings.TrimSpace(pt.Role))
		if strings.Contains(role, "incident commander") || role == "ic" {
			ic = true
			continue
		}
		others++
	}
	if p.IncidentCommander && !ic {
		missing = append(missing, "no participant acted as incident commander")
	}
	if others < p.MinParticipants {
		missing = append(missing, fmt.Sprintf("%d participants besides the incident commander, the policy asks for %d", others, p.MinParticipants))
	}
	if p.AllObjectivesRated {
		rated := map[string]bool{}
		for _, r := range x.Ratings {
			if _, ok := ratingPoints(r.Rating); ok {
				rated[strings.ToLower(strings.TrimSpace(r.Objective))] = true
			}
		}
		var unrated []string
		listed := 0
		for _, s := range x.Scenarios {
			for _, o := range s.Info.Objectives {
				listed++
				if !rated[strings.ToLower(strings.TrimSpace(o))] {
					unrated = append(unrated, o)
				}
			}
		}
		switch {
		case len(unrated) > 0:
			missing = append(missing, fmt.Sprintf("%d objectives not rated (%s)", len(unrated), unrated[0]))
		case listed == 0 && len(rated) == 0:
			missing = append(missing, "no objective was rated")
		}
	}
	if p.HotWash {
		hot := false
		for _, f := range append(append([]finding(nil), x.Strengths...), x.AFIs...) {
			hot = hot || !f.Derived
		}
		if !hot {
			missing = append(missing, "no hot wash was recorded (no strength or area for improvement)")
		}
	}
	if len(missing) > 0 {
		return false, strings.Join(missing, "; ")
	}
	return true, "the tabletop met the policy: incident commander, participants, every objective rated, hot wash"
}

// Text states the policy in one sentence, for the pack.
func (p Policy) Text() string {
	t := "A test of the plan is a tabletop with "
	if p.Tabletop.IncidentCommander {
		t += "an incident commander and "
	}
	t += fmt.Sprintf("at least %d other participants", p.Tabletop.MinParticipants)
	if p.Tabletop.AllObjectivesRated {
		t += ", every objective rated"
	}
	if p.Tabletop.HotWash {
		t += ", a hot wash"
	}
	if p.Drill.Counts {
		return t + "; or a drill that ran every scenario's response playbook end to end"
	}
	return t + "; drills do not count"
}
