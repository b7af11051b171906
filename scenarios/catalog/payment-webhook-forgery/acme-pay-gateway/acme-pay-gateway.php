<?php
/**
 * Plugin Name: Acme Pay for WooCommerce (test gateway)
 * Description: breachdrill scenario artifact. A card gateway modelled on real ones: API keys and a webhook secret in the gateway's settings, payment events delivered by signed webhook (header Acme-Pay-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">). Its flaws are the scenario: sandbox mode turns on a debug log under uploads that records the settings, and a "payment_intent.succeeded" event marks an order paid before any capture (and its transaction id) arrives.
 * Version: 2.3.1
 * Author: breachdrill (test artifact, never install on a real site)
 * WC requires at least: 8.0
 */

if (!defined('ABSPATH')) {
	exit;
}

const ACME_PAY_OPTION = 'woocommerce_acmepay_settings';
const ACME_PAY_TOLERANCE = 300; // seconds a signature's timestamp may be old

register_activation_hook(__FILE__, 'acme_pay_activate');

// New installs start in sandbox mode with keys issued by the processor and
// the debug log on, as the vendor's quick-start guide has it.
function acme_pay_activate() {
	$s = get_option(ACME_PAY_OPTION, array());
	if (!is_array($s)) {
		$s = array();
	}
	if (empty($s['api_key'])) {
		$s = array_merge(array('enabled' => 'yes', 'title' => 'Card (Acme Pay)', 'testmode' => 'yes', 'debug' => 'yes'), $s);
		$s['api_key'] = 'sk_test_' . wp_generate_password(32, false);
		$s['publishable_key'] = 'pk_test_' . wp_generate_password(32, false);
		$s['webhook_secret'] = 'whsec_' . wp_generate_password(32, false);
		update_option(ACME_PAY_OPTION, $s);
	}
	acme_pay_log('gateway configured: ' . wp_json_encode($s));
}

function acme_pay_settings() {
	$s = get_option(ACME_PAY_OPTION, array());
	return is_array($s) ? $s : array();
}

// The flaw: the log lives in a public folder and records the settings.
function acme_pay_log($message) {
	$s = acme_pay_settings();
	if (!isset($s['debug']) || $s['debug'] !== 'yes') {
		return;
	}
	$up = wp_upload_dir(null, false);
	$file = $up['basedir'] . '/acme-pay/debug.log';
	wp_mkdir_p(dirname($file));
	@file_put_contents($file, gmdate('Y-m-d\TH:i:s\Z') . ' ' . $message . "\n", FILE_APPEND | LOCK_EX);
}

add_action('plugins_loaded', function () {
	if (!class_exists('WC_Payment_Gateway')) {
		return;
	}

	class WC_Gateway_Acme_Pay extends WC_Payment_Gateway {
		public function __construct() {
			$this->id                 = 'acmepay';
			$this->method_title       = 'Acme Pay';
			$this->method_description = 'Card payments on Acme Pay\'s hosted page; payment events by signed webhook.';
			$this->has_fields         = false;
			$this->supports           = array('products');
			$this->init_form_fields();
			$this->init_settings();
			$this->title = $this->get_option('title');
			add_action('woocommerce_update_options_payment_gateways_' . $this->id, array($this, 'process_admin_options'));
		}

		public function init_form_fields() {
			$this->form_fields = array(
				'enabled'         => array('title' => 'Enable', 'type' => 'checkbox', 'default' => 'yes'),
				'title'           => array('title' => 'Title', 'type' => 'text', 'default' => 'Card (Acme Pay)'),
				'testmode'        => array('title' => 'Sandbox', 'type' => 'checkbox', 'default' => 'yes'),
				'api_key'         => array('title' => 'Secret API key', 'type' => 'password'),
				'publishable_key' => array('title' => 'Publishable key', 'type' => 'text'),
				'webhook_secret'  => array('title' => 'Webhook signing secret', 'type' => 'password'),
				'debug'           => array('title' => 'Debug log', 'type' => 'checkbox', 'default' => 'yes'),
			);
		}

		// The shopper pays on the processor's hosted page; the order waits
		// for the webhook.
		public function process_payment($order_id) {
			$order = wc_get_order($order_id);
			$order->update_status('pending', 'Awaiting payment on Acme Pay.');
			return array('result' => 'success', 'redirect' => $order->get_checkout_payment_url(true));
		}
	}

	add_filter('woocommerce_payment_gateways', function ($gateways) {
		$gateways[] = 'WC_Gateway_Acme_Pay';
		return $gateways;
	});
});

add_action('rest_api_init', function () {
	register_rest_route('acme-pay/v1', '/webhook', array(
		'methods'             => 'POST',
		'callback'            => 'acme_pay_webhook',
		'permission_callback' => '__return_true', // the signature is the authentication
	));
});

function acme_pay_verify($body, $header, $secret) {
	if ($secret === '' || !preg_match('/^t=(\d+),v1=([0-9a-f]{64})$/', (string) $header, $m)) {
		return false;
	}
	if (abs(time() - (int) $m[1]) > ACME_PAY_TOLERANCE) {
		return false;
	}
	return hash_equals(hash_hmac('sha256', $m[1] . '.' . $body, $secret), $m[2]);
}

function acme_pay_webhook(WP_REST_Request $request) {
	$s    = acme_pay_settings();
	$body = $request->get_body();
	$sig  = $request->get_header('acme_pay_signature');
	acme_pay_log('webhook: ' . strlen($body) . ' bytes from ' . $_SERVER['REMOTE_ADDR']);
	if (!acme_pay_verify($body, $sig, isset($s['webhook_secret']) ? $s['webhook_secret'] : '')) {
		acme_pay_log('webhook: bad signature');
		return new WP_REST_Response(array('error' => 'invalid signature'), 401);
	}
	$event = json_decode($body, true);
	$obj   = isset($event['data']['object']) && is_array($event['data']['object']) ? $event['data']['object'] : array();
	$id    = isset($obj['metadata']['order_id']) ? (int) $obj['metadata']['order_id'] : 0;
	$order = $id ? wc_get_order($id) : false;
	if (!$order || $order->get_payment_method() !== 'acmepay') {
		return new WP_REST_Response(array('error' => 'unknown order'), 404);
	}
	$ref = isset($obj['id']) ? sanitize_text_field($obj['id']) : '';
	switch (isset($event['type']) ? $event['type'] : '') {
		case 'charge.captured':
			// The capture: the charge id becomes the transaction id.
			$order->payment_complete($ref);
			break;
		case 'payment_intent.succeeded':
			// The second flaw: the intent alone marks the order paid; the
			// capture and its transaction id are expected to follow.
			if ($order->has_status(array('pending', 'failed', 'on-hold'))) {
				$order->update_status('processing', 'Acme Pay: payment intent ' . $ref . ' succeeded.');
			}
			break;
		case 'payment_intent.payment_failed':
			$order->update_status('failed', 'Acme Pay: payment failed.');
			break;
	}
	return new WP_REST_Response(array('received' => true), 200);
}
