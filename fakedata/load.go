package fakedata

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/go-sql-driver/mysql"
)

// Progress is reported after every chunk a load commits.
type Progress struct {
	Phase   string        // "customers", "orders", "products" or "cleanup"
	Done    int           // records of the phase loaded so far
	Total   int           // records of the phase
	Rows    int64         // rows loaded so far, all tables
	Elapsed time.Duration // since the load started
}

// LoadOption changes how Load works.
type LoadOption func(*loadConfig)

type loadConfig struct {
	progress func(Progress)
	cleanup  time.Duration
}

// WithProgress receives a Progress after every chunk.
func WithProgress(f func(Progress)) LoadOption { return func(c *loadConfig) { c.progress = f } }

// WithCleanupTimeout bounds how long a failed load may take to remove what
// it wrote (default 10 minutes).
func WithCleanupTimeout(d time.Duration) LoadOption { return func(c *loadConfig) { c.cleanup = d } }

// Load puts the dataset into the WordPress database db is connected to
// (breachdrill's own user: it needs LOAD DATA LOCAL and the breachdrill
// database) and returns its manifest, which it also saves.
//
// Loading is idempotent: a stack that already holds this dataset is left
// as it is. A stack seeded with anything else is refused. Rows go in with
// LOAD DATA, one transaction per chunk of records; the manifest says
// "loading" until the last chunk is in. When a load fails it removes what
// it wrote; if even that fails, the manifest stays "loading", LoadManifest
// reports the dataset unusable, and the next Load removes it first.
func Load(ctx context.Context, db *sql.DB, d *Dataset, opts ...LoadOption) (Manifest, error) {
	cfg := loadConfig{progress: func(Progress) {}, cleanup: 10 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Manifest{}, fault.Infra(fmt.Errorf("seed: connect to the database: %w", err))
	}
	defer conn.Close()
	var database string
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&database); err != nil || database == "" {
		return Manifest{}, fault.Infra(fmt.Errorf("seed: the connection names no database (%v)", err))
	}
	// Two loads into one stack would interleave their chunks.
	var locked sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", "breachdrill-seed:"+database).Scan(&locked); err != nil {
		return Manifest{}, fault.Infra(fmt.Errorf("seed: %w", err))
	}
	if locked.Int64 != 1 {
		return Manifest{}, fault.Input(fmt.Errorf("seed: another seed is loading into database %s right now", database))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", "breachdrill-seed:"+database)

	prefix := d.spec.TablePrefix
	if err := checkSchema(ctx, conn, database, prefix); err != nil {
		return Manifest{}, err
	}
	if err := checkProductTerms(ctx, conn, prefix); err != nil {
		return Manifest{}, err
	}
	if err := ensureManifestStore(ctx, conn); err != nil {
		return Manifest{}, err
	}
	want := d.manifest(database)
	prev, err := loadManifest(ctx, conn, database)
	switch {
	case errors.Is(err, ErrNotSeeded):
	case errors.Is(err, ErrIncomplete):
		cfg.progress(Progress{Phase: "cleanup"})
		if err := removeDataset(ctx, conn, prev); err != nil {
			return Manifest{}, fmt.Errorf("seed: removing the unfinished dataset of an earlier seed: %w", err)
		}
		if err := deleteManifest(ctx, conn, database); err != nil {
			return Manifest{}, err
		}
	case err != nil:
		return Manifest{}, err
	case prev.sameData(want):
		if err := checkPresent(ctx, conn, prev); err != nil {
			return Manifest{}, err
		}
		return prev, nil
	default:
		s := prev.Spec
		return Manifest{}, fault.Input(fmt.Errorf(
			"seed: the stack already holds a dataset (seed %d, %d customers, %d orders); loading seed %d with %d customers and %d orders beside it would mix two datasets: start a new stack for it",
			s.Seed, s.Customers, s.Orders, d.spec.Seed, d.spec.Customers, d.spec.Orders))
	}
	if err := checkFree(ctx, conn, want); err != nil {
		return Manifest{}, err
	}
	if err := saveManifest(ctx, conn, want); err != nil {
		return Manifest{}, err
	}

	gen, err := d.load(ctx, conn, cfg)
	if err != nil {
		// Clean up on a connection of its own: the load's may be the thing
		// that broke, and ctx may be what stopped it.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.cleanup)
		defer cancel()
		cfg.progress(Progress{Phase: "cleanup"})
		cerr := removeDataset(cctx, db, want)
		if cerr == nil {
			cerr = deleteManifest(cctx, db, database)
		}
		if cerr != nil {
			return Manifest{}, errors.Join(err, fault.Infra(fmt.Errorf(
				"seed: part of the dataset stays in the stack, marked unusable in %s; seeding again removes it: %w", manifestTable, cerr)))
		}
		return Manifest{}, fmt.Errorf("%w (everything it had loaded was removed)", err)
	}
	want.State = StateComplete
	want.DataSHA256 = gen.digest
	for t, n := range gen.rows {
		want.Tables = append(want.Tables, TableRows{Table: tableDefs[t].name, Rows: n})
	}
	if err := saveManifest(ctx, conn, want); err != nil {
		return Manifest{}, err
	}
	return want, nil
}

