package reports

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bundleFiles renders a bundle in memory, exactly as WriteBundle would
// write it.
func bundleFiles(t testing.TB, in Input, key ed25519.PrivateKey) map[string][]byte {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "b")
	_, err := WriteBundle(context.Background(), dir, in, WithKey(key))
	require.NoError(t, err, "WriteBundle")
	files, _, err := loadBundle(dir)
	require.NoError(t, err, "load the bundle back")
	return files
}

func clone(files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for k, v := range files {
		out[k] = bytes.Clone(v)
	}
	return out
}

func names(files map[string][]byte) []string {
	var out []string
	for k := range files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func rewriteTimeline(t testing.TB, files map[string][]byte, edit func([]timeline.Event) []timeline.Event) {
	events, err := timeline.ReadJSONL(bytes.NewReader(files[TimelineFile]))
	require.NoError(t, err, "read the bundle's timeline")
	var buf bytes.Buffer
	timeline.WriteJSONL(&buf, edit(events))
	files[TimelineFile] = buf.Bytes()
}

// TestAnyTamperingFails is the property the bundle exists for: from a
// verified bundle, any single-byte flip in any file, a removed or added
// file, a reordered or deleted timeline event, or a swapped public key
// fails verification, and the problems name what changed.
func TestAnyTamperingFails(t *testing.T) {
	intact := bundleFiles(t, drillInput(t), testKey(1))
	v := verifyFiles(intact, verifyOptions{})
	require.True(t, v.OK(), "the intact bundle must verify: %v", v.Problems)
	all := names(intact)
	rng := rand.New(rand.NewPCG(20261128, 6))
	const runs = 500
	kinds := map[string]int{}
	for i := range runs {
		files := clone(intact)
		var kind, target string
		var wantEvent bool
		switch k := rng.IntN(10); {
		case k < 6: // flip one byte of one file
			target = all[rng.IntN(len(all))]
			b := files[target]
			pos := rng.IntN(len(b))
			b[pos] ^= byte(1 + rng.IntN(255))
			kind = fmt.Sprintf("flip byte %d", pos)
		case k == 6: // remove a file
			target = all[rng.IntN(len(all))]
			delete(files, target)
			kind = "remove"
		case k == 7: // delete or reorder timeline events
			target, wantEvent = TimelineFile, true
			if rng.IntN(2) == 0 {
				// Deleting the last event keeps the chain intact; only
				// the manifest's record of the head catches it.
				rewriteTimeline(t, files, func(e []timeline.Event) []timeline.Event {
					j := rng.IntN(len(e))
					wantEvent = j != len(e)-1
					return append(e[:j], e[j+1:]...)
				})
				kind = "delete event"
			} else {
				rewriteTimeline(t, files, func(e []timeline.Event) []timeline.Event {
					j := rng.IntN(len(e) - 1)
					e[j], e[j+1] = e[j+1], e[j]
					return e
				})
				kind = "swap adjacent events"
			}
		case k == 8: // swap the public key, without re-signing
			target = PublicKeyFile
			pem, _ := MarshalPublicKey(testKey(byte(2 + rng.IntN(200))).Public().(ed25519.PublicKey))
			files[PublicKeyFile] = pem
			kind = "swap public key"
		default: // add a file
			target = "extra-" + fmt.Sprint(rng.IntN(1000)) + ".txt"
			files[target] = []byte("planted")
			kind = "add file"
		}
		kinds[strings.Fields(kind)[0]]++
		v := verifyFiles(files, verifyOptions{})
		require.False(t, v.OK(), "run %d: %s in %s must fail verification", i, kind, target)
		named := false
		for _, p := range v.Problems {
			named = named || p.File == target
		}
		require.True(t, named, "run %d: %s in %s: a problem must name the file: %v", i, kind, target, v.Problems)
		if wantEvent {
			hasEvent := false
			for _, p := range v.Problems {
				hasEvent = hasEvent || p.File == TimelineFile && p.Event > 0
			}
			require.True(t, hasEvent, "run %d: %s: a problem must name the event: %v", i, kind, v.Problems)
		}
	}
	t.Logf("%d mutations: %v", runs, kinds)
}

func TestKeySwap(t *testing.T) {
	in := drillInput(t)
	owner, attacker := testKey(1), testKey(9)
	intact := bundleFiles(t, in, owner)
	ownerPub := owner.Public().(ed25519.PublicKey)

	t.Run("swapped without re-signing", func(t *testing.T) {
		files := clone(intact)
		files[PublicKeyFile], _ = MarshalPublicKey(attacker.Public().(ed25519.PublicKey))
		v := verifyFiles(files, verifyOptions{})
		require.False(t, v.OK(), "a swapped public key must fail verification")
		assert.True(t, hasProblem(v, PublicKeyFile, "not the key that signed"), "the public key's problem: %v", v.Problems)
		assert.True(t, hasProblem(v, AttestationFile, "signature does not verify"), "the attestation's problem: %v", v.Problems)
	})

	// An attacker who edits a result and re-signs everything with their
	// own key produces a self-consistent bundle: only the expected key
	// tells it apart.
	forged := clone(intact)
	forged[ResultsFile] = bytes.Replace(forged[ResultsFile], []byte(`"result": "FAILED"`), []byte(`"result": "PASSED"`), 1)
	forged[PublicKeyFile], _ = MarshalPublicKey(attacker.Public().(ed25519.PublicKey))
	resign(t, forged, attacker)
	v := verifyFiles(forged, verifyOptions{})
	require.True(t, v.OK(), "a re-signed forgery must be self-consistent: %v", v.Problems)
	pin := func(opts ...VerifyOption) verifyOptions {
		var o verifyOptions
		for _, opt := range opts {
			opt(&o)
		}
		return o
	}
	tests := []struct {
		name    string
		files   map[string][]byte
		opts    verifyOptions
		trusted bool
		against string
	}{
		{"re-signed, trusted key given", forged, pin(WithTrustedKeys(ownerPub)), false, "trusted key"},
		{"genuine, trusted key given", intact, pin(WithTrustedKeys(ownerPub)), true, "trusted key"},
		{"re-signed, your key differs", forged, pin(WithLocalKey(ownerPub)), false, "your signing key"},
		{"genuine, in the trust file", intact, pin(WithPinnedKeys("trust file", attacker.Public().(ed25519.PublicKey), ownerPub)), true, "trust file"},
		{"genuine, nothing pinned", intact, pin(), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifyFiles(tt.files, tt.opts)
			assert.True(t, v.OK(), "integrity holds either way: %v", v.Problems)
			assert.Equal(t, tt.trusted, v.Trusted())
			assert.Equal(t, tt.trusted, v.Trust.Match)
			assert.Equal(t, tt.against, v.Trust.Against)
		})
	}
}

