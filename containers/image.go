package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/client"
)

// Source says where the stack's images come from.
type Source string

const (
	// SourceDebian builds one image here, offline, from Debian's packages.
	SourceDebian Source = "debian"
	// SourceOfficial uses the public mariadb and wordpress images.
	SourceOfficial Source = "official"
)

// ParseSource checks a --source value.
func ParseSource(s string) (Source, error) {
	switch Source(s) {
	case SourceDebian, SourceOfficial:
		return Source(s), nil
	}
	return "", fault.Input(fmt.Errorf("unknown image source %q: use --source debian (built here from Debian packages, works offline) or --source official (pulls mariadb and wordpress)", s))
}

// Images names the image of each container of a stack.
type Images struct {
	Source Source `json:"source"`
	DB     string `json:"db"`
	WP     string `json:"wp"`
}

// Official images, pinned to the pairing the rest of the product assumes:
// WordPress 6.8 on PHP 8.4 and MariaDB 11.8, as the debian image has.
const (
	officialDB = "mariadb:11.8"
	officialWP = "wordpress:6.8-php8.4-apache"
)

// Debian build inputs. Changing any of them changes the image tag.
var (
	debianSuite = "trixie"
	// trixie-security lives only in the security archive (404 under the
	// main one).
	debianMirrors  = []string{"deb http://deb.debian.org/debian trixie main", "deb http://deb.debian.org/debian trixie-updates main", "deb http://deb.debian.org/debian-security trixie-security main"}
	debianPackages = []string{
		"mariadb-server", "mariadb-client", "apache2", "libapache2-mod-php",
		"php-mysql", "php-gd", "php-curl", "php-xml", "php-mbstring", "php-zip", "php-intl",
		"wordpress", "wordpress-theme-twentytwentyfive", "rsync", "tini",
		"libapache2-mod-security2", "modsecurity-crs",
	}
	imageAssets = []string{"image/setup.sh", "image/bd-db", "image/bd-wp", "runtime/mariadb.cnf"}
)

const imageRepo = "breachdrill/stack"

// DebianImageRef is the tag of the debian image this binary builds: the
// repository plus a hash of everything that goes into it, so a changed
// recipe is a new image and an unchanged one is never rebuilt.
func DebianImageRef() string {
	h := sha256.New()
	fmt.Fprintln(h, debianSuite)
	for _, m := range debianMirrors {
		fmt.Fprintln(h, m)
	}
	pkgs := append([]string(nil), debianPackages...)
	sort.Strings(pkgs)
	fmt.Fprintln(h, strings.Join(pkgs, ","))
	for _, a := range imageAssets {
		fmt.Fprintln(h, a)
		h.Write(asset(a))
	}
	return imageRepo + ":" + hex.EncodeToString(h.Sum(nil))[:12]
}

// ImagesFor names the images of a source without building or pulling them.
func ImagesFor(src Source) Images {
	if src == SourceOfficial {
		return Images{Source: src, DB: officialDB, WP: officialWP}
	}
	ref := DebianImageRef()
	return Images{Source: SourceDebian, DB: ref, WP: ref}
}

// BuildOption changes how EnsureImages works.
type BuildOption func(*buildConfig)

type buildConfig struct {
	progress io.Writer
	force    bool
}

// WithBuildProgress streams build progress lines to w.
func WithBuildProgress(w io.Writer) BuildOption {
	return func(c *buildConfig) { c.progress = w }
}

// WithRebuild builds even when the tagged image exists.
func WithRebuild() BuildOption {
	return func(c *buildConfig) { c.force = true }
}

// EnsureImages makes the images of src available: built here for debian
// (skipped when the tag exists), pulled for official.
func EnsureImages(ctx context.Context, src Source, opts ...BuildOption) (Images, error) {
	cfg := buildConfig{progress: io.Discard}
	for _, o := range opts {
		o(&cfg)
	}
	imgs := ImagesFor(src)
	cli, err := dockerClient(ctx)
	if err != nil {
		return Images{}, err
	}
	defer cli.Close()

	switch src {
	case SourceDebian:
		if !cfg.force && imageExists(ctx, cli, imgs.DB) {
			fmt.Fprintf(cfg.progress, "image %s is present, not rebuilding\n", imgs.DB)
			return imgs, nil
		}
		// Several processes (parallel test packages, two terminals) may ask
		// at once; one builds, the others find the image afterwards.
		unlock, err := lockBuild(ctx)
		if err != nil {
			return Images{}, err
		}
		defer unlock()
		if !cfg.force && imageExists(ctx, cli, imgs.DB) {
			return imgs, nil
		}
		if err := buildDebian(ctx, cli, imgs.DB, cfg.progress); err != nil {
			return Images{}, err
		}
		return imgs, nil
	case SourceOfficial:
		for _, ref := range []string{imgs.DB, imgs.WP} {
			if imageExists(ctx, cli, ref) {
				continue
			}
			fmt.Fprintf(cfg.progress, "pulling %s\n", ref)
			if err := pull(ctx, cli, ref); err != nil {
				return Images{}, fault.Infra(fmt.Errorf("pull %s: %w (no registry reachable? build offline with --source debian)", ref, err))
			}
		}
		return imgs, nil
	}
	return Images{}, fault.Input(fmt.Errorf("unknown image source %q", src))
}

func imageExists(ctx context.Context, cli *client.Client, ref string) bool {
	_, err := cli.ImageInspect(ctx, ref)
	return err == nil
}

func pull(ctx context.Context, cli *client.Client, ref string) error {
	rc, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return rc.Wait(ctx)
}

// lockBuild takes a host-wide lock on image builds.
func lockBuild(ctx context.Context) (func(), error) {
	return lockFile(ctx, filepath.Join(os.TempDir(), "breachdrill-image-build.lock"), "another image build")
}

// lockFile takes an exclusive lock on the file at path, waiting for whoever
// holds it (described by holder, for the error when ctx ends first).
func lockFile(ctx context.Context, path, holder string) (func(), error) {
	for {
		unlock, err := tryLockFile(path)
		if err == nil {
			return unlock, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fault.Infra(fmt.Errorf("lock %s: %w", path, err))
		}
		select {
		case <-ctx.Done():
			return nil, fault.Infra(fmt.Errorf("waiting for %s: %w", holder, ctx.Err()))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// tryLockFile takes the lock at path if it is free.
func tryLockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
