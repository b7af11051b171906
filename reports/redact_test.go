package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A secret the engine failed to mask is redacted when the bundle is
// written: the bundle exists, verifies, holds no form of the secret
// (whole, escaped, or a prefix) and records a finding that says so.
func TestSecretRedactedAtWriteTime(t *testing.T) {
	const salt = `Zx9<&"pw'-42/abcdefghijklmnop+qrstuvwxyz0123456789`
	in := drillInput(t)
	r := newRecorder(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	r.add(timeline.KindRunStart, "", "", "run", timeline.RunInfo{ExerciseID: "leaky", Kind: "drill"})
	r.add(timeline.KindNote, "", "", "connected", timeline.Note{Text: "db password is " + salt})
	r.add(timeline.KindNote, "", "", "clipped "+salt[:40], nil)
	r.add(timeline.KindRunEnd, "", "", "passed", timeline.RunEnd{Outcome: "passed"})
	leaky := r.tl.Events()
	tests := []struct {
		name       string
		in         Input
		wantEvents []int64
		wantFiles  []string
	}{
		{"timeline: JSON-escaped and a 40-char prefix", Input{Events: leaky}, []int64{2, 3}, nil},
		{"a scenario file", Input{Events: in.Events, Scenarios: []File{{"x.yaml", []byte("password: " + salt + "\n")}}}, nil, []string{"scenarios/x.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			b, err := WriteBundle(context.Background(), dir, tc.in, WithKey(testKey(1)), WithZip(), WithSecrets("unrelated-secret", salt))
			require.NoError(t, err)
			assert.Equal(t, tc.wantEvents, b.Redacted.Events)
			assert.Equal(t, tc.wantFiles, b.Redacted.Files)

			m := redact.New(salt)
			for _, p := range append(fileList(t, dir), b.Zip) {
				data, err := os.ReadFile(p)
				require.NoError(t, err)
				assert.Zero(t, m.Found(string(data)), "%s holds the secret", p)
				assert.False(t, bytes.Contains(data, []byte(salt[:12])))
			}
			tl, err := os.ReadFile(filepath.Join(dir, TimelineFile))
			require.NoError(t, err)
			assert.Contains(t, string(tl), "redacted when the evidence was written")
			for _, p := range []string{dir, b.Zip} {
				v, err := Verify(context.Background(), p)
				require.NoError(t, err)
				assert.True(t, v.OK(), "%s: %v", p, v.Problems)
			}
			report, err := os.ReadFile(filepath.Join(dir, "report.html"))
			require.NoError(t, err)
			assert.True(t, strings.Contains(string(report), "redacted when the evidence was written"), "the report shows the finding")
		})
	}
}

func TestCleanInputIsNotRedacted(t *testing.T) {
	in := drillInput(t)
	out, red := redactInput(in, redact.New("not-in-there-at-all"))
	assert.Empty(t, red.Events)
	assert.Empty(t, red.Files)
	assert.Equal(t, in.Events, out.Events)
}
