package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Problem is one way a bundle fails verification, naming the file (and,
// for the timeline, the event) that changed.
type Problem struct {
	File   string `json:"file"`
	Event  int64  `json:"event,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Event > 0 {
		return fmt.Sprintf("%s: event %d: %s", p.File, p.Event, p.Reason)
	}
	return p.File + ": " + p.Reason
}

// SignerCheck says whether the key that signed a bundle is one the
// verifier pinned. An intact bundle signed by an unpinned key proves only
// that someone signed it: integrity OK, signer not trusted.
type SignerCheck struct {
	// Against names where the pinned keys came from ("trusted key", "trust
	// file", "your signing key"), or "" when nothing was pinned.
	Against string `json:"against,omitempty"`
	// Match: the signer is one of the pinned keys.
	Match bool `json:"match"`
}

// Verification is the outcome of Verify.
type Verification struct {
	Path       string      `json:"path"`
	Bundle     string      `json:"bundle,omitempty"` // exercise, quarterly-pack
	ExerciseID string      `json:"exercise_id,omitempty"`
	Quarter    string      `json:"quarter,omitempty"`
	Files      int         `json:"files"`
	Events     int         `json:"events,omitempty"`
	Signer     string      `json:"signer,omitempty"` // fingerprint of the bundled key
	Signature  bool        `json:"signature"`        // the attestation verifies with the bundled key
	Trust      SignerCheck `json:"trust"`
	// Approvals are the signed approvals added after the bundle was
	// written (evidence approve).
	Approvals []ApprovalCheck `json:"approvals,omitempty"`
	Problems  []Problem       `json:"problems,omitempty"`
	// Manifest is the bundle's manifest as read (trust it only when OK).
	Manifest *Manifest `json:"-"`
	// Attestation is the signed statement (trust it only when OK).
	Statement *Statement `json:"-"`
	// files holds the bundle's contents for callers in this package.
	files map[string][]byte
}

// OK reports whether the bundle verified with no problem.
func (v Verification) OK() bool { return len(v.Problems) == 0 }

// VerifyOption configures Verify.
type VerifyOption func(*verifyOptions)

type verifyOptions struct {
	pinned []pinnedKey
}

type pinnedKey struct {
	source string
	key    ed25519.PublicKey
}

// WithTrustedKeys pins keys given by the user (--trusted-key): a bundle
// re-signed with another key after its public key was swapped is reported
// as signed by an untrusted key.
func WithTrustedKeys(keys ...ed25519.PublicKey) VerifyOption {
	return WithPinnedKeys("trusted key", keys...)
}

// WithPinnedKeys pins keys and names where they came from ("trust file",
// "your signing key"), for the verification's report.
func WithPinnedKeys(source string, keys ...ed25519.PublicKey) VerifyOption {
	return func(o *verifyOptions) {
		for _, k := range keys {
			o.pinned = append(o.pinned, pinnedKey{source, k})
		}
	}
}

// WithLocalKey pins the user's own signing key.
func WithLocalKey(pub ed25519.PublicKey) VerifyOption { return WithPinnedKeys("your signing key", pub) }

// Trusted reports whether the bundle is intact and its signer pinned.
func (v Verification) Trusted() bool { return v.OK() && v.Trust.Match }

// ErrNotBundle means the path is neither a bundle directory nor a zip of
// one.
var ErrNotBundle = errors.New("not an evidence bundle")

// Verify checks a bundle directory or zip: every file's SHA-256 against the
// signed attestation, the signature against the bundled public key (and
// the trusted key, if given), the manifest, and the timeline's hash chain.
// A returned error means the path could not be read as a bundle at all;
// everything else is in Verification.Problems.
func Verify(ctx context.Context, p string, opts ...VerifyOption) (Verification, error) {
	var o verifyOptions
	for _, opt := range opts {
		opt(&o)
	}
	files, problems, err := loadBundle(p)
	if err != nil {
		return Verification{Path: p}, err
	}
	if err := ctx.Err(); err != nil {
		return Verification{Path: p}, err
	}
	v := verifyFiles(files, o)
	v.Path = p
	v.Problems = sortProblems(append(problems, v.Problems...))
	return v, nil
}

// loadBundle reads a directory or zip into memory. Problems are damage
// found while reading a zip (a bad checksum, a duplicate entry).
func loadBundle(p string) (map[string][]byte, []Problem, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, err
	}
	if st.IsDir() {
		files, err := readTree(os.DirFS(p))
		if err != nil {
			return nil, nil, err
		}
		if _, ok := files[ManifestFile]; !ok {
			if _, ok := files[AttestationFile]; !ok {
				return nil, nil, fmt.Errorf("%s: %w (no %s or %s)", p, ErrNotBundle, ManifestFile, AttestationFile)
			}
		}
		return files, nil, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.HasPrefix(data, []byte("PK")) {
		return nil, nil, fmt.Errorf("%s: %w (neither a directory nor a zip)", p, ErrNotBundle)
	}
	return readZip(data)
}

func readZip(data []byte) (map[string][]byte, []Problem, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return map[string][]byte{}, []Problem{{File: "(zip)", Reason: "damaged: " + err.Error()}}, nil
	}
	// Bundles are zipped under one top-level directory; strip it.
	prefix := ""
	for i, f := range zr.File {
		top, _, ok := strings.Cut(f.Name, "/")
		if !ok {
			prefix = ""
			break
		}
		if i == 0 {
			prefix = top + "/"
		} else if top+"/" != prefix {
			prefix = ""
			break
		}
	}
	files := map[string][]byte{}
	problems := zipContainerProblems(data, zr)
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name := strings.TrimPrefix(f.Name, prefix)
		if _, dup := files[name]; dup {
			problems = append(problems, Problem{File: name, Reason: "appears twice in the zip"})
			continue
		}
		rc, err := f.Open()
		if err != nil {
			problems = append(problems, Problem{File: name, Reason: "damaged in the zip: " + err.Error()})
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			problems = append(problems, Problem{File: name, Reason: "damaged in the zip: " + err.Error()})
			continue
		}
		files[name] = b
	}
	return files, problems, nil
}

func verifyFiles(files map[string][]byte, o verifyOptions) Verification {
	v := Verification{files: files, Files: len(files)}
	bad := func(file, reason string) { v.Problems = append(v.Problems, Problem{File: file, Reason: reason}) }

	var pub ed25519.PublicKey
	if b, ok := files[PublicKeyFile]; !ok {
		bad(PublicKeyFile, "missing")
	} else if k, err := ParsePublicKey(b); err != nil {
		bad(PublicKeyFile, "not an ed25519 public key: "+err.Error())
	} else {
		pub = k
		v.Signer = Fingerprint(k)
	}

	signed := map[string]string{}
	if b, ok := files[AttestationFile]; !ok {
		bad(AttestationFile, "missing")
	} else if st, problems := openEnvelope(b, pub); len(problems) > 0 {
		v.Problems = append(v.Problems, problems...)
	} else {
		v.Signature, v.Statement = true, st
		for _, s := range st.Subject {
			signed[s.Name] = s.Digest["sha256"]
		}
	}

	var m *Manifest
	listed := map[string]string{}
	if b, ok := files[ManifestFile]; !ok {
		if !v.Signature { // otherwise reported with every signed file below
			bad(ManifestFile, "missing")
		}
	} else if err := json.Unmarshal(b, &m); err != nil || m == nil {
		bad(ManifestFile, fmt.Sprintf("not a manifest: %v", err))
		m = nil
	} else {
		v.Manifest = m
		v.Bundle, v.ExerciseID, v.Quarter = m.Bundle, m.ExerciseID, m.Quarter
		for _, f := range m.Files {
			listed[f.Name] = f.SHA256
		}
	}

	// Hashes are checked against the signed statement; when the signature
	// is broken, against the manifest, so the report still names the
	// files that changed and not only the signature.
	ref, refName := signed, "the signed attestation"
	if !v.Signature {
		ref, refName = listed, ManifestFile+" (the signature could not be checked)"
	}
	for name, want := range ref {
		got, ok := files[name]
		switch {
		case !ok:
			bad(name, "missing (listed in "+refName+")")
		case sha256Hex(got) != want:
			bad(name, fmt.Sprintf("content changed: sha256 %s, %s says %s", short(sha256Hex(got)), refName, short(want)))
		}
	}
	for name := range files {
		if name == AttestationFile || (!v.Signature && name == ManifestFile) || strings.HasPrefix(name, ApprovalDir+"/") {
			continue
		}
		if _, ok := ref[name]; !ok {
			bad(name, "not part of the bundle ("+refName+" does not list it)")
		}
	}
	if v.Signature && m != nil {
		// The manifest is signed too; a disagreement is a writer bug, but
		// an auditor reads the manifest, so it must be exact.
		for name, h := range listed {
			if signed[name] != h {
				bad(ManifestFile, "lists "+name+" with a hash the attestation does not")
			}
		}
		if m.Signer.Fingerprint != "" && m.Signer.Fingerprint != v.Signer {
			bad(ManifestFile, "names signer "+m.Signer.Fingerprint+", the bundled key is "+v.Signer)
		}
	}

	if b, ok := files[TimelineFile]; ok {
		v.Problems = append(v.Problems, checkTimeline(b, m, &v)...)
	} else if m != nil && m.Bundle == BundleExercise {
		if _, reported := ref[TimelineFile]; !reported {
			bad(TimelineFile, "missing")
		}
	}

	approvals, problems := checkApprovals(files, o)
	v.Approvals = approvals
	v.Problems = append(v.Problems, problems...)

	// Trust is reported apart from integrity: an intact bundle from an
	// unpinned signer is "integrity OK, signer not trusted".
	var sources []string
	for _, k := range o.pinned {
		if pub != nil && k.key.Equal(pub) {
			v.Trust.Match, v.Trust.Against = true, k.source
			break
		}
		if !slices.Contains(sources, k.source) {
			sources = append(sources, k.source)
		}
	}
	if !v.Trust.Match {
		v.Trust.Against = strings.Join(sources, ", ")
	}
	return v
}

// openEnvelope parses attestation.json strictly and checks its signature
// with pub. It returns the statement only when the signature holds.
func openEnvelope(b []byte, pub ed25519.PublicKey) (*Statement, []Problem) {
	bad := func(reason string) []Problem { return []Problem{{File: AttestationFile, Reason: reason}} }
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var env Envelope
	if err := dec.Decode(&env); err != nil {
		return nil, bad("not a DSSE envelope: " + err.Error())
	}
	// Go's JSON decoding forgives key case and spacing; the file must be
	// exactly what the writer wrote, or a changed byte could pass.
	if canon, err := encodeEnvelope(env); err != nil || !bytes.Equal(canon, b) {
		return nil, bad("edited: not the envelope as written")
	}
	if env.PayloadType != PayloadType {
		return nil, bad("payload type " + env.PayloadType + ", want " + PayloadType)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return nil, bad("payload is not base64: " + err.Error())
	}
	if len(env.Signatures) == 0 {
		return nil, bad("no signature")
	}
	if pub == nil {
		return nil, bad("cannot check the signature without " + PublicKeyFile)
	}
	var problems []Problem
	ok := false
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.Strict().DecodeString(s.Sig)
		if err != nil {
			problems = append(problems, Problem{File: AttestationFile, Reason: "signature is not base64"})
			continue
		}
		if s.KeyID != "" && s.KeyID != Fingerprint(pub) {
			problems = append(problems, Problem{File: PublicKeyFile, Reason: "is not the key that signed the attestation (key id " + s.KeyID + "): public key replaced"})
		}
		if ed25519.Verify(pub, PAE(env.PayloadType, payload), sig) {
			ok = true
		}
	}
	if !ok {
		return nil, append(problems, Problem{File: AttestationFile, Reason: "signature does not verify with " + PublicKeyFile + " (" + Fingerprint(pub) + ")"})
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, bad("signed payload is not an in-toto statement: " + err.Error())
	}
	if st.Type != StatementType {
		return nil, bad("statement type " + st.Type + ", want " + StatementType)
	}
	return &st, nil
}

func checkTimeline(b []byte, m *Manifest, v *Verification) []Problem {
	var out []Problem
	events, err := timeline.ReadJSONL(bytes.NewReader(b))
	if err != nil {
		out = append(out, Problem{File: TimelineFile, Reason: "unreadable: " + err.Error()})
	}
	v.Events = len(events)
	for _, p := range timeline.Verify(events) {
		out = append(out, Problem{File: TimelineFile, Event: p.Seq, Reason: p.Reason})
	}
	if m != nil && m.Timeline != nil {
		head := ""
		if len(events) > 0 {
			head = events[len(events)-1].Hash
		}
		// A timeline cut short still chains; only its recorded length and
		// head show that events were removed from the end.
		if len(events) != m.Timeline.Events || head != m.Timeline.Head {
			out = append(out, Problem{File: TimelineFile, Reason: fmt.Sprintf("%d events ending %s; the manifest recorded %d ending %s", len(events), short(head), m.Timeline.Events, short(m.Timeline.Head))})
		}
	}
	if m != nil && len(events) > 0 && m.ExerciseID != "" {
		var run timeline.RunInfo
		if events[0].Kind != timeline.KindRunStart || events[0].Decode(&run) != nil || run.ExerciseID != m.ExerciseID {
			out = append(out, Problem{File: TimelineFile, Event: events[0].Seq, Reason: "does not open the run " + m.ExerciseID + " the manifest names"})
		}
	}
	return out
}

func sortProblems(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Event < out[j].Event
	})
	return out
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
