package scenarios

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/clip"
	"go.yaml.in/yaml/v3"
)

type httpStatus struct {
	request `yaml:",inline"`
	Want    intList `yaml:"want" bd:"required" doc:"statuses that mean contained, like [403, 404]"`
}

func (c *httpStatus) validate() error {
	if len(c.Want) == 0 {
		return errors.New("want: list the acceptable statuses, like [403, 404]")
	}
	return c.validateRequest()
}

func (c *httpStatus) Describe() string { return fmt.Sprintf("%s answers %v", c.describe(), c.Want) }

func (c *httpStatus) Check(ctx context.Context, env *Env) (Result, error) {
	resp, err := c.send(ctx, env, 1)
	if err != nil {
		return Result{}, err
	}
	return Result{Pass: containsInt(c.Want, resp.Status), Detail: fmt.Sprintf("status %d", resp.Status)}, nil
}

type httpAbsent struct {
	request    `yaml:",inline"`
	Pattern    string  `yaml:"pattern" bd:"required" doc:"regular expression (Go RE2) that must no longer match the body"`
	WantStatus intList `yaml:"want_status" doc:"also require one of these statuses (a 500 page shows nothing, but is not proof)"`
}

func (c *httpAbsent) validate() error {
	if _, err := regexp.Compile(c.Pattern); err != nil {
		return fmt.Errorf("pattern: %v", err)
	}
	return c.validateRequest()
}

func (c *httpAbsent) Describe() string {
	return fmt.Sprintf("%s no longer shows %s", c.describe(), c.Pattern)
}

func (c *httpAbsent) Check(ctx context.Context, env *Env) (Result, error) {
	resp, err := c.send(ctx, env, 1)
	if err != nil {
		return Result{}, err
	}
	if len(c.WantStatus) > 0 && !containsInt(c.WantStatus, resp.Status) {
		return Result{Detail: fmt.Sprintf("status %d, want %v", resp.Status, c.WantStatus)}, nil
	}
	m := regexp.MustCompile(c.Pattern).FindAll(resp.Body, -1)
	if len(m) > 0 {
		return Result{Detail: fmt.Sprintf("status %d, %d matches", resp.Status, len(m))}, nil
	}
	return Result{Pass: true, Detail: fmt.Sprintf("status %d, no match", resp.Status)}, nil
}

type fileAbsent struct {
	Path string `yaml:"path" bd:"required" tmpl:"yes" doc:"file that must not exist, relative to the docroot"`
}

func (c *fileAbsent) Describe() string { return c.Path + " is gone" }

func (c *fileAbsent) Check(ctx context.Context, env *Env) (Result, error) {
	_, err := env.Target.ReadFile(ctx, env.Expand(c.Path))
	if errors.Is(err, containers.ErrNotExist) {
		return Result{Pass: true, Detail: "absent"}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Detail: "still present"}, nil
}

type fileBaseline struct {
	Path string `yaml:"path" bd:"required" tmpl:"yes" doc:"file that must equal its copy at the reset point, relative to the docroot"`
}

func (c *fileBaseline) Describe() string { return c.Path + " matches the known-good copy" }

