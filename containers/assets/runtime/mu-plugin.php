<?php
/**
 * Plugin Name: breachdrill audit
 * Description: Writes WordPress and WooCommerce security events as JSON lines for breachdrill's detection engine, and records every outbound HTTP attempt so a test can prove none left the stack.
 *
 * Values that may hold personal data or secrets (option values, passwords,
 * request bodies) are never written; sizes and names are.
 */

if (!defined('ABSPATH')) {
	exit;
}

function breachdrill_audit_path() {
	return defined('BREACHDRILL_AUDIT_LOG') ? BREACHDRILL_AUDIT_LOG : '/var/log/breachdrill/audit.jsonl';
}

function breachdrill_actor() {
	if (!function_exists('wp_get_current_user') || !did_action('set_current_user')) {
		return null;
	}
	$u = wp_get_current_user();
	if (!$u || !$u->ID) {
		return null;
	}
	return array('id' => (int) $u->ID, 'login' => $u->user_login, 'roles' => array_values((array) $u->roles));
}

function breachdrill_user($user) {
	if (is_numeric($user)) {
		$user = get_userdata((int) $user);
	}
	if (!$user || empty($user->ID)) {
		return null;
	}
	return array('id' => (int) $user->ID, 'login' => $user->user_login, 'roles' => array_values((array) $user->roles));
}

