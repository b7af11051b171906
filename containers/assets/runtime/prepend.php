<?php
// breachdrill: Apache cannot log request bodies, so PHP hands the body of a
// POST to the two endpoints that scenarios attack to the access log as a
// request note (the "body" field). Capped so one request cannot bloat the log.
if (($_SERVER['REQUEST_METHOD'] ?? '') === 'POST' && function_exists('apache_note')) {
	$bd_path = (string) parse_url($_SERVER['REQUEST_URI'] ?? '', PHP_URL_PATH);
	if (preg_match('#(/graphql/?|/admin-ajax\.php)$#', $bd_path)) {
		$bd_body = (string) file_get_contents('php://input', false, null, 0, 16384);
		if ($bd_body === '' && !empty($_POST)) {
			$bd_body = substr(http_build_query($_POST), 0, 16384);
		}
		apache_note('bd_body', $bd_body);
	}
	unset($bd_path, $bd_body);
}
