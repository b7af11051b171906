package detect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/go-sql-driver/mysql"
)

// stateCheck is a check with what it remembers between runs.
type stateCheck struct {
	info RuleInfo
	def  *check
	due  time.Time
	busy atomic.Bool

	fails int // consecutive infrastructure failures; touched only by the running check

	mu        sync.Mutex
	probes    map[string]probeMemo // http: path → last probe
	listed    []string             // http: files found in directory listings
	listedAt  time.Time
	baseSet   map[string]bool // http new_since_baseline, sql differs_from_baseline
	baseRows  map[string]bool // sql since_baseline: label+value hashes at Baseline
	haveBase  bool
	sqlRuns   map[int]sqlRun // sql: query index → last run
	cfgStamp  string         // config: the file's stamp when last read
	cfgResult []string
	cfgRead   time.Time
}

type probeMemo struct {
	stamp   string
	at      time.Time
	matched string
}

type sqlRun struct {
	dbTime  time.Time
	matched []string
	rows    []labelValue
}

type labelValue struct{ label, value string }

func newStateCheck(info RuleInfo, def *check) *stateCheck {
	return &stateCheck{info: info, def: def, probes: map[string]probeMemo{}, sqlRuns: map[int]sqlRun{}}
}

// readsFiles reports whether the check depends on the docroot's files,
// so that a change file integrity saw runs it at once.
func (c *stateCheck) readsFiles() bool {
	switch {
	case c.def.config != nil, c.def.file != nil:
		return true
	case c.def.http != nil:
		return len(c.def.http.files) > 0 || c.def.http.discover != nil
	}
	return false
}

// forget drops memoised results, so the next run looks afresh.
func (c *stateCheck) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.probes = map[string]probeMemo{}
	c.sqlRuns = map[int]sqlRun{}
	c.cfgStamp, c.cfgResult = "", nil
}

// runChecks runs every due check each interval; a check still running
// from the last tick is skipped, not queued.
func (e *Engine) runChecks(ctx context.Context) {
	if len(e.checks) == 0 {
		return
	}
	t := time.NewTicker(min(e.cfg.interval, 250*time.Millisecond))
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	run := func(force func(*stateCheck) bool) {
		now := time.Now()
		for _, c := range e.checks {
			if !force(c) && now.Before(c.due) {
				continue
			}
			if !c.busy.CompareAndSwap(false, true) {
				continue
			}
			iv := c.def.interval
			if iv == 0 {
				iv = e.cfg.interval
			}
			c.due = now.Add(iv)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.busy.Store(false)
				e.runCheck(ctx, c)
			}()
		}
	}
	all := func(*stateCheck) bool { return true }
	none := func(*stateCheck) bool { return false }
	run(all)
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
			run(all)
		case <-e.touched:
			run((*stateCheck).readsFiles)
		case <-t.C:
			run(none)
		}
	}
}

func (e *Engine) runCheck(ctx context.Context, c *stateCheck) {
	var matched []string
	var err error
	switch c.def.kind {
	case KindHTTP:
		matched, err = e.runHTTP(ctx, c)
	case KindSQL:
		matched, err = e.runSQL(ctx, c)
	case KindConfig:
		matched, err = e.runConfig(ctx, c)
	case KindFile:
		matched, err = e.runFile(ctx, c)
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		if !fault.IsInfra(err) {
			e.ruleError(c.info.ID, err)
			return
		}
		c.fails++
		if c.fails == 3 {
			e.report(fmt.Errorf("detect: state check %s keeps failing: %w", c.info.ID, err))
		}
		return
	}
	c.fails = 0
	if len(matched) > 0 {
		if len(matched) > 10 {
			matched = append(matched[:10:10], fmt.Sprintf("… and %d more", len(matched)-10))
		}
		e.emit(c.info, SourceState, time.Now(), false, matched)
	}
}

// baseline records what a check compares with later.
func (c *stateCheck) baseline(ctx context.Context, e *Engine) error {
	switch {
	case c.def.http != nil && c.def.http.cond.newSet != nil:
		set := map[string]bool{}
		for _, p := range c.def.http.paths {
			status, body, err := e.probe(ctx, p)
			if err != nil {
				return err
			}
			if statusIn(status, c.def.http.cond.status) {
				for _, m := range c.def.http.cond.newSet.FindAllSubmatch(body, -1) {
					set[string(m[1])] = true
				}
			}
		}
		c.mu.Lock()
		c.baseSet, c.haveBase = set, true
		c.mu.Unlock()
	case c.def.sql != nil && (c.def.sql.cond.differs || c.def.sql.cond.sinceBaseline):
		set, rows := map[string]bool{}, map[string]bool{}
		for _, q := range c.def.sql.queries {
			out, ok, err := e.query(ctx, q)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			for _, lv := range out {
				set[lv.label] = true
				rows[rowKey(lv)] = true
			}
		}
		c.mu.Lock()
		c.baseSet, c.baseRows, c.haveBase = set, rows, true
		c.mu.Unlock()
	}
	c.forget()
	return nil
}

