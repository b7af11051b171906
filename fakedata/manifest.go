package fakedata

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// The manifest lives in a database of its own: scenarios' attackers and
// the PII rules read the shop's database (wp_options above all), and the
// list of canaries must not be part of what they find. The shop's own
// database user has no grant on it.
const (
	manifestDB    = "breachdrill"
	manifestTable = manifestDB + ".datasets"
)

// Manifest states.
const (
	StateLoading  = "loading"  // a load started and has not finished: the data is unusable
	StateComplete = "complete" // the whole dataset is in the database
)

// ManifestFormat is the version of the Manifest's JSON.
const ManifestFormat = 1

var (
	// ErrNotSeeded means the database has no dataset.
	ErrNotSeeded = errors.New("the stack has not been seeded")
	// ErrIncomplete means a load started and did not finish, so the
	// database holds part of a dataset; loading again removes it first.
	ErrIncomplete = errors.New("the stack's dataset is unusable: seeding it did not finish (seed it again to replace it, or start a new stack)")
)

// Range is an inclusive id range; it is empty when Last < First.
type Range struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// IDRanges are the ids a dataset occupies, table by table.
type IDRanges struct {
	Users    Range `json:"users"`     // wp_users.ID, wp_usermeta.user_id
	Lookup   Range `json:"lookup"`    // wc_customer_lookup.customer_id
	Tokens   Range `json:"tokens"`    // woocommerce_payment_tokens.token_id
	Products Range `json:"products"`  // wp_posts.ID of products
	Orders   Range `json:"orders"`    // wp_posts.ID = wc_orders.id
	Items    Range `json:"items"`     // woocommerce_order_items.order_item_id
	TaxRates Range `json:"tax_rates"` // woocommerce_tax_rates.tax_rate_id
}

// Manifest records what a load put in a stack: enough to recognise the
// dataset again, to prove which records an artifact leaked (the canaries)
// and to tell a finished load from a broken one.
type Manifest struct {
	Format     int         `json:"format"`
	Generator  string      `json:"generator"`
	State      string      `json:"state"`
	Database   string      `json:"database"`
	Spec       Spec        `json:"spec"`
	IDs        IDRanges    `json:"ids"`
	Tables     []TableRows `json:"tables,omitempty"`
	DataSHA256 string      `json:"data_sha256,omitempty"`
	Canaries   []Canary    `json:"canaries"`
}

// Rows is the total number of rows the dataset holds.
func (m Manifest) Rows() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// Scanner returns a scanner that names this dataset's canaries.
func (m Manifest) Scanner() *Scanner { return NewScanner(m.Canaries) }

// sameData reports whether m and o describe the same rows.
func (m Manifest) sameData(o Manifest) bool {
	a, b := m.Spec, o.Spec
	return m.Generator == o.Generator && a.Seed == b.Seed && a.Customers == b.Customers &&
		a.Orders == b.Orders && a.Products == b.Products && a.CanaryShare == b.CanaryShare &&
		a.Anchor.Equal(b.Anchor) && a.PasswordCost == b.PasswordCost && a.TablePrefix == b.TablePrefix
}

// manifest is the dataset's manifest before loading: no digest or row
// counts yet.
func (d *Dataset) manifest(database string) Manifest {
	s := d.spec
	last := func(first int64, n int64) Range { return Range{First: first, Last: first + n - 1} }
	return Manifest{
		Format:    ManifestFormat,
		Generator: Generator,
		State:     StateLoading,
		Database:  database,
		Spec:      s,
		IDs: IDRanges{
			Users:    last(firstUserID, int64(s.Customers)),
			Lookup:   last(firstLookupID, int64(s.Customers)),
			Tokens:   last(firstTokenID, d.tokenStart[s.Customers]-firstTokenID),
			Products: d.productRange(),
			Orders:   last(firstOrderID, int64(s.Orders)),
			Items:    last(firstItemID, int64(d.itemStart[s.Orders])),
			TaxRates: taxRateRange(),
		},
		Canaries: d.Canaries(),
	}
}

// productRange is the post ids of the dataset's products.
func (d *Dataset) productRange() Range {
	return Range{First: firstProductPostID, Last: firstProductPostID + int64(d.spec.Products) - 1}
}

// execer is what both *sql.DB and *sql.Conn offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func ensureManifestStore(ctx context.Context, db execer) error {
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + manifestDB + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		"CREATE TABLE IF NOT EXISTS " + manifestTable + ` (
			target varchar(64) NOT NULL PRIMARY KEY,
			state varchar(16) NOT NULL,
			seed bigint unsigned NOT NULL,
			data_sha256 char(64) NOT NULL DEFAULT '',
			manifest longtext NOT NULL,
			saved_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
		) ENGINE=InnoDB`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fault.Infra(fmt.Errorf("manifest store: %w", err))
		}
	}
	return nil
}

// SaveManifest stores m as the manifest of the database m.Database (in the
// separate database breachdrill), replacing any earlier one.
func SaveManifest(ctx context.Context, db *sql.DB, m Manifest) error {
	return saveManifest(ctx, db, m)
}

func saveManifest(ctx context.Context, db execer, m Manifest) error {
	if m.Database == "" {
		return fmt.Errorf("save manifest: it names no database")
	}
	if err := ensureManifestStore(ctx, db); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("save manifest: %w", err)
	}
	_, err = db.ExecContext(ctx, "REPLACE INTO "+manifestTable+" (target, state, seed, data_sha256, manifest) VALUES (?, ?, ?, ?, ?)",
		m.Database, m.State, m.Spec.Seed, m.DataSHA256, string(b))
	if err != nil {
		return fault.Infra(fmt.Errorf("save manifest: %w", err))
	}
	return nil
}

// LoadManifest returns the manifest of the database db is connected to.
// Without one it returns ErrNotSeeded; for a load that did not finish it
// returns the manifest together with ErrIncomplete.
func LoadManifest(ctx context.Context, db *sql.DB) (Manifest, error) {
	var name string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		return Manifest{}, fault.Infra(fmt.Errorf("load manifest: %w", err))
	}
	return loadManifest(ctx, db, name)
}

func loadManifest(ctx context.Context, db execer, database string) (Manifest, error) {
	var exists int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'datasets'", manifestDB).Scan(&exists)
	if err != nil {
		return Manifest{}, fault.Infra(fmt.Errorf("load manifest: %w", err))
	}
	if exists == 0 {
		return Manifest{}, ErrNotSeeded
	}
	var text string
	err = db.QueryRowContext(ctx, "SELECT manifest FROM "+manifestTable+" WHERE target = ?", database).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return Manifest{}, ErrNotSeeded
	}
	if err != nil {
		return Manifest{}, fault.Infra(fmt.Errorf("load manifest: %w", err))
	}
	var m Manifest
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return Manifest{}, fmt.Errorf("load manifest of %s: %w", database, err)
	}
	if m.State != StateComplete {
		return m, fmt.Errorf("%w (seed %d, %d customers, %d orders)", ErrIncomplete, m.Spec.Seed, m.Spec.Customers, m.Spec.Orders)
	}
	return m, nil
}

func deleteManifest(ctx context.Context, db execer, database string) error {
	if _, err := db.ExecContext(ctx, "DELETE FROM "+manifestTable+" WHERE target = ?", database); err != nil {
		return fault.Infra(fmt.Errorf("delete manifest: %w", err))
	}
	return nil
}
