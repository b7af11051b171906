package detect

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
)

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