func (c *fileBaseline) Check(ctx context.Context, env *Env) (Result, error) {
	p := env.Expand(c.Path)
	good, err := env.Target.ReadBaselineFile(ctx, p)
	if err != nil {
		return Result{}, err
	}
	now, err := env.Target.ReadFile(ctx, p)
	if errors.Is(err, containers.ErrNotExist) {
		return Result{Detail: "missing"}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if bytes.Equal(good, now) {
		return Result{Pass: true, Detail: "identical"}, nil
	}
	return Result{Detail: fmt.Sprintf("differs (%d bytes, known-good %d)", len(now), len(good))}, nil
}

type sqlNone struct {
	Query string `yaml:"query" bd:"required" tmpl:"yes" doc:"SELECT run as breachdrill's database user; passes on no rows or a single 0 or NULL (so COUNT(*) works)"`
}

func (c *sqlNone) Describe() string { return "no rows: " + clip.Line(c.Query, 100) }

// Check passes when the query returns no rows, or one row whose first
// column is 0 or NULL (so COUNT(*) works too).
func (c *sqlNone) Check(ctx context.Context, env *Env) (Result, error) {
	rows, err := env.Target.DB().QueryContext(ctx, env.Expand(c.Query))
	if err != nil {
		return Result{}, fmt.Errorf("SQL check: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	var first sql.NullString
	for rows.Next() {
		n++
		if n == 1 {
			dest := make([]any, len(cols))
			dest[0] = &first
			for i := 1; i < len(dest); i++ {
				dest[i] = new(sql.RawBytes)
			}
			if err := rows.Scan(dest...); err != nil {
				return Result{}, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Result{}, err
	}
	switch {
	case n == 0:
		return Result{Pass: true, Detail: "no rows"}, nil
	case n == 1 && (!first.Valid || first.String == "0"):
		return Result{Pass: true, Detail: "zero"}, nil
	case n == 1:
		return Result{Detail: "found " + first.String}, nil
	}
	return Result{Detail: fmt.Sprintf("%d rows", n)}, nil
}

type wpconfigIs struct{ consts []constant }

func (c *wpconfigIs) decode(p *parser, args *yaml.Node) {
	c.consts = decodeConstants(p, args, "wpconfig.is")
}

func (c *wpconfigIs) Describe() string {
	parts := make([]string, len(c.consts))
	for i, k := range c.consts {
		parts[i] = k.Name + "=" + k.PHP
	}
	return "wp-config.php has " + strings.Join(parts, ", ")
}

// Check treats a missing constant as false/null: WordPress's defaults for
// the settings scenarios change (WP_DEBUG and friends).
func (c *wpconfigIs) Check(ctx context.Context, env *Env) (Result, error) {
	src, err := env.Target.ReadFile(ctx, wpConfig)
	if err != nil {
		return Result{}, err
	}
	var wrong []string
	for _, k := range c.consts {
		got, ok := getConstant(src, k.Name)
		if !ok {
			got = "false"
		}
		if !samePHP(got, k.PHP) {
			wrong = append(wrong, fmt.Sprintf("%s is %s", k.Name, got))
		}
	}
	if len(wrong) > 0 {
		return Result{Detail: strings.Join(wrong, ", ")}, nil
	}
	return Result{Pass: true, Detail: "as expected"}, nil
}

type pluginInactive struct {
	Plugin string `yaml:"plugin" bd:"required" doc:"the plugin's main file, relative to wp-content/plugins (folder/file.php)"`
}

func (c *pluginInactive) Describe() string { return c.Plugin + " is not active" }

func (c *pluginInactive) Check(ctx context.Context, env *Env) (Result, error) {
	out, err := env.php(ctx, `echo is_plugin_active($argv[1]) ? "active" : "inactive";`, c.Plugin)
	if err != nil {
		return Result{}, err
	}
	out = strings.TrimSpace(out)
	return Result{Pass: out == "inactive", Detail: out}, nil
}

type userAbsent struct {
	Login string `yaml:"login" bd:"required" doc:"login that must not exist"`
}

func (c *userAbsent) Describe() string { return "user " + c.Login + " does not exist" }

func (c *userAbsent) Check(ctx context.Context, env *Env) (Result, error) {
	var n int
	err := env.Target.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.Target.TablePrefix()+"users WHERE user_login = ?", c.Login).Scan(&n)
	if err != nil {
		return Result{}, err
	}
	return Result{Pass: n == 0, Detail: fmt.Sprintf("%d found", n)}, nil
}

type adminsBaseline struct{}

func (c *adminsBaseline) Describe() string {
	return "the administrators are those of the reset point"
}

func (c *adminsBaseline) Check(ctx context.Context, env *Env) (Result, error) {
	live, err := administrators(ctx, env, "")
	if err != nil {
		return Result{}, err
	}
	base, err := administrators(ctx, env, env.Target.BaselineSchema()+".")
	if err != nil {
		return Result{}, err
	}
	if strings.Join(live, ",") == strings.Join(base, ",") {
		return Result{Pass: true, Detail: strings.Join(live, ", ")}, nil
	}
	return Result{Detail: fmt.Sprintf("now %v, known-good %v", live, base)}, nil
}

func administrators(ctx context.Context, env *Env, schema string) ([]string, error) {
	p := env.Target.TablePrefix()
	rows, err := env.Target.DB().QueryContext(ctx, fmt.Sprintf(
		"SELECT u.user_login FROM %[1]s%[2]susers u JOIN %[1]s%[2]susermeta m ON m.user_id = u.ID AND m.meta_key = '%[2]scapabilities' WHERE m.meta_value LIKE '%%\"administrator\"%%'",
		schema, p))
	if err != nil {
		return nil, fmt.Errorf("list administrators: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, rows.Err()
}

type sessionsNone struct {
	Login string `yaml:"login" bd:"required" tmpl:"yes" doc:"whose sessions; {{admin_user}} for the stack's administrator"`
}

func (c *sessionsNone) Describe() string { return c.Login + " has no login sessions" }

func (c *sessionsNone) Check(ctx context.Context, env *Env) (Result, error) {
	p := env.Target.TablePrefix()
	var v sql.NullString
	err := env.Target.DB().QueryRowContext(ctx,
		"SELECT m.meta_value FROM "+p+"usermeta m JOIN "+p+"users u ON u.ID = m.user_id WHERE u.user_login = ? AND m.meta_key = 'session_tokens'",
		env.Expand(c.Login)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!v.Valid || v.String == "" || v.String == "a:0:{}")) {
		return Result{Pass: true, Detail: "none"}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Detail: fmt.Sprintf("sessions present (%d bytes)", len(v.String))}, nil
}

type secretsRotated struct{}

func (c *secretsRotated) Describe() string {
	return "database password, keys and salts differ from the exposed ones"
}

func (c *secretsRotated) Check(ctx context.Context, env *Env) (Result, error) {
	src, err := env.Target.ReadFile(ctx, wpConfig)
	if err != nil {
		return Result{}, err
	}
	creds := env.Target.Credentials()
	old := map[string]string{"DB_PASSWORD": creds.DBPassword}
	for i, n := range saltNames {
		if i < len(creds.Salts) {
			old[n] = creds.Salts[i]
		}
	}
	var same []string
	for _, n := range append([]string{"DB_PASSWORD"}, saltNames...) {
		if v, ok := getConstant(src, n); ok && samePHP(v, phpString(old[n])) {
			same = append(same, n)
		}
	}
	if len(same) > 0 {
		return Result{Detail: "not rotated: " + strings.Join(same, ", ")}, nil
	}
	return Result{Pass: true, Detail: "all rotated"}, nil
}
