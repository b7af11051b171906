package tui

import (
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Role names as recorded.
const (
	RoleIncidentCommander = "incident commander"
	RoleTechnicalLead     = "technical lead"
	RoleCommunications    = "communications"
	RoleLegalDPO          = "legal/DPO"
	RoleScribe            = "scribe"
	RoleFacilitator       = "facilitator"
	RoleObserver          = "observer"
)

// Roles lists the roles a participant can hold, in the order the console
// offers them. The first five are the ones an incident-response plan names
// (PCI DSS 12.10.1 and ISO 27001 5.24 ask for roles); the facilitator and
// observers are in the room but not in the plan.
func Roles() []string {
	return []string{
		RoleIncidentCommander, RoleTechnicalLead, RoleCommunications, RoleLegalDPO, RoleScribe,
		RoleFacilitator, RoleObserver,
	}
}

// roleAlias maps the short forms people type on a command line.
func roleAlias(k string) (string, bool) {
	switch k {
	case "ic", "commander":
		return RoleIncidentCommander, true
	case "tech", "lead":
		return RoleTechnicalLead, true
	case "comms":
		return RoleCommunications, true
	case "legal", "dpo":
		return RoleLegalDPO, true
	}
	return "", false
}

// ParseRole returns the canonical role for s: a role name in any case, or
// one of the short forms (ic, tech, comms, legal, dpo).
func ParseRole(s string) (string, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for _, r := range Roles() {
		if strings.ToLower(r) == k {
			return r, nil
		}
	}
	if r, ok := roleAlias(k); ok {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: use one of %s", s, strings.Join(Roles(), ", "))
}

// ParseParticipant reads "Name:role", as given to --participant.
func ParseParticipant(s string) (timeline.Participant, error) {
	name, role, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return timeline.Participant{}, fmt.Errorf("participant %q: want NAME:ROLE, e.g. \"Ana Ruiz:incident commander\"", s)
	}
	r, err := ParseRole(role)
	if err != nil {
		return timeline.Participant{}, fmt.Errorf("participant %q: %w", s, err)
	}
	return timeline.Participant{Name: name, Role: r}, nil
}

func roleIndex(role string) int {
	for i, r := range Roles() {
		if r == role {
			return i
		}
	}
	return 0
}
