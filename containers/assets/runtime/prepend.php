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

// breachdrill: while a web request runs, a marker named after its Apache
// process lies in /dev/shm, touched when the request began. A response
// step (requests.drain) waits on the markers older than itself instead of
// guessing how long the requests that began before it take. It is removed
// from a shutdown function registered by a shutdown function, so after
// WordPress's own shutdown work, which may still write a log.
if (PHP_SAPI === 'apache2handler') {
	$bd_marker = '/dev/shm/breachdrill-requests/' . getmypid();
	if (@touch($bd_marker) || (@mkdir(dirname($bd_marker), 01777) && @touch($bd_marker))) {
		register_shutdown_function(static function () use ($bd_marker) {
			register_shutdown_function(static function () use ($bd_marker) {
				@unlink($bd_marker);
			});
		});
	}
	unset($bd_marker);
}
