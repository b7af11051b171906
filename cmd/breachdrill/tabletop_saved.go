package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/tui"
	tea "github.com/charmbracelet/bubbletea"
)

// A tabletop's record lives beside the bundles while it runs, hidden so
// that evidence quarter does not take it for one; the hot wash's draft
// sits next to it.
func recordPath(dir, id string) string { return filepath.Join(dir, "."+id+".timeline.jsonl") }
func draftPath(dir, id string) string  { return filepath.Join(dir, "."+id+".hotwash.json") }

// savedRecord reads exercise id's record from dir. An id with no record
// gets the list of those that have one.
func savedRecord(dir, id string) ([]timeline.Event, error) {
	if id != filepath.Base(id) || strings.HasPrefix(id, ".") {
		return nil, fmt.Errorf("exercise id %q: want an id such as tabletop-20261120-140000-ab12", id)
	}
	events, err := readRecord(recordPath(dir, id))
	if errors.Is(err, os.ErrNotExist) {
		known := savedIDs(dir)
		if len(known) == 0 {
			return nil, fmt.Errorf("no saved tabletop %q in %s: there is no saved tabletop there (is --out right?)", id, dir)
		}
		return nil, fmt.Errorf("no saved tabletop %q in %s: saved there are %s", id, dir, strings.Join(known, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("read the record of %s: %w", id, err)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("the record of %s is empty", id)
	}
	if p := timeline.Verify(events); len(p) > 0 {
		return nil, fmt.Errorf("the record of %s fails verification (%s): it was changed since it was written", id, p[0])
	}
	return events, nil
}

// readRecord reads a record file that may be being written: a last line
// without its newline is not there yet.
func readRecord(path string) ([]timeline.Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b = b[:i+1]
	}
	var out []timeline.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e timeline.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func savedIDs(dir string) []string {
	paths, _ := filepath.Glob(filepath.Join(dir, ".tabletop-*.timeline.jsonl"))
	var ids []string
	for _, p := range paths {
		ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "."), ".timeline.jsonl"))
	}
	sort.Strings(ids)
	return ids
}

// writeFileAtomic replaces path with b, never leaving it half written.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// parseTimeScale reads --time-scale: a factor (60) or REAL=STORY (1m=1h).
func parseTimeScale(s string) (float64, error) {
	if s == "" {
		return 1, nil
	}
	if real, story, ok := strings.Cut(s, "="); ok {
		r, err1 := time.ParseDuration(strings.TrimSpace(real))
		st, err2 := time.ParseDuration(strings.TrimSpace(story))
		if err1 != nil || err2 != nil || r <= 0 || st <= 0 {
			return 0, fmt.Errorf("--time-scale %q: want REAL=STORY with durations, e.g. 1m=1h", s)
		}
		if st < r {
			return 0, fmt.Errorf("--time-scale %q: the story must run at least as fast as the room (STORY ≥ REAL)", s)
		}
		return float64(st) / float64(r), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 {
		return 0, fmt.Errorf("--time-scale %q: want a factor of 1 or more (60: a minute is an hour) or REAL=STORY (1m=1h)", s)
	}
	return f, nil
}

// presentTabletop runs the room display on exercise id's record.
func presentTabletop(ctx context.Context, dir, id string) error {
	path := recordPath(dir, id)
	p, err := tui.NewPresenter(ctx, tui.PresentConfig{Read: func(context.Context) ([]timeline.Event, error) {
		events, err := readRecord(path)
		if errors.Is(err, os.ErrNotExist) {
			// The facilitator wrote the bundle: the record went into it.
			return append(events, timeline.Event{Kind: timeline.KindRunEnd}), nil
		}
		return events, err
	}})
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(p, tea.WithContext(ctx), tea.WithAltScreen()).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("room display: %w", err)
	}
	return nil
}
