package reports

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// install writes files into a temporary directory beside dir and renames it
// into place; with o.zip it does the same for dir.zip. It returns the zip's
// path, if one was written.
func install(dir string, files []File, o options) (zipPath string, err error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, bundleDirMode); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	if !o.replace {
		if _, err := os.Lstat(dir); err == nil {
			return "", fmt.Errorf("%s: %w", dir, ErrExists)
		}
		if _, err := os.Lstat(dir + ".zip"); err == nil && o.zip {
			return "", fmt.Errorf("%s.zip: %w", dir, ErrExists)
		}
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return "", fmt.Errorf("create temporary bundle directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, bundleDirMode); err != nil {
		return "", err
	}
	for _, f := range files {
		if err := writeFileSync(filepath.Join(tmp, filepath.FromSlash(f.Name)), f.Data); err != nil {
			return "", err
		}
	}
	var zipTmp string
	if o.zip {
		zipTmp, err = writeZipTemp(parent, filepath.Base(dir), files)
		if err != nil {
			return "", err
		}
		defer func() {
			if err != nil {
				os.Remove(zipTmp)
			}
		}()
	}
	if err := swapIn(tmp, dir, o.replace); err != nil {
		return "", err
	}
	if zipTmp != "" {
		zipPath = dir + ".zip"
		if err := os.Rename(zipTmp, zipPath); err != nil {
			// The directory is complete but the zip asked for is not:
			// take the directory back out rather than leave half a result.
			os.RemoveAll(dir)
			return "", fmt.Errorf("install %s: %w", zipPath, err)
		}
	}
	syncDir(parent)
	return zipPath, nil
}

// swapIn renames tmp to dir, moving an existing dir aside first when
// replacing, so a crash leaves either the old bundle or the new one.
func swapIn(tmp, dir string, replace bool) error {
	err := os.Rename(tmp, dir)
	if err == nil || !replace {
		if err != nil {
			return fmt.Errorf("install %s: %w", dir, err)
		}
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("move old %s aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return fmt.Errorf("install %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}

func writeFileSync(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), bundleDirMode); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, bundleFileMode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	// Evidence must survive a power cut between the rename and the next
	// write-back; the rename is only atomic for data already on disk.
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", name, err)
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writeZipTemp writes the bundle as a zip whose entries sit under one
// top-level directory named like the bundle, so unzipping recreates it.
func writeZipTemp(parent, base string, files []File) (string, error) {
	f, err := os.CreateTemp(parent, "."+base+".zip.tmp-")
	if err != nil {
		return "", fmt.Errorf("create temporary zip: %w", err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("write %s.zip: %w", base, err)
	}
	if err := f.Chmod(bundleFileMode); err != nil {
		return fail(err)
	}
	if err := zipFiles(f, base, files); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// readTree reads every regular file under fsys into memory, with
// slash-separated names relative to its root.
func readTree(fsys fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			out[p] = nil // named as unexpected by verify
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	return out, err
}
