package scenarios

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"gopkg.in/yaml.v3"
)

// ---- files -----------------------------------------------------------------

type fileWrite struct {
	Path     string `yaml:"path" bd:"required" tmpl:"yes" doc:"file to write, relative to the docroot (folders are created)"`
	Content  string `yaml:"content" tmpl:"yes" doc:"the file's text; give content or artifact, not both"`
	Artifact string `yaml:"artifact" doc:"a file in the scenario's folder, copied byte for byte; give content or artifact, not both"`
	Mode     string `yaml:"mode" default:"0644" pattern:"^[0-7]+$" doc:"permission bits in octal, quoted (\"0640\")"`
}

func (a *fileWrite) validate() error {
	if (a.Content == "") == (a.Artifact == "") {
		return errors.New("give either content or artifact (a file in the scenario's folder)")
	}
	if a.Mode != "" {
		if _, err := strconv.ParseUint(a.Mode, 8, 32); err != nil {
			return fmt.Errorf("mode %q: write it in octal, like \"0644\"", a.Mode)
		}
	}
	return nil
}

func (a *fileWrite) Describe() string { return "write " + a.Path }

func (a *fileWrite) Run(ctx context.Context, env *Env) error {
	data := []byte(env.Expand(a.Content))
	if a.Artifact != "" {
		b, err := fs.ReadFile(env.Artifacts, a.Artifact)
		if err != nil {
			return fmt.Errorf("artifact %s: %w", a.Artifact, err)
		}
		data = b
	}
	mode := uint64(0o644)
	if a.Mode != "" {
		mode, _ = strconv.ParseUint(a.Mode, 8, 32)
	}
	return env.Target.WriteFile(ctx, env.Expand(a.Path), data, fs.FileMode(mode))
}

type fileAppend struct {
	Path    string `yaml:"path" bd:"required" tmpl:"yes" doc:"file to append to, relative to the docroot (created if missing)"`
	Content string `yaml:"content" bd:"required" tmpl:"yes" doc:"text added at the end of the file"`
}

func (a *fileAppend) Describe() string { return "append to " + a.Path }

func (a *fileAppend) Run(ctx context.Context, env *Env) error {
	return env.Target.AppendFile(ctx, env.Expand(a.Path), []byte(env.Expand(a.Content)))
}

type fileDelete struct {
	Path string `yaml:"path" bd:"required" tmpl:"yes" doc:"file or folder to delete, relative to the docroot"`
}

func (a *fileDelete) Describe() string { return "delete " + a.Path }

func (a *fileDelete) Run(ctx context.Context, env *Env) error {
	return env.Target.RemoveFile(ctx, env.Expand(a.Path))
}

type fileRestore struct {
	Path string `yaml:"path" bd:"required" tmpl:"yes" doc:"file to put back as it was at the reset point, relative to the docroot"`
}

func (a *fileRestore) Describe() string { return "restore " + a.Path + " from the known-good copy" }

func (a *fileRestore) Run(ctx context.Context, env *Env) error {
	p := env.Expand(a.Path)
	good, err := env.Target.ReadBaselineFile(ctx, p)
	if err != nil {
		return err
	}
	return env.Target.WriteFile(ctx, p, good, 0o644)
}

// ---- wp-config.php ---------------------------------------------------------

const wpConfig = "wp-config.php"

type wpconfigSet struct{ consts []constant }

func (a *wpconfigSet) decode(p *parser, args *yaml.Node) {
	a.consts = decodeConstants(p, args, "wpconfig.set")
}

func (a *wpconfigSet) Describe() string {
	parts := make([]string, len(a.consts))
	for i, c := range a.consts {
		parts[i] = c.Name + "=" + c.PHP
	}
	return "set " + strings.Join(parts, ", ") + " in wp-config.php"
}

func (a *wpconfigSet) Run(ctx context.Context, env *Env) error {
	return editConfig(ctx, env, a.consts)
}

func editConfig(ctx context.Context, env *Env, consts []constant) error {
	src, err := env.Target.ReadFile(ctx, wpConfig)
	if err != nil {
		return err
	}
	for _, c := range consts {
		if src, err = setConstant(src, c.Name, c.PHP); err != nil {
			return err
		}
	}
	return env.Target.WriteFile(ctx, wpConfig, src, 0o644)
}

