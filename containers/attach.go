package containers

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/client"
)

// Attach connects to a stack another process started (breachdrill stack
// up), by run id. Everything it needs is in the containers themselves: the
// credentials in their environment and wp-config.php, the reset point in
// the database and the docroot copy. Close on an attached stack removes it.
func Attach(ctx context.Context, runID string) (*Stack, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	s, err := attach(ctx, cli, runID)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return s, nil
}

func attach(ctx context.Context, cli *client.Client, runID string) (*Stack, error) {
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("label", labelRun+"="+runID)})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("list containers of run %s: %w", runID, err))
	}
	s := &Stack{cli: cli, runID: runID, prefix: "wp_"}
	env := map[string]string{}
	for _, c := range list.Items {
		switch Service(c.Labels[labelRole]) {
		case ServiceDB:
			s.dbID = c.ID
			s.info.Images.DB = c.Image
		case ServiceWP:
			s.wpID = c.ID
			s.info.Images.WP = c.Image
		}
		if p := c.Labels[labelPrefix]; p != "" {
			s.prefix = p
		}
		if t, err := time.Parse(time.RFC3339, c.Labels[labelCreated]); err == nil {
			s.info.Started = t
		}
		insp, err := cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			return nil, fault.Infra(fmt.Errorf("inspect %.12s: %w", c.ID, err))
		}
		for _, kv := range insp.Container.Config.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	if s.dbID == "" || s.wpID == "" {
		return nil, fault.Input(fmt.Errorf("no running stack with run id %q: `breachdrill stack list` shows the runs", runID))
	}
	s.info.Images.Source = SourceDebian
	if !isDebianImage(s.info.Images.DB) {
		s.info.Images.Source = SourceOfficial
	}
	s.creds = Credentials{
		AdminUser: "drilladmin", AdminPassword: env["BD_ADMIN_PASSWORD"], AdminEmail: "admin@shop.example.com",
		DBName: env["MARIADB_DATABASE"], DBUser: env["MARIADB_USER"], DBPassword: env["MARIADB_PASSWORD"],
		DBRootPassword: env["MARIADB_ROOT_PASSWORD"], ToolUser: "breachdrill", ToolPassword: env["BD_TOOL_PASSWORD"],
	}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	cfg, err := s.ReadFile(ctx, "wp-config.php")
	if err != nil {
		return nil, err
	}
	for _, n := range saltNames {
		m := regexp.MustCompile(`define\(\s*'` + n + `',\s*'([^']*)'`).FindSubmatch(cfg)
		if m != nil {
			s.creds.Salts = append(s.creds.Salts, string(m[1]))
		}
	}
	if err := s.describe(ctx, config{images: s.info.Images}); err != nil {
		return nil, err
	}
	s.info.WooCommerceMode = WooSchema
	var active string
	_ = s.toolDB.QueryRowContext(ctx, "SELECT option_value FROM `"+s.prefix+"options` WHERE option_name = 'active_plugins'").Scan(&active)
	if strings.Contains(active, "woocommerce/woocommerce.php") {
		s.info.WooCommerceMode = WooPlugin
		_ = s.toolDB.QueryRowContext(ctx, "SELECT option_value FROM `"+s.prefix+"options` WHERE option_name = 'woocommerce_version'").Scan(&s.info.WooCommerceVersion)
	}
	var wpVersion string
	if res, err := s.Exec(ctx, ServiceWP, []string{"php", "-r", `include "/var/www/html/wp-includes/version.php"; echo $wp_version;`}); err == nil {
		wpVersion = string(res.Stdout)
	}
	s.info.WordPressVersion = wpVersion
	s.info.Isolation = runIsolation(ctx, cli, runID)
	return s, nil
}
