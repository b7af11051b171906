package containers

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// The reset point lives inside the stack, so that a stack started by one
// process (stack up) can be reset by another (drill): a copy of every table
// in a database the shop's user cannot read, and a copy of the docroot.
const (
	snapshotDB     = "breachdrill_snapshot"
	snapshotMeta   = "breachdrill_meta"
	snapshotFolder = "/var/lib/breachdrill/docroot"
)

// syncDocroot copies one tree over another, deleting what the source lacks.
// rsync compares sizes and times, so unchanged files cost a stat each.
const syncDocroot = `src="$1"; dst="$2"; mkdir -p "$dst"
if command -v rsync >/dev/null; then exec rsync -a --delete "$src/" "$dst/"; fi
find "$dst" -mindepth 1 -delete && cp -a "$src/." "$dst/"`

// The clean mark is a file whose mtime starts the window in which docroot
// changes count: a file changed since has a newer ctime, which nothing in
// the container can set back (touch -r restores mtime, not ctime). So
// only those files need their content compared with the reset point;
// reading all 8,000 through the container's filesystem took seconds per
// scenario. The mark is laid (pending) before the work that makes the
// stack clean starts, two seconds early for coarse clocks, and promoted by
// markClean once the stack is proven clean: a write racing that work is
// inside the next window, never before it.
const (
	cleanMark   = "/var/lib/breachdrill/clean-mark"
	pendingMark = `touch -d "@$(( $(date +%s) - 2 ))" ` + cleanMark + `.pending`
)

// takeResetCopy copies the docroot ($1) to the reset point's copy ($2),
// the clean mark laid before it starts.
const takeResetCopy = pendingMark + "\n" + syncDocroot

// changedSince lists (NUL-separated, relative) the files of the docroot
// in $dst changed since the clean mark, or every file without one.
const changedSince = `changed() { (cd "$dst" && if [ -e "` + cleanMark + `" ]; then find . -type f -cnewer "` + cleanMark + `" -print0; else find . -type f -print0; fi); }`

// resetDocroot puts the docroot ($2) back to the reset point's copy ($1):
// rsync's quick check (sizes and times) restores what was added, removed or
// visibly changed, then the files changed since the clean mark are
// compared by content, so a change that kept size and mtime is undone too.
const resetDocroot = `set -e; src="$1"; dst="$2"; ` + changedSince + `
rsync -a --delete "$src/" "$dst/"
changed | rsync -a -c --from0 --files-from=- --ignore-missing-args "$src/" "$dst/"`

// compareDocroot prints, as rsync --itemize-changes lines, how the docroot
// ($2) differs from the reset point's copy ($1), by the same two checks.
const compareDocroot = `set -e; src="$1"; dst="$2"; ` + changedSince + `
` + pendingMark + `
rsync -a -n --delete --itemize-changes "$src/" "$dst/"
changed | rsync -a -n -c --itemize-changes --from0 --files-from=- --ignore-missing-args "$src/" "$dst/"`

// Snapshot makes the current state the one Reset returns to. Call it after
// seeding; Run takes one right after installing.
func (s *Stack) Snapshot(ctx context.Context) error {
	if err := s.warm(ctx); err != nil {
		return err
	}
	tables, err := s.baseTables(ctx, s.creds.DBName)
	if err != nil {
		return err
	}
	conn, err := s.toolDB.Conn(ctx)
	if err != nil {
		return fault.Infra(fmt.Errorf("snapshot: %w", err))
	}
	defer conn.Close()
	stmts := []string{
		"DROP DATABASE IF EXISTS " + snapshotDB,
		"CREATE DATABASE " + snapshotDB,
		"CREATE TABLE " + snapshotDB + "." + snapshotMeta + " (k varchar(64) PRIMARY KEY, v varchar(255))",
	}
	for name := range tables {
		stmts = append(stmts,
			fmt.Sprintf("CREATE TABLE %s.`%s` LIKE `%s`.`%s`", snapshotDB, name, s.creds.DBName, name),
			fmt.Sprintf("INSERT INTO %s.`%s` SELECT * FROM `%s`.`%s`", snapshotDB, name, s.creds.DBName, name))
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fault.Infra(fmt.Errorf("snapshot: %s: %w", q, err))
		}
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", takeResetCopy, "sh", DocRoot, snapshotFolder}); err != nil {
		return fault.Infra(fmt.Errorf("snapshot docroot: %w", err))
	}
	return s.markClean(ctx)
}

// markClean starts the window in which changes count as drift. InnoDB
// keeps a table's last change time to the second, so the window starts on
// the next whole second: every later change is seen, and the writes that
// made the stack clean (a snapshot, a reset) are not, which keeps Reset
// from copying the same big tables back again and again.
func (s *Stack) markClean(ctx context.Context) error {
	boundary := time.Now().Truncate(time.Second).Add(time.Second)
	select {
	case <-time.After(time.Until(boundary)):
	case <-ctx.Done():
		return ctx.Err()
	}
	var dbNow time.Time
	if err := s.toolDB.QueryRowContext(ctx, "SELECT NOW()").Scan(&dbNow); err != nil {
		return fault.Infra(fmt.Errorf("mark the reset point: %w", err))
	}
	_, err := s.toolDB.ExecContext(ctx, "REPLACE INTO "+snapshotDB+"."+snapshotMeta+" VALUES ('boundary', ?)", dbNow.Format(time.DateTime))
	if err != nil {
		return fault.Infra(fmt.Errorf("mark the reset point: %w", err))
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"mv", "-f", cleanMark + ".pending", cleanMark}); err != nil {
		return fault.Infra(fmt.Errorf("mark the reset point: docroot: %w", err))
	}
	return nil
}