func rowKey(lv labelValue) string {
	h := sha256.Sum256([]byte(lv.value))
	return lv.label + "\x00" + string(h[:])
}

// ---- HTTP ------------------------------------------------------------------

// maxProbeBody is how much of a response a probe reads: enough to tell a
// dump or a log, never a whole dump.
const maxProbeBody = 64 << 10

// probe requests a path as an outsider, marked with the engine's
// User-Agent. Transport failures are infrastructure faults.
func (e *Engine) probe(ctx context.Context, p string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.stack.URL()+p, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("probe %s: %w", p, err)
	}
	req.Header.Set("User-Agent", e.ProbeUserAgent())
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, fault.Infra(fmt.Errorf("probe %s: %w", p, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	if err != nil {
		return 0, nil, fault.Infra(fmt.Errorf("probe %s: %w", p, err))
	}
	return resp.StatusCode, body, nil
}

// recheck is how long a probe's answer for an unchanged file is trusted.
const recheck = 30 * time.Second

func (e *Engine) runHTTP(ctx context.Context, c *stateCheck) ([]string, error) {
	h := c.def.http
	files := e.fim.snapshot()
	now := time.Now()
	type target struct{ path, stamp string }
	var targets []target
	for _, p := range h.paths {
		targets = append(targets, target{path: p, stamp: "always"})
	}
	for _, p := range h.files {
		if ent, ok := files[strings.TrimPrefix(p, "/")]; ok {
			targets = append(targets, target{p, ent.stamp})
		} else if h.unseenEvery > 0 {
			targets = append(targets, target{p, "unseen"})
		}
	}
	if h.discover != nil {
		found := map[string]string{}
		for name, ent := range files {
			if h.discover.matches(name) {
				found[name] = ent.stamp
			}
		}
		for _, l := range e.listed(ctx, c) {
			if _, ok := found[l]; !ok && h.discover.matches(l) {
				found[l] = "listed"
			}
		}
		for name, stamp := range found {
			p := "/" + name
			if h.discover.dirs {
				p = "/" + path.Dir(name) + "/"
				if path.Dir(name) == "." {
					p = "/"
				}
			}
			targets = append(targets, target{p, stamp})
		}
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].path < targets[j].path })

	var matched []string
	seen := map[string]bool{}
	for _, t := range targets {
		if seen[t.path] {
			continue
		}
		seen[t.path] = true
		c.mu.Lock()
		memo, ok := c.probes[t.path]
		c.mu.Unlock()
		fresh := ok && now.Sub(memo.at) < recheck && memo.stamp == t.stamp && t.stamp != "always"
		if t.stamp == "unseen" {
			fresh = ok && now.Sub(memo.at) < h.unseenEvery
		}
		if fresh {
			if memo.matched != "" {
				matched = append(matched, memo.matched)
			}
			continue
		}
		status, body, err := e.probe(ctx, t.path)
		if err != nil {
			return nil, err
		}
		m := c.judge(t.path, status, body)
		c.mu.Lock()
		c.probes[t.path] = probeMemo{stamp: t.stamp, at: now, matched: m}
		c.mu.Unlock()
		if m != "" {
			matched = append(matched, m)
		}
	}
	return matched, nil
}

