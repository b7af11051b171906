package reports

import (
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// FileDigest is one file of a bundle.
type FileDigest struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format       string                `json:"format"`
	Bundle       string                `json:"bundle"` // exercise, quarterly-pack
	ExerciseID   string                `json:"exercise_id,omitempty"`
	Kind         string                `json:"kind,omitempty"`
	Title        string                `json:"title"`
	Quarter      string                `json:"quarter,omitempty"`
	Start        time.Time             `json:"start"`
	End          time.Time             `json:"end"`
	RunOutcome   string                `json:"run_outcome,omitempty"`
	Result       string                `json:"result"`
	ToolVersion  string                `json:"tool_version"`
	WrittenBy    string                `json:"written_by,omitempty"`
	Stack        *timeline.StackInfo   `json:"stack,omitempty"`
	Dataset      *timeline.DatasetInfo `json:"dataset,omitempty"`
	Scenarios    []ManifestScenario    `json:"scenarios,omitempty"`
	RulePackHash string                `json:"rule_pack_hash,omitempty"`
	Timeline     *ManifestTimeline     `json:"timeline,omitempty"`
	Sources      []SourceBundle        `json:"sources,omitempty"` // quarterly pack: the bundles it summarises
	Signer       ManifestSigner        `json:"signer"`
	Collection   ManifestCollection    `json:"collection"`
	Files        []FileDigest          `json:"files"`
}

// ManifestScenario ties a scenario that ran to the file included.
type ManifestScenario struct {
	ID         string `json:"id"`
	Title      string `json:"title,omitempty"`
	Version    string `json:"version"`          // recorded at run time
	File       string `json:"file,omitempty"`   // scenarios/NAME, when supplied
	SHA256     string `json:"sha256,omitempty"` // of that file
	MatchesRun bool   `json:"matches_run"`      // file hash equals the version recorded
}

// ManifestTimeline pins the timeline: its length and last hash.
type ManifestTimeline struct {
	File   string `json:"file"`
	Events int    `json:"events"`
	Head   string `json:"head"`
}

// ManifestSigner names the key that signed the bundle.
type ManifestSigner struct {
	Algorithm   string `json:"algorithm"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"public_key"`
}

// ManifestCollection is the evidence-handling record: who or what
// collected the evidence, and when.
type ManifestCollection struct {
	CollectedBy string    `json:"collected_by"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Method      string    `json:"method"`
}