function breachdrill_audit($event, array $object = array()) {
	$t = microtime(true);
	$line = array(
		'time'       => gmdate('Y-m-d\TH:i:s', (int) $t) . sprintf('.%06dZ', ($t - floor($t)) * 1000000),
		'event'      => $event,
		'actor'      => breachdrill_actor(),
		'ip'         => isset($_SERVER['REMOTE_ADDR']) ? $_SERVER['REMOTE_ADDR'] : '',
		'user_agent' => isset($_SERVER['HTTP_USER_AGENT']) ? substr($_SERVER['HTTP_USER_AGENT'], 0, 512) : '',
		'method'     => isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'CLI',
		'uri'        => isset($_SERVER['REQUEST_URI']) ? substr($_SERVER['REQUEST_URI'], 0, 2048) : '',
		'object'     => (object) $object,
	);
	$json = json_encode($line, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
	if ($json !== false) {
		@file_put_contents(breachdrill_audit_path(), $json . "\n", FILE_APPEND | LOCK_EX);
	}
}

// Attribution in the access log: who made the request, when known.
add_action('set_current_user', function () {
	if (function_exists('apache_note')) {
		$u = wp_get_current_user();
		if ($u && $u->ID) {
			apache_note('bd_user', $u->user_login);
		}
	}
});

// Users, roles and sessions.
add_action('user_register', function ($id) {
	breachdrill_audit('user_register', array('user' => breachdrill_user($id)));
}, 99);
add_action('profile_update', function ($id) {
	breachdrill_audit('profile_update', array('user' => breachdrill_user($id)));
}, 99);
add_action('set_user_role', function ($id, $role, $old) {
	breachdrill_audit('set_user_role', array('user' => breachdrill_user($id), 'role' => $role, 'old_roles' => array_values((array) $old)));
}, 99, 3);
add_action('add_user_role', function ($id, $role) {
	breachdrill_audit('add_user_role', array('user' => breachdrill_user($id), 'role' => $role));
}, 99, 2);
add_action('delete_user', function ($id) {
	breachdrill_audit('delete_user', array('user' => breachdrill_user($id)));
});
add_action('wp_login', function ($login, $user) {
	breachdrill_audit('wp_login', array('user' => breachdrill_user($user)));
}, 99, 2);
add_action('wp_login_failed', function ($login) {
	breachdrill_audit('wp_login_failed', array('login' => substr((string) $login, 0, 200)));
});
add_action('wp_logout', function ($id) {
	breachdrill_audit('wp_logout', array('user' => breachdrill_user($id)));
});
add_action('after_password_reset', function ($user) {
	breachdrill_audit('after_password_reset', array('user' => breachdrill_user($user)));
});
add_action('wp_create_application_password', function ($id, $item) {
	breachdrill_audit('wp_create_application_password', array('user' => breachdrill_user($id), 'name' => isset($item['name']) ? $item['name'] : ''));
}, 10, 2);

// A session cookie used from another address than the one that logged in is
// the mark of a stolen cookie.
add_action('auth_cookie_valid', function ($cookie, $user) {
	static $seen = array();
	if (empty($cookie['token']) || empty($_SERVER['REMOTE_ADDR']) || isset($seen[$cookie['token']])) {
		return;
	}
	$seen[$cookie['token']] = true;
	$session = WP_Session_Tokens::get_instance($user->ID)->get($cookie['token']);
	if (is_array($session) && !empty($session['ip']) && $session['ip'] !== $_SERVER['REMOTE_ADDR']) {
		breachdrill_audit('session_ip_mismatch', array(
			'user'       => breachdrill_user($user),
			'session_ip' => $session['ip'],
			'login_time' => isset($session['login']) ? (int) $session['login'] : 0,
		));
	}
}, 10, 2);

// Plugins, themes, updates, exports.
add_action('activated_plugin', function ($plugin) {
	breachdrill_audit('activated_plugin', array('plugin' => $plugin));
});
add_action('deactivated_plugin', function ($plugin) {
	breachdrill_audit('deactivated_plugin', array('plugin' => $plugin));
});
add_action('upgrader_process_complete', function ($upgrader, $extra) {
	breachdrill_audit('upgrader_process_complete', array(
		'type'    => isset($extra['type']) ? $extra['type'] : '',
		'action'  => isset($extra['action']) ? $extra['action'] : '',
		'plugins' => isset($extra['plugins']) ? array_values((array) $extra['plugins']) : array(),
	));
}, 10, 2);
add_action('switch_theme', function ($name) {
	breachdrill_audit('switch_theme', array('theme' => $name));
});
add_action('export_wp', function ($args) {
	breachdrill_audit('export_wp', array('content' => isset($args['content']) ? $args['content'] : 'all'));
});

// Options: names and sizes only, never values. Housekeeping options that
// WordPress rewrites on every request would drown the rest.
function breachdrill_option_is_noise($name) {
	return in_array($name, array('cron', 'rewrite_rules', 'recently_activated', 'recovery_keys'), true)
		|| strpos($name, '_site_transient_') === 0
		|| strpos($name, '_transient_doing_cron') === 0
		|| strpos($name, '_transient_timeout_') === 0;
}
function breachdrill_size($v) {
	return is_scalar($v) ? strlen((string) $v) : strlen(serialize($v));
}
add_action('added_option', function ($name, $value) {
	if (!breachdrill_option_is_noise($name)) {
		breachdrill_audit('added_option', array('option' => $name, 'size' => breachdrill_size($value)));
	}
}, 10, 2);
add_action('updated_option', function ($name, $old, $value) {
	if (!breachdrill_option_is_noise($name)) {
		breachdrill_audit('updated_option', array('option' => $name, 'size' => breachdrill_size($value)));
	}
}, 10, 3);
add_action('deleted_option', function ($name) {
	if (!breachdrill_option_is_noise($name)) {
		breachdrill_audit('deleted_option', array('option' => $name));
	}
});

// WooCommerce.
add_action('woocommerce_new_order', function ($id) {
	breachdrill_audit('woocommerce_new_order', array('order_id' => (int) $id));
});
add_action('woocommerce_update_order', function ($id) {
	breachdrill_audit('woocommerce_update_order', array('order_id' => (int) $id));
});
add_action('woocommerce_order_status_changed', function ($id, $from, $to) {
	breachdrill_audit('woocommerce_order_status_changed', array('order_id' => (int) $id, 'from' => $from, 'to' => $to));
}, 10, 3);
add_action('woocommerce_new_customer', function ($id) {
	breachdrill_audit('woocommerce_new_customer', array('user' => breachdrill_user($id)));
});

// WooCommerce's job queue (Action Scheduler) runs only where WordPress's
// cron would, and that is off (DISABLE_WP_CRON). Its other runner is a
// loopback request sent at the end of admin pages; on the stack's network
// it reaches the shop, and a queue run between a reset and the check that
// follows rewrites the tables the check compares (the queue, its log,
// WooCommerce's notes and lookup tables). Jobs stay queued, as on a shop
// whose system cron is down.
add_filter('action_scheduler_allow_async_request_runner', '__return_false');

// Outbound HTTP: every attempt is recorded with whether it was blocked.
// WP_HTTP_BLOCK_EXTERNAL does the blocking; this is the proof.
add_action('http_api_debug', function ($response, $context, $class, $args, $url) {
	$blocked = is_wp_error($response) && $response->get_error_code() === 'http_request_not_executed';
	breachdrill_audit('http_outbound', array(
		'url'     => substr((string) $url, 0, 512),
		'host'    => (string) parse_url((string) $url, PHP_URL_HOST),
		'blocked' => $blocked,
		'error'   => is_wp_error($response) ? $response->get_error_code() : '',
	));
}, 10, 5);

// Updates are the stack image's business, never WordPress's.
add_filter('automatic_updater_disabled', '__return_true');
add_filter('auto_update_plugin', '__return_false');
add_filter('auto_update_theme', '__return_false');

// There is no mail transport in the stack: orders, password resets and new
// accounts send mail, which would otherwise log "sendmail: not found" on
// every order. The sink records that mail was sent, never to whom or what.
add_filter('pre_wp_mail', function ($return, $atts) {
	$to = isset($atts['to']) ? (array) $atts['to'] : array();
	breachdrill_audit('wp_mail', array('recipients' => count($to)));
	return true;
}, 10, 2);

// The seeded customers' saved cards name the gateway "stripe", as most
// shops' do. WooCommerce lists a customer's tokens only for gateways it
// knows, so without the real Stripe plugin a stand-in registers the id: it
// holds the cards and takes no payment.
add_filter('woocommerce_payment_gateways', function ($gateways) {
	if (class_exists('WC_Stripe') || !class_exists('WC_Payment_Gateway_CC')) {
		return $gateways;
	}
	if (!class_exists('Breachdrill_Stripe_Standin', false)) {
		class Breachdrill_Stripe_Standin extends WC_Payment_Gateway_CC {
			public function __construct() {
				$this->id                 = 'stripe';
				$this->method_title       = 'Stripe (breachdrill stand-in)';
				$this->method_description = 'Holds the synthetic shop\'s saved cards; takes no payments.';
				$this->title              = 'Credit Card (Stripe)';
				$this->supports           = array('products', 'tokenization');
				$this->init_settings();
				$this->enabled = 'no';
			}
			public function is_available() {
				return false;
			}
		}
	}
	$gateways[] = 'Breachdrill_Stripe_Standin';
	return $gateways;
});
