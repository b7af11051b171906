package detect

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
)

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
