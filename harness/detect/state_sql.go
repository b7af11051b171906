package detect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/go-sql-driver/mysql"
)

// query runs one check query read-only. ok is false when one of its
// tables does not exist in this stack (schema-only WooCommerce lacks some).
func (e *Engine) query(ctx context.Context, q sqlQuery) (rows []labelValue, ok bool, err error) {
	db := e.stack.DB()
	prefix := e.stack.TablePrefix()
	names := make([]any, len(q.tables))
	marks := make([]string, len(q.tables))
	for i, t := range q.tables {
		names[i], marks[i] = prefix+t, "?"
	}
	var n int
	err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ("+strings.Join(marks, ",")+")", names...).Scan(&n)
	if err != nil {
		return nil, false, classifySQL(err)
	}
	if n < len(q.tables) {
		return nil, false, nil
	}
	text := strings.NewReplacer("{prefix}", prefix, "{table}", "`"+prefix+q.tables[0]+"`").Replace(q.sql)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, classifySQL(err)
	}
	defer tx.Rollback()
	rs, err := tx.QueryContext(ctx, text)
	if err != nil {
		return nil, false, classifySQL(err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, false, classifySQL(err)
	}
	if len(cols) != 2 {
		return nil, false, fmt.Errorf("the query returns %d columns; want 2 (label, value)", len(cols))
	}
	for rs.Next() {
		var l, v sql.NullString
		if err := rs.Scan(&l, &v); err != nil {
			return nil, false, classifySQL(err)
		}
		rows = append(rows, labelValue{l.String, v.String})
	}
	return rows, true, classifySQL(rs.Err())
}

// classifySQL tells a rule's mistake (the server answered with an error)
// from the database being unreachable.
func classifySQL(err error) error {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return err
	}
	return fault.Infra(err)
}

// sqlCheckTimeout bounds one run of a SQL check. A database that stops
// answering leaves a query waiting for ever; bounded, three runs in a row
// that time out report it as an infrastructure fault, as three probes
// that time out do for the web server.
const sqlCheckTimeout = 10 * time.Second

func (e *Engine) runSQL(ctx context.Context, c *stateCheck) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, sqlCheckTimeout)
	defer cancel()
	s := c.def.sql
	db := e.stack.DB()
	prefix := e.stack.TablePrefix()
	var tables []string
	for _, q := range s.queries {
		for _, t := range q.tables {
			if !contains(tables, prefix+t) {
				tables = append(tables, prefix+t)
			}
		}
	}
	// Only queries over tables written since their last run are run
	// again: InnoDB keeps each table's last change to the second.
	var dbNow time.Time
	if err := db.QueryRowContext(ctx, "SELECT NOW()").Scan(&dbNow); err != nil {
		return nil, classifySQL(err)
	}
	args := make([]any, len(tables))
	marks := make([]string, len(tables))
	for i, t := range tables {
		args[i], marks[i] = t, "?"
	}
	changedAt := map[string]time.Time{}
	rs, err := db.QueryContext(ctx, "SELECT TABLE_NAME, UPDATE_TIME, CREATE_TIME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ("+strings.Join(marks, ",")+")", args...)
	if err != nil {
		return nil, classifySQL(err)
	}
	for rs.Next() {
		var name string
		var upd, crt sql.NullTime
		if err := rs.Scan(&name, &upd, &crt); err != nil {
			rs.Close()
			return nil, classifySQL(err)
		}
		t := crt.Time
		if upd.Valid && upd.Time.After(t) {
			t = upd.Time
		}
		changedAt[name] = t
	}
	rs.Close()

	c.mu.Lock()
	base, baseRows, haveBase := c.baseSet, c.baseRows, c.haveBase
	c.mu.Unlock()
	var matched []string
	labels := map[string]bool{}
	for i, q := range s.queries {
		c.mu.Lock()
		last, ran := c.sqlRuns[i]
		c.mu.Unlock()
		stale := !ran
		for _, t := range q.tables {
			if ct, ok := changedAt[prefix+t]; ok && !ct.Before(last.dbTime.Add(-time.Second)) {
				stale = true
			}
		}
		if stale {
			rows, ok, err := e.query(ctx, q)
			if err != nil {
				return nil, err
			}
			if !ok {
				rows = nil
			}
			run := sqlRun{dbTime: dbNow, rows: rows}
			for _, lv := range rows {
				if s.cond.sinceBaseline && haveBase && baseRows[rowKey(lv)] {
					continue
				}
				run.matched = append(run.matched, judgeRow(s.cond, lv, e.cfg.canaries)...)
			}
			c.mu.Lock()
			c.sqlRuns[i] = run
			c.mu.Unlock()
			last = run
		}
		matched = append(matched, last.matched...)
		for _, lv := range last.rows {
			labels[lv.label] = true
		}
	}
	if s.cond.differs {
		if !haveBase {
			// No Baseline yet: what is there now is the baseline.
			c.mu.Lock()
			c.baseSet, c.haveBase = labels, true
			c.mu.Unlock()
			return nil, nil
		}
		for l := range labels {
			if !base[l] {
				matched = append(matched, "added since baseline: "+l)
			}
		}
		for l := range base {
			if !labels[l] {
				matched = append(matched, "gone since baseline: "+l)
			}
		}
	}
	sort.Strings(matched)
	return matched, nil
}

// judgeRow applies a luhn_pan or pii condition to one row; what it
// returns names the row and what was found, never the values.
func judgeRow(cond sqlCondition, lv labelValue, canaries []string) []string {
	switch {
	case cond.luhn != nil:
		var out []string
		for _, p := range findPANs(lv.value, cond.luhn.min, cond.luhn.max) {
			out = append(out, fmt.Sprintf("%s: card number %s (%s)", lv.label, p.Masked(), p.brand))
		}
		return out
	case cond.pii != nil:
		p := cond.pii
		var cs []string
		if p.canaries {
			cs = canaries
		}
		n := countPII(lv.value, cs)
		if (p.minEmails > 0 && n.emails >= p.minEmails) || (p.minPhones > 0 && n.phones >= p.minPhones) || len(n.canaries) > 0 {
			s := fmt.Sprintf("%s: %d e-mail addresses, %d phone numbers", lv.label, n.emails, n.phones)
			if len(n.canaries) > 0 {
				s += fmt.Sprintf(", %d canary record(s)", len(n.canaries))
			}
			return []string{s}
		}
	}
	return nil
}
