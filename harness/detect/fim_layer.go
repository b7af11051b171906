package detect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// The docroot's writable layer: what the web container wrote over its
// image, as files and overlay whiteouts in a folder of this host. The
// image's layers never change, so a file of the docroot can differ from
// the last listing only if its entry in the layer appeared, changed or
// went. Scanning the layer is a few stats of this host's own disk; a
// listing inside the container is a docker exec and a stat of every
// docroot file through the container's filesystem.

// layerSource is what a stack offers when its docroot's layer can be read
// here (containers.Stack.DocRootLayer).
type layerSource interface {
	DocRootLayer(ctx context.Context) (string, error)
}

// layerScan maps each entry of the layer, docroot-relative, to what
// identifies its state: any write to a file changes its size, times or
// inode, and a folder that is replaced (deleted and made again) gets a new
// inode.
type layerScan map[string]string

// relistAll is how many paths are worth listing one by one: past it the
// whole docroot is listed.
const relistAll = 256

// FileWatch says how file integrity finds changed files: "writable layer"
// or "listing".
func (e *Engine) FileWatch() string {
	e.fim.mu.Lock()
	defer e.fim.mu.Unlock()
	if e.fim.layerDir != "" {
		return "writable layer"
	}
	return "listing"
}

// scanLayer scans the docroot's layer, finding the layer on first use; nil
// when the stack has none readable here.
func (f *fimState) scanLayer(ctx context.Context, st Stack) (layerScan, error) {
	f.layerOnce.Do(func() {
		ls, ok := st.(layerSource)
		if !ok || f.listOnly {
			return
		}
		if dir, err := ls.DocRootLayer(ctx); err == nil {
			f.mu.Lock()
			f.layerDir = dir
			f.mu.Unlock()
		}
	})
	f.mu.Lock()
	dir := f.layerDir
	f.mu.Unlock()
	if dir == "" {
		return nil, nil
	}
	scan, err := scanDir(dir)
	if err != nil {
		return nil, fmt.Errorf("scan the docroot's writable layer: %w", err)
	}
	return scan, nil
}

// scanDir maps every entry under dir to its state.
func scanDir(dir string) (layerScan, error) {
	scan := layerScan{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// Deleted between reading its folder and looking at it: the
			// next scan sees it gone.
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == dir {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		st, ok := info.Sys().(*syscall.Stat_t)
		switch {
		case !ok:
			scan[rel] = fmt.Sprintf("%v/%d/%d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		case d.IsDir():
			// A folder's times change with every entry added or removed;
			// those entries show themselves.
			scan[rel] = "d/" + strconv.FormatUint(st.Ino, 10)
		default:
			scan[rel] = fmt.Sprintf("%o/%d/%d/%d.%d/%d.%d/%d", st.Mode, st.Ino, st.Size,
				st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, st.Rdev)
		}
		return nil
	})
	return scan, err
}

// touched lists the docroot paths whose files may differ between two scans
// of the layer: entries that appeared, changed or went, by what they stand
// for. A whiteout (a character device, or ".wh.name") stands for a
// deleted file or folder, an opaque marker for the folder it hides the
// image's content of. A folder that appears may be opaque too, so
// everything under it is looked at again. "" is the whole docroot.
func touched(prev, cur layerScan) []string {
	set := map[string]bool{}
	add := func(rel string) {
		dir, name := path.Split(rel)
		switch {
		case name == ".wh..wh..opq" || name == ".wh..opq":
			rel = strings.TrimSuffix(dir, "/")
		case strings.HasPrefix(name, ".wh."):
			rel = dir + strings.TrimPrefix(name, ".wh.")
		}
		set[rel] = true
	}
	for rel, v := range cur {
		if prev[rel] != v {
			add(rel)
		}
	}
	for rel := range prev {
		if _, ok := cur[rel]; !ok {
			add(rel)
		}
	}
	if set[""] {
		return []string{""}
	}
	paths := make([]string, 0, len(set))
	for rel := range set {
		paths = append(paths, rel)
	}
	sort.Strings(paths)
	// A folder's listing covers everything under it.
	out := paths[:0]
	for _, p := range paths {
		if n := len(out); n > 0 && strings.HasPrefix(p, out[n-1]+"/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// relist is known with the given paths listed again: the files at or
// under each path are replaced by what the container has there now.
func (f *fimState) relist(ctx context.Context, st Stack, known fileIndex, paths []string) (fileIndex, error) {
	if len(paths) > relistAll || (len(paths) == 1 && paths[0] == "") {
		return f.list(ctx, st)
	}
	fresh, err := f.list(ctx, st, paths...)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(paths))
	for _, p := range paths {
		listed[p] = true
	}
	next := make(fileIndex, len(known)+len(fresh))
	for name, e := range known {
		if !underAny(name, listed) {
			next[name] = e
		}
	}
	for name, e := range fresh {
		next[name] = e
	}
	return next, nil
}

// underAny reports whether name or one of its folders is in paths.
func underAny(name string, paths map[string]bool) bool {
	for p := name; ; {
		if paths[p] {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}