var saltNames = []string{"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"}

type saltsRotate struct{}

func (a *saltsRotate) Describe() string { return "rotate WordPress keys and salts" }

func (a *saltsRotate) Run(ctx context.Context, env *Env) error {
	var consts []constant
	for _, n := range saltNames {
		v := randomToken(64)
		env.Secret(v)
		consts = append(consts, constant{Name: n, PHP: phpString(v)})
	}
	return editConfig(ctx, env, consts)
}

type dbRotatePassword struct{}

func (a *dbRotatePassword) Describe() string {
	return "rotate the shop's database password (MariaDB and wp-config.php)"
}

func (a *dbRotatePassword) Run(ctx context.Context, env *Env) error {
	pw := randomToken(24)
	env.Secret(pw)
	return setDBPassword(ctx, env, pw)
}

type dbRestorePassword struct{}

func (a *dbRestorePassword) Describe() string {
	return "give the shop's database user its original password back"
}

func (a *dbRestorePassword) Run(ctx context.Context, env *Env) error {
	return setDBPassword(ctx, env, env.Target.Credentials().DBPassword)
}

func setDBPassword(ctx context.Context, env *Env, pw string) error {
	c := env.Target.Credentials()
	if _, err := env.Target.DB().ExecContext(ctx, "ALTER USER ?@'%' IDENTIFIED BY ?", c.DBUser, pw); err != nil {
		return fmt.Errorf("set database password: %w", err)
	}
	return editConfig(ctx, env, []constant{{Name: "DB_PASSWORD", PHP: phpString(pw)}})
}

// ---- database --------------------------------------------------------------

type sqlExec struct {
	Query string `yaml:"query" bd:"required" tmpl:"yes" doc:"one or more SQL statements; write table names as {{prefix}}options"`
	As    string `yaml:"as" default:"app" enum:"app,tool" doc:"app: the shop's own database user (seen by the database audit log); tool: breachdrill's user, for set-up the detection should not see"`
}

func (a *sqlExec) validate() error {
	if a.As != "" && a.As != "app" && a.As != "tool" {
		return fmt.Errorf("as %q: use app (the shop's database user, audited) or tool (breachdrill's own)", a.As)
	}
	return nil
}

func (a *sqlExec) Describe() string { return "run SQL: " + oneLine(a.Query, 120) }

func (a *sqlExec) Run(ctx context.Context, env *Env) error {
	db := env.Target.AppDB()
	if a.As == "tool" {
		db = env.Target.DB()
	}
	if _, err := db.ExecContext(ctx, env.Expand(a.Query)); err != nil {
		return fmt.Errorf("SQL: %w", err)
	}
	return nil
}

type dbDump struct {
	To     string   `yaml:"to" bd:"required" tmpl:"yes" doc:"docroot file the dump goes to; a name ending in .gz is gzipped"`
	Tables []string `yaml:"tables" default:"every table" doc:"tables to dump, with their prefix"`
}

func (a *dbDump) Describe() string { return "mysqldump the shop database into " + a.To }

// Run dumps from the web container, as the web server with the shop's own
// credentials: what a backup plugin does.
func (a *dbDump) Run(ctx context.Context, env *Env) error {
	to, err := containers.DocPath(env.Expand(a.To))
	if err != nil {
		return err
	}
	c := env.Target.Credentials()
	compress := "cat"
	if strings.HasSuffix(to, ".gz") {
		compress = "gzip -c"
	}
	args := []string{"bash", "-c", `set -o pipefail; mkdir -p "$(dirname "$1")" && mysqldump --single-transaction --skip-lock-tables -h db -u "$2" "$3" $4 | ` + compress + ` > "$1"`,
		"bash", to, c.DBUser, c.DBName, strings.Join(a.Tables, " ")}
	_, err = env.Target.Exec(ctx, containers.ServiceWP, args, containers.AsUser(containers.WebUser), containers.WithEnv("MYSQL_PWD="+c.DBPassword))
	if err != nil {
		return fmt.Errorf("mysqldump: %w", err)
	}
	return nil
}

type panPlant struct {
	Orders int `yaml:"orders" default:"3" min:"0" max:"1000" doc:"how many orders get a full card number (the first ones by id)"`
}