// judge decides whether a response is an exposure and says why, without
// any of the body: a debug log or a dump is exactly what must not be
// copied into evidence.
func (c *stateCheck) judge(p string, status int, body []byte) string {
	cond := c.def.http.cond
	if !statusIn(status, cond.status) {
		return ""
	}
	var why []string
	for _, m := range cond.bodyAll {
		if !m.match(body) {
			return ""
		}
		why = append(why, m.String())
	}
	if len(cond.bodyAny) > 0 {
		hit := ""
		for _, m := range cond.bodyAny {
			if m.match(body) {
				hit = m.String()
				break
			}
		}
		if hit == "" {
			return ""
		}
		why = append(why, hit)
	}
	if cond.newSet != nil {
		c.mu.Lock()
		base, have := c.baseSet, c.haveBase
		c.mu.Unlock()
		var fresh []string
		for _, m := range cond.newSet.FindAllSubmatch(body, -1) {
			if v := string(m[1]); have && !base[v] && !contains(fresh, v) {
				fresh = append(fresh, v)
			}
		}
		if len(fresh) == 0 {
			return ""
		}
		why = append(why, "new since baseline: "+clip(strings.Join(fresh, ", "), 200))
	}
	s := fmt.Sprintf("GET %s → %d (%d bytes read)", p, status, len(body))
	if len(why) > 0 {
		s += ": " + strings.Join(why, "; ")
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func statusIn(s int, want []int) bool {
	for _, w := range want {
		if s == w {
			return true
		}
	}
	return false
}

func (m bodyMatcher) match(body []byte) bool {
	if m.re != nil {
		return m.re.Match(body)
	}
	switch m.magic {
	case "gzip":
		return bytes.HasPrefix(body, []byte{0x1f, 0x8b})
	case "zip":
		return bytes.HasPrefix(body, []byte("PK\x03\x04"))
	case "7z":
		return bytes.HasPrefix(body, []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c})
	case "bzip2":
		return bytes.HasPrefix(body, []byte("BZh"))
	case "xz":
		return bytes.HasPrefix(body, []byte{0xfd, '7', 'z', 'X', 'Z', 0})
	case "tar":
		return len(body) > 262 && bytes.Equal(body[257:262], []byte("ustar"))
	case "sql":
		return sqlDump.Match(body)
	}
	return false
}

var sqlDump = regexp.MustCompile(`(?i)(-- (MySQL|MariaDB) dump|^\s*(CREATE TABLE|INSERT INTO)\b)`)

func (m bodyMatcher) String() string {
	if m.re != nil {
		return "body matches /" + m.re.String() + "/"
	}
	return m.magic + " content"
}

// matches reports whether a docroot path is something discover looks for.
// PHP files are never probed: the server runs them rather than serving
// their source, and running arbitrary ones is not a probe's business.
func (d *discoverSpec) matches(name string) bool {
	lower := strings.ToLower(name)
	for _, x := range []string{".php", ".phtml", ".phar"} {
		if strings.HasSuffix(lower, x) {
			return false
		}
	}
	for _, x := range d.extensions {
		if strings.HasSuffix(lower, x) {
			return true
		}
	}
	base := path.Base(name)
	for _, g := range d.names {
		if ok, _ := path.Match(g, base); ok {
			return true
		}
	}
	return false
}

var hrefPattern = regexp.MustCompile(`(?i)href="([^"?#]+)"`)

// listed crawls the check's directory listings (Apache's autoindex, as an
// attacker sees it) every few seconds and returns the files they show.
func (e *Engine) listed(ctx context.Context, c *stateCheck) []string {
	h := c.def.http
	c.mu.Lock()
	if time.Since(c.listedAt) < 10*time.Second || len(h.discover.listings) == 0 {
		out := c.listed
		c.mu.Unlock()
		return out
	}
	c.mu.Unlock()
	var out []string
	budget := 200
	var crawl func(dir string, depth int)
	crawl = func(dir string, depth int) {
		if depth > 3 || budget <= 0 {
			return
		}
		budget--
		status, body, err := e.probe(ctx, dir)
		if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte("Index of")) {
			return
		}
		for _, m := range hrefPattern.FindAllSubmatch(body, -1) {
			ref := string(m[1])
			if strings.HasPrefix(ref, "/") || strings.Contains(ref, "://") || strings.HasPrefix(ref, "..") {
				continue
			}
			full := dir + ref
			if strings.HasSuffix(ref, "/") {
				crawl(full, depth+1)
			} else {
				out = append(out, strings.TrimPrefix(full, "/"))
			}
		}
	}
	for _, l := range h.discover.listings {
		if !strings.HasSuffix(l, "/") {
			l += "/"
		}
		crawl(l, 0)
	}
	c.mu.Lock()
	c.listed, c.listedAt = out, time.Now()
	c.mu.Unlock()
	return out
}

// ---- SQL -------------------------------------------------------------------

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

