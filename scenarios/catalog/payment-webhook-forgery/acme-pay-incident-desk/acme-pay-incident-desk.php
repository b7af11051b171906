<?php
/**
 * Plugin Name: Acme Pay incident desk (stand-in)
 * Description: breachdrill scenario artifact. Stands in, inside the run, for the payment processor's incident-response contact: a drill never calls an outside address. It takes a notice by POST and answers with a ticket reference and the time it was received; the notices are kept in an option for the record.
 * Version: 1.0.0
 * Author: breachdrill (test artifact)
 */

if (!defined('ABSPATH')) {
	exit;
}

add_action('rest_api_init', function () {
	register_rest_route('acme-pay-desk/v1', '/incidents', array(
		'methods'             => 'POST',
		'callback'            => 'acme_pay_desk_receive',
		'permission_callback' => '__return_true',
	));
});

function acme_pay_desk_receive(WP_REST_Request $request) {
	$notice = json_decode($request->get_body(), true);
	if (!is_array($notice) || empty($notice['contact']) || empty($notice['message'])) {
		return new WP_REST_Response(array('error' => 'a notice needs contact and message'), 400);
	}
	$log       = get_option('acme_pay_desk_incidents', array());
	$log       = is_array($log) ? $log : array();
	$reference = sprintf('INC-%s-%04d', gmdate('Ymd'), count($log) + 1);
	$received  = gmdate('Y-m-d\TH:i:s\Z');
	$log[]     = array('reference' => $reference, 'received' => $received, 'contact' => sanitize_text_field($notice['contact']), 'message_bytes' => strlen($notice['message']));
	update_option('acme_pay_desk_incidents', $log, false);
	return new WP_REST_Response(array('reference' => $reference, 'received' => $received), 201);
}
