package scenarios

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/containers"
)

// Target is what scenarios act on; *containers.Stack implements it.
type Target interface {
	URL() string
	TablePrefix() string
	DB() *sql.DB
	AppDB() *sql.DB
	Credentials() containers.Credentials
	BaselineSchema() string
	Exec(ctx context.Context, svc containers.Service, cmd []string, opts ...containers.ExecOption) (containers.ExecResult, error)
	WriteFile(ctx context.Context, rel string, data []byte, perm fs.FileMode) error
	AppendFile(ctx context.Context, rel string, data []byte) error
	ReadFile(ctx context.Context, rel string) ([]byte, error)
	ReadBaselineFile(ctx context.Context, rel string) ([]byte, error)
	RemoveFile(ctx context.Context, rel string) error
}

// Env is what steps and checks of one scenario run have: the target, the
// scenario's own artifacts, HTTP sessions, and hooks back to the engine.
type Env struct {
	Target    Target
	Artifacts fs.FS
	// Cards returns n full card numbers from published test ranges, from
	// the seeded dataset; nil when the stack holds none.
	Cards func(n int) []string
	// Leaked is called with what an attacker obtained (a response body
	// marked leak: true), so the engine can count the exposure.
	Leaked func(artifact string, body []byte)
	// Secret is called with every secret a step creates (a rotated
	// password), so the engine masks it from then on.
	Secret func(string)
	// Notified is called when a step has told a party outside the team
	// (the payment processor's incident desk) and it acknowledged, so the
	// engine puts the moment on the timeline.
	Notified func(Notice)
	// Now is the clock for file names like backup-{{date}}.sql.
	Now func() time.Time

	mu       sync.Mutex
	sessions map[string]*http.Client
	state    map[string]string
}

// NewEnv prepares an environment for one scenario run.
func NewEnv(t Target, artifacts fs.FS) *Env {
	return &Env{
		Target:    t,
		Artifacts: artifacts,
		Leaked:    func(string, []byte) {},
		Secret:    func(string) {},
		Notified:  func(Notice) {},
		Now:       time.Now,
		sessions:  map[string]*http.Client{},
		state:     map[string]string{},
	}
}

// Expand fills the placeholders scenario files may use in strings.
func (e *Env) Expand(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return strings.NewReplacer(
		"{{prefix}}", e.Target.TablePrefix(),
		"{{date}}", e.Now().UTC().Format("20060102"),
		"{{admin_user}}", e.Target.Credentials().AdminUser,
	).Replace(s)
}

// session returns the HTTP client (with its own cookie jar) named name.
// Redirects are not followed: scenarios look at what the server answered.
func (e *Env) session(name string) *http.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.sessions[name]; ok {
		return c
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	e.sessions[name] = c
	return c
}

// cookieHeader renders a session's cookies for the stack, for replaying
// them from another client.
func (e *Env) cookieHeader(name string) string {
	u, _ := url.Parse(e.Target.URL() + "/wp-admin/")
	var parts []string
	for _, c := range e.session(name).Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func (e *Env) setState(k, v string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state[k] = v
}

func (e *Env) getState(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state[k]
}

// response is what an HTTP request got back, whoever sent it.
type response struct {
	Status int
	Body   []byte
	Header http.Header // nil for requests from the peer container
}

// send makes one request, from the host (through 127.0.0.1) or, with
// fromPeer, from the database container inside the run's network, so the
// stack sees another client address.
func (e *Env) send(ctx context.Context, sessionName string, fromPeer bool, method, path string, query url.Values, body []byte, headers map[string]string) (response, error) {
	target := path
	if len(query) > 0 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		target += sep + query.Encode()
	}
	if fromPeer {
		return e.sendFromPeer(ctx, sessionName, method, target, body, headers)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.Target.URL()+target, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) breachdrill-scenario")
	}
	resp, err := e.session(sessionName).Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return response{Status: resp.StatusCode, Body: b, Header: resp.Header}, nil
}

// peerClient is a small HTTP client run by PHP inside the database
// container: the request reaches Apache from the run network's address of
// that container, as a second attacker machine would.
const peerClient = `$r = json_decode(stream_get_contents(STDIN), true);
$ch = curl_init('http://wp' . $r['target']);
curl_setopt($ch, CURLOPT_CUSTOMREQUEST, $r['method']);
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
curl_setopt($ch, CURLOPT_FOLLOWLOCATION, false);
curl_setopt($ch, CURLOPT_TIMEOUT, 60);
$h = array();
foreach ($r['headers'] as $k => $v) { $h[] = "$k: $v"; }
curl_setopt($ch, CURLOPT_HTTPHEADER, $h);
if ($r['body'] !== '') { curl_setopt($ch, CURLOPT_POSTFIELDS, base64_decode($r['body'])); }
$body = curl_exec($ch);
if ($body === false) { fwrite(STDERR, curl_error($ch)); exit(2); }
echo json_encode(array('status' => curl_getinfo($ch, CURLINFO_RESPONSE_CODE), 'body' => base64_encode($body)));
`

func (e *Env) sendFromPeer(ctx context.Context, sessionName, method, target string, body []byte, headers map[string]string) (response, error) {
	h := map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0) breachdrill-scenario-peer"}
	for k, v := range headers {
		h[k] = v
	}
	if c := e.cookieHeader(sessionName); c != "" {
		h["Cookie"] = c
	}
	in, _ := json.Marshal(map[string]any{"target": target, "method": method, "headers": h, "body": body})
	res, err := e.Target.Exec(ctx, containers.ServiceDB, []string{"php", "-r", peerClient}, containers.WithStdin(bytes.NewReader(in)))
	if err != nil {
		return response{}, fmt.Errorf("%s %s from the peer container: %w", method, target, err)
	}
	var out struct {
		Status int    `json:"status"`
		Body   []byte `json:"body"`
	}
	if err := json.Unmarshal(res.Stdout, &out); err != nil {
		return response{}, fmt.Errorf("%s %s from the peer container: unreadable answer %q", method, target, res.Stdout)
	}
	return response{Status: out.Status, Body: out.Body}, nil
}

// php runs code inside WordPress (wp-load.php loaded) as the web server's
// user, the way a plugin or an administrator's action would run, and
// returns what it printed.
func (e *Env) php(ctx context.Context, code string, args ...string) (string, error) {
	script := "<?php\n$_SERVER['HTTP_HOST'] = 'localhost';\nrequire '/var/www/html/wp-load.php';\n" +
		"require_once ABSPATH . 'wp-admin/includes/plugin.php';\nrequire_once ABSPATH . 'wp-admin/includes/user.php';\n" + code
	cmd := append([]string{"php", "--"}, args...)
	res, err := e.Target.Exec(ctx, containers.ServiceWP, cmd,
		containers.AsUser(containers.WebUser), containers.InDir(containers.DocRoot), containers.WithStdin(strings.NewReader(script)))
	if err != nil {
		return string(res.Stdout), err
	}
	return string(res.Stdout), nil
}
