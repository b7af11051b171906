package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The event corpus: testdata/events/<source>.yaml holds, for every Sigma
// rule of the pack (correlations too), log lines from the rule's own source
// that must raise it (match) and near misses that must not (miss), in the
// form the stack writes them. Each entry is one or more lines, fed in order
// to a fresh engine: a rule that counts (count() by ..., correlations) gets
// its whole sequence in one entry.
//
//	source: db-audit
//	rules:
//	  db-into-outfile:
//	    match:
//	      - "20261130 04:13:50,040fb42685a6,wordpress,172.23.0.3,47,5030,QUERY,wordpress,'SELECT ... INTO OUTFILE ...',1227"
//	    miss:
//	      - ...
//
// Access-log lines feed the graphql source too (the engine analyses the
// bodies of GraphQL requests). FIM entries are one change per line, since
// the watcher's events come from comparing file lists, not from a log:
//
//	created wp-content/uploads/2026/11/thumb.php size=26 owner=www-data
//	modified wp-config.php size=3301 previous_size=3250 owner=www-data
const corpusDir = "testdata/events"

type corpusFile struct {
	Source Source                 `yaml:"source"`
	Rules  map[string]corpusRules `yaml:"rules"`
}

type corpusRules struct {
	Match []string `yaml:"match"`
	Miss  []string `yaml:"miss"`
}

// corpusEntry is one rule's events, with the file they came from.
type corpusEntry struct {
	file   string
	source Source
	corpusRules
}

func loadCorpus(t testing.TB) map[string]corpusEntry {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no event corpus in %s", corpusDir)
	out := map[string]corpusEntry{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var cf corpusFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		require.NoError(t, dec.Decode(&cf), "%s does not parse", f)
		require.NotEmpty(t, cf.Source, "%s names no source:", f)
		for id, r := range cf.Rules {
			prev, dup := out[id]
			require.False(t, dup, "rule %s has events in both %s and %s: keep them in one file", id, prev.file, f)
			out[id] = corpusEntry{file: f, source: cf.Source, corpusRules: r}
		}
	}
	return out
}

// ruleSource is the source a Sigma or correlation rule reads ("" for a
// state check or a rule that is not applicable).
func ruleSource(p *Pack, id string) Source {
	r := p.rules[id]
	switch {
	case r == nil || r.info.NotApplicable != "":
		return ""
	case r.sigma != nil:
		return r.sigma.source
	case r.corr != nil && len(r.corr.bases) > 0:
		return ruleSource(p, r.corr.bases[0])
	}
	return ""
}

// TestCorpusCoversEveryRule fails for every Sigma rule of the shipped pack
// (and every one added later) that has no event that raises it, or none
// that comes close without raising it, from its own source.
func TestCorpusCoversEveryRule(t *testing.T) {
	pack := shippedPack(t)
	corpus := loadCorpus(t)
	for _, id := range pack.IDs() {
		src := ruleSource(pack, id)
		if src == "" {
			continue
		}
		c, ok := corpus[id]
		where := filepath.Join("harness/detect", corpusDir, string(src)+".yaml")
		if !assert.True(t, ok, "rule %s (source %s) has no events: add `%s: {match: [...], miss: [...]}` under rules: in %s", id, src, id, where) {
			continue
		}
		assert.Equal(t, src, c.source, "rule %s reads the %s source but its events are in %s (source %s): move them to %s", id, src, c.file, c.source, where)
		assert.NotEmpty(t, c.Match, "rule %s has no positive event: add a line from the %s source that raises it under %s: match: in %s", id, src, id, c.file)
		assert.NotEmpty(t, c.Miss, "rule %s has no negative event: add a near-miss line from the %s source under %s: miss: in %s", id, src, id, c.file)
	}
	for id, c := range corpus {
		_, ok := pack.Rule(id)
		assert.True(t, ok, "%s has events for rule %s, which is not in the pack", c.file, id)
	}
}

