package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect/graphql"
	"github.com/breachdrill/breachdrill/internal/fault"
	"go.yaml.in/yaml/v3"
)

// Rule kinds.
const (
	KindSigma  = "sigma"  // a Sigma rule over a log or file-event stream
	KindHTTP   = "http"   // a state check probing the shop from outside
	KindSQL    = "sql"    // a state check querying the shop's database
	KindConfig = "config" // a state check reading wp-config.php
	KindFile   = "file"   // a state check over the docroot's file list
)

// RuleInfo is what a report or a scenario file needs to know about a rule.
type RuleInfo struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Severity    string        `json:"severity"`
	Source      Source        `json:"source"` // for state checks: state
	Kind        string        `json:"kind"`
	File        string        `json:"file"`
	Description string        `json:"description,omitempty"`
	Tags        []string      `json:"tags,omitempty"`
	Interval    time.Duration `json:"interval_ns,omitempty"` // state checks with their own interval
	// SigmaID is a Sigma rule's own id: (a UUID in community rules); ID
	// is its name: or, when it has none, derived from the file name.
	SigmaID string `json:"sigma_id,omitempty"`
	// Correlation is a Sigma 2.0 correlation's type (event_count,
	// value_count, temporal, temporal_ordered) and Rules what it
	// correlates, as pack ids.
	Correlation string   `json:"correlation,omitempty"`
	Rules       []string `json:"rules,omitempty"`
	// NotApplicable says why the stack cannot produce the events this
	// rule reads (a forward proxy's log, Windows events): the rule is
	// loaded and listed but never evaluated.
	NotApplicable string `json:"not_applicable,omitempty"`

	naLine, naColumn int // where NotApplicable was decided, for --strict
	line, column     int // where the rule's document starts
}

// packRule is one rule and the file it came from.
type packRule struct {
	info  RuleInfo
	sum   [32]byte // SHA-256 of the file (and document index, for files of several)
	sigma *sigmaRule
	check *check
	corr  *correlationRule
}

// Pack is a loaded, validated rule pack: Sigma rules, state checks and
// the GraphQL schema that marks personal-data fields. It is read-only once
// engines use it.
type Pack struct {
	rules     map[string]*packRule
	schema    *graphql.Schema
	schemaSum [32]byte
	schemaSrc string
}

// LoadPack reads every rule under fsys: *.yml and *.yaml files (Sigma
// rules when they have a detection, state checks when they have a kind)
// and at most one *.graphql schema. Every problem is reported, each at its
// file:line:column, in one error marked as bad input.
func LoadPack(fsys fs.FS, opts ...LoadOption) (*Pack, error) {
	return loadPack(fsys, "", opts)
}

// LoadOption tunes LoadPack and LoadDir.
type LoadOption func(*loadConfig)

type loadConfig struct {
	strict bool
	beside *Pack
}

// Strict makes a rule the stack cannot feed (not applicable) a problem
// of the pack instead of a note.
func Strict() LoadOption { return func(c *loadConfig) { c.strict = true } }

// Beside lets the pack's correlations name rules of base too (a folder of
// your own correlating shipped rules); add the pack to base with Override.
func Beside(base *Pack) LoadOption { return func(c *loadConfig) { c.beside = base } }

// LoadDir loads the pack in a folder (--rules DIR); problems name files by
// their path under dir.
func LoadDir(dir string, opts ...LoadOption) (*Pack, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("rules folder: %w", err))
	}
	if !st.IsDir() {
		return nil, fault.Input(fmt.Errorf("rules folder %s is not a folder", dir))
	}
	return loadPack(os.DirFS(dir), dir, opts)
}

