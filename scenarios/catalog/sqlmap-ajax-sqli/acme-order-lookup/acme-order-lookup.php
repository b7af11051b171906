<?php
/**
 * Plugin Name: ACME Order Lookup
 * Description: Lets customers check an order's status without logging in.
 * Version: 2.1.0
 *
 * breachdrill scenario artifact "ajax-sqli-exfiltration": a deliberately
 * vulnerable plugin. Inert until a drill installs and activates it inside a
 * disposable stack; it makes no outbound connection.
 */

add_action('wp_ajax_nopriv_acme_order_status', 'acme_order_status');
add_action('wp_ajax_acme_order_status', 'acme_order_status');

function acme_order_status() {
	global $wpdb;
	$order = isset($_REQUEST['order']) ? wp_unslash($_REQUEST['order']) : '0';
	// The flaw: the order number goes into the SQL text unescaped.
	$rows = $wpdb->get_results("SELECT id, status, total_amount FROM {$wpdb->prefix}wc_orders WHERE id = $order");
	wp_send_json($rows);
}
