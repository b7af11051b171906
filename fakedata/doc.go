// Package fakedata makes the synthetic shop a drill breaches: customers
// (WordPress users with WooCommerce profiles), products, orders written to
// both of WooCommerce's storages, saved payment cards and canary records;
// it bulk-loads them into a stack's MariaDB and scans artifacts for the
// personal data they hold.
//
// The rows are the ones WooCommerce 10.0.2 itself writes (wooVersion), so
// that the real plugin sees the shop whole: products with their
// product_type term and wc_product_meta_lookup row (wc_get_products lists
// them), orders with tax items and the Analytics rows its importer would
// write (wc_order_stats, wc_order_product_lookup, wc_order_tax_lookup),
// one shop currency, state codes and postcodes WooCommerce's validation
// accepts, and saved cards under the gateway id "stripe", which the stack
// must register for WC_Payment_Tokens to list them.
//
// Everything is derived from a Spec. Every record has its own random
// stream, seeded from the Spec's seed, the record's kind and its index, so
// the same Spec gives byte-identical rows on every machine and any single
// record can be regenerated alone (Dataset.Customer, Dataset.Order) without
// generating the ones before it.
//
// The data is safe by construction: e-mail addresses only under
// example.com, example.net and example.org; telephone numbers only from the
// ranges regulators reserve for fiction; towns and streets invented; card
// numbers only from card networks' published test numbers and test BINs,
// and only as the last four digits in the database.
package fakedata
