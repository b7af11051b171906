<?php
// Installs WordPress without wp-cli, as the web server's user, and prints one
// JSON object describing what is installed. Steps:
//   php install.php wordpress     core tables, the administrator, permalinks
//   php install.php woocommerce   activate the plugin copied into plugins/
//   php install.php hpos          switch order storage to HPOS (with sync)
//   php install.php roles         WooCommerce's roles, for stacks without it
// Each step is its own process because WordPress loads plugins only when
// it is not installing, and WooCommerce's HPOS switch needs it loaded.
$step = isset($argv[1]) ? $argv[1] : 'wordpress';
$_SERVER['HTTP_HOST'] = getenv('BD_HTTP_HOST') ?: 'localhost';
$_SERVER['SERVER_NAME'] = $_SERVER['HTTP_HOST'];
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if ($step === 'wordpress') {
	define('WP_INSTALLING', true);
}
require '/var/www/html/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
// There is no MTA in the stack; the new-site mail would only warn.
add_filter('pre_wp_mail', '__return_true');

function fail($msg) {
	fwrite(STDERR, $msg . "\n");
	exit(1);
}

$out = array('step' => $step);
switch ($step) {
case 'wordpress':
	if (!is_blog_installed()) {
		$r = wp_install(getenv('BD_SITE_TITLE'), getenv('BD_ADMIN_USER'), getenv('BD_ADMIN_EMAIL'), false, '', getenv('BD_ADMIN_PASSWORD'));
		if (empty($r['user_id'])) {
			fail('wp_install did not create the administrator');
		}
	}
	update_option('permalink_structure', '/%postname%/');
	update_option('blogdescription', 'A breachdrill exercise shop');
	$out['wordpress'] = $GLOBALS['wp_version'];
	break;
case 'woocommerce':
	// Set before activation and before any request: WooCommerce 10 turns
	// "coming soon" on for new shops on its first admin_init, which would
	// show every guest a placeholder instead of the shop.
	$shop = array(
		'woocommerce_coming_soon'                  => 'no',
		'woocommerce_store_pages_only'             => 'no',
		'woocommerce_currency'                     => 'EUR',
		'woocommerce_default_country'              => 'DE:DE-BE',
		// The seeded orders carry tax at the dataset's rates.
		'woocommerce_calc_taxes'                   => 'yes',
		'woocommerce_allow_tracking'               => 'no',
		'woocommerce_show_marketplace_suggestions' => 'no',
		'woocommerce_merchant_email_notifications' => 'no',
		// A shop in production finished onboarding long ago; without this
		// WooCommerce sends every administrator to its setup wizard.
		'woocommerce_onboarding_profile'           => array('completed' => true, 'skipped' => false),
		// Cash on delivery and bank transfer: the gateways a checkout over
		// the Store API can complete without a payment processor.
		'woocommerce_cod_settings'                 => array('enabled' => 'yes', 'title' => 'Cash on delivery'),
		'woocommerce_bacs_settings'                => array('enabled' => 'yes', 'title' => 'Direct bank transfer'),
	);
	foreach ($shop as $k => $v) {
		update_option($k, $v);
	}
	$r = activate_plugin('woocommerce/woocommerce.php');
	if (is_wp_error($r)) {
		fail('activating WooCommerce: ' . $r->get_error_message());
	}
	foreach ($shop as $k => $v) {
		update_option($k, $v);
	}
	// A shop activated long ago: no one-off redirect of the next
	// administrator visit to WooCommerce's welcome screen.
	delete_transient('_wc_activation_redirect');
	$out['woocommerce'] = (string) get_option('woocommerce_version');
	break;
case 'hpos':
	if (!class_exists('WooCommerce')) {
		fail('WooCommerce is not active');
	}
	// Measured on 7.9: the feature flag creates the tables and resets the
	// authoritative switch, so the switch goes last. WooCommerce 10 creates
	// the tables only through its data synchroniser.
	update_option('woocommerce_feature_custom_order_tables_enabled', 'yes');
	update_option('woocommerce_custom_orders_table_data_sync_enabled', 'yes');
	update_option('woocommerce_custom_orders_table_enabled', 'yes');
	$sync = 'Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\DataSynchronizer';
	if (function_exists('wc_get_container') && class_exists($sync)) {
		$ds = wc_get_container()->get($sync);
		if (!$ds->check_orders_table_exists()) {
			$ds->create_database_tables();
		}
	}
	if (get_option('woocommerce_custom_orders_table_enabled') !== 'yes') {
		update_option('woocommerce_custom_orders_table_enabled', 'yes');
	}
	update_option('woocommerce_coming_soon', 'no');
	delete_transient('_wc_activation_redirect');
	$out['woocommerce'] = WC()->version;
	$out['hpos'] = get_option('woocommerce_custom_orders_table_enabled');
	break;
case 'roles':
	// What WC_Install::create_roles() adds, so customers have a role
	// WordPress knows when the stack has WooCommerce's tables only.
	add_role('customer', 'Customer', array('read' => true));
	add_role('shop_manager', 'Shop manager', array(
		'read' => true, 'edit_posts' => true, 'upload_files' => true, 'list_users' => true,
		'manage_woocommerce' => true, 'view_woocommerce_reports' => true, 'edit_users' => true,
	));
	$out['roles'] = array_keys(wp_roles()->roles);
	break;
default:
	fail("unknown step $step");
}
echo json_encode($out), "\n";