type tableState struct {
	created, updated sql.NullTime
}

func (s *Stack) baseTables(ctx context.Context, schema string) (map[string]tableState, error) {
	rows, err := s.toolDB.QueryContext(ctx,
		"SELECT TABLE_NAME, CREATE_TIME, UPDATE_TIME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", schema)
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("list tables of %s: %w", schema, err))
	}
	defer rows.Close()
	out := map[string]tableState{}
	for rows.Next() {
		var name string
		var st tableState
		if err := rows.Scan(&name, &st.created, &st.updated); err != nil {
			return nil, fault.Infra(err)
		}
		out[name] = st
	}
	return out, rows.Err()
}

// ResetReport says what Reset had to restore.
type ResetReport struct {
	TablesRestored []string
	TablesDropped  []string
	Took           time.Duration
}

// tableDrift is how the live tables differ from the reset point: tables
// written to since it (by InnoDB's change time), tables added, tables gone.
type tableDrift struct {
	changed, added, missing []string
}

func (s *Stack) drift(ctx context.Context) (tableDrift, error) {
	var d tableDrift
	var boundaryText string
	err := s.toolDB.QueryRowContext(ctx, "SELECT v FROM "+snapshotDB+"."+snapshotMeta+" WHERE k = 'boundary'").Scan(&boundaryText)
	if err != nil {
		return d, fault.Infra(fmt.Errorf("no reset point (%w)", err))
	}
	boundary, err := time.Parse(time.DateTime, boundaryText)
	if err != nil {
		return d, fault.Infra(fmt.Errorf("bad reset point %q", boundaryText))
	}
	live, err := s.baseTables(ctx, s.creds.DBName)
	if err != nil {
		return d, err
	}
	saved, err := s.baseTables(ctx, snapshotDB)
	if err != nil {
		return d, err
	}
	delete(saved, snapshotMeta)
	since := func(t sql.NullTime) bool { return t.Valid && !t.Time.Before(boundary) }
	for name := range live {
		if _, ok := saved[name]; !ok {
			d.added = append(d.added, name)
		}
	}
	for name := range saved {
		st, ok := live[name]
		switch {
		case !ok:
			d.missing = append(d.missing, name)
		case since(st.created) || since(st.updated):
			d.changed = append(d.changed, name)
		}
	}
	sort.Strings(d.added)
	sort.Strings(d.missing)
	sort.Strings(d.changed)
	return d, nil
}

// Reset returns the stack to its last Snapshot: tables changed since then
// are restored, tables created since are dropped, the docroot is synced
// back (new files removed, changed and deleted ones restored), and the WAF
// returns to the mode the stack started in, without responder rules.
func (s *Stack) Reset(ctx context.Context) (ResetReport, error) {
	start := time.Now()
	var rep ResetReport
	d, err := s.drift(ctx)
	if err != nil {
		return rep, fmt.Errorf("reset: %w", err)
	}
	conn, err := s.toolDB.Conn(ctx)
	if err != nil {
		return rep, fault.Infra(fmt.Errorf("reset: %w", err))
	}
	defer conn.Close()
	stmts := []string{"SET SESSION foreign_key_checks = 0"}
	for _, name := range d.added {
		stmts = append(stmts, fmt.Sprintf("DROP TABLE `%s`.`%s`", s.creds.DBName, name))
	}
	// Each table is rebuilt aside and swapped in with one RENAME: a request
	// still writing to the live table (WordPress keeps a few options warm)
	// writes to the copy that is thrown away, never into the refill.
	db := "`" + s.creds.DBName + "`"
	for _, name := range d.changed {
		fresh, old := "`"+name+"__bd_fresh`", "`"+name+"__bd_old`"
		stmts = append(stmts,
			fmt.Sprintf("DROP TABLE IF EXISTS %s.%s, %s.%s", db, fresh, db, old),
			fmt.Sprintf("CREATE TABLE %s.%s LIKE %s.`%s`", db, fresh, snapshotDB, name),
			fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM %s.`%s`", db, fresh, snapshotDB, name),
			fmt.Sprintf("RENAME TABLE %s.`%s` TO %s.%s, %s.%s TO %s.`%s`", db, name, db, old, db, fresh, db, name),
			fmt.Sprintf("DROP TABLE %s.%s", db, old))
	}
	for _, name := range d.missing {
		stmts = append(stmts,
			fmt.Sprintf("CREATE TABLE %s.`%s` LIKE %s.`%s`", db, name, snapshotDB, name),
			fmt.Sprintf("INSERT INTO %s.`%s` SELECT * FROM %s.`%s`", db, name, snapshotDB, name))
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return rep, fault.Infra(fmt.Errorf("reset: %s: %w", q, err))
		}
	}
	rep.TablesDropped = d.added
	rep.TablesRestored = append(d.changed, d.missing...)
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", resetDocroot, "sh", snapshotFolder, DocRoot}); err != nil {
		return rep, fault.Infra(fmt.Errorf("reset docroot: %w", err))
	}
	if err := s.resetWAF(ctx); err != nil {
		return rep, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// warm makes the anonymous requests after which WordPress has created the
// options it creates lazily (widgets, rewrite rules, theme mods, cron), so
// that the reset point is the state a visited shop settles in and visitors
// (or detection probes) do not make the shop drift from it.
func (s *Stack) warm(ctx context.Context) error {
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/", "/wp-login.php", "/wp-json/", "/?p=1", "/sample-page/", "/feed/", "/wp-admin/"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.info.URL+p, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fault.Infra(fmt.Errorf("warm up %s: %w", p, err))
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return nil
}
