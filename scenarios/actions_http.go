package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/breachdrill/breachdrill/containers"
)

type wpLogin struct {
	Session string `yaml:"session" default:"admin" doc:"name under which the session's cookies are kept, for later http.request steps"`
}

func (a *wpLogin) Describe() string { return "log in as the administrator over HTTP" }

func (a *wpLogin) Run(ctx context.Context, env *Env) error {
	s := a.Session
	if s == "" {
		s = "admin"
	}
	if _, err := env.send(ctx, s, false, "GET", "/wp-login.php", nil, nil, nil); err != nil {
		return err
	}
	c := env.Target.Credentials()
	form := url.Values{"log": {c.AdminUser}, "pwd": {c.AdminPassword}, "testcookie": {"1"}, "redirect_to": {"/wp-admin/"}, "wp-submit": {"Log In"}}
	resp, err := env.send(ctx, s, false, "POST", "/wp-login.php", nil, []byte(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if err != nil {
		return err
	}
	if resp.Status != 302 || !strings.Contains(env.cookieHeader(s), "wordpress_logged_in_") {
		return fmt.Errorf("login as %s failed: status %d", c.AdminUser, resp.Status)
	}
	return nil
}

// params is a query string given as a mapping or as one string.
type params struct {
	values url.Values
	raw    string
}

func (p *params) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		p.raw = n.Value
		return nil
	case yaml.MappingNode:
		p.values = url.Values{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			p.values.Add(n.Content[i].Value, n.Content[i+1].Value)
		}
		return nil
	}
	return fmt.Errorf("line %d: a query is a mapping {name: value} or a string a=1&b=2", n.Line)
}

func (p params) expand(env *Env, i int) url.Values {
	if p.raw != "" {
		v, _ := url.ParseQuery(expandIndex(env.Expand(p.raw), i))
		return v
	}
	out := url.Values{}
	for k, vs := range p.values {
		for _, v := range vs {
			out.Add(k, expandIndex(env.Expand(v), i))
		}
	}
	return out
}

func expandIndex(s string, i int) string { return strings.ReplaceAll(s, "{{i}}", strconv.Itoa(i)) }

// request is what http.request and the HTTP checks share.
type request struct {
	Method string `yaml:"method" default:"GET, or POST with a body" doc:"HTTP method"`
	Path   string `yaml:"path" bd:"required" tmpl:"i" pattern:"^/" doc:"URL path on the stack, starting with /"`
	Query  params `yaml:"query" tmpl:"i" doc:"query string: a mapping {name: value} or one string a=1&b=2 (sent as written)"`
	// RawQuery is sent exactly as written (after placeholders), for
	// attacks whose bytes matter: a literal / or ' that query: would
	// encode.
	RawQuery string            `yaml:"raw_query" tmpl:"i" doc:"query string sent byte for byte as written (after placeholders), for attacks whose bytes matter; not with query"`
	Body     string            `yaml:"body" tmpl:"i" doc:"raw request body; give at most one of body, form and json"`
	Form     map[string]string `yaml:"form" tmpl:"i" doc:"form fields, sent url-encoded"`
	JSON     string            `yaml:"json" tmpl:"i" doc:"JSON body, as a string"`
	Headers  map[string]string `yaml:"headers" tmpl:"yes" doc:"request headers (User-Agent defaults to a browser's)"`
	Session  string            `yaml:"session" default:"anonymous" doc:"cookie jar to use: a name given to wp.login, or any new name"`
	From     string            `yaml:"from" default:"host" enum:"host,peer" doc:"host: through 127.0.0.1; peer: from another container of the run, so the shop sees another client address (needs precondition peer)"`
}

