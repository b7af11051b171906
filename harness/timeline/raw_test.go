package timeline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestRawFileIsPrivateAndRemoved(t *testing.T) {
	store := RawStore{Dir: filepath.Join(t.TempDir(), "records")}
	out := t.TempDir()
	f, err := store.Create(out, "drill")
	require.NoError(t, err)
	st, err := os.Stat(f.Name())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.True(t, isRawName(filepath.Base(f.Name())))
	recs, _ := os.ReadDir(store.Dir)
	assert.Len(t, recs, 1)

	// The owner (this process) is alive: gc leaves it.
	removed, err := store.RemoveOrphaned()
	require.NoError(t, err)
	assert.Empty(t, removed)
	assert.FileExists(t, f.Name())

	require.NoError(t, f.Remove())
	require.NoError(t, f.Remove(), "twice is fine")
	assert.NoFileExists(t, f.Name())
	recs, _ = os.ReadDir(store.Dir)
	assert.Empty(t, recs)
}

// After a SIGKILL the file and its record stay; gc removes them once the
// owner is gone, and never a file that is not a raw timeline.
func TestRemoveOrphaned(t *testing.T) {
	host, _ := os.Hostname()
	dead := deadPID(t)
	tests := []struct {
		name        string
		file        string // base name in out/
		pid         int
		host        string
		wantRemoved bool
		wantRecord  bool
	}{
		{"owner gone", ".drill-1-x.timeline.jsonl", dead, host, true, false},
		{"owner alive", ".drill-2-x.timeline.jsonl", os.Getpid(), host, false, true},
		{"other host", ".drill-3-x.timeline.jsonl", dead, "elsewhere.example", false, true},
		{"not a raw timeline", "report.html", dead, host, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := RawStore{Dir: filepath.Join(t.TempDir(), "records")}
			require.NoError(t, os.MkdirAll(store.Dir, 0o700))
			path := filepath.Join(t.TempDir(), tc.file)
			require.NoError(t, os.WriteFile(path, []byte("{}\n"), 0o600))
			rec, _ := json.Marshal(rawRecord{Path: path, PID: tc.pid, Host: tc.host})
			recPath := filepath.Join(store.Dir, "r.json")
			require.NoError(t, os.WriteFile(recPath, rec, 0o600))

			removed, err := store.RemoveOrphaned()
			require.NoError(t, err)
			if tc.wantRemoved {
				assert.Equal(t, []string{path}, removed)
				assert.NoFileExists(t, path)
			} else {
				assert.Empty(t, removed)
				assert.FileExists(t, path)
			}
			if tc.wantRecord {
				assert.FileExists(t, recPath)
			} else {
				assert.NoFileExists(t, recPath)
			}
		})
	}
}
