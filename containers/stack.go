// Package containers owns the disposable WordPress + WooCommerce + MariaDB
// stack of a drill: its images (built here from Debian packages, or the
// official ones), starting it on a private network with ports published on
// 127.0.0.1 only, exec and file access as the web server's user, log
// streams, Reset to the seeded state, and cleanup of everything it labelled.
package containers

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/go-sql-driver/mysql"
	"github.com/moby/moby/api/types/container"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
)

// Info describes a running stack; it holds no secrets.
type Info struct {
	RunID              string    `json:"run"`
	Started            time.Time `json:"started"`
	Images             Images    `json:"images"`
	ImageIDs           Images    `json:"image_ids"` // content ids (sha256:...) of the images run
	URL                string    `json:"url"`
	DBAddr             string    `json:"db_addr"`
	TablePrefix        string    `json:"table_prefix"`
	WordPressVersion   string    `json:"wordpress_version"`
	WooCommerceMode    string    `json:"woocommerce_mode"`
	WooCommerceVersion string    `json:"woocommerce_version,omitempty"`
	MariaDBVersion     string    `json:"mariadb_version"`
	PHPVersion         string    `json:"php_version"`
	ApacheVersion      string    `json:"apache_version,omitempty"`
	ModSecurityVersion string    `json:"modsecurity_version,omitempty"`
	CRSVersion         string    `json:"crs_version,omitempty"`
	// Plugins are the active plugins (must-use ones included) when the
	// stack became ready, each with a digest of its files.
	Plugins    []Plugin  `json:"plugins,omitempty"`
	ReadyAfter float64   `json:"ready_after_seconds"`
	Isolation  Isolation `json:"isolation"`
	// WAFMode is ModSecurity's mode now: off, detect or block.
	WAFMode WAFMode `json:"waf_mode"`
	// WarmSnapshot is the key of the warm snapshot the stack was restored
	// from (empty: installed and seeded cold).
	WarmSnapshot string `json:"warm_snapshot,omitempty"`
}

// Plugin is one active plugin of the drilled shop.
type Plugin struct {
	File    string `json:"file"` // relative to wp-content/plugins (or mu-plugins/...)
	Version string `json:"version,omitempty"`
	// SHA256 digests the plugin's files: `sha256sum` of every file in
	// path order, itself hashed.
	SHA256 string `json:"sha256"`
}

// Stack is one running stack. Its methods are safe for concurrent use.
type Stack struct {
	cli        *client.Client
	runID      string
	prefix     string
	dbID, wpID string
	creds      Credentials
	toolDB     *sql.DB
	appDB      *sql.DB
	info       Info
	closeOnce  sync.Once
	closeErr   error
}

// Option configures Run.
type Option func(*config)

type config struct {
	images      Images
	woocommerce string
	prefix      string
	runID       string
	keep        bool
	progress    func(string)
	timeout     time.Duration
	dbOnDisk    bool
	exactImages bool
	waf         WAFMode
	// Seeding and warm starts: see snapshot.go.
	dataset     string
	seed        func(context.Context, *Stack) error
	snapshotDir string
	builder     bool
	builderHook func(*Stack) // tests: sees a snapshot's builder before it is saved
}

// WithImages sets the images to run (default: the debian image of this
// binary, which must exist: see EnsureImages).
func WithImages(imgs Images) Option { return func(c *config) { c.images = imgs } }

// WithWooCommerce installs the WooCommerce plugin folder or zip at path and
// activates it with HPOS; without it the stack creates WooCommerce's tables.
func WithWooCommerce(path string) Option { return func(c *config) { c.woocommerce = path } }

// WithExactImages runs the images given, even where an image derived from
// them has the plugin baked in (for measurements and tests).
func WithExactImages() Option { return func(c *config) { c.exactImages = true } }

// WithTablePrefix sets WordPress's table prefix (default "wp_").
func WithTablePrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithRunID names the run instead of a random id.
func WithRunID(id string) Option { return func(c *config) { c.runID = id } }

// WithKeep marks the stack as meant to outlive this process (stack up):
// sweeps of stale runs leave it alone; stack down or gc --all remove it.
func WithKeep() Option { return func(c *config) { c.keep = true } }

// WithProgress receives one line per step while the stack starts.
func WithProgress(f func(step string)) Option { return func(c *config) { c.progress = f } }

