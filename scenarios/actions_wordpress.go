package scenarios

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

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
