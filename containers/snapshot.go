package containers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"golang.org/x/crypto/bcrypt"
)

// Warm starts. Installing WordPress, activating WooCommerce and seeding
// take most of a stack's start; a warm snapshot keeps their result so the
// next stack with the same images, plugin, table prefix and dataset
// restores it instead. A snapshot is two parts:
//
//   - db.tar in the snapshot folder: MariaDB's data directory, taken
//     after a clean shutdown (the directory is a tmpfs, so it is read from
//     inside the container before the container goes). A sparse tar, not
//     compressed: unpacking it is then a plain copy, the cheapest thing
//     on a busy machine, and disk is cheap;
//   - an image (snapshotRepo:KEY) committed from the web container, holding
//     the docroot and its reset-point copy.
//
// A snapshot is made by a builder stack of its own, whose credentials are
// thrown away with it (its administrator password is a public constant:
// see builderAdminPassword): no run's secret is ever in one. Even so the
// builder is scrubbed before saving (wp-config.php in the docroot and its reset
// copy, the administrator's password hash and sessions, MariaDB's
// passwords, the logs). A restored stack gets its own credentials: MariaDB's
// users are re-keyed in bootstrap mode before the server opens, a fresh
// wp-config.php (fresh salts) is written, and the administrator gets a
// fresh password hash in the live table and in the reset point.
const (
	// snapshotFormat changes whenever what a snapshot holds, or how it is
	// restored, changes: older snapshots are then simply not found.
	snapshotFormat = 1
	snapshotRepo   = "breachdrill/snapshot"
	labelSnapshot  = "org.breachdrill.snapshot"
	// labelSnapshotDir names the folder of an image's snapshot: gc of one
	// folder leaves the images of every other alone.
	labelSnapshotDir = "org.breachdrill.snapshot-dir"
	snapshotDBFile   = "db.tar"
	warmMetaFile     = "snapshot.json"
	// warmMount is where a restored db container sees the snapshot folder.
	warmMount = "/run/breachdrill-warm"
	// dbWarmCmd starts MariaDB for a builder (which must outlive a clean
	// shutdown) and for a restored stack (which unpacks the data first).
	dbWarmCmd     = "/usr/local/share/breachdrill/bd-db-warm"
	dbStoppedFlag = "/run/breachdrill-db-stopped"
)

// dbWarmScript wraps the image's bd-db. With a snapshot mounted it unpacks
// the data directory into the (empty, in-memory) datadir and re-keys the
// three accounts in bootstrap mode, so that the server never listens with
// the snapshot's passwords; bd-db then finds an initialised datadir and
// only starts the server. Without one it runs bd-db and, once MariaDB has
// shut down on request, keeps the container (and its tmpfs) for the save.
const dbWarmScript = `#!/bin/sh
set -eu
if [ -f ` + warmMount + `/` + snapshotDBFile + ` ]; then
	install -d -o mysql -g mysql /var/lib/mysql /var/log/breachdrill
	tar -C /var/lib/mysql -xpf ` + warmMount + `/` + snapshotDBFile + `
	{
		echo "FLUSH PRIVILEGES;"
		echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD';"
		echo "ALTER USER '$MARIADB_USER'@'%' IDENTIFIED BY '$MARIADB_PASSWORD';"
		echo "ALTER USER '$BD_TOOL_USER'@'%' IDENTIFIED BY '$BD_TOOL_PASSWORD';"
	} | mariadbd --bootstrap --user=mysql --datadir=/var/lib/mysql --log-error=/var/log/breachdrill/mariadb-bootstrap.log
	exec /usr/local/bin/bd-db
fi
/usr/local/bin/bd-db
touch ` + dbStoppedFlag + `
exec sleep infinity
`