// requiredTables are the tables a dataset writes; WordPress's and
// WooCommerce's.
func requiredTables(prefix string) []string {
	out := make([]string, 0, numTables)
	for _, t := range tableDefs {
		out = append(out, prefix+t.name)
	}
	return out
}

func checkSchema(ctx context.Context, conn *sql.Conn, database, prefix string) error {
	rows, err := conn.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", database)
	if err != nil {
		return fault.Infra(fmt.Errorf("seed: list tables: %w", err))
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fault.Infra(fmt.Errorf("seed: list tables: %w", err))
		}
		have[n] = true
	}
	if err := rows.Err(); err != nil {
		return fault.Infra(fmt.Errorf("seed: list tables: %w", err))
	}
	var missing []string
	for _, t := range requiredTables(prefix) {
		if !have[t] {
			missing = append(missing, t)
		}
	}
	switch {
	case len(missing) == 0:
		return nil
	case !have[prefix+"posts"]:
		return fault.Input(fmt.Errorf("seed: database %s has no WordPress tables with prefix %q", database, prefix))
	default:
		return fault.Input(fmt.Errorf("seed: database %s lacks WooCommerce's tables (%s): the stack needs WooCommerce (its plugin with HPOS, or the stack's schema mode)",
			database, strings.Join(missing, ", ")))
	}
}

// rangeChecks are the id columns a dataset's ranges cover.
func rangeChecks(m Manifest) []struct {
	table, column string
	r             Range
} {
	p := m.Spec.TablePrefix
	return []struct {
		table, column string
		r             Range
	}{
		{p + "users", "ID", m.IDs.Users},
		{p + "usermeta", "user_id", m.IDs.Users},
		{p + "wc_customer_lookup", "customer_id", m.IDs.Lookup},
		{p + "woocommerce_payment_tokens", "token_id", m.IDs.Tokens},
		{p + "woocommerce_payment_tokenmeta", "payment_token_id", m.IDs.Tokens},
		{p + "posts", "ID", m.IDs.Products},
		{p + "postmeta", "post_id", m.IDs.Products},
		{p + "posts", "ID", m.IDs.Orders},
		{p + "postmeta", "post_id", m.IDs.Orders},
		{p + "wc_orders", "id", m.IDs.Orders},
		{p + "wc_order_addresses", "order_id", m.IDs.Orders},
		{p + "wc_order_operational_data", "order_id", m.IDs.Orders},
		{p + "wc_orders_meta", "order_id", m.IDs.Orders},
		{p + "woocommerce_order_items", "order_item_id", m.IDs.Items},
		{p + "woocommerce_order_itemmeta", "order_item_id", m.IDs.Items},
		{p + "wc_order_stats", "order_id", m.IDs.Orders},
		{p + "wc_order_product_lookup", "order_item_id", m.IDs.Items},
		{p + "wc_order_tax_lookup", "order_id", m.IDs.Orders},
		{p + "wc_product_meta_lookup", "product_id", m.IDs.Products},
		{p + "term_relationships", "object_id", m.IDs.Products},
		{p + "woocommerce_tax_rates", "tax_rate_id", m.IDs.TaxRates},
		{p + "comments", "comment_post_ID", m.IDs.Orders},
	}
}

