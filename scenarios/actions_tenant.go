package scenarios

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/clip"
)

// A tenant is a second shop on the stack's database server, as cheap
// shared hosting puts several customers' shops on one MariaDB. It is the
// second shop's database (its WooCommerce customer tables, filled with its
// own synthetic customers and canaries), not a second running WordPress.
var tenantNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

const tenantNameRule = "lower-case letters and digits, 2 to 16, starting with a letter"

func validTenantName(name string) error {
	if !tenantNamePattern.MatchString(name) {
		return fmt.Errorf("name %q: use %s, like shopb", name, tenantNameRule)
	}
	return nil
}

// tenantSchema is the tenant's database; tenantUser its own database
// user once isolated. Both derive from the name, so revert finds them
// whatever state the run stopped in.
func tenantSchema(name string) string { return "tenant_" + name }
func tenantUser(name string) string   { return "tenant_" + name }

// tenantTables are the second shop's customer tables, created like the
// first shop's so that a query written for one reads the other.
var tenantTables = []string{"wc_customer_lookup", "wc_order_addresses"}

// tenantDomain is the reserved domain of a tenant's customer addresses, so
// that its records are told apart from the first shop's wherever they
// turn up.
func tenantDomain(name string) string { return name + ".example.net" }

type tenantCreate struct {
	Name      string `yaml:"name" bd:"required" pattern:"^[a-z][a-z0-9]{1,15}$" doc:"the tenant's short name (lower-case letters and digits); its database is tenant_<name>"`
	Customers int    `yaml:"customers" default:"30" min:"1" max:"1000" doc:"how many synthetic customers the tenant's shop has (canaries among them)"`
	Seed      int    `yaml:"seed" default:"2" min:"1" max:"1000000" doc:"seed of the tenant's dataset; differs from the shop's so the two hold different people"`
}

func (a *tenantCreate) validate() error {
	if err := validTenantName(a.Name); err != nil {
		return err
	}
	if a.Customers < 0 || a.Customers > 1000 {
		return fmt.Errorf("customers %d: use 1 to 1000", a.Customers)
	}
	if a.Seed < 0 || a.Seed > 1000000 {
		return fmt.Errorf("seed %d: use 1 to 1000000", a.Seed)
	}
	return nil
}

func (a *tenantCreate) customers() int {
	if a.Customers == 0 {
		return 30
	}
	return a.Customers
}

func (a *tenantCreate) seed() uint64 {
	if a.Seed == 0 {
		return 2
	}
	return uint64(a.Seed)
}

func (a *tenantCreate) Describe() string {
	return fmt.Sprintf("create tenant %s: database %s with %d synthetic customers (@%s), readable and writable by the shop's own database user (one user for every tenant, as cheap shared hosting does)",
		a.Name, tenantSchema(a.Name), a.customers(), tenantDomain(a.Name))
}

