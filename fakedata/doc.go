// Package fakedata makes the synthetic shop a drill breaches: customers
// (WordPress users with WooCommerce profiles), products, orders written to
// both of WooCommerce's storages, saved payment cards and canary records;
// it bulk-loads them into a stack's MariaDB and scans artifacts for the
// personal data they hold.
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