// TestCorpus feeds every entry through the engine's own parsing of its
// source and checks the rule fires on each positive and not on any
// negative.
func TestCorpus(t *testing.T) {
	pack := shippedPack(t)
	corpus := loadCorpus(t)
	ids := make([]string, 0, len(corpus))
	for id := range corpus {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := corpus[id]
		if _, ok := pack.Rule(id); !ok {
			continue // TestCorpusCoversEveryRule says so
		}
		t.Run(id, func(t *testing.T) {
			for i, entry := range c.Match {
				fired := fireCorpus(t, pack, c.source, entry, true)
				assert.True(t, fired[id], "%s match #%d (%s): want %s to fire; fired %v on\n%s", c.file, i+1, c.source, id, keys(fired), entry)
			}
			for i, entry := range c.Miss {
				fired := fireCorpus(t, pack, c.source, entry, true)
				assert.False(t, fired[id], "%s miss #%d (%s): want %s quiet; it fired on\n%s", c.file, i+1, c.source, id, entry)
			}
		})
	}
}

// TestGateSoundOnCorpus: over every corpus entry, the rules that fire with
// their gates are exactly those that fire without (the gate only skips
// events sigma-go would not match).
func TestGateSoundOnCorpus(t *testing.T) {
	gated, ungated := shippedPack(t), shippedPack(t)
	corpus := loadCorpus(t)
	for id, c := range corpus {
		for i, entry := range append(append([]string(nil), c.Match...), c.Miss...) {
			want := fireCorpus(t, ungated, c.source, entry, false)
			got := fireCorpus(t, gated, c.source, entry, true)
			assert.Equal(t, keys(want), keys(got), "%s, %s entry #%d: rules fired with gates differ from those without", c.file, id, i+1)
		}
	}
}

// fireCorpus feeds one entry to a fresh engine over pack and returns the
// rules that matched (every match, silent correlation bases included) or
// alerted.
func fireCorpus(t testing.TB, pack *Pack, src Source, entry string, gates bool) map[string]bool {
	t.Helper()
	fired := map[string]bool{}
	var matched []string
	tl := timeline.New()
	e := New(nil, pack, tl, WithOnMatch(func(m Match) { matched = append(matched, m.Rule.ID) }))
	if !gates {
		for _, cs := range e.sources {
			for _, c := range cs {
				g := *c.rule
				g.gate = gate{}
				c.rule = &g
			}
		}
	}
	ctx := context.Background()
	for _, line := range strings.Split(strings.TrimRight(entry, "\n"), "\n") {
		requireWellFormed(t, src, line)
		switch src {
		case SourceFIM:
			e.evaluate(ctx, corpusFIMEvent(t, line), false)
		case SourceGraphQL:
			e.handleLine(ctx, feedOf(t, SourceAccess), []byte(line))
		default:
			e.handleLine(ctx, feedOf(t, src), []byte(line))
		}
	}
	for _, id := range matched {
		fired[id] = true
	}
	for _, ev := range tl.Events() {
		var a timeline.Alert
		if ev.Kind == timeline.KindAlert && ev.Decode(&a) == nil {
			fired[a.Rule] = true
		}
	}
	return fired
}

// requireWellFormed fails on a line its source's parser does not take
// whole: the engine would still see it (as raw text), but a negative that
// passes only because it was mangled proves nothing.
func requireWellFormed(t testing.TB, src Source, line string) {
	t.Helper()
	var err error
	switch src {
	case SourceAccess, SourceGraphQL:
		_, err = containers.ParseAccessRecord([]byte(line))
	case SourceAudit:
		_, err = auditEvent([]byte(line))
	case SourceDBAudit:
		_, err = dbAuditEvent(line)
	case SourceWAF:
		_, err = wafEvent([]byte(line))
	case SourcePHPError:
		if !phpLine.MatchString(line) {
			err = fmt.Errorf("not PHP's error_log format")
		}
	}
	require.NoError(t, err, "corpus line for %s is not what the stack writes: %s", src, line)
}

