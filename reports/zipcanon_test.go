package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type zipEntry struct {
	name string
	data []byte
}

func readEntries(t *testing.T, data []byte) []zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		out = append(out, zipEntry{f.Name, b})
	}
	return out
}

// rezip writes entries again, each header changed by edit.
func rezip(t *testing.T, entries []zipEntry, edit func(*zip.FileHeader), comment string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: zipStamp}
		h.SetMode(bundleFileMode)
		edit(h)
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write(e.data)
		require.NoError(t, err)
	}
	if comment != "" {
		require.NoError(t, zw.SetComment(comment))
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// Changes to the zip's metadata or layout fail verify, though every
// content hash still matches; the canonical zip itself verifies and is
// the same bytes every time it is written.
func TestZipContainerIsChecked(t *testing.T) {
	in := drillInput(t)
	parent := t.TempDir()
	b, err := WriteBundle(context.Background(), filepath.Join(parent, "b"), in, WithKey(testKey(1)), WithZip())
	require.NoError(t, err)
	good, err := os.ReadFile(b.Zip)
	require.NoError(t, err)
	entries := readEntries(t, good)
	assert.Equal(t, good, rezip(t, entries, func(*zip.FileHeader) {}, ""), "the canonical form is one byte sequence")

	reversed := append([]zipEntry(nil), entries...)
	sort.Slice(reversed, func(i, j int) bool { return reversed[i].name > reversed[j].name })
	same := func(*zip.FileHeader) {}
	withDir := append([]zipEntry{{"b/", nil}}, entries...)
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"canonical", good, true},
		{"re-zipped the same way", rezip(t, entries, same, ""), true},
		{"bytes appended after the end record", append(append([]byte(nil), good...), "hidden payload"...), false},
		{"bytes before the first entry", append([]byte("MZ stub"), good...), false},
		{"bytes before the first entry, starting PK", append([]byte("PK stub"), good...), false},
		{"timestamps changed", rezip(t, entries, func(h *zip.FileHeader) { h.Modified = time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) }, ""), false},
		{"entries reordered", rezip(t, reversed, same, ""), false},
		{"stored instead of deflated", rezip(t, entries, func(h *zip.FileHeader) { h.Method = zip.Store }, ""), false},
		{"archive comment", rezip(t, entries, same, "re-zipped"), false},
		{"entry comment", rezip(t, entries, func(h *zip.FileHeader) { h.Comment = "x" }, ""), false},
		{"mode changed", rezip(t, entries, func(h *zip.FileHeader) { h.SetMode(0o755) }, ""), false},
		{"folder entry", rezip(t, withDir, same, ""), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.zip")
			require.NoError(t, os.WriteFile(p, tc.data, 0o644))
			v, err := Verify(context.Background(), p)
			if !tc.ok && err != nil {
				return // not even taken for a bundle
			}
			require.NoError(t, err)
			if tc.ok {
				assert.True(t, v.OK(), "%v", v.Problems)
				return
			}
			assert.False(t, v.OK(), "a changed container verified")
			var container bool
			for _, pr := range v.Problems {
				container = container || pr.File == "(zip)"
			}
			assert.True(t, container, "the problem names the container: %v", v.Problems)
		})
	}
}
