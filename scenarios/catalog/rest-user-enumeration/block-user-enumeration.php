<?php
/**
 * Plugin Name: Block user enumeration
 * Description: Response artifact of breachdrill's rest-user-enumeration scenario: visitors can no longer list users through the REST API or ?author= scans.
 */

add_filter('rest_endpoints', function ($endpoints) {
	if (!is_user_logged_in()) {
		unset($endpoints['/wp/v2/users'], $endpoints['/wp/v2/users/(?P<id>[\d]+)']);
	}
	return $endpoints;
});

add_action('template_redirect', function () {
	if (isset($_GET['author']) && !is_user_logged_in()) {
		status_header(404);
		nocache_headers();
		exit;
	}
}, 0);
