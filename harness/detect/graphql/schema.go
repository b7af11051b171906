// Package graphql analyses GraphQL request bodies sent to a shop
// (WPGraphQL with WooGraphQL) for the signs of a data harvest:
// introspection, alias batching, depth, and how many personal-data values
// a request asks for. Which fields hold personal data comes from an SDL
// schema whose fields carry @pii(category: ...); the analysis never
// executes or validates the query, so attacker input that does not parse
// is itself reported, never a crash.
package graphql

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// categories a @pii directive may name.
var categories = []string{"email", "phone", "name", "address", "ip", "user_agent", "username", "note", "payment", "birthdate"}

// Categories lists the categories a @pii directive may name.
func Categories() []string { return append([]string(nil), categories...) }

// Schema is a parsed, validated SDL with its personal-data markings.
type Schema struct {
	ast *ast.Schema
	// pii maps "Type.field" to its category.
	pii map[string]string
}

// SchemaError places a schema problem in its file.
type SchemaError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// LoadSchema parses and validates sdl with gqlparser and reads its @pii
// markings. The SDL must declare the directive itself, e.g.
//
//	directive @pii(category: String!) on FIELD_DEFINITION
func LoadSchema(name, sdl string) (*Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: sdl})
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) {
			se := &SchemaError{File: name, Msg: ge.Message}
			if len(ge.Locations) > 0 {
				se.Line, se.Column = ge.Locations[0].Line, ge.Locations[0].Column
			}
			return nil, se
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if s.Directives["pii"] == nil {
		return nil, &SchemaError{File: name, Line: 1, Column: 1, Msg: "the schema declares no @pii directive: add `directive @pii(category: String!) on FIELD_DEFINITION` and mark personal-data fields with it"}
	}
	out := &Schema{ast: s, pii: map[string]string{}}
	names := make([]string, 0, len(s.Types))
	for n := range s.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, tn := range names {
		def := s.Types[tn]
		for _, f := range def.Fields {
			d := f.Directives.ForName("pii")
			if d == nil {
				continue
			}
			arg := d.Arguments.ForName("category")
			cat := ""
			if arg != nil && arg.Value != nil {
				cat = arg.Value.Raw
			}
			if !validCategory(cat) {
				line, col := 0, 0
				if d.Position != nil {
					line, col = d.Position.Line, d.Position.Column
				}
				return nil, &SchemaError{File: name, Line: line, Column: col,
					Msg: fmt.Sprintf("%s.%s: @pii category %q: use one of %s", tn, f.Name, cat, strings.Join(categories, ", "))}
			}
			out.pii[tn+"."+f.Name] = cat
		}
	}
	if len(out.pii) == 0 {
		return nil, &SchemaError{File: name, Line: 1, Column: 1, Msg: "no field is marked @pii: the analysis would find no personal data"}
	}
	return out, nil
}

func validCategory(c string) bool {
	for _, v := range categories {
		if c == v {
			return true
		}
	}
	return false
}

// PIIFields lists the marked fields as "Type.field", sorted.
func (s *Schema) PIIFields() []string {
	out := make([]string, 0, len(s.pii))
	for k := range s.pii {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rootType names the type an operation starts from.
func (s *Schema) rootType(op ast.Operation) string {
	if s == nil {
		return ""
	}
	var d *ast.Definition
	switch op {
	case ast.Mutation:
		d = s.ast.Mutation
	case ast.Subscription:
		d = s.ast.Subscription
	default:
		d = s.ast.Query
	}
	if d == nil {
		return ""
	}
	return d.Name
}

// field looks a field up; nil when the type or the field is unknown.
func (s *Schema) field(typeName, field string) *ast.FieldDefinition {
	if s == nil || typeName == "" {
		return nil
	}
	def := s.ast.Types[typeName]
	if def == nil {
		return nil
	}
	return def.Fields.ForName(field)
}

// category is the personal-data category of typeName.field, or "".
func (s *Schema) category(typeName, field string) string {
	if s == nil {
		return ""
	}
	return s.pii[typeName+"."+field]
}
