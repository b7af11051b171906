package reports

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Approvals live in their own folder of a bundle directory, each a DSSE
// envelope of its own: adding one changes no signed file, so the
// bundle's signature still holds, and each approval names the digests of
// the attestation and manifest it approves.
const (
	ApprovalDir  = "approvals"
	ApprovalType = "https://github.com/breachdrill/breachdrill/attestation/approval/v1"
)

// Approval is the predicate of an approval statement.
type Approval struct {
	Approver   string    `json:"approver"`
	Role       string    `json:"role"`
	ApprovedAt time.Time `json:"approved_at"`
	Statement  string    `json:"statement"`
	ExerciseID string    `json:"exercise_id,omitempty"`
	Quarter    string    `json:"quarter,omitempty"`
	// BundleSigner is the fingerprint of the key that signed the bundle.
	BundleSigner string `json:"bundle_signer"`
	// PublicKey is the approver's key (PEM); pin it like a bundle signer.
	PublicKey string `json:"public_key"`
}

// ApprovalStatement is an in-toto Statement v1 whose subjects are the
// bundle's attestation.json and manifest.json.
type ApprovalStatement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     Approval             `json:"predicate"`
}

// ApprovalCheck is one approval as verified.
type ApprovalCheck struct {
	File       string    `json:"file"`
	Approver   string    `json:"approver,omitempty"`
	Role       string    `json:"role,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	Signer     string    `json:"signer,omitempty"` // the approver key's fingerprint
	Valid      bool      `json:"valid"`
	Pinned     bool      `json:"pinned"` // the approver's key is one the verifier pinned
}

// ErrApproveZip means approvals are added to bundle directories only: a
// zip would have to be rewritten.
var ErrApproveZip = errors.New("approve a bundle directory, not a zip (unzip it, approve, zip it again)")

// ParseApprover reads --as "Name, role".
func ParseApprover(s string) (name, role string, err error) {
	name, role, ok := strings.Cut(s, ",")
	name, role = strings.TrimSpace(name), strings.TrimSpace(role)
	if !ok || name == "" || role == "" {
		return "", "", fmt.Errorf("%q: write \"Name, role\", e.g. \"Dana Kim, Head of Security\"", s)
	}
	return name, role, nil
}

// Approve adds a signed approval by name (in role) to the bundle directory
// dir. The bundle must verify first: approving a damaged bundle would
// lend it a name.
func Approve(ctx context.Context, dir, name, role string, key ed25519.PrivateKey, now time.Time) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", ErrApproveZip
	}
	v, err := Verify(ctx, dir)
	if err != nil {
		return "", err
	}
	if !v.OK() {
		return "", fmt.Errorf("%s fails verification (%s); it cannot be approved", dir, v.Problems[0])
	}
	pub := key.Public().(ed25519.PublicKey)
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return "", err
	}
	stmt := ApprovalStatement{
		Type: StatementType, PredicateType: ApprovalType,
		Subject: []ResourceDescriptor{
			{Name: AttestationFile, Digest: map[string]string{"sha256": sha256Hex(v.files[AttestationFile])}},
			{Name: ManifestFile, Digest: map[string]string{"sha256": sha256Hex(v.files[ManifestFile])}},
		},
		Predicate: Approval{
			Approver: name, Role: role, ApprovedAt: now.UTC().Truncate(time.Second),
			Statement:  "I have reviewed this evidence and approve its results as a true record of the exercise.",
			ExerciseID: v.ExerciseID, Quarter: v.Quarter,
			BundleSigner: v.Signer, PublicKey: string(pubPEM),
		},
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return "", err
	}
	env, err := signEnvelope(key, payload)
	if err != nil {
		return "", err
	}
	fp := strings.TrimPrefix(Fingerprint(pub), "SHA256:")
	file := fmt.Sprintf("%s-%s.json", now.UTC().Format("20060102T150405Z"), fp[:12])
	if err := os.MkdirAll(filepath.Join(dir, ApprovalDir), bundleDirMode); err != nil {
		return "", err
	}
	p := filepath.Join(dir, ApprovalDir, file)
	if err := writeFileSync(p, env); err != nil {
		return "", err
	}
	return p, nil
}

// checkApprovals verifies every approval in files against the bundle's
// attestation and manifest as they are now. A broken approval is a
// problem of the bundle: someone edited a signed record.
func checkApprovals(files map[string][]byte, o verifyOptions) ([]ApprovalCheck, []Problem) {
	var names []string
	for n := range files {
		if strings.HasPrefix(n, ApprovalDir+"/") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []ApprovalCheck
	var problems []Problem
	for _, n := range names {
		c, reason := checkApproval(files, files[n], o)
		c.File = n
		if reason != "" {
			problems = append(problems, Problem{File: n, Reason: reason})
		}
		out = append(out, c)
	}
	return out, problems
}

func checkApproval(files map[string][]byte, b []byte, o verifyOptions) (ApprovalCheck, string) {
	var c ApprovalCheck
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return c, "not a DSSE envelope: " + err.Error()
	}
	if canon, err := encodeEnvelope(env); err != nil || !bytes.Equal(canon, b) {
		return c, "edited: not the envelope as written"
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil || env.PayloadType != PayloadType || len(env.Signatures) != 1 {
		return c, "not an approval envelope"
	}
	var st ApprovalStatement
	if err := json.Unmarshal(payload, &st); err != nil || st.Type != StatementType || st.PredicateType != ApprovalType {
		return c, "not an approval statement"
	}
	a := st.Predicate
	c.Approver, c.Role, c.ApprovedAt = a.Approver, a.Role, a.ApprovedAt
	block, _ := pem.Decode([]byte(a.PublicKey))
	if block == nil {
		return c, "approval carries no public key"
	}
	pub, err := ParsePublicKey([]byte(a.PublicKey))
	if err != nil {
		return c, "approval key: " + err.Error()
	}
	c.Signer = Fingerprint(pub)
	sig, err := base64.StdEncoding.Strict().DecodeString(env.Signatures[0].Sig)
	if err != nil || !ed25519.Verify(pub, PAE(env.PayloadType, payload), sig) {
		return c, "approval signature does not verify"
	}
	for _, s := range st.Subject {
		got, ok := files[s.Name]
		if !ok || sha256Hex(got) != s.Digest["sha256"] {
			return c, "approves a different " + s.Name + " than the bundle holds"
		}
	}
	c.Valid = true
	for _, k := range o.pinned {
		c.Pinned = c.Pinned || k.key.Equal(pub)
	}
	return c, ""
}
