package detect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
)

// File integrity: every fimInterval the engine looks for changed files in
// the docroot and hashes only those whose stamp (size, mtime, ctime, owner,
// as find lists them in the container) changed. ctime is in the stamp
// because a write that restores the old mtime (touch -r) cannot restore
// ctime. Where the web container's writable layer can be read on this
// host (fim_layer.go), a scan of it names the paths that may have changed
// and only those are listed in the container; elsewhere the whole docroot
// is listed every time.

// FIM actions.
const (
	actionCreated  = "created"
	actionModified = "modified"
	actionDeleted  = "deleted"
	actionRestored = "restored" // content is back to what it was at Baseline
)

type fileEntry struct {
	size  int64
	stamp string // size, mtime and ctime as listed: any change means look again
	owner string
	hash  string // hex SHA-256; "" until hashed
}

// fileIndex maps docroot-relative paths to entries. An index, once
// published, is never changed: readers share it without locks.
type fileIndex map[string]fileEntry

type fimState struct {
	mu        sync.Mutex
	base      fileIndex         // at Baseline, hashed
	known     fileIndex         // as last seen
	users     map[string]string // uid → name in the web container
	listOnly  bool              // WithFileListing
	layerOnce sync.Once
	layerDir  string    // the docroot's writable layer on this host; "": list the whole docroot every poll
	seen      layerScan // the layer as scanned before known was listed
}

// snapshot is the latest file list.
func (f *fimState) snapshot() fileIndex {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.known
}

// listFiles prints the numeric owner: find's %u looks each one up and
// makes the listing five times slower. With paths after the docroot it
// lists only those (files, or folders with everything under them);
// paths that no longer exist are skipped.
const listFiles = `cd "$1" || exit 1; shift; [ $# -gt 0 ] || set -- .
find "$@" -xdev -type f -printf '%s\t%T@\t%C@\t%U\t%p\0' 2>/dev/null; exit 0`

// users maps the web container's user ids to names, once.
func (f *fimState) userNames(ctx context.Context, st Stack) (map[string]string, error) {
	f.mu.Lock()
	names := f.users
	f.mu.Unlock()
	if names != nil {
		return names, nil
	}
	res, err := st.Exec(ctx, containers.ServiceWP, []string{"cat", "/etc/passwd"})
	if err != nil {
		return nil, fmt.Errorf("read the web container's users: %w", err)
	}
	names = map[string]string{}
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if parts := strings.Split(line, ":"); len(parts) > 2 {
			names[parts[2]] = parts[0]
		}
	}
	f.mu.Lock()
	f.users = names
	f.mu.Unlock()
	return names, nil
}

// list takes the docroot's file list, without hashes: the whole docroot,
// or only the given docroot-relative paths.
func (f *fimState) list(ctx context.Context, st Stack, paths ...string) (fileIndex, error) {
	users, err := f.userNames(ctx, st)
	if err != nil {
		return nil, err
	}
	cmd := []string{"sh", "-c", listFiles, "sh", containers.DocRoot}
	for _, p := range paths {
		cmd = append(cmd, "./"+p)
	}
	res, err := st.Exec(ctx, containers.ServiceWP, cmd)
	if err != nil {
		return nil, fmt.Errorf("list the docroot: %w", err)
	}
	idx := fileIndex{}
	for _, rec := range bytes.Split(res.Stdout, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		parts := strings.SplitN(string(rec), "\t", 5)
		if len(parts) != 5 {
			continue
		}
		size, _ := strconv.ParseInt(parts[0], 10, 64)
		owner := users[parts[3]]
		if owner == "" {
			owner = parts[3]
		}
		name := strings.TrimPrefix(parts[4], "./")
		if name == "." || name == "" {
			continue
		}
		idx[name] = fileEntry{size: size, stamp: parts[0] + "/" + parts[1] + "/" + parts[2], owner: owner}
	}
	return idx, nil
}

const hashBatch = 400

// hash fills in the SHA-256 of the named files. Files that vanished since
// the listing are left without one.
func hash(ctx context.Context, st Stack, idx fileIndex, names []string) error {
	for len(names) > 0 {
		n := min(len(names), hashBatch)
		batch := names[:n]
		names = names[n:]
		cmd := append([]string{"sh", "-c", `cd "$0" && sha256sum -z -- "$@" 2>/dev/null; exit 0`, containers.DocRoot}, batch...)
		res, err := st.Exec(ctx, containers.ServiceWP, cmd)
		if err != nil {
			return fmt.Errorf("hash docroot files: %w", err)
		}
		for _, rec := range bytes.Split(res.Stdout, []byte{0}) {
			if len(rec) < 66 {
				continue
			}
			sum, name := string(rec[:64]), string(rec[66:])
			if e, ok := idx[name]; ok {
				e.hash = sum
				idx[name] = e
			}
		}
	}
	return nil
}