// builderAdminPassword is the administrator password of every snapshot
// builder, public on purpose. Scrubbing overwrites the administrator's
// hash, but InnoDB keeps earlier row versions in its undo and redo logs,
// which a snapshot holds byte for byte; what they keep is then the hash of
// a password that protects nothing (every restored stack sets its own),
// never one of a run. The builder's other secrets are random, never leave
// it, and are scrubbed too.
const builderAdminPassword = "breachdrill-warm-snapshot-builder-not-a-secret"

// scrubbedWPConfig replaces wp-config.php in a snapshot; every stack
// restored from it writes its own.
const scrubbedWPConfig = "<?php\n// Scrubbed for a breachdrill warm snapshot: every stack restored from it writes its own wp-config.php.\nexit( 1 );\n"

// WithSeed has Run load a dataset once the shop is installed, before it
// takes the reset point. dataset names the data seed loads (the same name
// must mean the same rows): with WithWarmStarts it is part of the
// snapshot's key.
func WithSeed(dataset string, seed func(ctx context.Context, s *Stack) error) Option {
	return func(c *config) { c.dataset, c.seed = dataset, seed }
}

// WithWarmStarts keeps installed (and seeded) stacks as snapshots in dir
// and starts from one when it matches. Stacks of the official images, and
// those with the database on disk, always start cold.
func WithWarmStarts(dir string) Option { return func(c *config) { c.snapshotDir = dir } }

// DefaultSnapshotDir is where warm snapshots live:
// $XDG_CACHE_HOME/breachdrill/snapshots (~/.cache/breachdrill/snapshots).
func DefaultSnapshotDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fault.Infra(fmt.Errorf("warm snapshots: no cache folder: %w", err))
	}
	return filepath.Join(d, "breachdrill", "snapshots"), nil
}

// warmMeta describes one saved snapshot.
type warmMeta struct {
	Format  int       `json:"format"`
	Key     string    `json:"key"`
	Created time.Time `json:"created"`
	// What the key was made of.
	DBImageID   string `json:"db_image_id"`
	WPImageID   string `json:"wp_image_id"`
	WooCommerce string `json:"woocommerce"` // "plugin:DIGEST" or "schema"
	TablePrefix string `json:"table_prefix"`
	Dataset     string `json:"dataset"`
	// Runtime is the digest of the files copied into every stack
	// (install.php, the mu-plugin, WooCommerce's schema...): a snapshot
	// holds what they did, so a new breachdrill with other ones must not
	// restore it.
	Runtime string `json:"runtime"`
	// The committed web image, by tag and id.
	Image   string `json:"image"`
	ImageID string `json:"image_id"`
	// Found by the install steps a restored stack skips.
	WordPressVersion   string `json:"wordpress_version"`
	WooCommerceMode    string `json:"woocommerce_mode"`
	WooCommerceVersion string `json:"woocommerce_version,omitempty"`

	dir string // the snapshot's folder, absolute
}

// snapshotKey identifies what a snapshot holds: everything that, changed,
// would make a restored stack differ from a cold one.
func snapshotKey(m warmMeta) string {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\ndb %s\nwp %s\nwoocommerce %s\nprefix %s\ndataset %s\nruntime %s\n",
		snapshotFormat, m.DBImageID, m.WPImageID, m.WooCommerce, m.TablePrefix, m.Dataset, m.Runtime)
	return hex.EncodeToString(h.Sum(nil))
}

func warmable(cfg config) bool {
	return cfg.snapshotDir != "" && !cfg.dbOnDisk && cfg.images.Source != SourceOfficial
}

