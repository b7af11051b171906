package fakedata_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	. "github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tableCounts counts the rows of every table a dataset touches.
func tableCounts(t *testing.T, db *sql.DB, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range RequiredTables(prefix) {
		var n int64
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+name+"`").Scan(&n), "count %s", name)
		out[strings.TrimPrefix(name, prefix)] = n
	}
	return out
}

// TestLoadIntoStack loads one dataset into a real stack and checks it
// from every side. The subtests share the stack and run in order: the
// failing loads first, on the empty stack, then the load the others read.
func TestLoadIntoStack(t *testing.T) {
	s := stacktest.Start(t)
	ctx := context.Background()
	db := s.DB()
	prefix := s.TablePrefix()
	before := tableCounts(t, db, prefix)

	t.Run("a stack without WooCommerce tables is refused", func(t *testing.T) {
		d := mustNew(t, Spec{Seed: 1, Customers: 10, Orders: 10, TablePrefix: prefix})
		_, err := db.Exec("RENAME TABLE " + prefix + "wc_orders TO bd_test_hidden")
		require.NoError(t, err, "hide the orders table")
		defer db.Exec("RENAME TABLE bd_test_hidden TO " + prefix + "wc_orders")
		_, err = Load(ctx, db, d)
		require.Error(t, err, "Load into a stack without wc_orders must fail")
		require.True(t, fault.IsInput(err), "Load = %v, want an input error", err)
		require.ErrorContains(t, err, prefix+"wc_orders", "the error must name the missing table")
	})

	t.Run("a lost connection mid-load leaves nothing behind", func(t *testing.T) {
		// Two chunks of customers: the connection dies after the first.
		d := mustNew(t, Spec{Seed: 7, Customers: CustomersPerChunk + 10, Orders: 100, TablePrefix: prefix})
		var killed bool
		_, err := Load(ctx, db, d, WithProgress(func(p Progress) {
			if killed || p.Phase != "customers" {
				return
			}
			killed = true
			// The loader's connection is the one holding the seed lock.
			var id int64
			if !assert.NoError(t, db.QueryRow("SELECT IS_USED_LOCK('breachdrill-seed:wordpress')").Scan(&id), "find the loader's connection") {
				return
			}
			_, err := db.Exec(fmt.Sprintf("KILL CONNECTION %d", id))
			assert.NoError(t, err, "kill the loader's connection")
		}))
		require.Error(t, err, "Load over a killed connection must fail")
		require.True(t, fault.IsInfra(err), "Load = %v, want an infrastructure error", err)
		assert.ErrorContains(t, err, "removed", "the error must say the partial load was removed")
		assert.Equal(t, fmt.Sprint(before), fmt.Sprint(tableCounts(t, db, prefix)), "rows after the failed load must be as before")
		_, err = LoadManifest(ctx, db)
		assert.ErrorIs(t, err, ErrNotSeeded, "LoadManifest after the failed load")
	})

	t.Run("an unfinished load is reported unusable and replaced", func(t *testing.T) {
		d := mustNew(t, Spec{Seed: 9, Customers: 20, Orders: 30, TablePrefix: prefix})
		m := d.PendingManifest("wordpress")
		require.NoError(t, SaveManifest(ctx, db, m), "save a pending manifest, as a load that died says it")
		_, err := db.Exec("INSERT INTO "+prefix+"users (ID, user_login, user_pass, user_nicename, user_email, user_url, user_registered, user_activation_key, user_status, display_name) VALUES (?, 'half', '', 'half', 'half@example.com', '', NOW(), '', 0, 'Half')", FirstUserID)
		require.NoError(t, err, "insert the unfinished load's row")
		_, err = LoadManifest(ctx, db)
		require.ErrorIs(t, err, ErrIncomplete, "LoadManifest over an unfinished load")
		_, err = Load(ctx, db, d)
		require.NoError(t, err, "Load over an unfinished load")
		got, err := LoadManifest(ctx, db)
		require.NoError(t, err, "LoadManifest after the load")
		require.Equal(t, StateComplete, got.State, "the manifest's state after the load")
		var login string
		db.QueryRow("SELECT user_login FROM "+prefix+"users WHERE ID = ?", FirstUserID).Scan(&login)
		assert.NotEqual(t, "half", login, "the unfinished load's row must be gone")
		// Back to an empty stack for the main load.
		require.NoError(t, RemoveDataset(ctx, db, m), "remove the dataset")
		require.NoError(t, DeleteManifest(ctx, db, "wordpress"), "delete the manifest")
	})

	t.Run("an older WooCommerce without newer columns takes the same rows", func(t *testing.T) {
		// WooCommerce 7.9's wc_product_meta_lookup has no global_unique_id.
		table := prefix + "wc_product_meta_lookup"
		_, err := db.Exec("ALTER TABLE `" + table + "` DROP COLUMN global_unique_id")
		require.NoError(t, err)
		defer func() {
			_, err := db.Exec("ALTER TABLE `" + table + "` ADD COLUMN global_unique_id varchar(100) DEFAULT '' AFTER sku")
			require.NoError(t, err)
		}()
		d := mustNew(t, Spec{Seed: 3, Customers: 20, Orders: 40, TablePrefix: prefix})
		m, err := Load(ctx, db, d)
		require.NoError(t, err)
		digest, err := d.Digest(ctx)
		require.NoError(t, err)
		assert.Equal(t, digest, m.DataSHA256, "the rows are the dataset's, whatever the schema drops")
		var n int
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+table+"`").Scan(&n))
		assert.Equal(t, d.Spec().Products, n, "product lookup rows")
		require.NoError(t, RemoveDataset(ctx, db, m))
		require.NoError(t, DeleteManifest(ctx, db, "wordpress"))
		assert.Equal(t, fmt.Sprint(before), fmt.Sprint(tableCounts(t, db, prefix)), "rows after removing the dataset")
	})

	spec := Spec{Seed: 42, Customers: 1500, Orders: 6000, TablePrefix: prefix}
	d := mustNew(t, spec)
	var progress []Progress
	start := time.Now()
	m, err := Load(ctx, db, d, WithProgress(func(p Progress) { progress = append(progress, p) }))
	require.NoError(t, err, "Load")
	t.Logf("loaded %d rows in %v", m.Rows(), time.Since(start))
	after := tableCounts(t, db, prefix)

	t.Run("counts in every table match the request", func(t *testing.T) {
		var tokens, lineItems int64
		for i := range spec.Customers {
			tokens += int64(len(d.Customer(i).Cards))
		}
		for k := range spec.Orders {
			lineItems += int64(len(d.Order(k).Items))
		}
		c, o, p := int64(spec.Customers), int64(spec.Orders), int64(d.Spec().Products)
		want := map[string]int64{
			"users":                         c,
			"usermeta":                      29 * c,
			"wc_customer_lookup":            c,
			"woocommerce_payment_tokens":    tokens,
			"woocommerce_payment_tokenmeta": 4 * tokens,
			"posts":                         o + p,
			"wc_orders":                     o,
			"wc_order_addresses":            2 * o,
			"wc_order_operational_data":     o,
			"wc_orders_meta":                2 * o,
			"woocommerce_order_items":       lineItems + 2*o, // and a shipping and a tax item each
			"wc_order_stats":                o,
			"wc_order_product_lookup":       lineItems,
			"wc_order_tax_lookup":           o,
			"wc_product_meta_lookup":        p,
		}
		for table, n := range want {
			assert.Equal(t, n, after[table]-before[table], "new rows in %s", table)
		}
		for _, tr := range m.Tables {
			assert.Equal(t, tr.Rows, after[tr.Table]-before[tr.Table], "new rows in %s against the manifest", tr.Table)
		}
		var roles int64
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM "+prefix+"usermeta WHERE meta_key = ? AND meta_value = ?", prefix+"capabilities", `a:1:{s:8:"customer";b:1;}`).Scan(&roles))
		assert.Equal(t, c, roles, "users with role customer")
		// Every product has its product type and the default category.
		var linked int64
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM `+prefix+`term_relationships tr JOIN `+prefix+`term_taxonomy tt ON tt.term_taxonomy_id = tr.term_taxonomy_id
			JOIN `+prefix+`terms te ON te.term_id = tt.term_id WHERE tr.object_id BETWEEN ? AND ? AND tt.taxonomy = 'product_type' AND te.slug = 'simple'`,
			d.Product(0).ID, d.Product(int(p)-1).ID).Scan(&linked))
		assert.Equal(t, p, linked, "products of type simple")
		last := progress[len(progress)-1]
		assert.Equal(t, "products", last.Phase)
		assert.Equal(t, m.Rows(), last.Rows)
	})

	t.Run("sampled orders read back alike from both storages", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for range 40 {
			k := r.IntN(spec.Orders)
			o := d.Order(k)
			var status, email, first, addr1, postcode, phone string
			var total, tax float64
			err := db.QueryRow(`SELECT o.status, o.billing_email, o.total_amount, o.tax_amount, a.first_name, a.address_1, a.postcode, a.phone
				FROM `+prefix+`wc_orders o JOIN `+prefix+`wc_order_addresses a ON a.order_id = o.id AND a.address_type = 'billing'
				WHERE o.id = ?`, o.ID).Scan(&status, &email, &total, &tax, &first, &addr1, &postcode, &phone)
			require.NoError(t, err, "order %d in HPOS", o.ID)
			hpos := []string{status, email, first, addr1, postcode, phone, fmt.Sprintf("%.2f", total), fmt.Sprintf("%.2f", tax)}
			want := []string{o.Status, o.Billing.Email, o.Billing.FirstName, o.Billing.Address1, o.Billing.Postcode, o.Billing.Phone, o.Total.String(), o.ItemsTax.String()}
			assert.Equal(t, fmt.Sprint(want), fmt.Sprint(hpos), "order %d in HPOS", o.ID)

			meta := map[string]string{}
			rows, err := db.Query("SELECT meta_key, meta_value FROM "+prefix+"postmeta WHERE post_id = ?", o.ID)
			require.NoError(t, err, "order %d's postmeta", o.ID)
			for rows.Next() {
				var k, v string
				rows.Scan(&k, &v)
				meta[k] = v
			}
			rows.Close()
			var postStatus, password, postType string
			db.QueryRow("SELECT post_status, post_password, post_type FROM "+prefix+"posts WHERE ID = ?", o.ID).Scan(&postStatus, &password, &postType)
			legacy := []string{postStatus, meta["_billing_email"], meta["_billing_first_name"], meta["_billing_address_1"], meta["_billing_postcode"], meta["_billing_phone"], meta["_order_total"], password, postType}
			// WooCommerce 10's synchroniser leaves post_password empty.
			want = []string{o.Status, o.Billing.Email, o.Billing.FirstName, o.Billing.Address1, o.Billing.Postcode, o.Billing.Phone, o.Total.String(), "", "shop_order"}
			assert.Equal(t, fmt.Sprint(want), fmt.Sprint(legacy), "order %d in posts", o.ID)
			assert.NotEmpty(t, meta["_billing_address_index"], "order %d: _billing_address_index", o.ID)
			assert.Contains(t, meta["_billing_address_index"], o.Billing.Email, "order %d: _billing_address_index must hold the billing e-mail", o.ID)

			// The totals add up in the database: items + shipping + tax.
			var items, itemTax, shipping, shippingTax float64
			err = db.QueryRow(`SELECT
				SUM(CASE WHEN m.meta_key = '_line_total' THEN m.meta_value END),
				SUM(CASE WHEN m.meta_key = '_line_tax' THEN m.meta_value END),
				SUM(CASE WHEN m.meta_key = 'cost' THEN m.meta_value END),
				SUM(CASE WHEN m.meta_key = 'total_tax' THEN m.meta_value END)
				FROM `+prefix+`woocommerce_order_items i JOIN `+prefix+`woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id
				WHERE i.order_id = ?`, o.ID).Scan(&items, &itemTax, &shipping, &shippingTax)
			require.NoError(t, err, "order %d's item sums", o.ID)
			assert.Equal(t, fmt.Sprintf("%.2f", total), fmt.Sprintf("%.2f", items+shipping+itemTax+shippingTax),
				"order %d: items %.2f + shipping %.2f + tax %.2f + %.2f must add up to the total", o.ID, items, shipping, itemTax, shippingTax)
		}
	})

	t.Run("one billing and one shipping address per order", func(t *testing.T) {
		var orders, bad int64
		db.QueryRow(`SELECT COUNT(*) FROM (SELECT order_id FROM ` + prefix + `wc_order_addresses GROUP BY order_id
			HAVING SUM(address_type = 'billing') = 1 AND SUM(address_type = 'shipping') = 1 AND COUNT(*) = 2) x`).Scan(&orders)
		assert.Equal(t, int64(spec.Orders), orders, "orders with exactly one billing and one shipping address")
		db.QueryRow("SELECT COUNT(*) FROM " + prefix + "wc_order_addresses a LEFT JOIN " + prefix + "wc_orders o ON o.id = a.order_id WHERE o.id IS NULL").Scan(&bad)
		assert.Zero(t, bad, "addresses of no order")
		// The UNIQUE key is what holds it: a second billing address fails.
		_, err := db.Exec("INSERT INTO "+prefix+"wc_order_addresses (order_id, address_type) VALUES (?, 'billing')", FirstOrderID)
		assert.ErrorContains(t, err, "Duplicate", "a second billing address must be a duplicate-key error")
	})

	t.Run("customers log in with WordPress's own password check", func(t *testing.T) {
		const php = `$_SERVER['HTTP_HOST'] = 'localhost';
require '/var/www/html/wp-load.php';
$u = get_user_by('login', $argv[1]);
if (!$u) { echo "nouser"; exit; }
echo wp_check_password($argv[2], $u->user_pass, $u->ID) ? 'ok' : 'bad';
// caps, not roles: without the plugin no 'customer' role is registered.
echo !empty($u->caps['customer']) ? ' customer' : ' norole';
echo wp_check_password($argv[2] . 'x', $u->user_pass, $u->ID) ? ' wrong-accepted' : '';`
		for _, i := range []int{0, 1, spec.Customers - 1, d.Canaries()[0].CustomerIndex} {
			c := d.Customer(i)
			res, err := s.Exec(ctx, containers.ServiceWP, []string{"php", "-r", php, "--", c.Login, c.Password}, containers.AsUser("www-data"))
			require.NoError(t, err, "php")
			assert.Equal(t, "ok customer", strings.TrimSpace(string(res.Stdout)), "customer %s: password check and role", c.Login)
		}
	})

	t.Run("seeding again with the same spec leaves one copy", func(t *testing.T) {
		again, err := Load(ctx, db, mustNew(t, spec))
		require.NoError(t, err, "second Load")
		assert.Equal(t, m.DataSHA256, again.DataSHA256, "second Load's digest must be the first's")
		assert.Equal(t, fmt.Sprint(after), fmt.Sprint(tableCounts(t, db, prefix)), "rows after the second Load must be as after the first")
	})

	t.Run("a different seed is refused", func(t *testing.T) {
		other := spec
		other.Seed++
		_, err := Load(ctx, db, mustNew(t, other))
		require.Error(t, err, "Load with another seed must be refused")
		require.True(t, fault.IsInput(err), "Load with another seed = %v, want an input error", err)
		require.ErrorContains(t, err, "seed 42", "the error must name the seed in place")
		assert.Equal(t, fmt.Sprint(after), fmt.Sprint(tableCounts(t, db, prefix)), "rows must not change by the refused Load")
	})

	t.Run("the manifest is kept outside the shop's database", func(t *testing.T) {
		got, err := LoadManifest(ctx, db)
		require.NoError(t, err, "LoadManifest")
		assert.Equal(t, m.DataSHA256, got.DataSHA256, "the stored manifest's digest")
		assert.Len(t, got.Canaries, len(m.Canaries), "the stored manifest's canaries")
		assert.Equal(t, uint64(42), got.Spec.Seed, "the stored manifest's seed")
		var n int
		s.AppDB().QueryRow("SELECT COUNT(*) FROM " + prefix + "options WHERE option_value LIKE '%canary-%'").Scan(&n)
		assert.Zero(t, n, "options that mention canaries")
		_, err = s.AppDB().Exec("SELECT * FROM breachdrill.datasets")
		assert.Error(t, err, "the shop's database user must not read the manifest")
	})

	t.Run("a mysqldump of the stack gives away every canary", func(t *testing.T) {
		dump, err := s.Exec(ctx, containers.ServiceDB, []string{"mysqldump", "-ubreachdrill", "-p" + s.Credentials().ToolPassword,
			"--single-transaction", "--skip-extended-insert", "wordpress"})
		require.NoError(t, err, "mysqldump")
		rep := NewScanner(m.Canaries).ScanBytes(dump.Stdout)
		assert.Equal(t, len(m.Canaries), rep.Subjects, "canaries found in the dump")
		for _, h := range rep.Canaries {
			assert.True(t, h.Known, "canary %s is in no manifest", h.Canary.Token)
		}
		assert.GreaterOrEqual(t, rep.Count(Email), int64(spec.Customers), "e-mail addresses in the dump")
		assert.Equal(t, int64(spec.Customers)+1, rep.Count(PasswordHash), "password hashes: every customer's and the administrator's")
		assert.Zero(t, rep.Count(CardNumber), "card numbers in a database that keeps only the last four digits")
		t.Logf("dump of %d bytes: %d subjects, %d records", rep.Bytes, rep.Subjects, rep.Records)
	})

	t.Run("a dump without personal data shows none", func(t *testing.T) {
		dump, err := s.Exec(ctx, containers.ServiceDB, []string{"mysqldump", "-ubreachdrill", "-p" + s.Credentials().ToolPassword, "--no-data", "wordpress"})
		require.NoError(t, err, "mysqldump")
		rep := NewScanner(m.Canaries).ScanBytes(dump.Stdout)
		assert.Zero(t, rep.Records, "records in a schema-only dump: %+v", rep)
		assert.Zero(t, rep.Subjects, "subjects in a schema-only dump: %+v", rep)
	})
}

func mustNew(t testing.TB, spec Spec) *Dataset {
	t.Helper()
	d, err := New(spec)
	require.NoError(t, err, "New(%+v)", spec)
	return d
}
