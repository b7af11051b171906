package containers_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// createTables is SHOW CREATE TABLE of every table of the stack's
// database, by name, with AUTO_INCREMENT counters (which depend on what
// the install happened to insert) left out.
func createTables(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SHOW TABLES")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	out := map[string]string{}
	for _, n := range names {
		var name, ddl string
		require.NoError(t, db.QueryRow("SHOW CREATE TABLE `"+n+"`").Scan(&name, &ddl))
		out[n] = autoIncrement.ReplaceAllString(ddl, "")
	}
	return out
}

// wooTerms lists the terms of WooCommerce's taxonomies as
// "taxonomy/slug", and which of them the option default_product_cat names.
func wooTerms(t *testing.T, db *sql.DB, p string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT CONCAT(tt.taxonomy, '/', t.slug, IF(t.term_id = (SELECT option_value FROM ` + p + `options WHERE option_name = 'default_product_cat'), ' (default)', ''))
		FROM ` + p + `terms t JOIN ` + p + `term_taxonomy tt ON tt.term_id = t.term_id
		WHERE tt.taxonomy IN ('product_type', 'product_visibility', 'product_cat') ORDER BY t.term_id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestSchemaModeMatchesPlugin starts one stack with the real WooCommerce
// and one in schema mode and requires every table to be created alike,
// byte for byte, with the terms WooCommerce's installer adds.
func TestSchemaModeMatchesPlugin(t *testing.T) {
	zip := stacktest.WooCommerce(t)
	imgs := stacktest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var plugin, schema *containers.Stack
	var pluginErr, schemaErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		plugin, pluginErr = containers.Run(ctx, containers.WithImages(imgs), containers.WithWooCommerce(zip))
	}()
	go func() { defer wg.Done(); schema, schemaErr = containers.Run(ctx, containers.WithImages(imgs)) }()
	wg.Wait()
	for _, s := range []*containers.Stack{plugin, schema} {
		if s != nil {
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				assert.NoError(t, s.Close(ctx))
			})
		}
	}
	require.NoError(t, pluginErr, "plugin stack")
	require.NoError(t, schemaErr, "schema stack")
	require.Equal(t, containers.WooPlugin, plugin.Info().WooCommerceMode)
	require.Equal(t, containers.WooSchema, schema.Info().WooCommerceMode)

	want, got := createTables(t, plugin.DB()), createTables(t, schema.DB())
	var wooTables int
	for name, ddl := range want {
		if strings.Contains(name, "wc_") || strings.Contains(name, "woocommerce_") || strings.Contains(name, "actionscheduler_") {
			wooTables++
		}
		if assert.Contains(t, got, name, "schema mode lacks a table WooCommerce creates") {
			assert.Equal(t, ddl, got[name], "SHOW CREATE TABLE %s", name)
		}
	}
	for name := range got {
		assert.Contains(t, want, name, "schema mode creates a table WooCommerce does not")
	}
	assert.GreaterOrEqual(t, wooTables, 38, "WooCommerce 10.0.2 creates 38 tables")

	assert.Equal(t, wooTerms(t, plugin.DB(), plugin.TablePrefix()), wooTerms(t, schema.DB(), schema.TablePrefix()), "WooCommerce's terms")
	var classes [2]string
	for i, s := range []*containers.Stack{plugin, schema} {
		require.NoError(t, s.DB().QueryRow("SELECT GROUP_CONCAT(slug ORDER BY tax_rate_class_id) FROM "+s.TablePrefix()+"wc_tax_rate_classes").Scan(&classes[i]))
	}
	assert.Equal(t, classes[0], classes[1], "tax rate classes")
}
