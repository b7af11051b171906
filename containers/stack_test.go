package containers_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (ss *stackSuite) TestWebAnswers() {
	t, s := ss.T(), ss.Stack
	tests := []struct {
		path string
		want string
	}{
		{"/", `<meta name="generator" content="WordPress 6.8`},
		{"/wp-login.php", `name="log"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			require.True(t, strings.HasPrefix(s.URL(), "http://127.0.0.1:"), "URL %q must be on 127.0.0.1", s.URL())
			resp, body := fetch(t, webClient(t), http.MethodGet, s.URL()+tt.path, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s", tt.path)
			require.Contains(t, body, tt.want, "GET %s", tt.path)
		})
	}
}

func (ss *stackSuite) TestInfo() {
	t, s := ss.T(), ss.Stack
	info := s.Info()
	checks := []struct {
		name string
		ok   bool
	}{
		{"run id", info.RunID == s.RunID() && info.RunID != ""},
		{"WordPress 6.8", strings.HasPrefix(info.WordPressVersion, "6.8")},
		{"MariaDB", strings.Contains(info.MariaDBVersion, "MariaDB")},
		{"PHP 8.4", strings.HasPrefix(info.PHPVersion, "8.4")},
		{"schema mode", info.WooCommerceMode == containers.WooSchema},
		{"db on 127.0.0.1", strings.HasPrefix(info.DBAddr, "127.0.0.1:")},
		{"ready time", info.ReadyAfter > 0},
	}
	for _, c := range checks {
		assert.True(t, c.ok, "%s: %+v", c.name, info)
	}
}

// The admin logs in over HTTP the way a browser does; a wrong password gets
// the form again. The audit log sees both, and the access log attributes
// the logged-in request to the admin.
func (ss *stackSuite) TestAdminLogin() {
	t, s := ss.T(), ss.Stack
	creds := s.Credentials()
	tests := []struct {
		name      string
		password  string
		wantEvent string
	}{
		{"right password", creds.AdminPassword, "wp_login"},
		{"wrong password", creds.AdminPassword + "x", "wp_login_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audit := follow(t, s, containers.LogAudit)
			access := follow(t, s, containers.LogAccess)
			c := webClient(t)
			resp, body := logIn(t, s, c, creds.AdminUser, tt.password)
			u, _ := url.Parse(s.URL())
			var loggedIn bool
			for _, ck := range c.Jar.Cookies(u) {
				loggedIn = loggedIn || strings.HasPrefix(ck.Name, "wordpress_logged_in_")
			}
			for _, ck := range resp.Cookies() {
				loggedIn = loggedIn || strings.HasPrefix(ck.Name, "wordpress_logged_in_")
			}
			if tt.wantEvent == "wp_login" {
				require.Equal(t, http.StatusFound, resp.StatusCode, "login must redirect")
				require.Equal(t, s.URL()+"/wp-admin/", resp.Header.Get("Location"), "login must redirect to the dashboard")
				require.True(t, loggedIn, "login must set a logged-in cookie")
				resp, body := fetch(t, c, http.MethodGet, s.URL()+"/wp-admin/", nil)
				require.Equal(t, http.StatusOK, resp.StatusCode, "dashboard after login")
				require.Contains(t, body, "Dashboard", "dashboard after login")
				var attributed bool
				access.until(30*time.Second, func(line []byte) bool {
					rec, err := containers.ParseAccessRecord(line)
					attributed = err == nil && strings.HasPrefix(rec.Path, "/wp-admin/") && rec.User == creds.AdminUser
					return attributed
				})
				assert.True(t, attributed, "an access-log line for the dashboard must name the admin as its user")
			} else {
				require.Equal(t, http.StatusOK, resp.StatusCode, "wrong password")
				require.Contains(t, body, `id="loginform"`, "a wrong password must get the form again")
				require.False(t, loggedIn, "a wrong password must not set a logged-in cookie")
			}
			var ev auditEvent
			found := audit.until(30*time.Second, func(line []byte) bool {
				ev = parseAudit(t, line)
				return ev.Event == tt.wantEvent
			})
			require.True(t, found, "a %s line in the audit log", tt.wantEvent)
			blob, _ := json.Marshal(ev.Object)
			require.Contains(t, string(blob), creds.AdminUser, "%s must name the user", tt.wantEvent)
			require.NotContains(t, string(blob), creds.AdminPassword, "%s must never hold the password", tt.wantEvent)
		})
	}
}

// The columns of WooCommerce's tables as woocommerce-schema.md (WooCommerce
// 7.9 and trunk) documents them: name, type, nullability, auto increment,
// default. unique lists the primary and unique keys.
var wooSchema = map[string]struct {
	columns []string
	unique  []string
}{
	"wc_orders": {columns: []string{
		"id bigint(20) unsigned NOT NULL",
		"status varchar(20) NULL", "currency varchar(10) NULL", "type varchar(20) NULL",
		"tax_amount decimal(26,8) NULL", "total_amount decimal(26,8) NULL",
		"customer_id bigint(20) unsigned NULL", "billing_email varchar(320) NULL",
		"date_created_gmt datetime NULL", "date_updated_gmt datetime NULL",
		"parent_order_id bigint(20) unsigned NULL", "payment_method varchar(100) NULL",
		"payment_method_title text NULL", "transaction_id varchar(100) NULL",
		"ip_address varchar(100) NULL", "user_agent text NULL", "customer_note text NULL",
	}, unique: []string{"PRIMARY(id)"}},
	"wc_order_addresses": {columns: []string{
		"id bigint(20) unsigned NOT NULL auto", "order_id bigint(20) unsigned NOT NULL",
		"address_type varchar(20) NULL", "first_name text NULL", "last_name text NULL", "company text NULL",
		"address_1 text NULL", "address_2 text NULL", "city text NULL", "state text NULL",
		"postcode text NULL", "country text NULL", "email varchar(320) NULL", "phone varchar(100) NULL",
	}, unique: []string{"PRIMARY(id)", "address_type_order_id(address_type,order_id)"}},
	"wc_order_operational_data": {columns: []string{
		"id bigint(20) unsigned NOT NULL auto", "order_id bigint(20) unsigned NULL",
		"created_via varchar(100) NULL", "woocommerce_version varchar(20) NULL",
		"prices_include_tax tinyint(1) NULL", "coupon_usages_are_counted tinyint(1) NULL",
		"download_permission_granted tinyint(1) NULL", "cart_hash varchar(100) NULL",
		"new_order_email_sent tinyint(1) NULL", "order_key varchar(100) NULL",
		"order_stock_reduced tinyint(1) NULL", "date_paid_gmt datetime NULL", "date_completed_gmt datetime NULL",
		"shipping_tax_amount decimal(26,8) NULL", "shipping_total_amount decimal(26,8) NULL",
		"discount_tax_amount decimal(26,8) NULL", "discount_total_amount decimal(26,8) NULL",
		"recorded_sales tinyint(1) NULL",
	}, unique: []string{"PRIMARY(id)", "order_id(order_id)"}},
	"wc_orders_meta": {columns: []string{
		"id bigint(20) unsigned NOT NULL auto", "order_id bigint(20) unsigned NULL",
		"meta_key varchar(255) NULL", "meta_value text NULL",
	}, unique: []string{"PRIMARY(id)"}},
	"woocommerce_order_items": {columns: []string{
		"order_item_id bigint(20) unsigned NOT NULL auto", "order_item_name text NOT NULL",
		"order_item_type varchar(200) NOT NULL default ''", "order_id bigint(20) unsigned NOT NULL",
	}, unique: []string{"PRIMARY(order_item_id)"}},
	"woocommerce_order_itemmeta": {columns: []string{
		"meta_id bigint(20) unsigned NOT NULL auto", "order_item_id bigint(20) unsigned NOT NULL",
		"meta_key varchar(255) NULL", "meta_value longtext NULL",
	}, unique: []string{"PRIMARY(meta_id)"}},
	"woocommerce_payment_tokens": {columns: []string{
		"token_id bigint(20) unsigned NOT NULL auto", "gateway_id varchar(200) NOT NULL", "token text NOT NULL",
		"user_id bigint(20) unsigned NOT NULL default 0", "type varchar(200) NOT NULL",
		"is_default tinyint(1) NOT NULL default 0",
	}, unique: []string{"PRIMARY(token_id)"}},
	"woocommerce_payment_tokenmeta": {columns: []string{
		"meta_id bigint(20) unsigned NOT NULL auto", "payment_token_id bigint(20) unsigned NOT NULL",
		"meta_key varchar(255) NULL", "meta_value longtext NULL",
	}, unique: []string{"PRIMARY(meta_id)"}},
	"woocommerce_sessions": {columns: []string{
		"session_id bigint(20) unsigned NOT NULL auto", "session_key char(32) NOT NULL",
		"session_value longtext NOT NULL", "session_expiry bigint(20) unsigned NOT NULL",
	}, unique: []string{"PRIMARY(session_id)", "session_key(session_key)"}},
	"woocommerce_api_keys": {columns: []string{
		"key_id bigint(20) unsigned NOT NULL auto", "user_id bigint(20) unsigned NOT NULL",
		"description varchar(200) NULL", "permissions varchar(10) NOT NULL",
		"consumer_key char(64) NOT NULL", "consumer_secret char(43) NOT NULL", "nonces longtext NULL",
		"truncated_key char(7) NOT NULL", "last_access datetime NULL",
	}, unique: []string{"PRIMARY(key_id)"}},
	"wc_customer_lookup": {columns: []string{
		"customer_id bigint(20) unsigned NOT NULL auto", "user_id bigint(20) unsigned NULL",
		"username varchar(60) NOT NULL default ''", "first_name varchar(255) NOT NULL", "last_name varchar(255) NOT NULL",
		"email varchar(100) NULL", "date_last_active timestamp NULL", "date_registered timestamp NULL",
		"country char(2) NOT NULL default ''", "postcode varchar(20) NOT NULL default ''",
		"city varchar(100) NOT NULL default ''", "state varchar(100) NOT NULL default ''",
	}, unique: []string{"PRIMARY(customer_id)", "user_id(user_id)"}},
}

func (ss *stackSuite) TestWooCommerceSchema() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	documented := make([]string, 0, len(wooSchema))
	for name := range wooSchema {
		documented = append(documented, name)
	}
	slices.Sort(documented)
	listed := slices.Sorted(slices.Values(containers.WooTables))
	require.Equal(t, documented, listed, "containers.WooTables must be the documented tables")
	for _, name := range documented {
		want := wooSchema[name]
		table := s.TablePrefix() + name
		t.Run(name, func(t *testing.T) {
			rows, err := s.DB().QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_DEFAULT
				FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, table)
			require.NoError(t, err, "columns of %s", table)
			defer rows.Close()
			var got []string
			for rows.Next() {
				var col, typ, nullable, extra string
				var def *string
				require.NoError(t, rows.Scan(&col, &typ, &nullable, &extra, &def), "scan a column of %s", table)
				c := col + " " + typ + map[string]string{"YES": " NULL", "NO": " NOT NULL"}[nullable]
				if strings.Contains(extra, "auto_increment") {
					c += " auto"
				}
				if def != nil && *def != "NULL" {
					c += " default " + *def
				}
				got = append(got, c)
			}
			require.NoError(t, rows.Err(), "columns of %s", table)
			require.Equal(t, want.columns, got, "%s columns", table)

			var collation string
			require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table).Scan(&collation), "collation of %s", table)
			assert.Equal(t, "utf8mb4_unicode_520_ci", collation, "%s collation, as WooCommerce creates it", table)

			krows, err := s.DB().QueryContext(ctx, `SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
				FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
				GROUP BY INDEX_NAME ORDER BY INDEX_NAME`, table)
			require.NoError(t, err, "unique keys of %s", table)
			defer krows.Close()
			var keys []string
			for krows.Next() {
				var name, cols string
				require.NoError(t, krows.Scan(&name, &cols), "scan a key of %s", table)
				keys = append(keys, name+"("+cols+")")
			}
			slices.Sort(keys)
			wantKeys := slices.Sorted(slices.Values(want.unique))
			require.Equal(t, wantKeys, keys, "%s unique keys", table)
		})
	}
	var hpos string
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT option_value FROM "+s.TablePrefix()+"options WHERE option_name = 'woocommerce_custom_orders_table_enabled'").Scan(&hpos), "the HPOS option")
	require.Equal(t, "yes", hpos, "the HPOS option")
}

// A file written through the API belongs to the web server's user and is
// served by Apache; a PHP file runs.
func (ss *stackSuite) TestWriteFileIsServed() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	n := nonce()
	tests := []struct {
		rel, content, want string
	}{
		{"wp-content/uploads/bd-" + n + ".txt", "plain " + n + "\n", "plain " + n + "\n"},
		{"bd-" + n + "/deeper/note.html", "<p>é " + n + "</p>", "<p>é " + n + "</p>"},
		{"bd-" + n + ".php", `<?php echo "php runs as ", posix_getpwuid(posix_geteuid())["name"], " ` + n + `";`, "php runs as www-data " + n},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			require.NoError(t, s.WriteFile(ctx, tt.rel, []byte(tt.content), 0o644), "WriteFile")
			res, err := s.Exec(ctx, containers.ServiceWP, []string{"stat", "-c", "%U:%G %a", containers.DocRoot + "/" + tt.rel})
			require.NoError(t, err, "stat the written file")
			require.Equal(t, "www-data:www-data 644", strings.TrimSpace(string(res.Stdout)), "owner and mode of the written file")
			resp, body := fetch(t, webClient(t), http.MethodGet, s.URL()+"/"+tt.rel, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, "GET /%s", tt.rel)
			require.Equal(t, tt.want, body, "GET /%s", tt.rel)
			back, err := s.ReadFile(ctx, tt.rel)
			require.NoError(t, err, "ReadFile")
			require.Equal(t, tt.content, string(back), "ReadFile must give back what was written")
		})
	}
}

// rawRequest sends bytes exactly as given (Go's client would refuse or
// re-encode what attackers send) and returns the status.
func rawRequest(t *testing.T, base, request string) int {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	require.NoError(t, err, "connect to %s", u.Host)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	request = strings.ReplaceAll(request, "HOST", u.Host)
	_, err = conn.Write([]byte(request))
	require.NoError(t, err, "send the request")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "read the response")
	resp.Body.Close()
	return resp.StatusCode
}

// Every request made here shows up on the access-log stream as a line
// that ParseAccessRecord reads back to what was sent, UTF-8 and all.
func (ss *stackSuite) TestAccessLog() {
	t, s := ss.T(), ss.Stack
	n := nonce()
	post := func(path, ctype, body string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: HOST\r\nUser-Agent: bd-test\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, ctype, len(body), body)
	}
	graphql := `{"query":"{ customers(first: 100) { nodes { email } } }","bd":"` + n + `","v":"é\n\u00e9"}` + "\n"
	tests := []struct {
		name    string
		request string
		want    containers.AccessRecord // Method, Path, Query, Status, UserAgent, ContentType, Body
	}{
		{
			name:    "plain GET",
			request: "GET /wp-login.php?bd=" + n + "&x=1 HTTP/1.1\r\nHost: HOST\r\nUser-Agent: bd-test\r\nConnection: close\r\n\r\n",
			want:    containers.AccessRecord{Method: "GET", Path: "/wp-login.php", Query: "bd=" + n + "&x=1", Status: 200, UserAgent: "bd-test"},
		},
		{
			name:    "UTF-8 in path, query and User-Agent",
			request: "GET /caf%C3%A9-" + n + "/%E2%9C%93?q=\xc3\xa9\xe2\x9c\x93&r=%C3%BC HTTP/1.1\r\nHost: HOST\r\nUser-Agent: t\xc3\xa9st\r\nConnection: close\r\n\r\n",
			want:    containers.AccessRecord{Method: "GET", Path: "/café-" + n + "/✓", Query: "q=é✓&r=%C3%BC", Status: 404, UserAgent: "tést"},
		},
		{
			name:    "vertical tab, quote and backslash in the path",
			request: "GET /v%0Bt%22q%5Cb-" + n + " HTTP/1.1\r\nHost: HOST\r\nUser-Agent: bd-test\r\nConnection: close\r\n\r\n",
			want:    containers.AccessRecord{Method: "GET", Path: "/v\vt\"q\\b-" + n, Status: 404, UserAgent: "bd-test"},
		},
		{
			name:    "POST body to admin-ajax.php",
			request: post("/wp-admin/admin-ajax.php", "application/x-www-form-urlencoded", "action=bd_probe&bd="+n+"&q=%22caf%C3%A9%22"),
			want: containers.AccessRecord{Method: "POST", Path: "/wp-admin/admin-ajax.php", Status: 400, UserAgent: "bd-test",
				ContentType: "application/x-www-form-urlencoded", Body: "action=bd_probe&bd=" + n + "&q=%22caf%C3%A9%22"},
		},
		{
			name:    "JSON body with UTF-8 to /graphql",
			request: post("/graphql", "application/json", graphql),
			want: containers.AccessRecord{Method: "POST", Path: "/graphql", Status: 404, UserAgent: "bd-test",
				ContentType: "application/json", Body: graphql},
		},
	}
	access := follow(t, s, containers.LogAccess)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := time.Now()
			require.Equal(t, tt.want.Status, rawRequest(t, s.URL(), tt.request), "status")
			var rec containers.AccessRecord
			found := access.until(30*time.Second, func(line []byte) bool {
				r, err := containers.ParseAccessRecord(line)
				if !assert.NoError(t, err, "a line was lost to the parser: %s", line) {
					return false
				}
				rec = r
				return strings.Contains(r.Path+r.Query+r.Body, n) && r.Method == tt.want.Method
			})
			require.True(t, found, "an access-log line for the request")
			got := containers.AccessRecord{Method: rec.Method, Path: rec.Path, Query: rec.Query, Status: rec.Status,
				UserAgent: rec.UserAgent, ContentType: rec.ContentType, Body: rec.Body}
			require.Equal(t, tt.want, got, "the access record")
			// The request line as sent, undecoded: what community Sigma
			// rules match cs-uri against.
			require.Equal(t, tt.request[:strings.Index(tt.request, "\r\n")], rec.Request, "the request line, as sent")
			require.WithinRange(t, rec.Time, started.Add(-2*time.Second), time.Now().Add(2*time.Second), "the record's time: %+v", rec)
			require.NotEmpty(t, rec.ClientIP, "the record's client: %+v", rec)
			require.NotZero(t, rec.BytesIn, "the record's size: %+v", rec)
		})
	}
}

// MariaDB's audit log records the shop's own database user and leaves out
// breachdrill's (seeding and checks would drown an attacker's queries).
func (ss *stackSuite) TestDBAuditLog() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	n := nonce()
	audit := follow(t, s, containers.LogDBAudit)
	var v string
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT ?", "bd-tool-"+n).Scan(&v), "a query as the tool user")
	require.NoError(t, s.AppDB().QueryRowContext(ctx, "SELECT ?", "bd-app-"+n).Scan(&v), "a query as the shop's user")
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT ?", "bd-tool-after-"+n).Scan(&v), "a query as the tool user")
	var lines []string
	found := audit.until(30*time.Second, func(line []byte) bool {
		lines = append(lines, string(line))
		return strings.Contains(string(line), "bd-app-"+n)
	})
	require.True(t, found, "an audit line for the query through AppDB (in %d lines)", len(lines))
	fields := strings.SplitN(lines[len(lines)-1], ",", 9)
	require.Len(t, fields, 9, "audit line %q", lines[len(lines)-1])
	require.Equal(t, s.Credentials().DBUser, fields[2], "audit line %q: the user", lines[len(lines)-1])
	require.Equal(t, "QUERY", fields[6], "audit line %q: the event", lines[len(lines)-1])
	audit.drain(2*time.Second, func(line []byte) { lines = append(lines, string(line)) })
	for _, l := range lines {
		require.NotContains(t, l, "bd-tool-", "the tool user's queries must not be audited")
	}
}

// Reset undoes a scenario's changes to rows, tables and files. Each case
// proves its change took effect first, so that a Reset that did nothing
// cannot pass.
func (ss *stackSuite) TestReset() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	p := s.TablePrefix()
	admin := s.Credentials().AdminUser
	row := func(q string, args ...any) func() (string, error) {
		return func() (string, error) {
			var v string
			err := s.DB().QueryRowContext(ctx, q, args...).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return "<no row>", nil
			}
			return v, err
		}
	}
	file := func(rel string) func() (string, error) {
		return func() (string, error) {
			b, err := s.ReadFile(ctx, rel)
			if errors.Is(err, containers.ErrNotExist) {
				return "<no file>", nil
			}
			return string(b), err
		}
	}
	appExec := func(q string) func() error {
		return func() error { _, err := s.AppDB().ExecContext(ctx, q); return err }
	}
	tests := []struct {
		name   string
		change func() error
		state  func() (string, error)
		table  string // restored (or dropped) table the report must name
	}{
		{
			name:   "deleted option row",
			change: appExec("DELETE FROM " + p + "options WHERE option_name = 'blogdescription'"),
			state:  row("SELECT option_value FROM " + p + "options WHERE option_name = 'blogdescription'"),
			table:  p + "options",
		},
		{
			name:   "deleted administrator",
			change: appExec("DELETE FROM " + p + "users WHERE user_login = '" + admin + "'"),
			state:  row("SELECT CONCAT(ID, ' ', user_login, ' ', user_pass) FROM "+p+"users WHERE user_login = ?", admin),
			table:  p + "users",
		},
		{
			name:   "order inserted into HPOS",
			change: appExec("INSERT INTO " + p + "wc_orders (id, status, billing_email) VALUES (424242, 'wc-completed', 'x@example.com')"),
			state:  row("SELECT COUNT(*) FROM " + p + "wc_orders"),
			table:  p + "wc_orders",
		},
		{
			name:   "table created by the attacker",
			change: appExec("CREATE TABLE " + p + "bd_exfil (card varchar(19))"),
			state:  row("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", p+"bd_exfil"),
			table:  p + "bd_exfil",
		},
		{
			name:   "deleted file",
			change: func() error { return s.RemoveFile(ctx, "wp-login.php") },
			state:  file("wp-login.php"),
		},
		{
			name:   "changed file",
			change: func() error { return s.AppendFile(ctx, "index.php", []byte("\n<?php @eval($_POST['x']);\n")) },
			state:  file("index.php"),
		},
		{
			// touch -r puts the mtime back, and the size is kept: rsync's
			// quick check alone would call the file unchanged.
			name:   "changed file with its size and mtime kept",
			change: func() error { return tamperKeepingSizeAndTime(ctx, s, "wp-blog-header.php") },
			state:  file("wp-blog-header.php"),
		},
		{
			name:   "file created after the snapshot",
			change: func() error { return s.WriteFile(ctx, "wp-content/uploads/backup.sql", []byte("-- dump\n"), 0o644) },
			state:  file("wp-content/uploads/backup.sql"),
		},
		{
			name: "plugin folder created after the snapshot",
			change: func() error {
				return s.WriteFile(ctx, "wp-content/plugins/rogue/rogue.php", []byte("<?php /* Plugin Name: Rogue */"), 0o644)
			},
			state: file("wp-content/plugins/rogue/rogue.php"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := tt.state()
			require.NoError(t, err, "state before the change")
			require.NoError(t, tt.change(), "change")
			changed, err := tt.state()
			require.NoError(t, err, "state after the change")
			require.NotEqual(t, before, changed, "the change must take")
			rep, err := s.Reset(ctx)
			require.NoError(t, err, "Reset")
			after, err := tt.state()
			require.NoError(t, err, "state after Reset")
			require.Equal(t, before, after, "state after Reset")
			if tt.table != "" {
				require.True(t, slices.Contains(rep.TablesRestored, tt.table) || slices.Contains(rep.TablesDropped, tt.table),
					"the reset report %+v must name %s", rep, tt.table)
			}
		})
	}
	// A restored site still works as a site.
	resp, _ := fetch(t, webClient(t), http.MethodGet, s.URL()+"/wp-login.php", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "wp-login.php after the resets")
	resp, _ = logIn(t, s, webClient(t), admin, s.Credentials().AdminPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode, "admin login after the resets")
}

// tamperKeepingSizeAndTime swaps two letters of rel's first "require"
// (same size) and sets its mtime back, as an attacker hiding a change
// would.
func tamperKeepingSizeAndTime(ctx context.Context, s *containers.Stack, rel string) error {
	_, err := s.Exec(ctx, containers.ServiceWP, []string{"sh", "-c",
		`cp -p "$1" /tmp/bd-orig && sed -i '0,/require/s//reqiure/' "$1" && touch -r /tmp/bd-orig "$1" && ! cmp -s /tmp/bd-orig "$1"`,
		"sh", containers.DocRoot + "/" + rel})
	return err
}

// requireClean resets the stack and requires it to equal its reset point.
func requireClean(t *testing.T, ctx context.Context, s *containers.Stack) {
	t.Helper()
	_, err := s.Reset(ctx)
	require.NoError(t, err, "reset before the test")
	diffs, err := s.VerifyReset(ctx)
	require.NoError(t, err)
	require.Empty(t, diffs, "a freshly reset stack equals its reset point")
}

// A change that keeps a file's size and mtime is still a difference from
// the reset point, and Reset still undoes it.
func (ss *stackSuite) TestVerifyResetSeesChangesThatKeepSizeAndTime() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	requireClean(t, ctx, s)

	require.NoError(t, tamperKeepingSizeAndTime(ctx, s, "wp-blog-header.php"), "tamper")
	diffs, err := s.VerifyReset(ctx)
	require.NoError(t, err)
	assert.Len(t, diffs, 1, "one file differs: %v", diffs)
	assert.Contains(t, strings.Join(diffs, "\n"), "wp-blog-header.php", "the reset check names the tampered file")

	_, err = s.Reset(ctx)
	require.NoError(t, err, "Reset")
	diffs, err = s.VerifyReset(ctx)
	require.NoError(t, err)
	assert.Empty(t, diffs, "Reset undid the change")
}

// WordPress may not reach anything outside the stack. The audit plugin
// records every outbound attempt; the dashboard and a direct wp_remote_get
// make some, and each one to a non-local host must have been blocked,
// while a request to the site itself still goes through.
func (ss *stackSuite) TestOutboundHTTPBlocked() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	n := nonce()
	audit := follow(t, s, containers.LogAudit)

	c := webClient(t)
	resp, _ := logIn(t, s, c, s.Credentials().AdminUser, s.Credentials().AdminPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode, "admin login")
	resp, _ = fetch(t, c, http.MethodGet, s.URL()+"/wp-admin/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "dashboard")
	php := `require "wp-load.php";
$r = wp_remote_get("https://api.wordpress.org/core/version-check/1.7/?bd=` + n + `");
echo is_wp_error($r) ? $r->get_error_code() : "sent", " ";
$r = wp_remote_get(home_url("/wp-login.php?bd=` + n + `"));
echo is_wp_error($r) ? $r->get_error_code() : wp_remote_retrieve_response_code($r);`
	res, err := s.Exec(ctx, containers.ServiceWP, []string{"php", "-r", php}, containers.AsUser(containers.WebUser), containers.InDir(containers.DocRoot))
	require.NoError(t, err, "php")
	require.Equal(t, "http_request_not_executed 200", strings.TrimSpace(string(res.Stdout)), "wp_remote_get: the external request blocked, the local one answered")

	local := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "[::1]": true, "wp": true}
	var external, localSeen int
	audit.until(30*time.Second, func(line []byte) bool {
		ev := parseAudit(t, line)
		if ev.Event != "http_outbound" {
			return false
		}
		host, _ := ev.Object["host"].(string)
		blocked, _ := ev.Object["blocked"].(bool)
		u, _ := ev.Object["url"].(string)
		if local[host] {
			localSeen++
			assert.False(t, blocked, "a request to the stack itself must not be blocked: %s", u)
		} else {
			external++
			assert.True(t, blocked, "an outbound request left the stack: %s (%v)", u, ev.Object)
		}
		return local[host] && strings.Contains(u, n)
	})
	require.GreaterOrEqual(t, external, 2, "outbound attempts to other hosts: the dashboard's and ours")
	require.NotZero(t, localSeen, "outbound attempts to the stack itself")
	t.Logf("%d outbound attempts, all blocked", external)
}

// Published ports answer on 127.0.0.1 only, and every container and network
// of the run carries the run's labels.
func (ss *stackSuite) TestPortsAndLabels() {
	t, s := ss.T(), ss.Stack
	host, _ := os.Hostname()
	filter := "label=org.breachdrill.run=" + s.RunID()
	cs := dockerInspect(t, "container", dockerIDs(t, "container", filter)...)
	ns := dockerInspect(t, "network", dockerIDs(t, "network", filter)...)
	require.Len(t, cs, 2, "containers of run %s", s.RunID())
	require.Len(t, ns, 1, "networks of run %s", s.RunID())
	wantPort := map[string]string{"db": "3306/tcp", "wp": "80/tcp"}
	roles := map[string]bool{}
	check := func(kind string, labels map[string]string) {
		created, err := time.Parse(time.RFC3339, labels["org.breachdrill.created"])
		assert.Equal(t, s.RunID(), labels["org.breachdrill.run"], "%s: run label", kind)
		assert.Equal(t, fmt.Sprint(os.Getpid()), labels["org.breachdrill.owner-pid"], "%s: owner-pid must be this process", kind)
		assert.Equal(t, host, labels["org.breachdrill.owner-host"], "%s: owner-host", kind)
		if assert.NoError(t, err, "%s: created label %q", kind, labels["org.breachdrill.created"]) {
			assert.WithinDuration(t, time.Now(), created, time.Hour, "%s: created", kind)
		}
		assert.Empty(t, labels["org.breachdrill.keep"], "%s: a test stack must not be marked kept", kind)
		roles[labels["org.breachdrill.role"]] = true
	}
	for _, n := range ns {
		check("network", n.Labels)
	}
	for _, c := range cs {
		role := c.Config.Labels["org.breachdrill.role"]
		check("container "+role, c.Config.Labels)
		for name, ports := range map[string]map[string][]struct{ HostIp, HostPort string }{"configured": c.HostConfig.PortBindings, "live": c.NetworkSettings.Ports} {
			var published []string
			for port, bs := range ports {
				for _, b := range bs {
					published = append(published, port)
					assert.Equal(t, "127.0.0.1", b.HostIp, "%s: %s binding %s must be on 127.0.0.1 only", role, name, port)
				}
			}
			assert.Equal(t, []string{wantPort[role]}, published, "%s: %s published ports", role, name)
		}
	}
	assert.Equal(t, map[string]bool{"db": true, "wp": true, "network": true}, roles, "roles of the run's containers and network")
}

// No run secret reaches what the shop shows (phpinfo), the web server's
// environment, or Info.
func (ss *stackSuite) TestSecretsStayOut() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	secrets := s.Credentials().Secrets()
	require.GreaterOrEqual(t, len(secrets), 12, "secrets listed")
	require.NoError(t, s.WriteFile(ctx, "bd-info.php", []byte("<?php phpinfo();"), 0o644), "write phpinfo")
	resp, page := fetch(t, webClient(t), http.MethodGet, s.URL()+"/bd-info.php", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "phpinfo")
	require.Contains(t, page, "PHP Version", "phpinfo")
	info, _ := json.Marshal(s.Info())
	var env string
	for _, c := range dockerInspect(t, "container", dockerIDs(t, "container", "label=org.breachdrill.run="+s.RunID())...) {
		if c.Config.Labels["org.breachdrill.role"] == "wp" {
			env = strings.Join(c.Config.Env, "\n")
		}
	}
	require.Contains(t, env, "PATH=", "the environment read from the wp container")
	places := map[string]string{"phpinfo": page, "Info": string(info), "wp container environment": env}
	for where, text := range places {
		for _, sec := range secrets {
			assert.False(t, strings.Contains(text, sec), "a run secret shows in %s", where)
		}
	}
}

func (ss *stackSuite) TestExec() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	tests := []struct {
		name     string
		svc      containers.Service
		cmd      []string
		opts     func() []containers.ExecOption
		wantCode int
		wantOut  string
	}{
		{"exit code", containers.ServiceWP, []string{"sh", "-c", "echo out; echo err >&2; exit 7"}, nil, 7, "out\n"},
		{"as the web server's user", containers.ServiceWP, []string{"id", "-un"}, func() []containers.ExecOption {
			return []containers.ExecOption{containers.AsUser(containers.WebUser)}
		}, 0, "www-data\n"},
		{"stdin, env and dir", containers.ServiceWP, []string{"sh", "-c", `printf "%s %s " "$BD_X" "$(pwd)"; cat`}, func() []containers.ExecOption {
			return []containers.ExecOption{containers.WithStdin(strings.NewReader("from stdin")), containers.WithEnv("BD_X=y"), containers.InDir("/tmp")}
		}, 0, "y /tmp from stdin"},
		{"db container", containers.ServiceDB, []string{"sh", "-c", "test -f /var/log/breachdrill/server_audit.log"}, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Repeated: the exit status is recorded after the output ends,
			// and a single look can catch the command still "running".
			for range 20 {
				var opts []containers.ExecOption
				if tt.opts != nil {
					opts = tt.opts()
				}
				res, err := s.Exec(ctx, tt.svc, tt.cmd, opts...)
				var ee *containers.ExitError
				if tt.wantCode == 0 {
					require.NoError(t, err, "Exec")
				} else {
					require.ErrorAs(t, err, &ee, "Exec of a failing command")
					require.Equal(t, tt.wantCode, ee.Code, "the ExitError's code")
				}
				require.Equal(t, tt.wantCode, res.ExitCode, "exit code")
				require.Equal(t, tt.wantOut, string(res.Stdout), "output")
			}
		})
	}
}

// Follow yields what is appended after it returns and nothing from before,
// for every log; closing it ends the tail inside the container (the engine
// would keep it running for the life of the stack).
func (ss *stackSuite) TestFollow() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	files := map[containers.Log]struct {
		svc  containers.Service
		path string
	}{
		containers.LogAccess:      {containers.ServiceWP, "/var/log/breachdrill/access.json"},
		containers.LogAudit:       {containers.ServiceWP, "/var/log/breachdrill/audit.jsonl"},
		containers.LogPHPError:    {containers.ServiceWP, "/var/log/breachdrill/php-error.log"},
		containers.LogDBAudit:     {containers.ServiceDB, "/var/log/breachdrill/server_audit.log"},
		containers.LogApacheError: {containers.ServiceWP, "/var/log/breachdrill/apache-error.log"},
		containers.LogWAF:         {containers.ServiceWP, "/var/log/breachdrill/modsec_audit.json"},
	}
	require.Len(t, files, len(containers.Logs), "the test must cover every log of the package")
	appendLine := func(t *testing.T, l containers.Log, line string) {
		f := files[l]
		_, err := s.Exec(ctx, f.svc, []string{"sh", "-c", `echo "$1" >> "$2"`, "sh", line, f.path})
		require.NoError(t, err, "append to %s", f.path)
	}
	tails := func(t *testing.T, l containers.Log) string {
		f := files[l]
		res, err := s.Exec(ctx, f.svc, []string{"sh", "-c", `ps -eo args | grep "[t]ail .*$1" || true`, "sh", f.path})
		require.NoError(t, err, "list the tails of %s", f.path)
		return strings.TrimSpace(string(res.Stdout))
	}
	for _, l := range containers.Logs {
		t.Run(string(l), func(t *testing.T) {
			n := nonce()
			appendLine(t, l, "before-"+n)
			rc, err := s.Follow(ctx, l)
			require.NoError(t, err, "Follow")
			appendLine(t, l, "after-"+n)
			br := bufio.NewReader(rc)
			for {
				line, err := br.ReadString('\n')
				require.NoError(t, err, "the stream must last until the line written after Follow")
				require.NotContains(t, line, "before-"+n, "Follow must not repeat a line written before it started")
				if strings.TrimSpace(line) == "after-"+n {
					break
				}
			}
			require.NoError(t, rc.Close(), "close the stream")
			deadline := time.Now().Add(10 * time.Second)
			for tails(t, l) != "" {
				require.False(t, time.Now().After(deadline), "tail still runs 10 s after Close: %s", tails(t, l))
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	_, err := s.Follow(ctx, containers.Log("nginx"))
	require.Error(t, err, "Follow must refuse an unknown log")
}