// WithDatabaseOnDisk keeps MariaDB's data on the container's disk instead
// of in memory: for datasets larger than the machine's memory (a million
// orders), at the cost of slower loads.
func WithDatabaseOnDisk() Option { return func(c *config) { c.dbOnDisk = true } }

func databaseTmpfs(onDisk bool) map[string]string {
	if onDisk {
		return nil
	}
	return map[string]string{"/var/lib/mysql": "rw,mode=0755"}
}

// WithStartupTimeout bounds how long each container may take to be ready.
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Run starts a stack and returns it ready: WordPress installed, WooCommerce
// tables present, and a reset point taken. On any failure, and when ctx is
// cancelled, everything the run created is removed before Run returns.
func Run(ctx context.Context, opts ...Option) (*Stack, error) {
	cfg := config{prefix: "wp_", progress: func(string) {}, timeout: 90 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.images.DB == "" {
		cfg.images = ImagesFor(SourceDebian)
	}
	if cfg.runID == "" {
		cfg.runID = NewRunID()
	}
	if !prefixPattern.MatchString(cfg.prefix) {
		return nil, fault.Input(fmt.Errorf("table prefix %q: use letters, digits and '_', ending in '_' (like wp_)", cfg.prefix))
	}
	var woo *wooPlugin
	if cfg.woocommerce != "" {
		var err error
		if woo, err = loadWooPlugin(cfg.woocommerce); err != nil {
			return nil, err
		}
	}
	return run(ctx, cfg, woo, nil)
}

// run starts the stack cfg describes: restored from a warm snapshot when
// cfg asks for warm starts (building the snapshot first if there is none),
// from restore when given, else installed and seeded cold.
func run(ctx context.Context, cfg config, woo *wooPlugin, restore *warmMeta) (*Stack, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	if removed, err := sweepStale(ctx, cli); err == nil && len(removed) > 0 {
		cfg.progress(fmt.Sprintf("removed %d stale run(s) left by earlier processes", len(removed)))
	}
	if woo != nil && !cfg.exactImages && isDebianImage(cfg.images.WP) {
		// A derived image of this base with this very plugin (images build
		// --woocommerce) saves copying it in.
		if ref := wooImageRef(cfg.images.WP, woo.digest()); imageExists(ctx, cli, ref) {
			cfg.images.WP = ref
		}
	}
	for _, ref := range []string{cfg.images.DB, cfg.images.WP} {
		if !imageExists(ctx, cli, ref) {
			cli.Close()
			if ctx.Err() != nil {
				return nil, fault.Infra(fmt.Errorf("stack start interrupted: %w", ctx.Err()))
			}
			return nil, fault.Infra(fmt.Errorf("image %s is not present: run `breachdrill images build --source %s` first", ref, cfg.images.Source))
		}
	}
	if warmable(cfg) && restore == nil {
		m, err := warmSnapshot(ctx, cli, cfg, woo)
		cli.Close()
		if err != nil {
			return nil, err
		}
		cfg.progress("restoring warm snapshot " + m.Key[:12])
		return run(ctx, cfg, woo, m)
	}

	s := &Stack{cli: cli, runID: cfg.runID, prefix: cfg.prefix, creds: newCredentials()}
	if cfg.builder {
		s.creds.AdminPassword = builderAdminPassword
	}
	start := time.Now()
	if err := s.start(ctx, cfg, woo, restore); err != nil {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		cerr := s.close(cleanup, time.Second)
		if ctx.Err() != nil {
			err = fault.Infra(fmt.Errorf("stack start interrupted: %w", ctx.Err()))
		}
		if cerr != nil {
			err = fmt.Errorf("%w; cleanup after the failed start: %w", err, cerr)
		}
		return nil, err
	}
	s.info.ReadyAfter = time.Since(start).Seconds()
	return s, nil
}

func sweepStale(ctx context.Context, cli *client.Client) ([]RunSummary, error) {
	runs, err := listRuns(ctx, cli)
	if err != nil {
		return nil, err
	}
	var removed []RunSummary
	for _, r := range runs {
		if r.stale() && removeRun(ctx, cli, r) == nil {
			removed = append(removed, r)
		}
	}
	return removed, nil
}

func (s *Stack) start(ctx context.Context, cfg config, woo *wooPlugin, restore *warmMeta) error {
	labels := runLabels(cfg.runID, cfg.keep, time.Now())
	labels[labelPrefix] = cfg.prefix
	cfg.progress("creating network")
	nw, err := createNetwork(ctx, s.cli, cfg.runID, withRole(labels, "network"))
	if err != nil {
		return fault.Infra(fmt.Errorf("create network: %w", err))
	}
	// Sealed before any container starts: see network.go.
	if s.info.Isolation, err = sealRun(ctx, s.cli, cfg.runID); err != nil {
		return fault.Infra(err)
	}
	official := cfg.images.Source == SourceOfficial
	quiet := testcontainers.WithLogger(tclog.NewNoopLogger())

	dbOpts := []testcontainers.ContainerCustomizer{
		// The engine's storage here is fuse-overlayfs, where every write
		// costs a trip through a user-space daemon; the drill database is
		// disposable, so it lives in memory unless it is too big to.
		testcontainers.WithTmpfs(databaseTmpfs(cfg.dbOnDisk)),
		quiet,
		testcontainers.WithName("breachdrill-" + cfg.runID + "-db"),
		testcontainers.WithLabels(withRole(labels, string(ServiceDB))),
		network.WithNetworkName([]string{"db"}, nw),
		testcontainers.WithExposedPorts("3306/tcp"),
		testcontainers.WithHostConfigModifier(loopbackOnly("3306/tcp")),
		testcontainers.WithEnv(map[string]string{
			"MARIADB_ROOT_PASSWORD": s.creds.DBRootPassword,
			"MARIADB_DATABASE":      s.creds.DBName,
			"MARIADB_USER":          s.creds.DBUser,
			"MARIADB_PASSWORD":      s.creds.DBPassword,
			// For Attach from another process. They live here and not in
			// the web container, whose environment PHP shows (phpinfo).
			"BD_TOOL_USER":      s.creds.ToolUser,
			"BD_TOOL_PASSWORD":  s.creds.ToolPassword,
			"BD_ADMIN_PASSWORD": s.creds.AdminPassword,
		}),
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader:            strings.NewReader(fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s';\nGRANT ALL ON *.* TO '%s'@'%%';\n", s.creds.ToolUser, s.creds.ToolPassword, s.creds.ToolUser)),
			ContainerFilePath: "/docker-entrypoint-initdb.d/10-breachdrill.sql",
			// The official image runs init files as mysql, not root.
			FileMode: initFileMode(official),
		}),
		testcontainers.WithWaitStrategy(dbReady(cfg.timeout, func(addr string) *mysql.Config {
			return s.dbConfig(s.creds.ToolUser, s.creds.ToolPassword, addr, "")
		})),
	}
	if official {
		dbOpts = append(dbOpts, testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: bytes.NewReader(asset("runtime/mariadb.cnf")), ContainerFilePath: "/etc/mysql/conf.d/90-breachdrill.cnf", FileMode: 0o644,
		}, testcontainers.ContainerFile{
			// server_audit opens its file as mysql at start and cannot
			// create the folder, which the official image lacks.
			Reader: strings.NewReader(""), ContainerFilePath: "/var/log/breachdrill/server_audit.log", FileMode: 0o666,
		}))
	} else if cfg.builder || restore != nil {
		dbOpts = append(dbOpts, warmDBOptions(restore)...)
	} else {
		dbOpts = append(dbOpts, testcontainers.WithCmd("/usr/local/bin/bd-db"))
	}
	wpImage := cfg.images.WP
	if restore != nil {
		wpImage = restore.Image
	}

	phpIni := "/etc/php/8.4/apache2/conf.d/99-breachdrill.ini"
	if official {
		phpIni = "/usr/local/etc/php/conf.d/99-breachdrill.ini"
	}
	files := []testcontainers.ContainerFile{
		{Reader: bytes.NewReader(renderWPConfig(s.creds, s.prefix)), ContainerFilePath: DocRoot + "/wp-config.php", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/htaccess")), ContainerFilePath: DocRoot + "/.htaccess", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/mu-plugin.php")), ContainerFilePath: DocRoot + "/wp-content/mu-plugins/breachdrill-audit.php", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/install.php")), ContainerFilePath: "/usr/local/share/breachdrill/install.php", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/prepend.php")), ContainerFilePath: "/usr/local/share/breachdrill/prepend.php", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/apache-site.conf")), ContainerFilePath: "/etc/apache2/sites-available/000-default.conf", FileMode: 0o644},
		{Reader: bytes.NewReader(asset("runtime/php.ini")), ContainerFilePath: phpIni, FileMode: 0o644},
	}
	if !official {
		files = append(files,
			testcontainers.ContainerFile{Reader: bytes.NewReader(wafConfigFor(cfg.waf)), ContainerFilePath: wafConfig, FileMode: 0o644},
			testcontainers.ContainerFile{Reader: bytes.NewReader(wafConfigFor(cfg.waf)), ContainerFilePath: wafResetConfig, FileMode: 0o644},
			testcontainers.ContainerFile{Reader: strings.NewReader(""), ContainerFilePath: wafAuditLog, FileMode: 0o640},
			testcontainers.ContainerFile{Reader: bytes.NewReader(asset("runtime/php-cli.ini")), ContainerFilePath: "/etc/php/8.4/cli/conf.d/99-breachdrill.ini", FileMode: 0o644})
		for p, content := range wafModuleFiles {
			files = append(files, testcontainers.ContainerFile{Reader: strings.NewReader(content), ContainerFilePath: p, FileMode: 0o644})
		}
	}
	wpOpts := []testcontainers.ContainerCustomizer{
		quiet,
		testcontainers.WithName("breachdrill-" + cfg.runID + "-wp"),
		testcontainers.WithLabels(withRole(labels, string(ServiceWP))),
		network.WithNetworkName([]string{"wp"}, nw),
		testcontainers.WithExposedPorts("80/tcp"),
		testcontainers.WithHostConfigModifier(loopbackOnly("80/tcp")),
		withFiles(s.cli, files...),
		// install.php answers 200 only once Apache, PHP and the database
		// connection all work, before and after WordPress is installed.
		testcontainers.WithWaitStrategy(webReady(cfg.timeout, "/wp-admin/install.php")),
	}
	if official {
		wpOpts = append(wpOpts, testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: strings.NewReader(""), ContainerFilePath: "/var/log/breachdrill/access.json", FileMode: 0o666,
		}))
	} else {
		wpOpts = append(wpOpts, testcontainers.WithCmd("/usr/local/bin/bd-wp"))
	}

	// Both containers start at once; the web container's readiness already
	// waits for the database.
	cfg.progress("starting db and wp containers")
	var wg sync.WaitGroup
	// Concrete types on purpose: testcontainers.Run returns a nil
	// *DockerContainer when creation fails, which in an interface variable
	// would compare non-nil.
	var dbC, wpC *testcontainers.DockerContainer
	var dbErr, wpErr error
	wg.Add(2)
	go func() { defer wg.Done(); dbC, dbErr = testcontainers.Run(ctx, cfg.images.DB, dbOpts...) }()
	go func() { defer wg.Done(); wpC, wpErr = testcontainers.Run(ctx, wpImage, wpOpts...) }()
	wg.Wait()
	if dbC != nil {
		s.dbID = dbC.GetContainerID()
	}
	if wpC != nil {
		s.wpID = wpC.GetContainerID()
	}
	if dbErr != nil {
		return fault.Infra(fmt.Errorf("start db container: %w%s", dbErr, s.containerLogTail(ctx, s.dbID)))
	}
	if wpErr != nil {
		return fault.Infra(fmt.Errorf("start wp container: %w%s", wpErr, s.containerLogTail(ctx, s.wpID)))
	}

	if err := s.connect(ctx); err != nil {
		return err
	}
	if official {
		if _, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", "chown -R www-data:www-data /var/log/breachdrill && apache2ctl -k graceful"}); err != nil {
			return fault.Infra(fmt.Errorf("prepare official wp container: %w", err))
		}
	}
	// Files copied in at creation belong to root; WordPress, and scenarios
	// acting as the web server, must be able to change them.
	if _, err := s.Exec(ctx, ServiceWP, []string{"chown", "-R", "www-data:www-data",
		DocRoot + "/wp-config.php", DocRoot + "/.htaccess", DocRoot + "/wp-content/mu-plugins"}); err != nil {
		return fault.Infra(fmt.Errorf("prepare wp container: %w", err))
	}
	if restore != nil {
		cfg.images.WP = restore.Image
		return s.finishRestore(ctx, cfg, restore)
	}

	cfg.progress("installing WordPress")
	var out struct {
		WordPress   string `json:"wordpress"`
		WooCommerce string `json:"woocommerce"`
	}
	if err := s.installStep(ctx, "wordpress", &out); err != nil {
		return err
	}
	s.info.WordPressVersion = out.WordPress

	if woo != nil {
		cfg.progress("installing WooCommerce " + woo.version)
		if !bakedWooCommerce(ctx, s.cli, cfg.images.WP, woo) {
			if _, err := s.cli.CopyToContainer(ctx, s.wpID, client.CopyToContainerOptions{
				DestinationPath: DocRoot + "/wp-content/plugins", Content: woo.tar(), CopyUIDGID: true,
			}); err != nil {
				return fault.Infra(fmt.Errorf("copy WooCommerce into the stack: %w", err))
			}
		}
		if err := s.installStep(ctx, "woocommerce", &out); err != nil {
			return err
		}
		if err := s.installStep(ctx, "hpos", &out); err != nil {
			return err
		}
		s.info.WooCommerceMode, s.info.WooCommerceVersion = WooPlugin, out.WooCommerce
	} else {
		cfg.progress("creating WooCommerce tables (schema mode: no plugin given)")
		if err := s.createWooSchema(ctx); err != nil {
			return err
		}
		s.info.WooCommerceMode = WooSchema
	}

	if err := s.describe(ctx, cfg); err != nil {
		return err
	}
	if cfg.seed != nil {
		cfg.progress("seeding")
		if err := cfg.seed(ctx, s); err != nil {
			return err
		}
	}
	cfg.progress("taking the reset point")
	return s.Snapshot(ctx)
}