func loadPack(fsys fs.FS, root string, opts []LoadOption) (*Pack, error) {
	var cfg loadConfig
	for _, o := range opts {
		o(&cfg)
	}
	p := &Pack{rules: map[string]*packRule{}}
	var all []Problem
	display := func(name string) string {
		if root == "" {
			return name
		}
		return filepath.Join(root, filepath.FromSlash(name))
	}
	var schemaFiles []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			all = append(all, Problem{File: display(name), Msg: err.Error()})
			return nil
		}
		base := d.Name()
		if d.IsDir() {
			if name != "." && strings.HasPrefix(base, ".") {
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(path.Ext(base))
		if strings.HasPrefix(base, ".") || (ext != ".yml" && ext != ".yaml" && ext != ".graphql" && ext != ".graphqls") {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			all = append(all, Problem{File: display(name), Msg: err.Error()})
			return nil
		}
		if ext == ".graphql" || ext == ".graphqls" {
			schemaFiles = append(schemaFiles, display(name))
			s, err := graphql.LoadSchema(display(name), string(data))
			if err != nil {
				var se *graphql.SchemaError
				if errors.As(err, &se) {
					all = append(all, Problem{File: display(name), Line: se.Line, Column: se.Column, Msg: se.Msg})
				} else {
					all = append(all, Problem{File: display(name), Msg: err.Error()})
				}
				return nil
			}
			p.schema, p.schemaSum, p.schemaSrc = s, sha256.Sum256(data), display(name)
			return nil
		}
		rs, probs := parseRuleFile(display(name), data)
		all = append(all, probs...)
		for _, r := range rs {
			if prev, dup := p.rules[r.info.ID]; dup {
				all = append(all, Problem{File: display(name), Line: r.info.line, Column: r.info.column,
					Msg: fmt.Sprintf("rule id %q is already used by %s; ids must be unique (give one of them a name:)", r.info.ID, prev.info.File)})
				continue
			}
			p.rules[r.info.ID] = r
		}
		return nil
	})
	if err != nil {
		all = append(all, Problem{File: display("."), Msg: err.Error()})
	}
	all = append(all, p.resolveCorrelations(cfg.beside)...)
	if cfg.strict {
		for _, r := range p.Rules() {
			if r.NotApplicable != "" {
				all = append(all, Problem{File: r.File, Line: r.naLine, Column: r.naColumn, Msg: "not applicable (--strict): " + r.NotApplicable})
			}
		}
	}
	if len(schemaFiles) > 1 {
		all = append(all, Problem{File: schemaFiles[1], Msg: fmt.Sprintf("a pack holds one GraphQL schema; %s is another", schemaFiles[0])})
	}
	if len(all) > 0 {
		sort.SliceStable(all, func(i, j int) bool {
			if all[i].File != all[j].File {
				return all[i].File < all[j].File
			}
			return all[i].Line < all[j].Line
		})
		return nil, fault.Input(&LoadError{Problems: all})
	}
	return p, nil
}

// parseRuleFile parses one YAML rule file: one state check, or one or
// more Sigma rules (a correlation and the rules it correlates are often
// published together, as YAML documents separated by ---).
func parseRuleFile(name string, data []byte) ([]*packRule, []Problem) {
	ps := &problems{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			ps.yamlErr(err, nil)
			return nil, ps.list
		}
		docs = append(docs, &doc)
	}
	if len(docs) == 0 {
		ps.at(nil, "empty file: a rule file holds Sigma rules or one state check")
		return nil, ps.list
	}
	sum := sha256.Sum256(data)
	var out []*packRule
	for i, doc := range docs {
		if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
			ps.at(doc, "a rule file holds mappings (Sigma rules or a state check)")
			continue
		}
		root := doc.Content[0]
		r := &packRule{sum: sum}
		if i > 0 {
			r.sum = sha256.Sum256(append(sum[:], byte(i)))
		}
		_, det := mapGet(root, "detection")
		_, kind := mapGet(root, "kind")
		_, corr := mapGet(root, "correlation")
		derived := derivedID(name, i)
		before := len(ps.list)
		switch {
		case kind != nil && len(docs) > 1:
			ps.at(root, "a state check has a file of its own; move the other documents to their own files")
			continue
		case det != nil:
			info, sr := parseSigma(ps, root, derived)
			r.info, r.sigma = info, sr
		case corr != nil:
			info, c := parseCorrelation(ps, root, derived)
			r.info, r.corr = info, c
		case kind != nil:
			info, c := parseCheck(ps, root)
			r.info, r.check = info, c
		default:
			ps.at(root, "neither a Sigma rule (no detection:), a Sigma correlation (no correlation:) nor a state check (no kind: http|sql|config|file)")
			continue
		}
		if len(ps.list) > before || (r.sigma == nil && r.check == nil && r.corr == nil) {
			continue
		}
		r.info.File = name
		r.info.line, r.info.column = root.Line, root.Column
		out = append(out, r)
	}
	if len(ps.list) > 0 {
		return nil, ps.list
	}
	return out, nil
}

