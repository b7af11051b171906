package scenarios

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/clip"
)

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

func (a *sqlExec) Describe() string { return "run SQL: " + clip.Line(a.Query, 120) }

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

type sqlExport struct {
	Query string `yaml:"query" bd:"required" tmpl:"yes" doc:"SELECT whose rows become the CSV (with a header row)"`
	To    string `yaml:"to" bd:"required" tmpl:"yes" doc:"docroot file the CSV is written to"`
}

func (a *sqlExport) Describe() string {
	return "export query results to " + a.To + ": " + clip.Line(a.Query, 80)
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
