package containers

import (
	"context"
	"fmt"
	"io"
	"net/http"
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
	if s.info.Images.Source == SourceOfficial {
		return fault.Input(fmt.Errorf("--waf %s: the official images have no ModSecurity; use --source debian", mode))
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", setWAF, "sh", mode.engine()}); err != nil {
		return fault.Infra(fmt.Errorf("switch the WAF to %s: %w", mode, err))
	}
	// A graceful restart returns before the new children serve; the first
	// answer after it comes from the new configuration.
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.info.URL+"/wp-login.php", nil)
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fault.Infra(fmt.Errorf("switch the WAF to %s: the web server did not come back (%v)", mode, err))
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.info.WAFMode = mode
	return nil
}