func (s *Stack) installStep(ctx context.Context, step string, out any) error {
	res, err := s.Exec(ctx, ServiceWP, []string{"php", "/usr/local/share/breachdrill/install.php", step},
		AsUser(WebUser), InDir(DocRoot),
		WithEnv("BD_SITE_TITLE=Drill Shop", "BD_ADMIN_USER="+s.creds.AdminUser, "BD_ADMIN_EMAIL="+s.creds.AdminEmail,
			"BD_ADMIN_PASSWORD="+s.creds.AdminPassword, "BD_HTTP_HOST="+strings.TrimPrefix(s.info.URL, "http://")))
	if err != nil {
		return fault.Infra(fmt.Errorf("install step %s: %s", step, s.creds.Mask(err.Error())))
	}
	if err := json.Unmarshal(lastLine(res.Stdout), out); err != nil {
		return fault.Infra(fmt.Errorf("install step %s: unreadable result %q", step, s.creds.Mask(string(res.Stdout))))
	}
	return nil
}

func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// loopbackOnly publishes port on 127.0.0.1 alone: the stack is vulnerable
// on purpose and must not be reachable from the network.
func loopbackOnly(port string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		p := mnet.MustParsePort(port)
		if hc.PortBindings == nil {
			hc.PortBindings = mnet.PortMap{}
		}
		hc.PortBindings[p] = []mnet.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}
	}
}

