package containers

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// describeTarget records what an auditor needs to name the drilled shop
// precisely: server and WAF versions, and every active plugin with a digest
// of its files (a plugin's version header alone can be forged).
const describeTarget = `cd /var/www/html/wp-content || exit 1
printf 'apache\t%s\n' "$(apache2 -v 2>/dev/null | sed -n 's/^Server version: //p')"
if command -v dpkg-query >/dev/null; then
	printf 'modsecurity\t%s\n' "$(dpkg-query -W -f='${Version}' libapache2-mod-security2 2>/dev/null)"
	printf 'crs\t%s\n' "$(dpkg-query -W -f='${Version}' modsecurity-crs 2>/dev/null)"
fi
case "$(sed -n 's/^SecRuleEngine //p' /etc/modsecurity/zz-breachdrill.conf 2>/dev/null)" in
On) printf 'waf\tblock\n' ;;
DetectionOnly) printf 'waf\tdetect\n' ;;
*) printf 'waf\toff\n' ;;
esac
digest() { find "$@" -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1; }
version() { sed -n 's/^[ \t/*#@]*Version:[ \t]*//p' "$1" | head -n1 | tr -d '\r'; }
for f in mu-plugins/*.php; do
	[ -f "$f" ] && printf 'plugin\t%s\t%s\t%s\n' "$f" "$(version "$f")" "$(digest "$f")"
done
for p in "$@"; do
	[ -f "plugins/$p" ] || continue
	d=$(dirname "plugins/$p")
	[ "$d" = plugins ] && d="plugins/$p"
	printf 'plugin\t%s\t%s\t%s\n' "$p" "$(version "plugins/$p")" "$(digest "$d")"
done`

var serializedString = regexp.MustCompile(`s:\d+:"([^"]+)";`)

func (s *Stack) describeTarget(ctx context.Context) error {
	var active string
	err := s.toolDB.QueryRowContext(ctx, "SELECT option_value FROM `"+s.prefix+"options` WHERE option_name = 'active_plugins'").Scan(&active)
	if err != nil {
		return fault.Infra(fmt.Errorf("list active plugins: %w", err))
	}
	args := []string{"sh", "-c", describeTarget, "sh"}
	for _, m := range serializedString.FindAllStringSubmatch(active, -1) {
		args = append(args, m[1])
	}
	res, err := s.Exec(ctx, ServiceWP, args)
	if err != nil {
		return fault.Infra(fmt.Errorf("describe the target: %w", err))
	}
	s.info.Plugins = nil
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "apache" && len(f) == 2:
			s.info.ApacheVersion = f[1]
		case f[0] == "modsecurity" && len(f) == 2:
			s.info.ModSecurityVersion = f[1]
		case f[0] == "waf" && len(f) == 2:
			s.info.WAFMode = WAFMode(f[1])
		case f[0] == "crs" && len(f) == 2:
			s.info.CRSVersion = f[1]
		case f[0] == "plugin" && len(f) == 4:
			s.info.Plugins = append(s.info.Plugins, Plugin{File: f[1], Version: f[2], SHA256: f[3]})
		}
	}
	return nil
}