func (r *request) validateRequest() error {
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("path %q: start it with / (it is sent to the stack's own address)", r.Path)
	}
	if r.RawQuery != "" && (len(r.Query.values) > 0 || r.Query.raw != "") {
		return errors.New("give query or raw_query, not both")
	}
	if strings.ContainsAny(r.RawQuery, " #\n") {
		return fmt.Errorf("raw_query %q: write spaces as %%20 and # as %%23; it is sent as written", r.RawQuery)
	}
	if r.From != "" && r.From != "host" && r.From != "peer" {
		return fmt.Errorf("from %q: use host (through 127.0.0.1) or peer (another container of the run)", r.From)
	}
	bodies := 0
	for _, b := range []bool{r.Body != "", len(r.Form) > 0, r.JSON != ""} {
		if b {
			bodies++
		}
	}
	if bodies > 1 {
		return errors.New("give one of body, form and json")
	}
	return nil
}

func (r *request) method() string {
	if r.Method != "" {
		return strings.ToUpper(r.Method)
	}
	if r.Body != "" || len(r.Form) > 0 || r.JSON != "" {
		return "POST"
	}
	return "GET"
}

func (r *request) describe() string {
	d := r.method() + " " + r.Path
	if q := r.Query.raw; q != "" {
		d += "?" + q
	} else if r.RawQuery != "" {
		d += "?" + r.RawQuery
	} else if len(r.Query.values) > 0 {
		d += "?" + r.Query.values.Encode()
	}
	if r.From == "peer" {
		d += " (from another container)"
	}
	return d
}

func (r *request) send(ctx context.Context, env *Env, i int) (response, error) {
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[k] = env.Expand(v)
	}
	var body []byte
	switch {
	case r.Body != "":
		body = []byte(expandIndex(env.Expand(r.Body), i))
	case len(r.Form) > 0:
		f := url.Values{}
		for k, v := range r.Form {
			f.Set(k, expandIndex(env.Expand(v), i))
		}
		body = []byte(f.Encode())
		headers["Content-Type"] = "application/x-www-form-urlencoded"
	case r.JSON != "":
		body = []byte(expandIndex(env.Expand(r.JSON), i))
		headers["Content-Type"] = "application/json"
	}
	session := r.Session
	if session == "" {
		session = "anonymous"
	}
	target := expandIndex(env.Expand(r.Path), i)
	if r.RawQuery != "" {
		target += "?" + expandIndex(env.Expand(r.RawQuery), i)
	}
	return env.send(ctx, session, r.From == "peer", r.method(), target, r.Query.expand(env, i), body, headers)
}

type httpRequest struct {
	request    `yaml:",inline"`
	Repeat     int           `yaml:"repeat" default:"1" min:"0" max:"10000" doc:"send the request this many times; {{i}} counts from 1"`
	Pace       time.Duration `yaml:"pace" default:"0s" doc:"pause between repeated requests"`
	WantStatus intList       `yaml:"want_status" doc:"the attack worked only if every response has one of these statuses; otherwise the inject fails"`
	WantBody   string        `yaml:"want_body" doc:"the attack worked only if every response body matches this regular expression (Go RE2)"`
	Leak       string        `yaml:"leak" tmpl:"yes" doc:"name of what the response leaked (a file, an endpoint): its body is counted for the exposure figures (canaries, records)"`
}

func (a *httpRequest) validate() error {
	if err := a.validateRequest(); err != nil {
		return err
	}
	if a.Repeat < 0 || a.Repeat > 10000 {
		return fmt.Errorf("repeat %d: use 1 to 10000", a.Repeat)
	}
	if a.WantBody != "" {
		if _, err := regexp.Compile(a.WantBody); err != nil {
			return fmt.Errorf("want_body: %v", err)
		}
	}
	return nil
}

func (a *httpRequest) Describe() string {
	d := a.describe()
	if a.Repeat > 1 {
		d += fmt.Sprintf(" ×%d", a.Repeat)
	}
	return d
}