// checkFree refuses a stack that already has rows where the dataset goes:
// loading would fail half-way on a duplicate key, or mix someone else's
// rows into the dataset.
func checkFree(ctx context.Context, conn *sql.Conn, m Manifest) error {
	for _, c := range rangeChecks(m) {
		if c.r.Last < c.r.First {
			continue
		}
		var n int64
		q := fmt.Sprintf("SELECT COUNT(*) FROM `%s` WHERE `%s` BETWEEN ? AND ?", c.table, c.column)
		if err := conn.QueryRowContext(ctx, q, c.r.First, c.r.Last).Scan(&n); err != nil {
			return fault.Infra(fmt.Errorf("seed: %w", err))
		}
		if n > 0 {
			return fault.Input(fmt.Errorf("seed: %s already has %d rows with %s in %d..%d, where the dataset goes, and no breachdrill manifest says whose they are: seed a fresh stack",
				c.table, n, c.column, c.r.First, c.r.Last))
		}
	}
	return nil
}

// checkPresent makes sure a stack whose manifest says it holds the dataset
// still has its users and orders.
func checkPresent(ctx context.Context, conn *sql.Conn, m Manifest) error {
	p := m.Spec.TablePrefix
	for _, c := range []struct {
		table, column string
		r             Range
		want          int
	}{
		{p + "users", "ID", m.IDs.Users, m.Spec.Customers},
		{p + "wc_orders", "id", m.IDs.Orders, m.Spec.Orders},
	} {
		var n int
		q := fmt.Sprintf("SELECT COUNT(*) FROM `%s` WHERE `%s` BETWEEN ? AND ?", c.table, c.column)
		if err := conn.QueryRowContext(ctx, q, c.r.First, c.r.Last).Scan(&n); err != nil {
			return fault.Infra(fmt.Errorf("seed: %w", err))
		}
		if n != c.want {
			return fault.Infra(fmt.Errorf("seed: the stack's manifest says it holds seed %d, but %s has %d of its %d rows: the stack was changed behind breachdrill's back; start a new stack",
				m.Spec.Seed, c.table, n, c.want))
		}
	}
	return nil
}

// removeDataset deletes every row in the dataset's id ranges, a slice of
// ids at a time so that no transaction grows large.
func removeDataset(ctx context.Context, db execer, m Manifest) error {
	const slice = 20000
	for _, c := range rangeChecks(m) {
		for first := c.r.First; first <= c.r.Last; first += slice {
			last := min(first+slice-1, c.r.Last)
			q := fmt.Sprintf("DELETE FROM `%s` WHERE `%s` BETWEEN ? AND ?", c.table, c.column)
			if _, err := db.ExecContext(ctx, q, first, last); err != nil {
				return fault.Infra(fmt.Errorf("remove dataset from %s: %w", c.table, err))
			}
		}
	}
	if _, err := db.ExecContext(ctx, recountProductTerms(m.Spec.TablePrefix)); err != nil {
		return fault.Infra(fmt.Errorf("remove dataset: recount product terms: %w", err))
	}
	return nil
}

// productTermsJoin selects the two terms WooCommerce gives a simple
// product saved without a category: product_type "simple" and the default
// product category (option default_product_cat). Term ids differ from
// stack to stack, so they are looked up here rather than generated.
func productTermsJoin(p string) string {
	return "`" + p + "term_taxonomy` tt JOIN `" + p + "terms` t ON t.term_id = tt.term_id" +
		" WHERE ((tt.taxonomy = 'product_type' AND t.slug = 'simple')" +
		" OR (tt.taxonomy = 'product_cat' AND tt.term_id = (SELECT CAST(option_value AS UNSIGNED) FROM `" + p + "options` WHERE option_name = 'default_product_cat')))"
}

