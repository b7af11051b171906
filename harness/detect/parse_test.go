package detect

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindPANs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // masked
	}{
		{"visa", "card 4111111111111111 ok", []string{"411111******1111"}},
		{"grouped", "4111 1111 1111 1111", []string{"411111******1111"}},
		{"dashed amex", "3782-822463-10005", []string{"378282*****0005"}},
		{"serialized", `a:1:{s:4:"card";s:16:"5555555555554444";}`, []string{"555555******4444"}},
		{"luhn fails", "4111111111111112", nil},
		{"no brand", "1234567812345670", nil},
		{"phone with plus", "+4915112345678", nil},
		{"decimal fraction", "0.6627450980392157", nil},
		{"inside a hash", "a4111111111111111b", nil},
		{"too long", "41111111111111111111111", nil},
		{"timestamp", "1795827720", nil},
		{"two", "4242424242424242 and 6011111111111117", []string{"424242******4242", "601111******1117"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range findPANs(tt.in, 13, 19) {
				got = append(got, p.Masked())
			}
			assert.Equal(t, tt.want, got, "findPANs(%q), masked", tt.in)
		})
	}
}

func TestMaskPANs(t *testing.T) {
	in := `INSERT INTO wp_postmeta VALUES (7, '_card', '4111 1111 1111 1111'), (8, '_card', '5555555555554444')`
	got := maskPANs(in)
	for _, leak := range []string{"4111 1111 1111 1111", "5555555555554444"} {
		assert.NotContains(t, got, leak, "maskPANs must mask every card number")
	}
	assert.Contains(t, got, "4111 11** **** 1111", "masked form keeping the grouping")
	assert.Contains(t, got, "555555******4444", "masked form")
}

func TestCountPII(t *testing.T) {
	val := `a:3:{i:0;a:2:{s:5:"email";s:17:"ann@example.com";s:5:"phone";s:14:"(613) 645-9948";}` +
		`i:1;a:2:{s:5:"email";s:15:"bo@example.org";s:5:"phone";s:12:"613.645.9949";}` +
		`i:2;a:2:{s:5:"email";s:16:"CANARY-7f3a@x.io";s:5:"phone";s:15:"+44 20 7946 0958";}}` +
		`s:4:"cron";i:1795827720;`
	c := countPII(val, []string{"CANARY-7f3a", "CANARY-none"})
	assert.Equal(t, 3, c.emails, "emails in %+v", c)
	assert.Equal(t, 3, c.phones, "phones in %+v", c)
	assert.Equal(t, []string{"CANARY-7f3a"}, c.canaries, "canaries found")
	c = countPII("admin@shop.example.com", nil)
	assert.Equal(t, 1, c.emails, "admin_email: one email")
	assert.Equal(t, 0, c.phones, "admin_email: no phone")
}

func TestPHPConstants(t *testing.T) {
	src := `<?php
define( 'DB_PASSWORD', 'p@ss;word)' );
// define( 'WP_DEBUG', true );
/* define('WP_DEBUG_LOG', true); */
# define('WP_CACHE', true);
define( 'WP_DEBUG', TRUE );
define("WP_DEBUG_LOG", false);
define( 'WP_MEMORY_LIMIT', 256 );
define( 'WP_DEBUG', false ); // a second define is ignored by PHP
$x = "// not a comment"; define('AFTER_STRING', 'yes');
`
	got := phpConstants(src)
	want := map[string]string{
		"DB_PASSWORD":     "'p@ss;word)'",
		"WP_DEBUG":        "true",
		"WP_DEBUG_LOG":    "false",
		"WP_MEMORY_LIMIT": "256",
		"AFTER_STRING":    "'yes'",
	}
	assert.Equal(t, want, got, "phpConstants")
}

func TestConfigCondition(t *testing.T) {
	r, probs := parseRuleFile("c.yml", []byte(`id: debug-display
title: t
severity: high
kind: config
config: {file: wp-config.php}
condition:
  all:
    - {constant: WP_DEBUG, is: true}
    - {constant: WP_DEBUG_DISPLAY, is: true, default: true}
`))
	require.Empty(t, probs)
	require.Len(t, r, 1)
	cc := r[0].check.config
	tests := []struct {
		consts map[string]string
		want   bool
	}{
		{map[string]string{"WP_DEBUG": "true"}, true}, // display defaults to true
		{map[string]string{"WP_DEBUG": "true", "WP_DEBUG_DISPLAY": "false"}, false},
		{map[string]string{"WP_DEBUG": "false"}, false},
		{map[string]string{}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, cc.satisfied(tt.consts), "satisfied(%v)", tt.consts)
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"wp-content/uploads/**/*.php", "wp-content/uploads/x.php", true},
		{"wp-content/uploads/**/*.php", "wp-content/uploads/2026/11/x.php", true},
		{"wp-content/uploads/**/*.php", "wp-content/plugins/x.php", false},
		{"wp-content/uploads/**/*.php", "wp-content/uploads/x.php.txt", false},
		{"*.sql", "backup.sql", true},
		{"*.sql", "a/backup.sql", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, matchGlob(tt.pattern, tt.name), "matchGlob(%q, %q)", tt.pattern, tt.name)
	}
}

