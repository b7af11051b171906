<?php
/**
 * Plugin Name: Acme Multistore Sync
 * Description: breachdrill scenario artifact, deliberately vulnerable. Shares customer lists between "sister shops" on the same hosting account by reading the other shop's database directly. The AJAX action is open to visitors and takes the database name from the request, so anyone can read any shop the shared database user reaches.
 * Version: 1.4.2
 * Author: breachdrill (test artifact, never install on a real site)
 */

if (!defined('ABSPATH')) {
	exit;
}

add_action('wp_ajax_acme_sync_customers', 'acme_msync_customers');
add_action('wp_ajax_nopriv_acme_sync_customers', 'acme_msync_customers');

function acme_msync_customers() {
	global $wpdb;
	// The flaw: no capability check, no nonce, and the sister shop's
	// database comes from the request. Hosting with one database user for
	// every shop lets the query through.
	$store = isset($_REQUEST['store']) ? preg_replace('/[^A-Za-z0-9_]/', '', wp_unslash($_REQUEST['store'])) : DB_NAME;
	$table = $wpdb->prefix . 'wc_customer_lookup';
	if ($store !== DB_NAME) {
		$table = '`' . $store . '`.`' . $table . '`';
	}
	$wpdb->suppress_errors(true);
	$rows = $wpdb->get_results("SELECT customer_id, first_name, last_name, email, city, country FROM $table ORDER BY customer_id LIMIT 500", ARRAY_A);
	if ($wpdb->last_error !== '') {
		wp_send_json_error(array('store' => $store, 'message' => 'sync failed: ' . $wpdb->last_error));
	}
	wp_send_json_success(array('store' => $store, 'customers' => $rows));
}