// resign rebuilds manifest.json and attestation.json for files with key,
// as someone holding another key could.
func resign(t *testing.T, files map[string][]byte, key ed25519.PrivateKey) {
	var m Manifest
	json.Unmarshal(files[ManifestFile], &m)
	m.Files = nil
	m.Signer.Fingerprint = Fingerprint(key.Public().(ed25519.PublicKey))
	var list []File
	for _, n := range names(files) {
		if n != ManifestFile && n != AttestationFile {
			list = append(list, File{n, files[n]})
		}
	}
	list = append(list, File{ManifestFile, nil})
	list, err := finishManifest(list, m)
	require.NoError(t, err, "rebuild the manifest")
	list, err = seal(list, key, ResultPassed, tests{passed: []string{}, warned: []string{}, failed: []string{}}, []ResourceDescriptor{})
	require.NoError(t, err, "re-sign")
	for _, f := range list {
		files[f.Name] = f.Data
	}
}

func hasProblem(v Verification, file, reason string) bool {
	for _, p := range v.Problems {
		if p.File == file && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

func TestVerifyPaths(t *testing.T) {
	b, _ := writeDrill(t, WithZip())
	ctx := context.Background()

	t.Run("tampered zip entry", func(t *testing.T) {
		data, _ := os.ReadFile(b.Zip)
		files, _, _ := readZip(data)
		files[ReportHTMLFile] = append(files[ReportHTMLFile], ' ')
		var list []File
		for _, n := range names(files) {
			list = append(list, File{n, files[n]})
		}
		p := filepath.Join(t.TempDir(), "t.zip")
		f, _ := os.Create(p)
		zipFiles(f, "x", list)
		f.Close()
		v, err := Verify(ctx, p)
		require.NoError(t, err, "Verify a tampered zip")
		require.False(t, v.OK(), "a tampered zip must fail verification")
		require.True(t, hasProblem(v, ReportHTMLFile, "content changed"), "a problem must name the changed entry: %v", v.Problems)
	})
	t.Run("corrupt zip", func(t *testing.T) {
		data, _ := os.ReadFile(b.Zip)
		data = data[:len(data)/2]
		p := filepath.Join(t.TempDir(), "c.zip")
		os.WriteFile(p, data, 0o644)
		v, err := Verify(ctx, p)
		require.NoError(t, err, "Verify a cut zip")
		require.False(t, v.OK(), "a cut zip must fail verification")
	})
	t.Run("not a bundle", func(t *testing.T) {
		for _, p := range []string{t.TempDir(), filepath.Join(b.Dir, ReportMDFile)} {
			_, err := Verify(ctx, p)
			assert.Error(t, err, "Verify(%s) must refuse what is not a bundle", p)
		}
		_, err := Verify(ctx, filepath.Join(t.TempDir(), "nope"))
		assert.True(t, os.IsNotExist(err), "Verify of a missing path: %v, want a not-exist error", err)
	})
	t.Run("manifest removed from a directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "copy")
		os.CopyFS(dir, os.DirFS(b.Dir))
		os.Remove(filepath.Join(dir, ManifestFile))
		v, err := Verify(ctx, dir)
		require.NoError(t, err, "Verify a directory without its manifest")
		require.True(t, hasProblem(v, ManifestFile, "missing"), "a problem must say the manifest is missing: %v", v.Problems)
	})
}