func (e *Engine) runSQL(ctx context.Context, c *stateCheck) ([]string, error) {
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

// ---- config ----------------------------------------------------------------

func (e *Engine) runConfig(ctx context.Context, c *stateCheck) ([]string, error) {
	cc := c.def.config
	ent, exists := e.fim.snapshot()[cc.file]
	stamp := "missing"
	if exists {
		stamp = ent.stamp
	}
	c.mu.Lock()
	if c.cfgStamp == stamp && time.Since(c.cfgRead) < recheck {
		out := c.cfgResult
		c.mu.Unlock()
		return out, nil
	}
	c.mu.Unlock()
	var consts map[string]string
	if exists {
		data, err := e.stack.ReadFile(ctx, cc.file)
		switch {
		case errors.Is(err, containers.ErrNotExist):
		case err != nil && fault.IsInput(err):
			return nil, err
		case err != nil:
			return nil, fault.Infra(err)
		default:
			consts = phpConstants(string(data))
		}
	}
	var out []string
	if cc.satisfied(consts) {
		var parts []string
		for _, k := range append(append([]constCond(nil), cc.all...), cc.any...) {
			v, ok := consts[k.name]
			switch {
			case ok && isPlainPHPValue(v):
				parts = append(parts, k.name+" = "+v)
			case ok:
				parts = append(parts, k.name+" = (string)")
			case k.def != nil:
				parts = append(parts, k.name+" not defined (defaults to "+*k.def+")")
			}
		}
		out = []string{cc.file + ": " + strings.Join(parts, ", ")}
	}
	c.mu.Lock()
	c.cfgStamp, c.cfgResult, c.cfgRead = stamp, out, time.Now()
	c.mu.Unlock()
	return out, nil
}

func isPlainPHPValue(v string) bool {
	if v == "true" || v == "false" {
		return true
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

func (cc *configCheck) satisfied(consts map[string]string) bool {
	holds := func(k constCond) bool {
		v, ok := consts[k.name]
		if !ok {
			if k.def == nil {
				return false
			}
			v = *k.def
		}
		return v == k.is
	}
	for _, k := range cc.all {
		if !holds(k) {
			return false
		}
	}
	if len(cc.any) == 0 {
		return len(cc.all) > 0
	}
	for _, k := range cc.any {
		if holds(k) {
			return true
		}
	}
	return false
}

var phpDefine = regexp.MustCompile(`(?is)\bdefine\s*\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)['"]\s*,\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.+-]+)\s*\)`)

// phpConstants reads the define() calls of a PHP file, comments removed,
// the first definition of each name winning as in PHP. Values are
// normalised like normaliseYAMLValue: true, false, a number, or a quoted
// string.
func phpConstants(src string) map[string]string {
	src = stripPHPComments(src)
	out := map[string]string{}
	for _, m := range phpDefine.FindAllStringSubmatch(src, -1) {
		name, raw := m[2], m[3]
		if _, dup := out[name]; dup {
			continue
		}
		out[name] = phpValue(raw)
	}
	return out
}

func phpValue(raw string) string {
	switch strings.ToLower(raw) {
	case "true":
		return "true"
	case "false":
		return "false"
	}
	if f, err := strconv.ParseFloat(raw, 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if len(raw) >= 2 && (raw[0] == '\'' || raw[0] == '"') {
		return "'" + raw[1:len(raw)-1] + "'"
	}
	return raw
}

// stripPHPComments removes //, # and /* */ comments, leaving strings alone.
func stripPHPComments(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				j = len(src) - 1
			}
			b.WriteString(src[i : j+1])
			i = j
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		case c == '#' || (c == '/' && i+1 < len(src) && src[i+1] == '/'):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				return b.String()
			}
			i += end - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ---- files -----------------------------------------------------------------

func (e *Engine) runFile(ctx context.Context, c *stateCheck) ([]string, error) {
	fc := c.def.file
	files := e.fim.snapshot()
	var names []string
	for name := range files {
		if fc.matches(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		ent := files[name]
		if fc.content != nil {
			data, err := e.stack.ReadFile(ctx, name)
			if errors.Is(err, containers.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fault.Infra(err)
			}
			if !fc.content.Match(data) {
				continue
			}
		}
		out = append(out, fmt.Sprintf("%s (%d bytes, owner %s)", name, ent.size, ent.owner))
	}
	return out, nil
}

func (fc *fileCheck) matches(name string) bool {
	for _, x := range fc.exclude {
		if matchGlob(x, name) {
			return false
		}
	}
	for _, g := range fc.globs {
		if matchGlob(g, name) {
			return true
		}
	}
	return false
}