// recountProductTerms sets the counts WordPress keeps per term (published
// objects) for the product terms the dataset uses.
func recountProductTerms(p string) string {
	return "UPDATE `" + p + "term_taxonomy` SET count = (SELECT COUNT(*) FROM `" + p + "term_relationships` tr JOIN `" + p + "posts` po ON po.ID = tr.object_id" +
		" WHERE tr.term_taxonomy_id = `" + p + "term_taxonomy`.term_taxonomy_id AND po.post_status = 'publish')" +
		" WHERE term_taxonomy_id IN (SELECT tt.term_taxonomy_id FROM " + productTermsJoin(p) + ")"
}

// checkProductTerms refuses a stack without WooCommerce's product_type
// terms: its products would be invisible to wc_get_products().
func checkProductTerms(ctx context.Context, conn *sql.Conn, p string) error {
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+productTermsJoin(p)).Scan(&n); err != nil {
		return fault.Infra(fmt.Errorf("seed: look up product terms: %w", err))
	}
	if n != 2 {
		return fault.Input(fmt.Errorf("seed: the stack lacks WooCommerce's product terms (product_type \"simple\" and the default product category, %d of 2 found): WooCommerce did not install them", n))
	}
	return nil
}

// linkProducts gives the dataset's products their terms, in the chunk's
// transaction.
func linkProducts(ctx context.Context, tx *sql.Tx, p string, products Range) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO `"+p+"term_relationships` (object_id, term_taxonomy_id, term_order) SELECT po.ID, tt.term_taxonomy_id, 0 FROM `"+p+"posts` po JOIN "+
		productTermsJoin(p)+" AND po.ID BETWEEN ? AND ? AND po.post_type = 'product'", products.First, products.Last)
	if err == nil {
		_, err = tx.ExecContext(ctx, recountProductTerms(p))
	}
	if err != nil {
		return loadError(ctx, "product terms", err)
	}
	return nil
}

