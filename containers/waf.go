package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// WAFMode is how ModSecurity with the OWASP Core Rule Set treats requests.
type WAFMode string

const (
	WAFOff    WAFMode = "off"    // module not loaded
	WAFDetect WAFMode = "detect" // rules run and log; nothing is blocked (DetectionOnly)
	WAFBlock  WAFMode = "block"  // anomalous requests get 403
)

// ParseWAFMode checks a --waf value.
func ParseWAFMode(s string) (WAFMode, error) {
	switch m := WAFMode(s); m {
	case WAFOff, WAFDetect, WAFBlock:
		return m, nil
	}
	return "", fault.Input(fmt.Errorf("--waf %q: use off, detect (log only) or block", s))
}

const (
	wafConfig   = "/etc/modsecurity/zz-breachdrill.conf"
	wafAuditLog = "/var/log/breachdrill/modsec_audit.json"
)

// WithWAF starts the stack with ModSecurity in mode (default off).
func WithWAF(mode WAFMode) Option { return func(c *config) { c.waf = mode } }

// ModSecurity is loaded from the start and switched by its engine line
// alone: loading the module by a restart leaves its global mutexes
// uncreated (every request then logs "Global mutex was not created"), so
// the module stays in and "off" is SecRuleEngine Off.
var wafModuleFiles = map[string]string{
	"/etc/apache2/mods-enabled/unique_id.load": "Include /etc/apache2/mods-available/unique_id.load\n",
	"/etc/apache2/mods-enabled/security2.load": "Include /etc/apache2/mods-available/security2.load\n",
	"/etc/apache2/mods-enabled/security2.conf": "Include /etc/apache2/mods-available/security2.conf\n",
}

// engine is the SecRuleEngine value of a mode.
func (m WAFMode) engine() string {
	switch m {
	case WAFDetect:
		return "DetectionOnly"
	case WAFBlock:
		return "On"
	}
	return "Off"
}

// wafConfigFor is our ModSecurity configuration with mode's engine line.
func wafConfigFor(mode WAFMode) []byte {
	return []byte(strings.Replace(string(asset("runtime/modsecurity.conf")), "SecRuleEngine DetectionOnly", "SecRuleEngine "+mode.engine(), 1))
}

// setWAF rewrites the engine line and restarts Apache gracefully, letting
// requests in flight finish.
const setWAF = `set -e
sed -i "s/^SecRuleEngine .*/SecRuleEngine $1/" ` + wafConfig + `
apache2ctl -k graceful`

// SetWAF puts ModSecurity in mode and waits until Apache serves with it.
func (s *Stack) SetWAF(ctx context.Context, mode WAFMode) error {
	if _, err := ParseWAFMode(string(mode)); err != nil {
		return err
	}
	if err := s.hasWAF("--waf " + string(mode)); err != nil {
		return err
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", setWAF, "sh", mode.engine()}); err != nil {
		return fault.Infra(fmt.Errorf("switch the WAF to %s: %w", mode, err))
	}
	if err := s.waitServing(ctx); err != nil {
		return fmt.Errorf("switch the WAF to %s: %w", mode, err)
	}
	s.info.WAFMode = mode
	return nil
}

// hasWAF refuses what needs ModSecurity on a stack of the official
// images, which have none.
func (s *Stack) hasWAF(what string) error {
	if s.info.Images.Source == SourceOfficial {
		return fault.Input(fmt.Errorf("%s: the official images have no ModSecurity; use --source debian", what))
	}
	return nil
}