// derivedID is the pack id of a Sigma rule without a name: its file name
// in lower case with dashes (proc_creation_win_x.yml → proc-creation-win-x),
// and the document's number after the first.
func derivedID(file string, doc int) string {
	base := strings.ToLower(strings.TrimSuffix(path.Base(filepath.ToSlash(file)), path.Ext(file)))
	var b strings.Builder
	dash := false
	for _, c := range base {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.Trim(b.String(), "-")
	if doc > 0 {
		id = fmt.Sprintf("%s-%d", id, doc+1)
	}
	if len(id) > 64 {
		id = strings.Trim(id[:64], "-")
	}
	for len(id) < 3 {
		id += "-x"
	}
	return id
}

// Override adds other's rules to p, replacing rules with the same id, and
// returns the ids it replaced. A schema in other replaces p's.
func (p *Pack) Override(other *Pack) (overridden []string) {
	for id, r := range other.rules {
		if _, ok := p.rules[id]; ok {
			overridden = append(overridden, id)
		}
		p.rules[id] = r
	}
	if other.schema != nil {
		p.schema, p.schemaSum, p.schemaSrc = other.schema, other.schemaSum, other.schemaSrc
	}
	// Correlations point at the rules now in the pack; their references
	// were checked when each pack loaded.
	_ = p.resolveCorrelations(nil)
	sort.Strings(overridden)
	return overridden
}

// IDs lists the rule ids, sorted.
func (p *Pack) IDs() []string {
	ids := make([]string, 0, len(p.rules))
	for id := range p.rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Has reports whether the pack has a rule with this id.
func (p *Pack) Has(id string) bool {
	_, ok := p.rules[id]
	return ok
}

// Rule returns a rule's metadata.
func (p *Pack) Rule(id string) (RuleInfo, bool) {
	r, ok := p.rules[id]
	if !ok {
		return RuleInfo{}, false
	}
	return r.info, true
}

// NotApplicable lists the rules the stack cannot feed, with the reason.
func (p *Pack) NotApplicable() []RuleInfo {
	var out []RuleInfo
	for _, r := range p.Rules() {
		if r.NotApplicable != "" {
			out = append(out, r)
		}
	}
	return out
}

// Rules returns every rule's metadata, sorted by id.
func (p *Pack) Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(p.rules))
	for _, id := range p.IDs() {
		out = append(out, p.rules[id].info)
	}
	return out
}

// Schema is the GraphQL schema the pack marks personal data in (nil if
// the pack has none; the GraphQL analysis then goes by field names).
func (p *Pack) Schema() *graphql.Schema { return p.schema }

// Hash is the SHA-256 over the pack's files: each rule's id and the hash
// of its file, in id order, then the schema's. Two packs with the same
// rules hash the same wherever their files live.
func (p *Pack) Hash() string {
	h := sha256.New()
	for _, id := range p.IDs() {
		r := p.rules[id]
		fmt.Fprintf(h, "%s\x00%s\n", id, hex.EncodeToString(r.sum[:]))
	}
	if p.schema != nil {
		fmt.Fprintf(h, "schema\x00%s\n", hex.EncodeToString(p.schemaSum[:]))
	}
	return hex.EncodeToString(h.Sum(nil))
}