func (a *panPlant) validate() error {
	if a.Orders < 0 || a.Orders > 1000 {
		return fmt.Errorf("orders %d: use 1 to 1000", a.Orders)
	}
	return nil
}

func (a *panPlant) Describe() string {
	return fmt.Sprintf("store full card numbers (test ranges) for %d orders in order meta, postmeta and payment tokens", a.count())
}

func (a *panPlant) count() int {
	if a.Orders == 0 {
		return 3
	}
	return a.Orders
}

// Run writes card numbers the way a broken gateway integration would: as
// the shop's own database user, into the tables WooCommerce keeps orders
// and tokens in.
func (a *panPlant) Run(ctx context.Context, env *Env) error {
	p := env.Target.TablePrefix()
	db := env.Target.AppDB()
	rows, err := db.QueryContext(ctx, "SELECT id FROM "+p+"wc_orders ORDER BY id LIMIT ?", a.count())
	if err != nil {
		return fmt.Errorf("pick orders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return errors.New("the shop has no orders: seed it first (precondition seeded)")
	}
	if env.Cards == nil {
		return errors.New("no card numbers to plant: the scenario needs the seeded dataset (precondition seeded)")
	}
	cards := env.Cards(len(ids))
	for i, id := range ids {
		for _, q := range []string{
			"INSERT INTO " + p + "wc_orders_meta (order_id, meta_key, meta_value) VALUES (?, '_payment_card_number', ?)",
			"INSERT INTO " + p + "postmeta (post_id, meta_key, meta_value) VALUES (?, '_payment_card_number', ?)",
		} {
			if _, err := db.ExecContext(ctx, q, id, cards[i]); err != nil {
				return fmt.Errorf("store card number for order %d: %w", id, err)
			}
		}
	}
	_, err = db.ExecContext(ctx, "UPDATE "+p+"woocommerce_payment_tokens SET token = ? ORDER BY token_id LIMIT 1", cards[0])
	return err
}

// ---- plugins, options, users ----------------------------------------------

type pluginInstall struct {
	Artifact string `yaml:"artifact" bd:"required" doc:"the plugin's folder in the scenario's folder"`
	As       string `yaml:"as" default:"the artifact folder's name" doc:"folder name under wp-content/plugins"`
}

func (a *pluginInstall) Describe() string { return "install plugin " + a.folder() }

func (a *pluginInstall) folder() string {
	if a.As != "" {
		return a.As
	}
	return path.Base(a.Artifact)
}

func (a *pluginInstall) Run(ctx context.Context, env *Env) error {
	return fs.WalkDir(env.Artifacts, a.Artifact, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("artifact %s: %w", a.Artifact, err)
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(env.Artifacts, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, a.Artifact), "/")
		return env.Target.WriteFile(ctx, path.Join("wp-content/plugins", a.folder(), rel), b, 0o644)
	})
}

type pluginActivate struct {
	Plugin string `yaml:"plugin" bd:"required" doc:"the plugin's main file, relative to wp-content/plugins (folder/file.php)"`
}

func (a *pluginActivate) Describe() string { return "activate plugin " + a.Plugin }

func (a *pluginActivate) Run(ctx context.Context, env *Env) error {
	_, err := env.php(ctx, `$r = activate_plugin($argv[1]);
if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }`, a.Plugin)
	return err
}

type pluginDeactivate struct {
	Plugin string `yaml:"plugin" bd:"required" doc:"the plugin's main file, relative to wp-content/plugins (folder/file.php)"`
}

func (a *pluginDeactivate) Describe() string { return "deactivate plugin " + a.Plugin }

func (a *pluginDeactivate) Run(ctx context.Context, env *Env) error {
	_, err := env.php(ctx, `deactivate_plugins($argv[1]);`, a.Plugin)
	return err
}

type optionSet struct {
	Name  string `yaml:"name" bd:"required" doc:"option name (option_name in wp_options)"`
	Value string `yaml:"value" bd:"required" tmpl:"yes" doc:"the value, stored as a string"`
}

func (a *optionSet) Describe() string { return "set option " + a.Name }

func (a *optionSet) Run(ctx context.Context, env *Env) error {
	_, err := env.php(ctx, `update_option($argv[1], $argv[2]);`, a.Name, env.Expand(a.Value))
	return err
}