// warmSnapshot returns the snapshot for cfg, building it first when there
// is none. Builders of one key are serialised across processes, so that
// stacks started at once (--parallel) build it once.
func warmSnapshot(ctx context.Context, cli *client.Client, cfg config, woo *wooPlugin) (*warmMeta, error) {
	want := warmMeta{Format: snapshotFormat, TablePrefix: cfg.prefix, Dataset: cfg.dataset, WooCommerce: WooSchema, Runtime: runtimeDigest()}
	if woo != nil {
		want.WooCommerce = WooPlugin + ":" + woo.digest()
	}
	for _, x := range []struct{ ref, id *string }{{&cfg.images.DB, &want.DBImageID}, {&cfg.images.WP, &want.WPImageID}} {
		insp, err := cli.ImageInspect(ctx, *x.ref)
		if err != nil {
			return nil, fault.Infra(fmt.Errorf("warm start: inspect %s: %w", *x.ref, err))
		}
		*x.id = insp.ID
	}
	want.Key = snapshotKey(want)
	dir, err := filepath.Abs(cfg.snapshotDir)
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("warm snapshots: %w", err))
	}
	cfg.snapshotDir = dir
	if err := os.MkdirAll(cfg.snapshotDir, 0o700); err != nil {
		return nil, fault.Infra(fmt.Errorf("warm snapshots: %w", err))
	}
	unlock, err := lockFile(ctx, filepath.Join(cfg.snapshotDir, want.Key[:16]+".lock"), "another process building the same warm snapshot")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if m, err := readSnapshot(ctx, cli, cfg.snapshotDir, want.Key); err == nil {
		return m, nil
	}
	start := time.Now()
	say := cfg.progress
	say("no warm snapshot for this stack and dataset: building one (later runs restore it)")
	b := cfg
	b.snapshotDir, b.builder, b.keep, b.runID = "", true, false, NewRunID()
	b.progress = func(step string) { say("warm snapshot: " + step) }
	builder, err := run(ctx, b, woo, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = builder.Close(cctx)
	}()
	if cfg.builderHook != nil {
		cfg.builderHook(builder)
	}
	want.WordPressVersion = builder.info.WordPressVersion
	want.WooCommerceMode, want.WooCommerceVersion = builder.info.WooCommerceMode, builder.info.WooCommerceVersion
	say("warm snapshot: scrubbing and saving")
	m, err := builder.saveSnapshot(ctx, cfg.snapshotDir, want)
	if err != nil {
		return nil, err
	}
	say(fmt.Sprintf("warm snapshot %s saved in %.1fs", m.Key[:12], time.Since(start).Seconds()))
	return m, nil
}

// readSnapshot finds a complete snapshot whose web image is still there.
func readSnapshot(ctx context.Context, cli *client.Client, dir, key string) (*warmMeta, error) {
	b, err := os.ReadFile(filepath.Join(dir, key, warmMetaFile))
	if err != nil {
		return nil, err
	}
	var m warmMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m.dir = filepath.Join(dir, key)
	if m.Key != key || m.Format != snapshotFormat {
		return nil, errors.New("snapshot of another key or format")
	}
	insp, err := cli.ImageInspect(ctx, m.Image)
	if err != nil || insp.ID != m.ImageID {
		return nil, errors.New("the snapshot's image is gone")
	}
	return &m, nil
}