// Run builds the tenant's tables as breachdrill's database user (which the
// audit log leaves out: this is the hosting, not the attack), fills them
// from fakedata, and grants the shared user as the hosting's root would.
func (a *tenantCreate) Run(ctx context.Context, env *Env) error {
	d, err := fakedata.New(fakedata.Spec{Seed: a.seed(), Customers: a.customers(), Orders: a.customers(), TablePrefix: env.Target.TablePrefix()})
	if err != nil {
		return fmt.Errorf("tenant %s dataset: %w", a.Name, err)
	}
	schema, p := tenantSchema(a.Name), env.Target.TablePrefix()
	shop := env.Target.Credentials().DBName
	conn, err := env.Target.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("tenant %s: %w", a.Name, err)
	}
	defer conn.Close()
	stmts := []string{
		"DROP DATABASE IF EXISTS `" + schema + "`",
		"CREATE DATABASE `" + schema + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci",
	}
	for _, t := range tenantTables {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE `%s`.`%s%s` LIKE `%s`.`%s%s`", schema, p, t, shop, p, t))
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("tenant %s: %s: %w", a.Name, q, err)
		}
	}
	domain := tenantDomain(a.Name)
	for i := range a.customers() {
		c := d.Customer(i)
		email := rehome(c.Email, domain)
		b := c.Billing
		id := int64(i + 1)
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO `%s`.`%swc_customer_lookup` (customer_id, user_id, username, first_name, last_name, email, date_registered, country, postcode, city, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", schema, p),
			id, id, c.Login, c.FirstName, c.LastName, email, c.Registered, b.Country, b.Postcode, b.City, b.State); err != nil {
			return fmt.Errorf("tenant %s customer %d: %w", a.Name, i, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO `%s`.`%swc_order_addresses` (id, order_id, address_type, first_name, last_name, company, address_1, address_2, city, state, postcode, country, email, phone) VALUES (?, ?, 'billing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", schema, p),
			id, 1000+id, b.FirstName, b.LastName, b.Company, b.Address1, b.Address2, b.City, b.State, b.Postcode, b.Country, rehome(b.Email, domain), b.Phone); err != nil {
			return fmt.Errorf("tenant %s address %d: %w", a.Name, i, err)
		}
	}
	return rootSQL(ctx, env, fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON `%s`.* TO '%s'@'%%';", schema, env.Target.Credentials().DBUser))
}

// rehome moves an address to the tenant's reserved domain, keeping the
// local part (and with it a canary's marker).
func rehome(email, domain string) string {
	local, _, ok := strings.Cut(email, "@")
	if !ok {
		return email
	}
	return local + "@" + domain
}

// rootSQL runs statements as the database server's root, inside the
// database container, from stdin: GRANT needs the grant option, which
// breachdrill's own user lacks, and a password in a statement never
// appears on a command line. server_audit masks IDENTIFIED BY.
func rootSQL(ctx context.Context, env *Env, stmts string) error {
	_, err := env.Target.Exec(ctx, containers.ServiceDB,
		[]string{"sh", "-c", `MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb -uroot --batch`},
		containers.WithStdin(strings.NewReader(stmts)))
	if err != nil {
		return fmt.Errorf("as the database's root: %w", err)
	}
	return nil
}

type tenantIsolate struct {
	Name string `yaml:"name" bd:"required" pattern:"^[a-z][a-z0-9]{1,15}$" doc:"the tenant to give its own database user"`
}

func (a *tenantIsolate) validate() error { return validTenantName(a.Name) }

func (a *tenantIsolate) Describe() string {
	return fmt.Sprintf("isolate tenant %s: its own database user %s with rights on %s only (new password); the shop's user loses every right there",
		a.Name, tenantUser(a.Name), tenantSchema(a.Name))
}

// Run gives the tenant a user of its own and takes the shared user's
// rights away, then proves the tenant's user still reads its own shop.
func (a *tenantIsolate) Run(ctx context.Context, env *Env) error {
	schema, user := tenantSchema(a.Name), tenantUser(a.Name)
	pw := randomToken(24)
	env.Secret(pw)
	env.setState("tenant:"+a.Name+":password", pw)
	stmts := fmt.Sprintf(`CREATE OR REPLACE USER '%[2]s'@'%%' IDENTIFIED BY '%[3]s';
GRANT SELECT, INSERT, UPDATE, DELETE ON `+"`%[1]s`"+`.* TO '%[2]s'@'%%';
REVOKE ALL PRIVILEGES ON `+"`%[1]s`"+`.* FROM '%[4]s'@'%%';
`, schema, user, pw, env.Target.Credentials().DBUser)
	if err := rootSQL(ctx, env, stmts); err != nil {
		return fmt.Errorf("isolate tenant %s: %w", a.Name, err)
	}
	if _, err := tenantRead(ctx, env, a.Name, pw); err != nil {
		return fmt.Errorf("isolate tenant %s: its own user cannot read its shop: %w", a.Name, err)
	}
	return nil
}

// tenantRead counts the tenant's customers as the tenant's own user, from
// the database container (the user exists for '%').
func tenantRead(ctx context.Context, env *Env, name, pw string) (string, error) {
	q := fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`%swc_customer_lookup`", tenantSchema(name), env.Target.TablePrefix())
	res, err := env.Target.Exec(ctx, containers.ServiceDB,
		[]string{"mariadb", "-h", "127.0.0.1", "-u", tenantUser(name), "--batch", "--skip-column-names", "-e", q},
		containers.WithEnv("MYSQL_PWD="+pw))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}

type tenantDrop struct {
	Name string `yaml:"name" bd:"required" pattern:"^[a-z][a-z0-9]{1,15}$" doc:"the tenant to remove"`
}

func (a *tenantDrop) validate() error { return validTenantName(a.Name) }

func (a *tenantDrop) Describe() string {
	return fmt.Sprintf("remove tenant %s: its database, its user and every right on it", a.Name)
}

// Run removes what tenant.create and tenant.isolate made, whichever of
// them ran: the reset point covers the shop's own database only. Rights
// on a dropped database outlive it, so they are deleted first.
func (a *tenantDrop) Run(ctx context.Context, env *Env) error {
	schema := tenantSchema(a.Name)
	return rootSQL(ctx, env, fmt.Sprintf(`DELETE FROM mysql.db WHERE Db = '%[1]s';
DELETE FROM mysql.tables_priv WHERE Db = '%[1]s';
FLUSH PRIVILEGES;
DROP USER IF EXISTS '%[2]s'@'%%';
DROP DATABASE IF EXISTS `+"`%[1]s`"+`;
`, schema, tenantUser(a.Name)))
}

type tenantIsolated struct {
	Name string `yaml:"name" bd:"required" pattern:"^[a-z][a-z0-9]{1,15}$" doc:"the tenant whose database the shop must no longer reach"`
}

func (c *tenantIsolated) validate() error { return validTenantName(c.Name) }

func (c *tenantIsolated) Describe() string {
	return fmt.Sprintf("the shop's database user cannot read tenant %s's customers, and the tenant's own user can", c.Name)
}

var deniedPattern = regexp.MustCompile(`(?i)command denied|access denied`)

// Check makes the cross-tenant read for real, through WordPress with the
// shop's current credentials (a fresh connection, as a plugin gets), and
// then reads as the tenant's own user: isolation that broke the tenant's
// shop is not containment.
func (c *tenantIsolated) Check(ctx context.Context, env *Env) (Result, error) {
	q := fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`%swc_customer_lookup`", tenantSchema(c.Name), env.Target.TablePrefix())
	out, err := env.php(ctx, `global $wpdb; $wpdb->suppress_errors(true); $n = $wpdb->get_var($argv[1]);
echo $wpdb->last_error !== '' ? 'error: ' . $wpdb->last_error : 'read: ' . $n;`, q)
	if err != nil {
		return Result{}, err
	}
	out = strings.TrimSpace(out)
	switch {
	case strings.HasPrefix(out, "read: "):
		return Result{Detail: "the shop's user still reads " + strings.TrimPrefix(out, "read: ") + " of the tenant's customers"}, nil
	case !deniedPattern.MatchString(out):
		return Result{}, fmt.Errorf("cross-tenant read failed for another reason than a denial: %s", clip.Line(out, 200))
	}
	pw := env.getState("tenant:" + c.Name + ":password")
	if pw == "" {
		return Result{Detail: "the shop's user is denied, but the tenant has no user of its own (tenant.isolate did not run)"}, nil
	}
	n, err := tenantRead(ctx, env, c.Name, pw)
	var exit *containers.ExitError
	if errors.As(err, &exit) {
		return Result{Detail: "the shop's user is denied, and so is the tenant's own: " + clip.Line(exit.Stderr, 160)}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Pass: true, Detail: fmt.Sprintf("the shop's user is denied (%s); the tenant's own user reads its %s customers", clip.Line(out, 120), n)}, nil
}
