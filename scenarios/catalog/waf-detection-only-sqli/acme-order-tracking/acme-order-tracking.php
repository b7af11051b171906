<?php
/**
 * Plugin Name: ACME Order Tracking
 * Description: Live order tracking on the storefront through WooCommerce's wc-ajax endpoint.
 * Version: 1.4.2
 *
 * breachdrill scenario artifact "waf-detection-only-sqli": a deliberately
 * vulnerable plugin. Inert until a drill installs and activates it inside a
 * disposable stack; it makes no outbound connection.
 */

// WooCommerce answers /?wc-ajax=acme_track_order (on any page URL) by
// firing this action, for guests and customers alike.
add_action('wc_ajax_acme_track_order', 'acme_track_order');

function acme_track_order() {
	global $wpdb;
	$order = isset($_REQUEST['order']) ? wp_unslash($_REQUEST['order']) : '0';
	// The flaw: the order number goes into the SQL text unescaped.
	$rows = $wpdb->get_results("SELECT id, status, total_amount FROM {$wpdb->prefix}wc_orders WHERE id = $order");
	wp_send_json($rows);
}
