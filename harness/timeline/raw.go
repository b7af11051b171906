package timeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A raw timeline is the JSONL file a run streams its events to while it
// runs, so that a crash keeps what was recorded; the signed bundle
// replaces it. It is masked like the timeline, but it is not evidence: it
// is readable by its owner only (0600), removed on every exit path of the
// process that wrote it, and, after a SIGKILL, removed by gc once its
// owner is gone. Each one is registered in a directory of owner records,
// because gc does not know every --out a run was given.

// RawStore is the directory of owner records.
type RawStore struct{ Dir string }

// DefaultRawStore keeps owner records in the user's cache directory.
func DefaultRawStore() (RawStore, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return RawStore{}, err
	}
	return RawStore{Dir: filepath.Join(base, "breachdrill", "raw-timelines")}, nil
}

// RawFile is one raw timeline being written.
type RawFile struct {
	*os.File
	record string
}

type rawRecord struct {
	Path string `json:"path"`
	PID  int    `json:"pid"`
	Host string `json:"host"`
}

// isRawName says whether name has the shape of a raw timeline's name; gc
// only ever removes files whose name has it.
func isRawName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".timeline.jsonl")
}

// Create makes a raw timeline in dir, named after kind and this process.
func (s RawStore) Create(dir, kind string) (*RawFile, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("raw timeline records: %w", err)
	}
	f, err := os.CreateTemp(dir, fmt.Sprintf(".%s-%d-*.timeline.jsonl", kind, os.Getpid()))
	if err != nil {
		return nil, err
	}
	// CreateTemp already uses 0600; said again because it is the point.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	abs, err := filepath.Abs(f.Name())
	if err != nil {
		abs = f.Name()
	}
	host, _ := os.Hostname()
	rec, _ := json.Marshal(rawRecord{Path: abs, PID: os.Getpid(), Host: host})
	r, err := os.CreateTemp(s.Dir, strconv.Itoa(os.Getpid())+"-*.json")
	if err == nil {
		_, err = r.Write(rec)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		if r != nil {
			os.Remove(r.Name())
		}
		return nil, fmt.Errorf("raw timeline record: %w", err)
	}
	return &RawFile{File: f, record: r.Name()}, nil
}

// Remove closes and removes the raw timeline and its owner record; it is
// safe to call more than once.
func (r *RawFile) Remove() error {
	r.File.Close()
	err := os.Remove(r.Name())
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	os.Remove(r.record)
	return err
}

// RemoveOrphaned removes the raw timelines whose owner process is gone
// (on this host), and their records. It returns the paths removed.
func (s RawStore) RemoveOrphaned() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var removed []string
	var errs []error
	for _, e := range entries {
		recPath := filepath.Join(s.Dir, e.Name())
		b, err := os.ReadFile(recPath)
		if err != nil {
			continue
		}
		var rec rawRecord
		if json.Unmarshal(b, &rec) != nil {
			os.Remove(recPath)
			continue
		}
		if rec.Host != host || processAlive(rec.PID) {
			continue
		}
		// A record names a file; only a raw timeline's name is trusted.
		if isRawName(filepath.Base(rec.Path)) {
			err := os.Remove(rec.Path)
			switch {
			case err == nil:
				removed = append(removed, rec.Path)
			case !errors.Is(err, fs.ErrNotExist):
				errs = append(errs, err)
				continue
			}
		}
		os.Remove(recPath)
	}
	return removed, errors.Join(errs...)
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