// baseline lists the whole docroot and hashes it. A file whose stamp is
// the one last seen keeps its hash, as in poll: any write changes ctime,
// which no one can set back, so the same stamp means the same content.
// Between scenarios that leaves the few files a scenario or its reset
// wrote, not the whole docroot (8,000 files with WooCommerce).
func (f *fimState) baseline(ctx context.Context, st Stack) error {
	scan, idx, err := f.scanAndList(ctx, st)
	if err != nil {
		return err
	}
	f.mu.Lock()
	known := f.known
	f.mu.Unlock()
	names := make([]string, 0, len(idx))
	for n, cur := range idx {
		if prev, ok := known[n]; ok && prev.stamp == cur.stamp && prev.hash != "" {
			cur.hash = prev.hash
			idx[n] = cur
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if err := hash(ctx, st, idx, names); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.base, f.known, f.seen = idx, idx, scan
	return nil
}

// scanAndList scans the writable layer, then lists the whole docroot: a
// change after the scan is in the listing, and the next scan names it
// again, so none is lost between the two.
func (f *fimState) scanAndList(ctx context.Context, st Stack) (layerScan, fileIndex, error) {
	scan, err := f.scanLayer(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	idx, err := f.list(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	return scan, idx, nil
}

// ensureReference makes sure there is a list to compare with: the
// baseline's, or one taken now when Baseline was never called.
func (f *fimState) ensureReference(ctx context.Context, st Stack) error {
	f.mu.Lock()
	have := f.known != nil
	f.mu.Unlock()
	if have {
		return nil
	}
	scan, idx, err := f.scanAndList(ctx, st)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.known == nil {
		f.known, f.seen = idx, scan
	}
	return nil
}

// poll lists the docroot, hashes what changed, and returns the changes as
// events. The caller holds the engine's ref for reading, so Baseline
// cannot replace the reference while a poll compares with it.
func (f *fimState) poll(ctx context.Context, st Stack) ([]*Event, error) {
	f.mu.Lock()
	known, seen := f.known, f.seen
	f.mu.Unlock()
	now := time.Now()
	scan, err := f.scanLayer(ctx, st)
	if err != nil {
		return nil, err
	}
	var next fileIndex
	if scan == nil {
		next, err = f.list(ctx, st)
	} else {
		paths := touched(seen, scan)
		if len(paths) == 0 {
			return nil, nil
		}
		next, err = f.relist(ctx, st, known, paths)
	}
	if err != nil {
		return nil, err
	}
	var changed []string
	for name, cur := range next {
		prev, ok := known[name]
		if ok && prev.stamp == cur.stamp {
			cur.hash = prev.hash
			next[name] = cur
			continue
		}
		changed = append(changed, name)
	}
	sort.Strings(changed)
	if err := hash(ctx, st, next, changed); err != nil {
		return nil, err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	var events []*Event
	for _, name := range changed {
		cur := next[name]
		prev, existed := known[name]
		base, inBase := f.base[name]
		switch {
		case existed && prev.hash != "" && cur.hash == prev.hash:
			continue // touched, not changed
		case inBase && base.hash != "" && cur.hash == base.hash && (!existed || prev.hash != base.hash):
			events = append(events, fimEvent(now, actionRestored, name, cur, prev))
		case !existed:
			events = append(events, fimEvent(now, actionCreated, name, cur, fileEntry{}))
		default:
			events = append(events, fimEvent(now, actionModified, name, cur, prev))
		}
	}
	var gone []string
	for name := range known {
		if _, ok := next[name]; !ok {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		events = append(events, fimEvent(now, actionDeleted, name, fileEntry{}, known[name]))
	}
	f.known, f.seen = next, scan
	return events, nil
}

// watchFiles polls until ctx ends. Three failures in a row (the container
// is gone, or Docker stopped answering) are an infrastructure fault.
func (e *Engine) watchFiles(ctx context.Context) {
	t := time.NewTicker(e.cfg.fimInterval)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.ref.RLock()
		events, err := e.fim.poll(ctx, e.stack)
		if err == nil {
			for _, ev := range events {
				e.evaluate(ctx, ev, false)
			}
		}
		e.ref.RUnlock()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fails++
			if fails >= 3 {
				e.report(fault.Infra(fmt.Errorf("detect: file integrity stopped: %w", err)))
				return
			}
			continue
		}
		fails = 0
		e.prog.polled()
		if len(events) > 0 {
			select {
			case e.touched <- struct{}{}:
			default:
			}
		}
	}
}

// Baseline records what "normal" is: the docroot's files with their
// hashes, and what the state checks compare with (the administrator set,
// options, what HTTP probes expose). Call it after seeding and after each
// stack Reset, before the scenario's baseline window.
func (e *Engine) Baseline(ctx context.Context) error {
	e.ref.Lock()
	defer e.ref.Unlock()
	if err := e.fim.baseline(ctx, e.stack); err != nil {
		return fmt.Errorf("detect: baseline: %w", err)
	}
	var errs []error
	for _, c := range e.checks {
		if err := c.baseline(ctx, e); err != nil {
			errs = append(errs, fmt.Errorf("detect: baseline of %s: %w", c.info.ID, err))
		}
	}
	return errors.Join(errs...)
}
