package reports

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// In-toto and DSSE identifiers used by every attestation we write.
const (
	StatementType  = "https://in-toto.io/Statement/v1"
	TestResultType = "https://in-toto.io/attestation/test-result/v0.1"
	PayloadType    = "application/vnd.in-toto+json"
)

// Test-result predicate verdicts.
const (
	ResultPassed = "PASSED"
	ResultWarned = "WARNED"
	ResultFailed = "FAILED"
)

// ResourceDescriptor names a file by digest (in-toto v1).
type ResourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	MediaType   string            `json:"mediaType,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Statement is an in-toto Statement v1 with the test-result predicate.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     TestResult           `json:"predicate"`
}

// TestResult is the predicate https://in-toto.io/attestation/test-result/v0.1.
type TestResult struct {
	Result        string               `json:"result"`
	Configuration []ResourceDescriptor `json:"configuration"`
	URL           string               `json:"url,omitempty"`
	PassedTests   []string             `json:"passedTests"`
	WarnedTests   []string             `json:"warnedTests"`
	FailedTests   []string             `json:"failedTests"`
}

// Envelope is a DSSE envelope. Payload and signatures are standard base64.
type Envelope struct {
	Payload     string      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is DSSE's pre-authentication encoding: what is actually signed, so a
// signature over one payload type can never be replayed as another.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// signEnvelope signs payload and returns the envelope's file bytes.
func signEnvelope(key ed25519.PrivateKey, payload []byte) ([]byte, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("signing key has no ed25519 public key")
	}
	env := Envelope{
		Payload:     base64.StdEncoding.EncodeToString(payload),
		PayloadType: PayloadType,
		Signatures: []Signature{{
			KeyID: Fingerprint(pub),
			Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, PAE(PayloadType, payload))),
		}},
	}
	return encodeEnvelope(env)
}

// encodeEnvelope is the one canonical form of attestation.json; verify
// re-encodes what it parsed and compares, so an edit that JSON decoding
// would forgive (a key's case, extra fields, spacing) still fails.
func encodeEnvelope(env Envelope) ([]byte, error) {
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Fingerprint is the SHA-256 of the key's PKIX (SubjectPublicKeyInfo) DER
// encoding, as "SHA256:" and hex. Auditors can reproduce it with
// `openssl pkey -pubin -in signing-key.pub -outform DER | sha256sum`.
func Fingerprint(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "SHA256:invalid-key"
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

// MarshalPublicKey returns the PEM ("PUBLIC KEY", PKIX) form of pub.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey reads an ed25519 key from PEM: a PUBLIC KEY, or a PRIVATE
// KEY whose public half is taken (so a user can point --trusted-key at
// their own signing key).
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, not ed25519", k)
		}
		return pub, nil
	case "PRIVATE KEY":
		priv, err := parsePrivateKey(block)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	default:
		return nil, fmt.Errorf("PEM block is %q, want PUBLIC KEY or PRIVATE KEY", block.Type)
	}
}

// ParsePrivateKey reads an ed25519 private key in PKCS#8 PEM, the form
// `openssl genpkey -algorithm ed25519` writes.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block is %q, want PRIVATE KEY", block.Type)
	}
	return parsePrivateKey(block)
}

func parsePrivateKey(block *pem.Block) (ed25519.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, not ed25519", k)
	}
	return priv, nil
}

// MarshalPrivateKey returns the PKCS#8 PEM form of key.
func MarshalPrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ReadPrivateKey reads a signing key file (--key FILE).
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ReadPublicKey reads a public (or private) key file (--trusted-key FILE).
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// DefaultKeyPath is where the signing key lives when --key is not given:
// os.UserConfigDir()/breachdrill/signing-key.
func DefaultKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("locate the signing key: %w", err)
	}
	return filepath.Join(dir, "breachdrill", "signing-key"), nil
}

// LoadOrCreateKey reads the key at path, or generates one there (file 0600,
// directory 0700) when there is none yet. created says which happened.
func LoadOrCreateKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	key, err = ReadPrivateKey(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create key directory: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone; a key directory
	// others can list is worth tightening, not failing on.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("restrict key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("generate signing key: %w", err)
	}
	pemBytes, err := MarshalPrivateKey(priv)
	if err != nil {
		return nil, false, err
	}
	tmp, err := os.CreateTemp(dir, ".signing-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	if _, err := tmp.Write(pemBytes); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	// Link, not rename: when two first runs race, one key wins and the
	// other process reads it, instead of silently replacing a key that
	// already signed a bundle.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err := ReadPrivateKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("install signing key: %w", err)
	}
	return priv, true, nil
}

// TrustFileEnv names the environment variable that overrides where the
// trust file is.
const TrustFileEnv = "BREACHDRILL_TRUST_FILE"

// TrustFilePath is the trust file: the signing keys the user pins, as PEM
// public keys one after another. $BREACHDRILL_TRUST_FILE, else
// os.UserConfigDir()/breachdrill/trusted-keys.pem.
func TrustFilePath() (string, error) {
	if p := os.Getenv(TrustFileEnv); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("locate the trust file: %w", err)
	}
	return filepath.Join(dir, "breachdrill", "trusted-keys.pem"), nil
}

// ReadTrustFile reads every public key in a trust file.
func ReadTrustFile(path string) ([]ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []ed25519.PublicKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		k, err := ParsePublicKey(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", path, n, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no PEM public key in it", path)
	}
	return keys, nil
}
