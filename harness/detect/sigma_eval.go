package detect

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyjkemp/sigma-go/evaluator"
)

// evalKey carries the event being evaluated to the count implementation,
// which sigma-go calls with only the group's values.
type evalKey struct{}

type evalState struct {
	ev    *Event
	group *countGroup
}

// match evaluates ev. For a match it returns the events that make it up:
// ev itself, or for a count rule the group's recent events.
func (c *compiledSigma) match(ctx context.Context, ev *Event) (bool, []string, error) {
	if !c.rule.gate.pass(ev.Fields) {
		return false, nil, nil
	}
	return c.matchUngated(ctx, ev)
}

// matchUngated evaluates ev with sigma-go, gate or not.
func (c *compiledSigma) matchUngated(ctx context.Context, ev *Event) (bool, []string, error) {
	for _, cf := range c.rule.computed {
		ev.Fields[cf.key] = strconv.FormatBool(cf.eval(ev.Fields))
	}
	fields := c.comparable(ev.Fields)
	if c.counter == nil {
		res, err := c.eval.Matches(ctx, fields)
		if err != nil || !res.Match {
			return false, nil, err
		}
		return true, []string{ev.Text()}, nil
	}
	st := &evalState{ev: ev}
	res, err := c.eval.Matches(context.WithValue(ctx, evalKey{}, st), fields)
	if err != nil || !res.Match {
		return false, nil, err
	}
	var matched []string
	if st.group != nil {
		matched = c.counter.recent(st.group)
	}
	if len(matched) == 0 {
		matched = []string{ev.Text()}
	}
	return true, matched, nil
}

// notNumber stands in for a numerically compared field the event lacks.
const notNumber = "absent"

// comparable returns fields, or a copy where each field the rule compares
// as a number and the event lacks (or leaves empty) reads notNumber:
// sigma-go panics comparing a missing or empty value with gt/gte/lt/lte,
// while a value that is not a number simply does not match.
func (c *compiledSigma) comparable(fields map[string]string) map[string]string {
	var out map[string]string
	for _, f := range c.numeric {
		if fields[f] != "" {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(fields)+len(c.numeric))
			for k, v := range fields {
				out[k] = v
			}
		}
		out[f] = notNumber
	}
	if out == nil {
		return fields
	}
	return out
}

// windowCounter is sigma-go's count() over a sliding window of event
// time, grouped by the real (possibly dashed) field.
type windowCounter struct {
	window     time.Duration
	groupBy    map[int]string
	countField map[int]string // count(field): distinct values of field

	mu      sync.Mutex
	groups  map[string]*countGroup
	inserts int
}

type countGroup struct {
	hits []countHit // within the window, oldest first
	last time.Time
}

type countHit struct {
	at    time.Time
	text  string
	value string // of the count(field) field
}

const (
	maxCountedPerGroup = 10000
	recentPerGroup     = 5
)

func newWindowCounter(window time.Duration, groupBy, countField map[int]string) *windowCounter {
	return &windowCounter{window: window, groupBy: groupBy, countField: countField, groups: map[string]*countGroup{}}
}

func (c *windowCounter) count(ctx context.Context, gb evaluator.GroupedByValues) (float64, error) {
	st, _ := ctx.Value(evalKey{}).(*evalState)
	if st == nil {
		return 0, errors.New("count() evaluated outside the engine")
	}
	val := ""
	if f := c.groupBy[gb.ConditionID]; f != "" {
		val = st.ev.Fields[f]
	}
	key := strconv.Itoa(gb.ConditionID) + "\x00" + val
	t := st.ev.Time

	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[key]
	if g == nil {
		g = &countGroup{}
		c.groups[key] = g
	}
	cut := t.Add(-c.window)
	kept := g.hits[:0]
	for _, h := range g.hits {
		if h.at.After(cut) {
			kept = append(kept, h)
		}
	}
	distinct := c.countField[gb.ConditionID]
	g.hits = append(kept, countHit{at: t, text: st.ev.Text(), value: st.ev.Fields[distinct]})
	if len(g.hits) > maxCountedPerGroup {
		g.hits = g.hits[len(g.hits)-maxCountedPerGroup:]
	}
	if t.After(g.last) {
		g.last = t
	}
	st.group = g

	// Forget groups that went quiet, or a long run of distinct client
	// addresses grows the map without bound.
	c.inserts++
	if c.inserts%1024 == 0 {
		for k, og := range c.groups {
			if og != g && og.last.Before(cut) {
				delete(c.groups, k)
			}
		}
	}
	if distinct != "" {
		seen := map[string]bool{}
		for _, h := range g.hits {
			seen[h.value] = true
		}
		return float64(len(seen)), nil
	}
	return float64(len(g.hits)), nil
}

// recent is the group's latest events, the ones an alert shows.
func (c *windowCounter) recent(g *countGroup) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	hits := g.hits[max(0, len(g.hits)-recentPerGroup):]
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.text
	}
	return out
}

// parseDuration accepts Go durations and Sigma's day suffix (7d).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}