// load generates chunks on one goroutine while this one loads the
// previous chunk, so the database never waits for the generator.
func (d *Dataset) load(ctx context.Context, conn *sql.Conn, cfg loadConfig) (generation, error) {
	if _, err := conn.ExecContext(ctx, "SET SESSION time_zone = '+00:00'"); err != nil {
		return generation{}, fault.Infra(fmt.Errorf("seed: %w", err))
	}
	columns, err := loadColumns(ctx, conn, d.spec.TablePrefix)
	if err != nil {
		return generation{}, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	handler := "breachdrill-seed-" + hex.EncodeToString(id[:]) + "-"

	const inFlight = 3 // one being generated, one queued, one loading
	free := make(chan *chunk, inFlight)
	for range inFlight {
		free <- new(chunk)
	}
	full := make(chan *chunk, inFlight)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var gen generation
	genErr := make(chan error, 1)
	go func() {
		defer close(full)
		var err error
		gen, err = d.generate(gctx,
			func(ctx context.Context) (*chunk, error) {
				select {
				case c := <-free:
					c.reset()
					return c, nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			},
			func(c *chunk) error {
				select {
				case full <- c:
					return nil
				case <-gctx.Done():
					return gctx.Err()
				}
			})
		genErr <- err
	}()

	start := time.Now()
	var rows int64
	var loadErr error
	for c := range full {
		if loadErr != nil {
			continue // drain, so the generator can finish
		}
		n, err := loadChunk(ctx, conn, handler, d.spec.TablePrefix, columns, c, d.productRange())
		if err != nil {
			loadErr = err
			cancel()
			continue
		}
		rows += n
		cfg.progress(Progress{Phase: c.phase, Done: c.done, Total: c.total, Rows: rows, Elapsed: time.Since(start)})
		free <- c
	}
	err = <-genErr
	switch {
	case loadErr != nil:
		return gen, loadErr
	case ctx.Err() != nil:
		return gen, fault.Infra(fmt.Errorf("seed: interrupted: %w", ctx.Err()))
	case err != nil:
		return gen, fmt.Errorf("seed: generate: %w", err)
	}
	return gen, nil
}

// newerColumns are columns the rows fill that older WooCommerce releases
// lack: wc_product_meta_lookup.global_unique_id came with 9.1. On a stack
// running such a release (7.9 still works) the field is read into a user
// variable and dropped, so the rows, and the dataset's digest, stay one.
var newerColumns = []struct {
	table  tableID
	column string
}{
	{tProductMeta, "global_unique_id"},
}

// loadColumns is the LOAD DATA column list of every table for this stack.
func loadColumns(ctx context.Context, conn *sql.Conn, prefix string) ([numTables]string, error) {
	var cols [numTables]string
	for t := range tableDefs {
		cols[t] = tableDefs[t].columns
	}
	for _, nc := range newerColumns {
		var n int
		err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
			prefix+tableDefs[nc.table].name, nc.column).Scan(&n)
		if err != nil {
			return cols, fault.Infra(fmt.Errorf("seed: look up columns: %w", err))
		}
		if n == 0 {
			cols[nc.table] = strings.Replace(cols[nc.table], ", "+nc.column+",", ", @"+nc.column+",", 1)
		}
	}
	return cols, nil
}

// loadChunk loads one chunk in one transaction: every record of the chunk
// is in all its tables, or in none.
func loadChunk(ctx context.Context, conn *sql.Conn, handler, prefix string, columns [numTables]string, c *chunk, products Range) (int64, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, loadError(ctx, "begin", err)
	}
	defer tx.Rollback()
	var total int64
	for t := range c.data {
		if c.rows[t] == 0 {
			continue
		}
		name := handler + tableDefs[t].name
		data := c.data[t]
		mysql.RegisterReaderHandler(name, func() io.Reader { return bytes.NewReader(data) })
		res, err := tx.ExecContext(ctx, fmt.Sprintf("LOAD DATA LOCAL INFILE 'Reader::%s' INTO TABLE `%s%s` CHARACTER SET utf8mb4 (%s)",
			name, prefix, tableDefs[t].name, columns[t]))
		mysql.DeregisterReaderHandler(name)
		if err != nil {
			return 0, loadError(ctx, prefix+tableDefs[t].name, err)
		}
		// LOAD DATA skips a row it cannot take with only a warning.
		if n, err := res.RowsAffected(); err != nil || n != c.rows[t] {
			return 0, fmt.Errorf("seed: %s%s took %d of %d rows (%v)", prefix, tableDefs[t].name, n, c.rows[t], err)
		}
		total += c.rows[t]
	}
	if c.phase == "products" {
		if err := linkProducts(ctx, tx, prefix, products); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, loadError(ctx, "commit", err)
	}
	return total, nil
}

// connectionGone tells server errors that mean the connection, not the
// data, failed: the server shutting down, the connection or query killed,
// a network read or write that broke.
func connectionGone(code uint16) bool {
	switch code {
	case 1053, 1077, 1152, 1153, 1158, 1159, 1160, 1161, 1317, 1927, 4031:
		return true
	}
	return false
}

// loadError says why a statement failed: the caller gave up, or the
// database went away (infrastructure), or the database refused the data (a
// bug, or a schema that is not WooCommerce's).
func loadError(ctx context.Context, what string, err error) error {
	var me *mysql.MySQLError
	switch {
	case ctx.Err() != nil:
		return fault.Infra(fmt.Errorf("seed: interrupted while loading %s: %w", what, ctx.Err()))
	case errors.As(err, &me) && !connectionGone(me.Number):
		return fmt.Errorf("seed: the database refused %s: %w", what, err)
	default:
		return fault.Infra(fmt.Errorf("seed: lost the database while loading %s: %w", what, err))
	}
}
