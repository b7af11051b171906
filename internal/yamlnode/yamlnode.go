// Package yamlnode holds what the parsers of scenario files and rule files
// both need to say about YAML nodes in their error messages.
package yamlnode

import "go.yaml.in/yaml/v3"

// KindName names a node's kind the way a user reads a file: "mapping",
// "list", "single value", "empty value".
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty value"
		}
		return "single value"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
