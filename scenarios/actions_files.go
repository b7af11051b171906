package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