// Run sends the requests. want_status and want_body make the inject fail
// when the attack did not work, so a scenario cannot "pass" on an attack
// that never happened; leak hands the body to the exposure count.
func (a *httpRequest) Run(ctx context.Context, env *Env) error {
	n := max(a.Repeat, 1)
	var wantBody *regexp.Regexp
	if a.WantBody != "" {
		wantBody = regexp.MustCompile(a.WantBody)
	}
	for i := 1; i <= n; i++ {
		if i > 1 && a.Pace > 0 {
			select {
			case <-time.After(a.Pace):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		resp, err := a.send(ctx, env, i)
		if err != nil {
			return err
		}
		if len(a.WantStatus) > 0 && !containsInt(a.WantStatus, resp.Status) {
			return fmt.Errorf("%s answered %d, the attack needs %v", a.describe(), resp.Status, a.WantStatus)
		}
		if wantBody != nil && !wantBody.Match(resp.Body) {
			return fmt.Errorf("%s: the response does not show what the attack needs (%s)", a.describe(), a.WantBody)
		}
		if a.Leak != "" {
			env.Leaked(env.Expand(a.Leak), resp.Body)
		}
	}
	return nil
}

type waitAction struct {
	For time.Duration `yaml:"for" bd:"required" doc:"how long, from 1ms to 10m"`
}

func (a *waitAction) validate() error {
	if a.For <= 0 || a.For > 10*time.Minute {
		return fmt.Errorf("for %s: use a duration between 1ms and 10m", a.For)
	}
	return nil
}

func (a *waitAction) Describe() string { return "wait " + a.For.String() }

func (a *waitAction) Run(ctx context.Context, env *Env) error {
	select {
	case <-time.After(a.For):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drainScript waits until no web request that began before it is still
// running. Each request leaves a marker named after its Apache process in
// $d while it runs (prepend.php); markers older than the script's own
// reference mark requests that began before it. A marker whose process is
// gone ended with its process. On time out it prints the processes still
// busy and exits 3.
const drainScript = `d=/dev/shm/breachdrill-requests
[ -d "$d" ] || exit 0
ref=/dev/shm/breachdrill-drain.$$
: >"$ref"
trap 'rm -f "$ref"' EXIT
end=$(( $(date +%s) + $1 ))
while :; do
	busy=
	for m in $(find "$d" -type f ! -newer "$ref"); do
		[ -d "/proc/${m##*/}" ] && busy="$busy ${m##*/}"
	done
	[ -z "$busy" ] && exit 0
	if [ "$(date +%s)" -ge "$end" ]; then echo "$busy"; exit 3; fi
	sleep 0.2
done`

type requestsDrain struct {
	Within time.Duration `yaml:"within" default:"1m" doc:"give up after this long, from 1s to 10m: requests still running then fail the step"`
}

const defaultDrainWithin = time.Minute

func (a *requestsDrain) validate() error {
	if a.Within != 0 && (a.Within < time.Second || a.Within > 10*time.Minute) {
		return fmt.Errorf("within %s: use a duration between 1s and 10m", a.Within)
	}
	return nil
}

func (a *requestsDrain) within() time.Duration {
	if a.Within == 0 {
		return defaultDrainWithin
	}
	return a.Within
}

func (a *requestsDrain) Describe() string {
	return "wait for the web requests that began before this step to end"
}

func (a *requestsDrain) Run(ctx context.Context, env *Env) error {
	secs := strconv.Itoa(int(a.within().Round(time.Second) / time.Second))
	res, err := env.Target.Exec(ctx, containers.ServiceWP, []string{"sh", "-c", drainScript, "sh", secs})
	var exit *containers.ExitError
	if errors.As(err, &exit) && exit.Code == 3 {
		return fmt.Errorf("web requests that began before this step were still running after %s (Apache processes%s)", a.within(), strings.TrimRight(string(res.Stdout), "\n"))
	}
	if err != nil {
		return fmt.Errorf("wait for the web requests in flight: %w", err)
	}
	return nil
}
