package containers

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"regexp"
	"text/template"
)

var wpConfigTemplate = template.Must(template.New("wp-config").Parse(`<?php
// Written by breachdrill for one drill run. Scenarios change the constants
// below the way an administrator (or an attacker) would.
define( 'DB_NAME', '{{.DBName}}' );
define( 'DB_USER', '{{.DBUser}}' );
define( 'DB_PASSWORD', '{{.DBPassword}}' );
define( 'DB_HOST', 'db' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{{range .Salts}}define( '{{.Name}}', '{{.Value}}' );
{{end}}
$table_prefix = '{{.Prefix}}';

define( 'WP_DEBUG', false );

// The stack answers on whatever 127.0.0.1 port Docker picked, and on
// http://wp inside the run's network.
$bd_host = isset( $_SERVER['HTTP_HOST'] ) ? $_SERVER['HTTP_HOST'] : 'localhost';
define( 'WP_HOME', 'http://' . $bd_host );
define( 'WP_SITEURL', 'http://' . $bd_host );
// Cookie names derive from the site URL, which differs by host; one name
// lets a session work (or be replayed) from inside the run's network too.
define( 'COOKIEHASH', '{{.CookieHash}}' );

// Nothing leaves the stack: no update checks, no phoning home, no cron
// loopback. The audit plugin records every attempt, blocked or not.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'DISABLE_WP_CRON', true );
define( 'FS_METHOD', 'direct' );

/* That's all, stop editing! Happy publishing. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`))

type namedValue struct{ Name, Value string }

var prefixPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,15}_$`)

func renderWPConfig(c Credentials, prefix string) []byte {
	var salts []namedValue
	for i, n := range saltNames {
		salts = append(salts, namedValue{n, c.Salts[i]})
	}
	var b bytes.Buffer
	err := wpConfigTemplate.Execute(&b, struct {
		Credentials
		Prefix     string
		Salts      []namedValue
		CookieHash string
	}{c, prefix, salts, cookieHash(c)})
	if err != nil {
		panic(fmt.Sprintf("containers: wp-config template: %v", err))
	}
	return b.Bytes()
}

// cookieHash is a per-run value for WordPress's COOKIEHASH: derived from a
// salt, so it is stable for the run and reveals nothing.
func cookieHash(c Credentials) string {
	sum := md5.Sum([]byte("breachdrill-cookie:" + c.Salts[0]))
	return hex.EncodeToString(sum[:])
}