func TestDBAuditEvent(t *testing.T) {
	tests := []struct {
		line, op, object, retcode string
	}{
		{`20261128 01:02:01,52327581126a,wordpress,192.168.96.3,11,1041,QUERY,wordpress,'SELECT option_value FROM wp_options WHERE option_name = \'medium_crop\' LIMIT 1',0`,
			"QUERY", "SELECT option_value FROM wp_options WHERE option_name = 'medium_crop' LIMIT 1", "0"},
		{`20261128 01:02:01,52327581126a,wordpress,192.168.96.3,11,1045,QUERY,wordpress,'SELECT a,\n\tb FROM t WHERE x = \'1,2\'',0`,
			"QUERY", "SELECT a,\n\tb FROM t WHERE x = '1,2'", "0"},
		{`20261128 01:02:01,52327581126a,wordpress,192.168.96.3,11,1050,READ,wordpress,wp_posts,`, "READ", "wp_posts", ""},
		{`20261128 01:02:01,52327581126a,wordpress,192.168.96.3,11,0,DISCONNECT,wordpress,,0`, "DISCONNECT", "", "0"},
	}
	for _, tt := range tests {
		ev, err := dbAuditEvent(tt.line)
		require.NoError(t, err, tt.line)
		f := ev.Fields
		assert.Equal(t, tt.op, f["operation"], "operation of %q", tt.line)
		assert.Equal(t, tt.object, f["object"], "object of %q", tt.line)
		assert.Equal(t, tt.retcode, f["retcode"], "retcode of %q", tt.line)
		assert.Equal(t, "wordpress", f["username"], "username of %q", tt.line)
		assert.True(t, ev.Time.Equal(time.Date(2026, 11, 28, 1, 2, 1, 0, time.UTC)), "time %v; want 2026-11-28 01:02:01 UTC", ev.Time)
	}
}

func TestAuditEvent(t *testing.T) {
	line := `{"time":"2026-11-28T01:02:00.810575Z","event":"user_register","actor":null,"ip":"192.168.96.1","user_agent":"curl","method":"CLI","uri":"","object":{"user":{"id":7,"login":"ghost","roles":["administrator","customer"]}}}`
	ev, err := auditEvent([]byte(line))
	require.NoError(t, err)
	want := map[string]string{"event": "user_register", "object.user.login": "ghost", "object.user.roles": "administrator,customer", "object.user.id": "7", "actor": ""}
	for k, v := range want {
		assert.Equal(t, v, ev.Fields[k], "field %s", k)
	}
}

func TestPHPEvent(t *testing.T) {
	ev := phpEvent("[28-Nov-2026 01:10:59 UTC] PHP Warning:  Undefined variable $x in /var/www/html/wp-content/uploads/s.php on line 3", time.Time{})
	assert.Equal(t, "Warning", ev.Fields["level"], "level")
	assert.Equal(t, "/var/www/html/wp-content/uploads/s.php", ev.Fields["file"], "file")
	assert.Equal(t, "3", ev.Fields["line"], "line")
	assert.False(t, ev.Time.IsZero(), "the line's time must be parsed")
}

func TestRedactBodies(t *testing.T) {
	for _, body := range []string{
		`{"query":"mutation { login(input: {username: \"admin\", password: \"hunter2\"}) { authToken } }"}`,
		`{"username":"admin","password":"hunter2"}`,
		`log=admin&pwd=hunter2&rememberme=forever`,
	} {
		got := redactParams(body)
		assert.NotContains(t, got, "hunter2", "redactParams(%s) must hide the password", body)
		assert.Contains(t, got, "admin", "redactParams(%s) must keep the user name", body)
	}
}

func TestEventTextRedacts(t *testing.T) {
	ev := access("cs-method", "POST", "cs-uri-stem", "/wp-admin/admin-ajax.php", "cs-uri-query", "action=x&pwd=hunter2&id=4111111111111111",
		"cs-body", "user_pass=hunter2&card=4111 1111 1111 1111", "c-ip", "1.2.3.4", "sc-status", "200")
	txt := ev.Text()
	for _, leak := range []string{"hunter2", "4111111111111111", "4111 1111 1111 1111"} {
		assert.NotContains(t, txt, leak, "alert text leaks a secret")
	}
}