// feedOf is the log the engine follows for src.
func feedOf(t testing.TB, src Source) logSource {
	t.Helper()
	for _, s := range logSources {
		if s.source == src {
			return s
		}
	}
	require.Failf(t, "no feed", "the engine follows no log for source %s: teach fireCorpus how its events arrive", src)
	return logSource{}
}

// corpusFIMEvent builds the event file integrity raises for one change:
// "ACTION PATH [size=N] [previous_size=N] [owner=NAME]".
func corpusFIMEvent(t testing.TB, line string) *Event {
	t.Helper()
	parts := strings.Fields(line)
	require.GreaterOrEqual(t, len(parts), 2, "FIM entry %q: want ACTION PATH [key=value ...]", line)
	action, rel := parts[0], parts[1]
	require.Contains(t, []string{actionCreated, actionModified, actionDeleted, actionRestored}, action, "FIM entry %q: unknown action", line)
	cur, prev := fileEntry{owner: "www-data"}, fileEntry{owner: "www-data"}
	for _, kv := range parts[2:] {
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, "FIM entry %q: %q is not key=value", line, kv)
		switch k {
		case "size", "previous_size":
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err, "FIM entry %q: %s", line, k)
			if k == "size" {
				cur.size = n
			} else {
				prev.size, prev.stamp = n, "listed"
			}
		case "owner":
			cur.owner, prev.owner = v, v
		default:
			require.Failf(t, "bad FIM entry", "%q: unknown key %q (size, previous_size, owner)", line, k)
		}
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	cur.hash = sum(fmt.Sprintf("%s/%d", rel, cur.size))
	if prev.stamp != "" {
		prev.hash = sum(fmt.Sprintf("%s/%d/before", rel, prev.size))
	}
	if action == actionDeleted {
		cur, prev = fileEntry{}, fileEntry{size: cur.size, stamp: "listed", owner: cur.owner, hash: cur.hash}
	}
	return fimEvent(time.Date(2026, 11, 30, 4, 13, 0, 0, time.UTC), action, rel, cur, prev)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestCorpusCorrelation: the corpus machinery raises a correlation rule
// (the shipped pack has none yet; one added later must come with events)
// on a sequence of lines, and not on a sequence one short.
func TestCorpusCorrelation(t *testing.T) {
	pack := shippedPack(t)
	src, err := os.ReadFile("testdata/community/web_login_bruteforce_correlation.yml")
	require.NoError(t, err)
	mine, err := LoadPack(fstest.MapFS{"web_login_bruteforce_correlation.yml": {Data: src}})
	require.NoError(t, err)
	pack.Override(mine)
	var corr string
	for _, id := range mine.IDs() {
		if mine.rules[id].corr != nil {
			corr = id
		}
	}
	require.NotEmpty(t, corr, "the community file holds a correlation rule")
	require.Equal(t, SourceAccess, ruleSource(pack, corr), "a correlation reads its base rules' source")
	failed := `{"time":"2026-11-30T04:13:1%d.016502+0000","client_ip":"172.23.0.1","method":"POST","path":"/wp-login.php","query":"","request":"POST /wp-login.php HTTP/1.1","protocol":"HTTP/1.1","status":200,"bytes_out":5634,"bytes_in":250,"duration_us":1116598,"host":"127.0.0.1:32779","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0","referer":"-","content_type":"application/x-www-form-urlencoded","user":"-","body":"-"}`
	lines := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, failed+"\n", i)
		}
		return b.String()
	}
	assert.True(t, fireCorpus(t, pack, SourceAccess, lines(3), true)[corr], "three failed logins from one address must raise %s", corr)
	assert.False(t, fireCorpus(t, pack, SourceAccess, lines(2), true)[corr], "two failed logins must not raise %s", corr)
}
