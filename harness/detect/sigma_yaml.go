package detect

import (
	"github.com/bradleyjkemp/sigma-go"
	"go.yaml.in/yaml/v3"
	legacyyaml "gopkg.in/yaml.v3"
)

// This file is the module's one use of gopkg.in/yaml.v3 (archived; the
// rest of the module reads YAML with go.yaml.in/yaml/v3, its maintained
// continuation). sigma-go's types decode themselves through UnmarshalYAML
// methods that take a *gopkg.in/yaml.v3.Node: decoding a go.yaml.in node
// into sigma.Rule directly would skip those methods and fill the struct by
// reflection, silently losing the searches. So the node is copied into the
// old package's type, positions included (errors keep their lines), and
// decoded there.

// decodeSigmaRule decodes a rule's root mapping into sigma-go's type.
func decodeSigmaRule(root *yaml.Node, into *sigma.Rule) error {
	return legacyNode(root, map[*yaml.Node]*legacyyaml.Node{}).Decode(into)
}

// legacyNode copies n (and what it holds) into gopkg.in/yaml.v3's Node;
// seen keeps aliases pointing at the copy of their anchor.
func legacyNode(n *yaml.Node, seen map[*yaml.Node]*legacyyaml.Node) *legacyyaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &legacyyaml.Node{
		Kind:        legacyyaml.Kind(n.Kind),
		Style:       legacyyaml.Style(n.Style),
		Tag:         n.Tag,
		Value:       n.Value,
		Anchor:      n.Anchor,
		HeadComment: n.HeadComment,
		LineComment: n.LineComment,
		FootComment: n.FootComment,
		Line:        n.Line,
		Column:      n.Column,
	}
	seen[n] = c
	c.Alias = legacyNode(n.Alias, seen)
	if len(n.Content) > 0 {
		c.Content = make([]*legacyyaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = legacyNode(x, seen)
		}
	}
	return c
}