type userCreate struct {
	Login string `yaml:"login" bd:"required" doc:"the new user's login"`
	Email string `yaml:"email" bd:"required" pattern:"(\\.invalid|\\.test|@(.*\\.)?example\\.(com|org|net))$" doc:"an address at a reserved domain: example.com/.org/.net, .test or .invalid"`
	Role  string `yaml:"role" default:"administrator" doc:"a WordPress role (administrator, shop_manager, customer, ...)"`
}

func (a *userCreate) validate() error {
	if !strings.HasSuffix(a.Email, ".invalid") && !strings.HasSuffix(a.Email, ".test") && !regexp.MustCompile(`@(.*\.)?example\.(com|org|net)$`).MatchString(a.Email) {
		return fmt.Errorf("email %q: use a reserved domain (example.com/.org/.net, .test or .invalid)", a.Email)
	}
	return nil
}

func (a *userCreate) Describe() string {
	return fmt.Sprintf("create user %s with role %s", a.Login, a.role())
}

func (a *userCreate) role() string {
	if a.Role == "" {
		return "administrator"
	}
	return a.Role
}

func (a *userCreate) Run(ctx context.Context, env *Env) error {
	pw := randomToken(20)
	env.Secret(pw)
	_, err := env.php(ctx, `$id = wp_insert_user(array('user_login' => $argv[1], 'user_email' => $argv[2], 'role' => $argv[3], 'user_pass' => $argv[4]));
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
echo $id;`, a.Login, a.Email, a.role(), pw)
	return err
}

type userDelete struct {
	Login string `yaml:"login" bd:"required" doc:"login of the user to delete (their posts go to user 1)"`
}

func (a *userDelete) Describe() string { return "delete user " + a.Login }

func (a *userDelete) Run(ctx context.Context, env *Env) error {
	_, err := env.php(ctx, `$u = get_user_by('login', $argv[1]);
if ($u) { wp_delete_user($u->ID, 1); }`, a.Login)
	return err
}

type sessionsDestroy struct {
	Login string `yaml:"login" bd:"required" tmpl:"yes" doc:"whose sessions; * for every user, {{admin_user}} for the stack's administrator"`
}

func (a *sessionsDestroy) Describe() string {
	if a.Login == "*" {
		return "destroy every user's sessions"
	}
	return "destroy the sessions of " + a.Login
}

func (a *sessionsDestroy) Run(ctx context.Context, env *Env) error {
	_, err := env.php(ctx, `if ($argv[1] === '*') { WP_Session_Tokens::destroy_all_for_all_users(); exit(0); }
$u = get_user_by('login', $argv[1]);
if (!$u) { fwrite(STDERR, "no user " . $argv[1]); exit(1); }
WP_Session_Tokens::get_instance($u->ID)->destroy_all();`, env.Expand(a.Login))
	return err
}

// ---- HTTP ------------------------------------------------------------------

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

// ---- helpers ---------------------------------------------------------------

// intList is a list of numbers that may be written as one number:
// want_status: 200 means want_status: [200].
type intList []int

func (l *intList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v int
		if err := n.Decode(&v); err != nil {
			return err
		}
		*l = intList{v}
		return nil
	}
	var vs []int
	if err := n.Decode(&vs); err != nil {
		return err
	}
	*l = vs
	return nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("scenarios: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = tokenChars[int(b[i])%len(tokenChars)]
	}
	return string(b)
}

type sqlExport struct {
	Query string `yaml:"query" bd:"required" tmpl:"yes" doc:"SELECT whose rows become the CSV (with a header row)"`
	To    string `yaml:"to" bd:"required" tmpl:"yes" doc:"docroot file the CSV is written to"`
}

func (a *sqlExport) Describe() string {
	return "export query results to " + a.To + ": " + oneLine(a.Query, 80)
}

// Run reads with the shop's own database user and writes a CSV as the web
// server: what an export plugin driven by an administrator does.
func (a *sqlExport) Run(ctx context.Context, env *Env) error {
	rows, err := env.Target.AppDB().QueryContext(ctx, env.Expand(a.Query))
	if err != nil {
		return fmt.Errorf("export query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var buf strings.Builder
	w := csv.NewWriter(&buf)
	_ = w.Write(cols)
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = v.String
		}
		_ = w.Write(rec)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.Flush()
	return env.Target.WriteFile(ctx, env.Expand(a.To), []byte(buf.String()), 0o644)
}
