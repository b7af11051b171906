<?php
/**
 * Plugin Name: ACME Headless API
 * Description: GraphQL endpoint for the headless storefront (customers, orders).
 * Version: 0.9.4
 *
 * breachdrill scenario artifact "graphql-pii-harvest": a small stand-in for
 * WPGraphQL + WooGraphQL with their risky defaults (public endpoint, public
 * introspection, large list sizes). It understands the subset of GraphQL the
 * scenario sends. Inert until a drill installs and activates it inside a
 * disposable stack; no outbound connections.
 */

add_action('init', function () {
	$path = rtrim((string) parse_url(isset($_SERVER['REQUEST_URI']) ? $_SERVER['REQUEST_URI'] : '', PHP_URL_PATH), '/');
	if ($path !== '/graphql') {
		return;
	}
	acme_graphql_handle();
	exit;
}, 0);

function acme_graphql_error($status, $msg) {
	http_response_code($status);
	echo json_encode(array('errors' => array(array('message' => $msg))));
}

function acme_graphql_handle() {
	global $wpdb;
	header('Content-Type: application/json');
	if (get_option('acme_graphql_public', 'yes') !== 'yes' && !current_user_can('manage_options')) {
		acme_graphql_error(403, 'The GraphQL endpoint requires authentication.');
		return;
	}
	$in = json_decode((string) file_get_contents('php://input'), true);
	$q = is_array($in) && isset($in['query']) ? (string) $in['query'] : (isset($_GET['query']) ? (string) $_GET['query'] : '');
	if ($q === '') {
		acme_graphql_error(400, 'GraphQL Request must include at least one of those two parameters: "query" or "queryId"');
		return;
	}
	if (strpos($q, '__schema') !== false || strpos($q, '__type') !== false) {
		if (get_option('acme_graphql_introspection', 'yes') !== 'yes') {
			acme_graphql_error(403, 'GraphQL introspection is not allowed.');
			return;
		}
		echo json_encode(array('data' => array('__schema' => acme_graphql_schema())));
		return;
	}
	$data = array();
	preg_match_all('/(?:(\w+)\s*:\s*)?customers\s*\(([^)]*)\)/', $q, $found, PREG_SET_ORDER);
	foreach ($found as $m) {
		$alias = $m[1] !== '' ? $m[1] : 'customers';
		$first = preg_match('/first\s*:\s*(\d+)/', $m[2], $f) ? min(1000, (int) $f[1]) : 10;
		$after = preg_match('/after\s*:\s*"(\d+)"/', $m[2], $a) ? (int) $a[1] : 0;
		$rows = $wpdb->get_results($wpdb->prepare(
			"SELECT c.customer_id, c.email, c.first_name, c.last_name, c.city, c.postcode, c.country,
			        MAX(CASE WHEN m.meta_key = 'billing_phone' THEN m.meta_value END) AS phone,
			        MAX(CASE WHEN m.meta_key = 'billing_address_1' THEN m.meta_value END) AS address_1
			 FROM {$wpdb->prefix}wc_customer_lookup c
			 LEFT JOIN {$wpdb->usermeta} m ON m.user_id = c.user_id AND m.meta_key IN ('billing_phone', 'billing_address_1')
			 GROUP BY c.customer_id ORDER BY c.customer_id LIMIT %d OFFSET %d", $first, $after), ARRAY_A);
		$nodes = array();
		foreach ($rows as $r) {
			$nodes[] = array(
				'email'     => $r['email'],
				'firstName' => $r['first_name'],
				'lastName'  => $r['last_name'],
				'billing'   => array('phone' => $r['phone'], 'address1' => $r['address_1'], 'city' => $r['city'], 'postcode' => $r['postcode'], 'country' => $r['country']),
			);
		}
		$data[$alias] = array('nodes' => $nodes);
	}
	if (empty($data)) {
		$data = array('generalSettings' => array('title' => get_bloginfo('name')));
	}
	echo json_encode(array('data' => $data));
}

function acme_graphql_schema() {
	$types = array();
	foreach (array(
		'RootQuery'          => array('customers', 'orders', 'products', 'generalSettings'),
		'Customer'           => array('id', 'email', 'firstName', 'lastName', 'username', 'billing', 'shipping', 'orders'),
		'CustomerAddress'    => array('firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'state', 'postcode', 'country', 'email', 'phone'),
		'CustomerConnection' => array('nodes', 'pageInfo'),
		'Order'              => array('id', 'billing', 'shipping', 'customerIpAddress', 'customerUserAgent', 'customerNote', 'transactionId', 'customer', 'total'),
	) as $name => $fields) {
		$types[] = array('name' => $name, 'kind' => 'OBJECT', 'fields' => array_map(function ($f) {
			return array('name' => $f);
		}, $fields));
	}
	return array('queryType' => array('name' => 'RootQuery'), 'types' => $types);
}
