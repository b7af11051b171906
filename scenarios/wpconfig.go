package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/breachdrill/breachdrill/internal/yamlnode"

	"go.yaml.in/yaml/v3"
)

// constant is a wp-config.php constant and its value as PHP source.
type constant struct {
	Name string
	PHP  string
}

var constName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// decodeConstants reads {NAME: value, ...}; YAML's types decide the PHP
// literal (true, 42, 'text').
func decodeConstants(p *parser, args *yaml.Node, what string) []constant {
	var out []constant
	for i := 0; i+1 < len(args.Content); i += 2 {
		k, v := args.Content[i], args.Content[i+1]
		if !constName.MatchString(k.Value) {
			p.errorf(k, "%s: %q is not a PHP constant name (upper-case letters, digits, '_')", what, k.Value)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			p.errorf(v, "%s: %s takes true/false, a number or a string, found a %s", what, k.Value, yamlnode.KindName(v))
			continue
		}
		out = append(out, constant{Name: k.Value, PHP: phpLiteral(v)})
	}
	if len(out) == 0 && len(args.Content) == 0 {
		p.errorf(args, "%s: name at least one constant, like {WP_DEBUG: true}", what)
	}
	return out
}

func phpLiteral(v *yaml.Node) string {
	switch v.Tag {
	case "!!bool":
		if b, err := strconv.ParseBool(v.Value); err == nil && b {
			return "true"
		}
		return "false"
	case "!!int", "!!float":
		return v.Value
	case "!!null":
		return "null"
	}
	return phpString(v.Value)
}

func phpString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// defineRE matches a define() of name. The value is a quoted PHP string
// (escapes and all: salts hold ")" and ";") or a bare literal.
func defineRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^([ \t]*define\(\s*['"]` + regexp.QuoteMeta(name) + `['"]\s*,\s*)` +
		`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^'"()]*?)(\s*\)\s*;)`)
}

// setConstant changes name's define() in wp-config.php source, or adds one
// above the "stop editing" line, where WordPress says settings belong.
func setConstant(src []byte, name, php string) ([]byte, error) {
	re := defineRE(name)
	if re.Match(src) {
		return re.ReplaceAll(src, []byte("${1}"+strings.ReplaceAll(php, "$", "$$")+"${3}")), nil
	}
	line := fmt.Sprintf("define( '%s', %s );\n", name, php)
	for _, marker := range []string{"/* That's all, stop editing!", "require_once ABSPATH . 'wp-settings.php';"} {
		if i := strings.Index(string(src), marker); i >= 0 {
			return []byte(string(src[:i]) + line + string(src[i:])), nil
		}
	}
	return nil, fmt.Errorf("wp-config.php has neither %s defined nor a \"stop editing\" line to add it above", name)
}

// getConstant returns name's PHP value as written, if defined.
func getConstant(src []byte, name string) (string, bool) {
	m := defineRE(name).FindSubmatch(src)
	if m == nil {
		return "", false
	}
	return string(m[2]), true
}

// samePHP compares two PHP literals loosely (TRUE vs true, "x" vs 'x').
func samePHP(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = "'" + s[1:len(s)-1] + "'"
		}
		switch strings.ToLower(s) {
		case "true", "false", "null":
			return strings.ToLower(s)
		}
		return s
	}
	return norm(a) == norm(b)
}