// waitServing waits for the first answer after a graceful restart, which
// returns before the new children serve: that answer comes from the new
// configuration.
func (s *Stack) waitServing(ctx context.Context) error {
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.info.URL+"/wp-login.php", nil)
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fault.Infra(fmt.Errorf("the web server did not come back (%v)", err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Responder rules: ModSecurity rule files a response playbook adds (a
// virtual patch), one per name, beside our configuration so Apache loads
// them; Reset removes them. Their ids are in a range of their own, so an
// audit entry says at a glance that a responder's rule acted.
const (
	wafRulePrefix = "/etc/modsecurity/zz-responder-"
	// wafResetConfig is our configuration as the stack started: the WAF's
	// reset point.
	wafResetConfig = wafConfig + ".reset"
	WAFRuleIDMin   = 1090000
	WAFRuleIDMax   = 1090999
)

// addWAFRule writes a rule file, checks Apache's configuration with it,
// and reloads gracefully; a file Apache refuses is removed again, so a bad
// rule never takes the shop down.
const addWAFRule = `f="$1"
cat > "$f.tmp" && mv "$f.tmp" "$f"
if ! out=$(apache2ctl -t 2>&1); then rm -f "$f"; echo "$out" >&2; exit 3; fi
apache2ctl -k graceful`

// AddWAFRule installs a responder rule file (ModSecurity SecRule lines)
// named name and reloads Apache gracefully. Rules act only while the WAF
// is not off.
func (s *Stack) AddWAFRule(ctx context.Context, name string, rule []byte) error {
	if err := s.hasWAF("WAF rule " + name); err != nil {
		return err
	}
	if !wafRuleName.MatchString(name) {
		return fault.Input(fmt.Errorf("WAF rule name %q: use lower-case letters, digits and '-'", name))
	}
	_, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", addWAFRule, "sh", wafRulePrefix + name + ".conf"}, WithStdin(bytes.NewReader(rule)))
	var xe *ExitError
	if errors.As(err, &xe) && xe.Code == 3 {
		return fault.Input(fmt.Errorf("WAF rule %s: Apache refuses it: %s", name, strings.TrimSpace(xe.Stderr)))
	}
	if err != nil {
		return fault.Infra(fmt.Errorf("add WAF rule %s: %w", name, err))
	}
	if err := s.waitServing(ctx); err != nil {
		return fmt.Errorf("add WAF rule %s: %w", name, err)
	}
	return nil
}

var wafRuleName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// resetWAF puts ModSecurity back to its reset point: our configuration as
// the stack started (its mode) and no responder rules. It reloads Apache
// only when something changed, and prints the mode it leaves.
const resetWAF = `changed=
if [ -f ` + wafResetConfig + ` ] && ! cmp -s ` + wafResetConfig + ` ` + wafConfig + `; then
	cp ` + wafResetConfig + ` ` + wafConfig + `; changed=1
fi
for f in ` + wafRulePrefix + `*.conf; do
	[ -e "$f" ] || continue
	rm -f "$f"; changed=1
done
[ -z "$changed" ] || apache2ctl -k graceful >&2
echo "${changed:+reloaded}"
sed -n 's/^SecRuleEngine //p' ` + wafConfig

// resetWAF is Reset's part for the WAF.
func (s *Stack) resetWAF(ctx context.Context) error {
	if s.info.Images.Source == SourceOfficial {
		return nil
	}
	res, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", resetWAF})
	if err != nil {
		return fault.Infra(fmt.Errorf("reset the WAF: %w", err))
	}
	lines := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	if lines[0] == "reloaded" {
		if err := s.waitServing(ctx); err != nil {
			return fmt.Errorf("reset the WAF: %w", err)
		}
	}
	mode := WAFOff
	switch lines[len(lines)-1] {
	case "On":
		mode = WAFBlock
	case "DetectionOnly":
		mode = WAFDetect
	}
	s.info.WAFMode = mode
	return nil
}

// wafDrift lists how ModSecurity differs from its reset point: another
// configuration (mode) or responder rules left in place.
const wafDrift = `if [ -f ` + wafResetConfig + ` ] && ! cmp -s ` + wafResetConfig + ` ` + wafConfig + `; then
	echo "waf: engine $(sed -n 's/^SecRuleEngine //p' ` + wafConfig + `), reset point $(sed -n 's/^SecRuleEngine //p' ` + wafResetConfig + `)"
fi
for f in ` + wafRulePrefix + `*.conf; do
	[ -e "$f" ] && echo "waf: responder rule $f"
done
true`

func (s *Stack) wafDrift(ctx context.Context) ([]string, error) {
	if s.info.Images.Source == SourceOfficial {
		return nil, nil
	}
	res, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", wafDrift})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("compare the WAF with the reset point: %w", err))
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}
