package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// builtin is the shipped catalogue: one folder per scenario holding
// scenario.yaml and the artifacts its steps use.
//
//go:embed catalog
var builtin embed.FS

// Catalog is a set of scenarios by id.
type Catalog struct {
	list []*Scenario
	byID map[string]*Scenario
	// Overrides records every shipped scenario a user's file replaced.
	Overrides []Override
}

// Override says a user's file replaced a shipped scenario.
type Override struct {
	ID, File string
}

// Builtin loads the shipped catalogue.
func Builtin() (*Catalog, error) {
	return Load()
}

// Load loads the shipped catalogue, then each of dirs (files or folders)
// on top: a user's scenario with a shipped id replaces it, and says so.
func Load(dirs ...string) (*Catalog, error) {
	c := &Catalog{byID: map[string]*Scenario{}}
	sub, _ := fs.Sub(builtin, "catalog")
	shipped, probs := loadFS(sub, "scenarios/catalog", "builtin")
	for _, s := range shipped {
		c.add(s)
	}
	for _, d := range dirs {
		user, p := loadPath(d)
		probs = append(probs, p...)
		seen := map[string]string{}
		for _, s := range user {
			if first, dup := seen[s.ID]; dup {
				probs = append(probs, Problem{File: s.File, Msg: fmt.Sprintf("duplicate id %q (also in %s): give each scenario its own id", s.ID, first)})
				continue
			}
			seen[s.ID] = s.File
			if _, exists := c.byID[s.ID]; exists {
				c.Overrides = append(c.Overrides, Override{ID: s.ID, File: s.File})
			}
			c.add(s)
		}
	}
	if err := probs.errOrNil(); err != nil {
		return nil, fault.Input(err)
	}
	return c, nil
}

func (c *Catalog) add(s *Scenario) {
	if old, ok := c.byID[s.ID]; ok {
		for i, x := range c.list {
			if x == old {
				c.list[i] = s
			}
		}
	} else {
		c.list = append(c.list, s)
	}
	c.byID[s.ID] = s
	sort.Slice(c.list, func(i, j int) bool { return c.list[i].ID < c.list[j].ID })
}

// loadPath loads a scenario file, or every scenario under a folder (either
// <dir>/<name>/scenario.yaml with artifacts beside it, or <dir>/*.yaml).
func loadPath(p string) ([]*Scenario, Problems) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, Problems{{File: p, Msg: fmt.Sprintf("cannot read: %v", err)}}
	}
	if !st.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, Problems{{File: p, Msg: fmt.Sprintf("cannot read: %v", err)}}
		}
		s, err := Parse(p, data)
		if err != nil {
			return nil, err.(Problems)
		}
		s.Artifacts = os.DirFS(filepath.Dir(p))
		s.Source = filepath.Dir(p)
		return []*Scenario{s}, nil
	}
	return loadFS(os.DirFS(p), p, p)
}

func loadFS(fsys fs.FS, display, source string) ([]*Scenario, Problems) {
	var out []*Scenario
	var probs Problems
	byID := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		// Only scenario files: a folder's scenario.yaml, or YAML files at the
		// top; YAML inside artifact folders is an artifact.
		if path.Dir(p) != "." && path.Base(p) != "scenario.yaml" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := path.Join(display, p)
		s, perr := Parse(name, data)
		if perr != nil {
			probs = append(probs, perr.(Problems)...)
			return nil
		}
		if first, dup := byID[s.ID]; dup {
			probs = append(probs, Problem{File: name, Line: 1, Column: 1, Msg: fmt.Sprintf("duplicate id %q (also in %s): give each scenario its own id", s.ID, first)})
			return nil
		}
		byID[s.ID] = name
		s.Artifacts, _ = fs.Sub(fsys, path.Dir(p))
		s.Source = source
		out = append(out, s)
		return nil
	})
	if err != nil {
		probs = append(probs, Problem{File: display, Msg: err.Error()})
	}
	return out, probs
}

// All lists the scenarios by id.
func (c *Catalog) All() []*Scenario { return append([]*Scenario(nil), c.list...) }

// Get returns the scenario with id.
func (c *Catalog) Get(id string) (*Scenario, bool) {
	s, ok := c.byID[id]
	return s, ok
}

// Select returns the scenarios named by ids, in catalogue order; an unknown
// id is bad input that names the near miss.
func (c *Catalog) Select(ids []string) ([]*Scenario, error) {
	want := map[string]bool{}
	for _, id := range ids {
		if _, ok := c.byID[id]; !ok {
			return nil, fault.Input(fmt.Errorf("--scenario %s: no such scenario%s; `breachdrill scenarios list` shows them", id, suggest(id, sortedKeys(c.byID))))
		}
		want[id] = true
	}
	var out []*Scenario
	for _, s := range c.list {
		if want[s.ID] {
			out = append(out, s)
		}
	}
	return out, nil
}

// CheckRules reports every expect entry naming a rule hasRule does not
// know, at its position in the scenario file.
func (c *Catalog) CheckRules(list []*Scenario, hasRule func(string) bool, known []string) error {
	var probs Problems
	for _, s := range list {
		for _, e := range s.Expect {
			if !hasRule(e.Rule) {
				probs = append(probs, Problem{File: s.File, Line: e.Line, Column: e.Column,
					Msg: fmt.Sprintf("unknown rule id %q%s: expect names a rule of the pack (`breachdrill rules list`)", e.Rule, suggest(e.Rule, known))})
			}
		}
		for _, st := range s.AttackerSteps {
			for _, ev := range st.Evidence {
				if ev.Rule != "" && !hasRule(ev.Rule) {
					probs = append(probs, Problem{File: s.File, Line: ev.Line, Column: ev.Column,
						Msg: fmt.Sprintf("unknown rule id %q%s: attacker step evidence names a rule of the pack (`breachdrill rules list`)", ev.Rule, suggest(ev.Rule, known))})
				}
			}
		}
	}
	if err := probs.errOrNil(); err != nil {
		return fault.Input(err)
	}
	return nil
}

// Shard returns the k-th of n parts of list (k from 1): scenarios sorted by
// id, dealt round-robin. The same catalogue always gives the same parts, and
// the parts differ in size by at most one, so CI jobs take similar time.
func Shard(list []*Scenario, k, n int) ([]*Scenario, error) {
	if n < 1 || k < 1 || k > n {
		return nil, fault.Input(fmt.Errorf("--shard %d/%d: write K/N with 1 ≤ K ≤ N, like 2/4", k, n))
	}
	sorted := append([]*Scenario(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var out []*Scenario
	for i, s := range sorted {
		if i%n == k-1 {
			out = append(out, s)
		}
	}
	return out, nil
}

// BuiltinFS is the shipped catalogue: one folder per scenario with its
// scenario.yaml and artifacts.
func BuiltinFS() fs.FS {
	sub, _ := fs.Sub(builtin, "catalog")
	return sub
}

// BuiltinFile returns a shipped scenario's file as shipped, for the
// evidence bundle.
func BuiltinFile(id string) ([]byte, error) {
	return builtin.ReadFile("catalog/" + id + "/scenario.yaml")
}
