package detect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
	"github.com/breachdrill/breachdrill/internal/fault"
)

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
			// A file that was there when it was last asked for (and may
			// have matched) and is gone now is asked for again.
			fresh = ok && memo.stamp == "unseen" && now.Sub(memo.at) < h.unseenEvery
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
		why = append(why, "new since baseline: "+clip.String(strings.Join(fresh, ", "), 200))
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
