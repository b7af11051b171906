package reports

import (
	"encoding/json"
	"fmt"
	"strings"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"
)

// oscalNS qualifies our own property names, as OSCAL asks of extensions.
const oscalNS = "https://github.com/breachdrill/breachdrill/ns/oscal"

// fileDigest is a bundle file's name, size and SHA-256.
type fileDigest struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// oscalIDs makes UUIDs (version 5) from names, so the same timeline always
// gives the same document and a re-run can be diffed.
type oscalIDs struct{ base string }

func (o oscalIDs) id(parts ...string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("breachdrill:"+o.base+":"+strings.Join(parts, ":"))).String()
}

// controlToken is an OSCAL control-id for a catalogue control: a token
// must start with a letter, which "12.10.7" does not.
func controlToken(c Control) string {
	return strings.ToLower(c.Framework) + "-" + strings.ToLower(c.ID)
}

func prop(name, value string) oscal.Property {
	return oscal.Property{Name: name, Value: value, Ns: oscalNS}
}

func ptr[T any](v T) *T { return &v }

// renderOSCAL writes an OSCAL 1.1.3 assessment-results document with
// go-oscal's generated types: one result for the exercise, an observation
// per test case, a finding per scenario and per exercised control, and the
// evidence files (with SHA-256) as back-matter resources.
func renderOSCAL(x *exercise, evidence []fileDigest) ([]byte, error) {
	ids := oscalIDs{x.ID}
	toolUUID := ids.id("tool")
	planUUID := ids.id("plan")

	var resources []oscal.Resource
	var planLinks []oscal.ResourceLink
	for _, f := range evidence {
		link := oscal.ResourceLink{Href: f.Name, MediaType: mediaType(f.Name), Hashes: &[]oscal.Hash{{Algorithm: "SHA-256", Value: f.SHA256}}}
		if strings.HasPrefix(f.Name, "scenarios/") {
			planLinks = append(planLinks, link)
			continue
		}
		resources = append(resources, oscal.Resource{UUID: ids.id("file", f.Name), Title: f.Name, Rlinks: &[]oscal.ResourceLink{link}})
	}
	plan := oscal.Resource{
		UUID:        planUUID,
		Title:       "Exercise plan: the scenario files run",
		Description: "The scenarios (injects, expected detections, response, verification) that defined this " + x.kindName() + ". There is no separate OSCAL assessment plan; these files are it.",
	}
	if len(planLinks) > 0 {
		plan.Rlinks = &planLinks
	}
	resources = append([]oscal.Resource{plan}, resources...)

	var observations []oscal.Observation
	obsByScenario := map[string][]oscal.RelatedObservation{}
	for _, t := range x.Tests {
		collected := x.End
		for _, s := range x.Scenarios {
			if s.Info.ID == t.Scenario && s.Injected != nil {
				collected = *s.Injected
			}
		}
		props := []oscal.Property{prop("result", t.Status)}
		if t.Seconds != nil {
			props = append(props, prop("measured-seconds", fmt.Sprintf("%.3f", *t.Seconds)))
		}
		if t.Deadline > 0 {
			props = append(props, prop("deadline-seconds", fmt.Sprintf("%g", t.Deadline)))
		}
		o := oscal.Observation{
			UUID:        ids.id("observation", t.ID),
			Title:       t.ID,
			Description: t.Name + ": " + t.Message,
			Methods:     []string{"TEST"},
			Collected:   collected,
			Props:       &props,
			Origins:     &[]oscal.Origin{{Actors: []oscal.OriginActor{{Type: "tool", ActorUuid: toolUUID}}}},
			RelevantEvidence: &[]oscal.RelevantEvidence{{
				Href:        "timeline.jsonl",
				Description: "The hash-chained timeline this result is measured from",
			}},
		}
		observations = append(observations, o)
		obsByScenario[t.Scenario] = append(obsByScenario[t.Scenario], oscal.RelatedObservation{ObservationUuid: o.UUID})
	}

	var findings []oscal.Finding
	for _, s := range x.Scenarios {
		state, reason := "satisfied", "pass"
		desc := fmt.Sprintf("Scenario %s: %s. %s", s.Info.ID, s.Outcome, s.Reason)
		switch {
		case s.gap():
			state, reason = "not-satisfied", "fail"
		case !s.concluded():
			// Not measured is never satisfied; "other" keeps it apart
			// from a readiness gap.
			state, reason = "not-satisfied", "other"
			desc = fmt.Sprintf("Scenario %s was not measured (%s): %s. It says nothing about readiness.", s.Info.ID, s.Outcome, s.Reason)
		}
		f := oscal.Finding{
			UUID:        ids.id("finding", s.Info.ID),
			Title:       s.Info.Title,
			Description: desc,
			Target: oscal.FindingTarget{
				Type:     "objective-id",
				TargetId: token(s.Info.ID),
				Status:   oscal.ObjectiveStatus{State: state, Reason: reason},
			},
		}
		if rel := obsByScenario[s.Info.ID]; len(rel) > 0 {
			f.RelatedObservations = &rel
		}
		findings = append(findings, f)
	}
	var reviewed []oscal.AssessedControlsSelectControlById
	for _, c := range x.Controls {
		if c.Status == ControlNotExercised {
			continue
		}
		reviewed = append(reviewed, oscal.AssessedControlsSelectControlById{ControlId: controlToken(c.Control)})
		state, reason := "satisfied", "pass"
		if c.Status == ControlGap {
			state, reason = "not-satisfied", "fail"
		}
		findings = append(findings, oscal.Finding{
			UUID:        ids.id("control", c.Key()),
			Title:       c.Name,
			Description: controlText(c),
			Target: oscal.FindingTarget{
				Type:     "objective-id",
				TargetId: controlToken(c.Control),
				Status:   oscal.ObjectiveStatus{State: state, Reason: reason},
			},
		})
	}
	controls := oscal.AssessedControls{Description: "Controls this exercise gave evidence for"}
	if len(reviewed) > 0 {
		controls.IncludeControls = &reviewed
	}

	metaProps := []oscal.Property{
		prop("exercise-id", x.ID),
		prop("exercise-kind", x.kindName()),
		prop("result", x.Result),
	}
	if x.RunOutcome != "" {
		metaProps = append(metaProps, prop("run-outcome", x.RunOutcome))
	}
	if x.Score != nil {
		metaProps = append(metaProps, prop("readiness-score", fmt.Sprintf("%.0f", *x.Score)))
	}
	parties := []oscal.Party{{UUID: toolUUID, Type: "organization", Name: "breachdrill automation", ShortName: "breachdrill"}}
	for i, p := range x.Participants {
		parties = append(parties, oscal.Party{UUID: ids.id("party", fmt.Sprint(i), p.Name), Type: "person", Name: p.Name, Props: &[]oscal.Property{prop("exercise-role", p.Role)}})
	}
	version := x.Run.ToolVersion
	if version == "" {
		version = "unknown"
	}
	result := oscal.Result{
		UUID:             ids.id("result"),
		Title:            x.Title,
		Description:      fmt.Sprintf("%s %s: %s", x.kindName(), x.ID, x.Headline()),
		Start:            x.Start,
		End:              ptr(x.End),
		ReviewedControls: oscal.ReviewedControls{ControlSelections: []oscal.AssessedControls{controls}},
		LocalDefinitions: &oscal.LocalDefinitions{Components: &[]oscal.SystemComponent{{
			UUID:        toolUUID,
			Type:        "software",
			Title:       "breachdrill " + version,
			Description: "Runs the exercise, measures detection and containment from the timeline, and signs the evidence.",
			Status:      oscal.SystemComponentStatus{State: "operational"},
		}}},
	}
	if len(observations) > 0 {
		result.Observations = &observations
	}
	if len(findings) > 0 {
		result.Findings = &findings
	}
	doc := oscal.OscalModels{AssessmentResults: &oscal.AssessmentResults{
		UUID: ids.id("assessment-results"),
		Metadata: oscal.Metadata{
			Title:        "Assessment results: " + x.Title,
			LastModified: x.End,
			Version:      version,
			OscalVersion: oscal.Version,
			Props:        &metaProps,
			Parties:      &parties,
		},
		ImportAp:   oscal.ImportAp{Href: "#" + planUUID, Remarks: "The exercise's scenario files serve as the assessment plan."},
		Results:    []oscal.Result{result},
		BackMatter: &oscal.BackMatter{Resources: &resources},
	}}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// token makes s a valid OSCAL token (an XML NCName).
func token(s string) string {
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '-')
		if !ok {
			r = '_'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func mediaType(name string) string {
	switch {
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case strings.HasSuffix(name, ".jsonl"):
		return "application/jsonl"
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "application/yaml"
	case strings.HasSuffix(name, ".xml"):
		return "application/xml"
	case strings.HasSuffix(name, ".html"):
		return "text/html"
	case strings.HasSuffix(name, ".md"):
		return "text/markdown"
	case strings.HasSuffix(name, ".pub"), strings.HasSuffix(name, ".pem"):
		return "application/x-pem-file"
	}
	return "application/octet-stream"
}

func controlText(c ControlCoverage) string {
	text := c.Name + " " + c.Status
	if len(c.Gaps) > 0 {
		text += ": gap: " + strings.Join(c.Gaps, "; ")
	}
	text += ". Evidence: " + strings.Join(c.Evidence, "; ")
	if c.Note != "" {
		text += ". " + c.Note
	}
	return text
}