// saveSnapshot scrubs the builder, stops its database and saves both
// halves, the folder last and by rename, so a snapshot is whole or absent.
func (s *Stack) saveSnapshot(ctx context.Context, dir string, m warmMeta) (*warmMeta, error) {
	fail := func(step string, err error) (*warmMeta, error) {
		return nil, fault.Infra(fmt.Errorf("save warm snapshot: %s: %w", step, err))
	}
	users := "`" + s.prefix + "users`"
	for _, q := range []string{
		"UPDATE `" + s.creds.DBName + "`." + users + " SET user_pass = '*', user_activation_key = '' WHERE user_login = ?",
		"UPDATE " + snapshotDB + "." + users + " SET user_pass = '*', user_activation_key = '' WHERE user_login = ?",
	} {
		if _, err := s.toolDB.ExecContext(ctx, q, s.creds.AdminUser); err != nil {
			return fail("scrub the administrator's password", err)
		}
	}
	for _, schema := range []string{"`" + s.creds.DBName + "`", snapshotDB} {
		if _, err := s.toolDB.ExecContext(ctx, "DELETE FROM "+schema+".`"+s.prefix+"usermeta` WHERE meta_key = 'session_tokens'"); err != nil {
			return fail("scrub sessions", err)
		}
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", `set -e
cat > "$1"
cp "$1" "$2"
for d in /var/log/breachdrill /var/log/apache2; do
	[ -d "$d" ] && find "$d" -type f -exec truncate -s 0 {} +
done
# The PHP command line's compiled scripts stay (opcache.file_cache in
# /tmp/<system id>): the first scenario step that acts as WordPress then
# loads it in 1 s, not 3.5 s cold. Not the builder's wp-config.php, whose
# secrets the compiled copy holds as plain strings.
find /tmp -path '*/var/www/html/wp-config.php.bin' -delete
find /tmp -mindepth 1 -maxdepth 1 ! -name '????????????????????????????????' -exec rm -rf {} +
rm -rf /var/tmp/*`, "sh", DocRoot + "/wp-config.php", snapshotFolder + "/wp-config.php"},
		WithStdin(strings.NewReader(scrubbedWPConfig))); err != nil {
		return fail("scrub the docroot", err)
	}
	m.Image = snapshotRepo + ":" + m.Key[:16]
	commit, err := s.cli.ContainerCommit(ctx, s.wpID, client.ContainerCommitOptions{
		Reference: m.Image,
		Comment:   "breachdrill warm snapshot " + m.Key,
		Changes:   []string{"LABEL " + labelSnapshot + "=" + m.Key, fmt.Sprintf("LABEL %s=%q", labelSnapshotDir, dir)},
	})
	if err != nil {
		return fail("commit the web container", err)
	}
	m.ImageID = commit.ID

	// One connection: re-keying the tool user would lock a new one out.
	conn, err := s.toolDB.Conn(ctx)
	if err != nil {
		return fail("connect", err)
	}
	defer conn.Close()
	for _, u := range []string{"'root'@'localhost'", "'" + s.creds.DBUser + "'@'%'", "'" + s.creds.ToolUser + "'@'%'"} {
		if _, err := conn.ExecContext(ctx, "ALTER USER "+u+" IDENTIFIED BY '"+randomString(32, alnum)+"'"); err != nil {
			return fail("scrub database passwords", err)
		}
	}
	// The server may drop the connection before it answers: whether it
	// stopped is told by the flag dbWarmScript sets once it has.
	_, shutErr := conn.ExecContext(ctx, "SHUTDOWN")
	if _, err := s.Exec(ctx, ServiceDB, []string{"sh", "-c", `for i in $(seq 1200); do [ -e "$1" ] && exit 0; sleep 0.1; done; exit 1`, "sh", dbStoppedFlag}); err != nil {
		return fail("stop MariaDB", errors.Join(shutErr, err))
	}

	tmp, err := os.MkdirTemp(dir, ".tmp-"+m.Key[:16]+"-")
	if err != nil {
		return fail("temporary folder", err)
	}
	defer os.RemoveAll(tmp)
	f, err := os.OpenFile(filepath.Join(tmp, snapshotDBFile), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fail("database archive", err)
	}
	var stderr strings.Builder
	code, err := s.execStream(ctx, ServiceDB, []string{"sh", "-c", "cd /var/lib/mysql && exec tar -cSf - ."}, f, &stderr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d: %s", code, stderr.String())
	}
	if err != nil {
		return fail("archive MariaDB's data", err)
	}
	m.Created = time.Now().UTC()
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, warmMetaFile), b, 0o600); err != nil {
		return fail("describe", err)
	}
	final := filepath.Join(dir, m.Key)
	_ = os.RemoveAll(final) // one whose image was gone
	if err := os.Rename(tmp, final); err != nil {
		return fail("move into place", err)
	}
	m.dir = final
	return &m, nil
}

// warmDBOptions start the db container of a builder or of a restored
// stack through dbWarmScript.
func warmDBOptions(restore *warmMeta) []testcontainers.ContainerCustomizer {
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithFiles(testcontainers.ContainerFile{Reader: strings.NewReader(dbWarmScript), ContainerFilePath: dbWarmCmd, FileMode: 0o755}),
		testcontainers.WithCmd(dbWarmCmd),
	}
	if restore != nil {
		opts = append(opts, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			loopbackOnly("3306/tcp")(hc)
			hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: restore.dir, Target: warmMount, ReadOnly: true})
		}))
	}
	return opts
}

// finishRestore gives a stack started from a snapshot what the install
// steps would have: the files written at its start (its own wp-config.php
// among them) in the reset point's copy of the docroot, a fresh
// administrator password (live and in the reset point), and the reset
// point's clean mark.
func (s *Stack) finishRestore(ctx context.Context, cfg config, m *warmMeta) error {
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", takeResetCopy, "sh", DocRoot, snapshotFolder}); err != nil {
		return fault.Infra(fmt.Errorf("restore warm snapshot: docroot reset copy: %w", err))
	}
	hash, err := wpPasswordHash(s.creds.AdminPassword)
	if err != nil {
		return fault.Infra(fmt.Errorf("restore warm snapshot: %w", err))
	}
	for _, schema := range []string{"`" + s.creds.DBName + "`", snapshotDB} {
		res, err := s.toolDB.ExecContext(ctx, "UPDATE "+schema+".`"+s.prefix+"users` SET user_pass = ? WHERE user_login = ?", hash, s.creds.AdminUser)
		if err != nil {
			return fault.Infra(fmt.Errorf("restore warm snapshot: administrator password: %w", err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Infra(fmt.Errorf("restore warm snapshot: no administrator %s in %s", s.creds.AdminUser, schema))
		}
	}
	if err := s.shiftSchedule(ctx, time.Since(m.Created)); err != nil {
		return err
	}
	s.info.WordPressVersion = m.WordPressVersion
	s.info.WooCommerceMode, s.info.WooCommerceVersion = m.WooCommerceMode, m.WooCommerceVersion
	s.info.WarmSnapshot = m.Key
	if err := s.describe(ctx, cfg); err != nil {
		return err
	}
	return s.markClean(ctx)
}

// shiftSchedule moves WooCommerce's pending scheduled actions (Action
// Scheduler) later by age, the time since the snapshot was made, live and
// in the reset point: a restored shop is then as far from its due
// background jobs as one installed just now, instead of having every job
// of a snapshot's age overdue and run (rewriting tables) mid-drill.
func (s *Stack) shiftSchedule(ctx context.Context, age time.Duration) error {
	table := s.prefix + "actionscheduler_actions"
	var n int
	if err := s.toolDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", s.creds.DBName, table).Scan(&n); err != nil {
		return fault.Infra(fmt.Errorf("restore warm snapshot: %w", err))
	}
	secs := int64(age / time.Second)
	if n == 0 || secs <= 0 {
		return nil
	}
	for _, schema := range []string{"`" + s.creds.DBName + "`", snapshotDB} {
		if _, err := s.toolDB.ExecContext(ctx, "UPDATE "+schema+".`"+table+"` SET scheduled_date_gmt = scheduled_date_gmt + INTERVAL ? SECOND, scheduled_date_local = scheduled_date_local + INTERVAL ? SECOND WHERE status = 'pending' AND scheduled_date_gmt > '2000-01-01'", secs, secs); err != nil {
			return fault.Infra(fmt.Errorf("restore warm snapshot: shift scheduled actions: %w", err))
		}
	}
	return nil
}

// wpPasswordHash hashes a password the way WordPress 6.8's
// wp_hash_password does on PHP 8.4: bcrypt (PHP's "$2y$", cost 12, PHP
// 8.4's default) over a base64 HMAC-SHA384 of it, marked "$wp". A restored
// administrator then logs in exactly as an installed one, without
// WordPress rehashing (and so rewriting) the password on the first login.
// Go writes "$2a$": the same algorithm for ASCII input, which base64 is.
func wpPasswordHash(password string) (string, error) {
	mac := hmac.New(sha512.New384, []byte("wp-sha384"))
	mac.Write([]byte(strings.TrimSpace(password)))
	b, err := bcrypt.GenerateFromPassword([]byte(base64.StdEncoding.EncodeToString(mac.Sum(nil))), 12)
	if err != nil {
		return "", err
	}
	return "$wp$2y$" + strings.TrimPrefix(string(b), "$2a$"), nil
}

// SnapshotSummary describes one saved warm snapshot.
type SnapshotSummary struct {
	Key     string    `json:"key"`
	Created time.Time `json:"created"`
	Dataset string    `json:"dataset"`
	Image   string    `json:"image"`
	// Why gc removed it.
	Reason string `json:"reason,omitempty"`
}

// GCSnapshots removes the warm snapshots in dir that can no longer be
// restored (an image they were made from, or their own, is gone), with
// all every one, and their images. Folders of saves cut short go too.
func GCSnapshots(ctx context.Context, dir string, all bool) ([]SnapshotSummary, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("warm snapshots: %w", err))
	}
	var removed []SnapshotSummary
	var errs []error
	kept := map[string]bool{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".tmp-") {
			// A save in progress holds its key's lock; one cut short does not.
			if unlock, err := tryLockFile(filepath.Join(dir, strings.SplitN(strings.TrimPrefix(e.Name(), ".tmp-"), "-", 2)[0]+".lock")); err == nil {
				errs = append(errs, os.RemoveAll(p))
				unlock()
			}
			continue
		}
		if !e.IsDir() {
			continue
		}
		var m warmMeta
		b, err := os.ReadFile(filepath.Join(p, warmMetaFile))
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		reason := ""
		switch {
		case all:
			reason = "all snapshots asked for"
		case err != nil:
			reason = "unreadable"
		case m.Format != snapshotFormat:
			reason = "made by another version of breachdrill"
		case !imageIDExists(ctx, cli, m.DBImageID) || !imageIDExists(ctx, cli, m.WPImageID):
			reason = "an image it was made from is gone"
		case !imageIDExists(ctx, cli, m.ImageID):
			reason = "its image is gone"
		}
		if reason == "" {
			kept[m.Key] = true
			continue
		}
		if m.ImageID != "" && imageIDExists(ctx, cli, m.ImageID) {
			if _, err := cli.ImageRemove(ctx, m.ImageID, client.ImageRemoveOptions{Force: true}); err != nil {
				errs = append(errs, fmt.Errorf("remove image of snapshot %s: %w", e.Name(), err))
			}
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, SnapshotSummary{Key: e.Name(), Created: m.Created, Dataset: m.Dataset, Image: m.Image, Reason: reason})
	}
	// Images whose folder is gone (removed by hand, or a save cut short
	// after the commit) can never be restored.
	imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", labelSnapshot)})
	if err == nil {
		for _, img := range imgs.Items {
			key := img.Labels[labelSnapshot]
			if kept[key] || img.Labels[labelSnapshotDir] != dir {
				continue
			}
			if len(key) < 16 {
				continue
			}
			// A save in progress holds its key's lock from before the
			// commit until its folder is in place: its image is not an
			// orphan, and must not be taken from under it.
			unlock, err := tryLockFile(filepath.Join(dir, key[:16]+".lock"))
			if err != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, key)); err != nil {
				if _, err := cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true}); err == nil {
					removed = append(removed, SnapshotSummary{Key: key, Image: img.ID, Reason: "an image without its snapshot folder"})
				}
			}
			unlock()
		}
	}
	return removed, fault.Infra(errors.Join(errs...))
}

func imageIDExists(ctx context.Context, cli *client.Client, id string) bool {
	if id == "" {
		return false
	}
	_, err := cli.ImageInspect(ctx, id)
	return err == nil
}