// dbConfig is the driver configuration for a connection to the stack.
// The driver's own logger stays quiet: while the database starts, the
// readiness wait sees connections dropped by design.
func (s *Stack) dbConfig(user, pass, addr, db string) *mysql.Config {
	c := mysql.NewConfig()
	c.Logger = quietLogger{}
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = user, pass, "tcp", addr, db
	c.ParseTime = true
	c.MultiStatements = true
	c.InterpolateParams = true
	c.AllowAllFiles = false
	c.Collation = "utf8mb4_unicode_520_ci"
	c.Timeout = 5 * time.Second
	return c
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

func openDB(c *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// connect finds the published ports and opens the two database handles.
func (s *Stack) connect(ctx context.Context) error {
	insp, err := s.cli.ContainerInspect(ctx, s.wpID, client.ContainerInspectOptions{})
	if err != nil {
		return fault.Infra(fmt.Errorf("inspect wp: %w", err))
	}
	web := hostPort(insp.Container.NetworkSettings.Ports, "80/tcp")
	insp, err = s.cli.ContainerInspect(ctx, s.dbID, client.ContainerInspectOptions{})
	if err != nil {
		return fault.Infra(fmt.Errorf("inspect db: %w", err))
	}
	dbp := hostPort(insp.Container.NetworkSettings.Ports, "3306/tcp")
	if web == "" || dbp == "" {
		return fault.Infra(errors.New("the containers published no ports on 127.0.0.1"))
	}
	s.info.URL = "http://127.0.0.1:" + web
	s.info.DBAddr = "127.0.0.1:" + dbp
	s.toolDB, err = openDB(s.dbConfig(s.creds.ToolUser, s.creds.ToolPassword, s.info.DBAddr, s.creds.DBName))
	if err != nil {
		return fault.Infra(err)
	}
	s.appDB, err = openDB(s.dbConfig(s.creds.DBUser, s.creds.DBPassword, s.info.DBAddr, s.creds.DBName))
	if err != nil {
		return fault.Infra(err)
	}
	if err := s.toolDB.PingContext(ctx); err != nil {
		return fault.Infra(fmt.Errorf("connect to the stack's database: %w", err))
	}
	return nil
}

func hostPort(ports mnet.PortMap, port string) string {
	for _, b := range ports[mnet.MustParsePort(port)] {
		if b.HostIP.IsLoopback() || !b.HostIP.IsValid() {
			return b.HostPort
		}
	}
	return ""
}

func (s *Stack) describe(ctx context.Context, cfg config) error {
	s.info.RunID = s.runID
	s.info.Started = time.Now().UTC()
	s.info.Images = cfg.images
	s.info.TablePrefix = s.prefix
	s.info.ImageIDs.Source = cfg.images.Source
	for _, x := range []struct {
		ref string
		id  *string
	}{{cfg.images.DB, &s.info.ImageIDs.DB}, {cfg.images.WP, &s.info.ImageIDs.WP}} {
		if insp, err := s.cli.ImageInspect(ctx, x.ref); err == nil {
			*x.id = insp.ID
		}
	}
	if err := s.toolDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&s.info.MariaDBVersion); err != nil {
		return fault.Infra(fmt.Errorf("database version: %w", err))
	}
	res, err := s.Exec(ctx, ServiceWP, []string{"php", "-r", "echo PHP_VERSION;"})
	if err != nil {
		return fault.Infra(fmt.Errorf("PHP version: %w", err))
	}
	s.info.PHPVersion = string(res.Stdout)
	return s.describeTarget(ctx)
}

func (s *Stack) containerLogTail(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	rc, err := s.cli.ContainerLogs(context.WithoutCancel(ctx), id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "15"})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out, errb bytes.Buffer
	_, _ = stdcopyAll(&out, &errb, rc)
	text := strings.TrimSpace(out.String() + errb.String())
	if text == "" {
		return ""
	}
	return "\ncontainer log:\n" + s.creds.Mask(text)
}

