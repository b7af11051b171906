package containers

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// BaselineSchema is the database holding the reset point's copy of every
// table; containment checks compare against it (who the administrators were).
func (s *Stack) BaselineSchema() string { return snapshotDB }

// ReadBaselineFile reads rel as it was at the reset point: the known-good
// copy a response restores from.
func (s *Stack) ReadBaselineFile(ctx context.Context, rel string) ([]byte, error) {
	p, err := DocPath(rel)
	if err != nil {
		return nil, err
	}
	snap := path.Join(snapshotFolder, strings.TrimPrefix(p, DocRoot+"/"))
	res, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", `test -f "$1" || exit 44; cat "$1"`, "sh", snap})
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == 44 {
		return nil, fmt.Errorf("baseline copy of %s: %w", rel, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("baseline copy of %s: %w", rel, err)
	}
	return res.Stdout, nil
}

// VerifyReset compares the live stack with the reset point and lists every
// difference: docroot files added, changed or removed (rsync's itemised
// dry run), and tables whose checksum differs. Empty means recovered, and
// then the stack is marked clean, so the next Reset only copies what the
// next scenario changes.
func (s *Stack) VerifyReset(ctx context.Context) ([]string, error) {
	var diffs []string
	res, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", compareDocroot, "sh", snapshotFolder, DocRoot})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("compare docroot with the reset point: %w", err))
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		// Directory timestamp-only lines (".d..t......") are not changes;
		// declared application writes are not tampering. Both checks may
		// name the same file.
		if line == "" || strings.HasPrefix(line, ".d") || seen[line] {
			continue
		}
		seen[line] = true
		if w, name, ok := appWrite(line); ok {
			if w.Content == nil {
				continue
			}
			if b, err := s.ReadFile(ctx, name); err == nil && bytes.Equal(b, w.Content) {
				continue
			}
		}
		diffs = append(diffs, "file "+line)
	}
	// Tables untouched since the reset point equal their copy by
	// construction; only the ones written since need a checksum.
	d, err := s.drift(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range d.added {
		diffs = append(diffs, "table "+n+" added")
	}
	for _, n := range d.missing {
		diffs = append(diffs, "table "+n+" missing")
	}
	for _, n := range d.changed {
		live, err := s.tableChecksum(ctx, "`"+s.creds.DBName+"`", n)
		if err != nil {
			return nil, err
		}
		saved, err := s.tableChecksum(ctx, snapshotDB, n)
		if err != nil {
			return nil, err
		}
		if live != saved {
			diffs = append(diffs, "table "+n+" differs")
		}
	}
	wafDiffs, err := s.wafDrift(ctx)
	if err != nil {
		return nil, err
	}
	diffs = append(diffs, wafDiffs...)
	if len(diffs) == 0 {
		// Proven equal to the reset point: changes from now on are drift.
		if err := s.markClean(ctx); err != nil {
			return nil, err
		}
	}
	return diffs, nil
}

// tableChecksum sums a table's content. Transients in the options table
// are left out: WordPress rewrites them on its own as they expire, so they
// say nothing about whether a breach was put right.
func (s *Stack) tableChecksum(ctx context.Context, schema, table string) (string, error) {
	var q string
	if table == s.prefix+"options" {
		q = fmt.Sprintf("SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(0x00, option_name, option_value, autoload))), 0)) FROM %s.`%s` "+
			"WHERE option_name NOT LIKE '\\_transient\\_%%' AND option_name NOT LIKE '\\_site\\_transient\\_%%'", schema, table)
		var sum string
		if err := s.toolDB.QueryRowContext(ctx, q).Scan(&sum); err != nil {
			return "", fault.Infra(fmt.Errorf("checksum %s: %w", table, err))
		}
		return sum, nil
	}
	var name string
	var sum sql.NullInt64
	if err := s.toolDB.QueryRowContext(ctx, fmt.Sprintf("CHECKSUM TABLE %s.`%s`", schema, table)).Scan(&name, &sum); err != nil {
		return "", fault.Infra(fmt.Errorf("checksum %s: %w", table, err))
	}
	return fmt.Sprint(sum.Int64, sum.Valid), nil
}