// Info describes the stack.
func (s *Stack) Info() Info { return s.info }

// RunID names the run; labels, container names and gc use it.
func (s *Stack) RunID() string { return s.runID }

// URL is the stack's web address on 127.0.0.1.
func (s *Stack) URL() string { return s.info.URL }

// TablePrefix is WordPress's table prefix.
func (s *Stack) TablePrefix() string { return s.prefix }

// Credentials returns the run's credentials. Mask before logging anything.
func (s *Stack) Credentials() Credentials { return s.creds }

// DB is a connection as breachdrill's own database user: it seeds, checks
// and resets, and MariaDB's audit log leaves it out.
func (s *Stack) DB() *sql.DB { return s.toolDB }

// AppDB is a connection as the shop's own database user, the one WordPress
// and its plugins use; the audit log sees everything it does.
func (s *Stack) AppDB() *sql.DB { return s.appDB }

// Release lets go of a stack without removing it: its database handles
// and engine connection are closed, the containers keep running (for a
// stack attached with Attach that someone else owns).
func (s *Stack) Release() {
	s.closeOnce.Do(func() {
		if s.toolDB != nil {
			s.toolDB.Close()
		}
		if s.appDB != nil {
			s.appDB.Close()
		}
		s.cli.Close()
	})
}

// Close removes every container and network of the run. It is safe to call
// more than once and from a signal handler's goroutine.
func (s *Stack) Close(ctx context.Context) error { return s.close(ctx, 0) }

// close removes the run, then keeps looking for settle: a create request
// cut off by a cancelled context may still be carried out by the engine
// after the first look, and its container or network must not be left.
func (s *Stack) close(ctx context.Context, settle time.Duration) error {
	s.closeOnce.Do(func() {
		if s.toolDB != nil {
			s.toolDB.Close()
		}
		if s.appDB != nil {
			s.appDB.Close()
		}
		s.closeErr = removeRunID(ctx, s.cli, s.runID)
		for deadline := time.Now().Add(settle); s.closeErr == nil && time.Now().Before(deadline); {
			select {
			case <-ctx.Done():
				s.closeErr = ctx.Err()
			case <-time.After(250 * time.Millisecond):
				s.closeErr = removeRunID(ctx, s.cli, s.runID)
			}
		}
		s.cli.Close()
	})
	return s.closeErr
}

func initFileMode(official bool) int64 {
	if official {
		return 0o644
	}
	return 0o600
}
