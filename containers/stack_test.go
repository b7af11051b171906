package containers_test

import (
	"bufio"
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
)

func TestWebAnswers(t *testing.T) {
	s := sharedStack(t)
	tests := []struct {
		path string
		want string
	}{
		{"/", `<meta name="generator" content="WordPress 6.8`},
		{"/wp-login.php", `name="log"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
				t.Fatalf("URL %q is not on 127.0.0.1", s.URL())
			}
			resp, body := fetch(t, webClient(t), http.MethodGet, s.URL()+tt.path, nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, tt.want) {
				t.Fatalf("GET %s: %s, body has %q: %v", tt.path, resp.Status, tt.want, strings.Contains(body, tt.want))
			}
		})
	}
}

func TestInfo(t *testing.T) {
	s := sharedStack(t)
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
		if !c.ok {
			t.Errorf("%s: %+v", c.name, info)
		}
	}
}

// The admin logs in over HTTP the way a browser does; a wrong password gets
// the form again. The audit log sees both, and the access log attributes
// the logged-in request to the admin.
func TestAdminLogin(t *testing.T) {
	s := sharedStack(t)
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
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != s.URL()+"/wp-admin/" || !loggedIn {
					t.Fatalf("login: %s to %q, logged-in cookie %v", resp.Status, resp.Header.Get("Location"), loggedIn)
				}
				resp, body := fetch(t, c, http.MethodGet, s.URL()+"/wp-admin/", nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Dashboard") {
					t.Fatalf("dashboard after login: %s", resp.Status)
				}
				var attributed bool
				access.until(30*time.Second, func(line []byte) bool {
					rec, err := containers.ParseAccessRecord(line)
					attributed = err == nil && strings.HasPrefix(rec.Path, "/wp-admin/") && rec.User == creds.AdminUser
					return attributed
				})
				if !attributed {
					t.Error("no access-log line for the dashboard names the admin as its user")
				}
			} else {
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="loginform"`) || loggedIn {
					t.Fatalf("wrong password: %s, form shown %v, logged-in cookie %v", resp.Status, strings.Contains(body, `id="loginform"`), loggedIn)
				}
			}
			var ev auditEvent
			found := audit.until(30*time.Second, func(line []byte) bool {
				ev = parseAudit(t, line)
				return ev.Event == tt.wantEvent
			})
			if !found {
				t.Fatalf("no %s line in the audit log", tt.wantEvent)
			}
			blob, _ := json.Marshal(ev.Object)
			if !strings.Contains(string(blob), creds.AdminUser) || strings.Contains(string(blob), creds.AdminPassword) {
				t.Fatalf("%s names %s, and never the password: %s", tt.wantEvent, creds.AdminUser, blob)
			}
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

func TestWooCommerceSchema(t *testing.T) {
	s := sharedStack(t)
	ctx := testContext(t)
	documented := make([]string, 0, len(wooSchema))
	for name := range wooSchema {
		documented = append(documented, name)
	}
	slices.Sort(documented)
	listed := slices.Sorted(slices.Values(containers.WooTables))
	if !slices.Equal(documented, listed) {
		t.Fatalf("containers.WooTables %v, documented %v", listed, documented)
	}
	for _, name := range documented {
		want := wooSchema[name]
		table := s.TablePrefix() + name
		t.Run(name, func(t *testing.T) {
			rows, err := s.DB().QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_DEFAULT
				FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var col, typ, nullable, extra string
				var def *string
				if err := rows.Scan(&col, &typ, &nullable, &extra, &def); err != nil {
					t.Fatal(err)
				}
				c := col + " " + typ + map[string]string{"YES": " NULL", "NO": " NOT NULL"}[nullable]
				if strings.Contains(extra, "auto_increment") {
					c += " auto"
				}
				if def != nil && *def != "NULL" {
					c += " default " + *def
				}
				got = append(got, c)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want.columns) {
				t.Fatalf("%s columns:\ngot  %q\nwant %q", table, got, want.columns)
			}

			var collation string
			if err := s.DB().QueryRowContext(ctx, "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table).Scan(&collation); err != nil {
				t.Fatal(err)
			}
			if collation != "utf8mb4_unicode_520_ci" {
				t.Errorf("%s collation %s, want utf8mb4_unicode_520_ci as WooCommerce creates it", table, collation)
			}

			krows, err := s.DB().QueryContext(ctx, `SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
				FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
				GROUP BY INDEX_NAME ORDER BY INDEX_NAME`, table)
			if err != nil {
				t.Fatal(err)
			}
			defer krows.Close()
			var keys []string
			for krows.Next() {
				var name, cols string
				if err := krows.Scan(&name, &cols); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, name+"("+cols+")")
			}
			slices.Sort(keys)
			wantKeys := slices.Sorted(slices.Values(want.unique))
			if !slices.Equal(keys, wantKeys) {
				t.Fatalf("%s unique keys %q, want %q", table, keys, wantKeys)
			}
		})
	}
	var hpos string
	if err := s.DB().QueryRowContext(ctx, "SELECT option_value FROM "+s.TablePrefix()+"options WHERE option_name = 'woocommerce_custom_orders_table_enabled'").Scan(&hpos); err != nil || hpos != "yes" {
		t.Fatalf("HPOS option: %q, %v; want yes", hpos, err)
	}
}

// A file written through the API belongs to the web server's user and is
// served by Apache; a PHP file runs.
func TestWriteFileIsServed(t *testing.T) {
	s := sharedStack(t)
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
			if err := s.WriteFile(ctx, tt.rel, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := s.Exec(ctx, containers.ServiceWP, []string{"stat", "-c", "%U:%G %a", containers.DocRoot + "/" + tt.rel})
			if err != nil || strings.TrimSpace(string(res.Stdout)) != "www-data:www-data 644" {
				t.Fatalf("owner and mode %q, %v; want www-data:www-data 644", res.Stdout, err)
			}
			resp, body := fetch(t, webClient(t), http.MethodGet, s.URL()+"/"+tt.rel, nil)
			if resp.StatusCode != http.StatusOK || body != tt.want {
				t.Fatalf("GET /%s: %s %q, want 200 %q", tt.rel, resp.Status, body, tt.want)
			}
			back, err := s.ReadFile(ctx, tt.rel)
			if err != nil || string(back) != tt.content {
				t.Fatalf("ReadFile: %q, %v", back, err)
			}
		})
	}
}

// rawRequest sends bytes exactly as given (Go's client would refuse or
// re-encode what attackers send) and returns the status.
func rawRequest(t *testing.T, base, request string) int {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	request = strings.ReplaceAll(request, "HOST", u.Host)
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Every request made here shows up on the access-log stream as a line
// that ParseAccessRecord reads back to what was sent, UTF-8 and all.
func TestAccessLog(t *testing.T) {
	s := sharedStack(t)
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
			if got := rawRequest(t, s.URL(), tt.request); got != tt.want.Status {
				t.Fatalf("status %d, want %d", got, tt.want.Status)
			}
			var rec containers.AccessRecord
			found := access.until(30*time.Second, func(line []byte) bool {
				r, err := containers.ParseAccessRecord(line)
				if err != nil {
					t.Errorf("a line was lost to the parser: %v: %s", err, line)
					return false
				}
				rec = r
				return strings.Contains(r.Path+r.Query+r.Body, n) && r.Method == tt.want.Method
			})
			if !found {
				t.Fatal("no access-log line for the request")
			}
			got := containers.AccessRecord{Method: rec.Method, Path: rec.Path, Query: rec.Query, Status: rec.Status,
				UserAgent: rec.UserAgent, ContentType: rec.ContentType, Body: rec.Body}
			if got != tt.want {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
			// The request line as sent, undecoded: what community Sigma
			// rules match cs-uri against.
			if want := tt.request[:strings.Index(tt.request, "\r\n")]; rec.Request != want {
				t.Fatalf("request line %q, want %q", rec.Request, want)
			}
			if rec.Time.Before(started.Add(-2*time.Second)) || rec.Time.After(time.Now().Add(2*time.Second)) || rec.ClientIP == "" || rec.BytesIn == 0 {
				t.Fatalf("time, client or size wrong: %+v", rec)
			}
		})
	}
}

// MariaDB's audit log records the shop's own database user and leaves out
// breachdrill's (seeding and checks would drown an attacker's queries).
func TestDBAuditLog(t *testing.T) {
	s := sharedStack(t)
	ctx := testContext(t)
	n := nonce()
	audit := follow(t, s, containers.LogDBAudit)
	var v string
	if err := s.DB().QueryRowContext(ctx, "SELECT ?", "bd-tool-"+n).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := s.AppDB().QueryRowContext(ctx, "SELECT ?", "bd-app-"+n).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRowContext(ctx, "SELECT ?", "bd-tool-after-"+n).Scan(&v); err != nil {
		t.Fatal(err)
	}
	var lines []string
	found := audit.until(30*time.Second, func(line []byte) bool {
		lines = append(lines, string(line))
		return strings.Contains(string(line), "bd-app-"+n)
	})
	if !found {
		t.Fatalf("no audit line for the query through AppDB in %d lines", len(lines))
	}
	fields := strings.SplitN(lines[len(lines)-1], ",", 9)
	if len(fields) < 9 || fields[2] != s.Credentials().DBUser || fields[6] != "QUERY" {
		t.Fatalf("audit line %q: want user %s and a QUERY event", lines[len(lines)-1], s.Credentials().DBUser)
	}
	audit.drain(2*time.Second, func(line []byte) { lines = append(lines, string(line)) })
	for _, l := range lines {
		if strings.Contains(l, "bd-tool-") {
			t.Fatalf("the tool user's query was audited: %s", l)
		}
	}
}

// Reset undoes a scenario's changes to rows, tables and files. Each case
// proves its change took effect first, so that a Reset that did nothing
// cannot pass.
func TestReset(t *testing.T) {
	s := sharedStack(t)
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
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(); err != nil {
				t.Fatalf("change: %v", err)
			}
			changed, err := tt.state()
			if err != nil {
				t.Fatal(err)
			}
			if changed == before {
				t.Fatalf("the change did not take: state still %q", before)
			}
			rep, err := s.Reset(ctx)
			if err != nil {
				t.Fatal(err)
			}
			after, err := tt.state()
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("after Reset: %.200q, want %.200q", after, before)
			}
			if tt.table != "" && !slices.Contains(rep.TablesRestored, tt.table) && !slices.Contains(rep.TablesDropped, tt.table) {
				t.Fatalf("report %+v does not name %s", rep, tt.table)
			}
		})
	}
	// A restored site still works as a site.
	resp, _ := fetch(t, webClient(t), http.MethodGet, s.URL()+"/wp-login.php", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("wp-login.php after the resets: %s", resp.Status)
	}
	if resp, _ := logIn(t, s, webClient(t), admin, s.Credentials().AdminPassword); resp.StatusCode != http.StatusFound {
		t.Fatalf("admin login after the resets: %s", resp.Status)
	}
}

// WordPress may not reach anything outside the stack. The audit plugin
// records every outbound attempt; the dashboard and a direct wp_remote_get
// make some, and each one to a non-local host must have been blocked,
// while a request to the site itself still goes through.
func TestOutboundHTTPBlocked(t *testing.T) {
	s := sharedStack(t)
	ctx := testContext(t)
	n := nonce()
	audit := follow(t, s, containers.LogAudit)

	c := webClient(t)
	if resp, _ := logIn(t, s, c, s.Credentials().AdminUser, s.Credentials().AdminPassword); resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %s", resp.Status)
	}
	if resp, _ := fetch(t, c, http.MethodGet, s.URL()+"/wp-admin/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %s", resp.Status)
	}
	php := `require "wp-load.php";
$r = wp_remote_get("https://api.wordpress.org/core/version-check/1.7/?bd=` + n + `");
echo is_wp_error($r) ? $r->get_error_code() : "sent", " ";
$r = wp_remote_get(home_url("/wp-login.php?bd=` + n + `"));
echo is_wp_error($r) ? $r->get_error_code() : wp_remote_retrieve_response_code($r);`
	res, err := s.Exec(ctx, containers.ServiceWP, []string{"php", "-r", php}, containers.AsUser(containers.WebUser), containers.InDir(containers.DocRoot))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "http_request_not_executed 200" {
		t.Fatalf("wp_remote_get results %q, want the external one blocked and the local one answered", got)
	}

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
			if blocked {
				t.Errorf("a request to the stack itself was blocked: %s", u)
			}
		} else {
			external++
			if !blocked {
				t.Errorf("an outbound request left the stack: %s (%v)", u, ev.Object)
			}
		}
		return local[host] && strings.Contains(u, n)
	})
	if external < 2 || localSeen == 0 {
		t.Fatalf("saw %d outbound attempts to other hosts and %d local ones; want the dashboard's and ours", external, localSeen)
	}
	t.Logf("%d outbound attempts, all blocked", external)
}

// Published ports answer on 127.0.0.1 only, and every container and network
// of the run carries the run's labels.
func TestPortsAndLabels(t *testing.T) {
	s := sharedStack(t)
	host, _ := os.Hostname()
	filter := "label=org.breachdrill.run=" + s.RunID()
	cs := dockerInspect(t, "container", dockerIDs(t, "container", filter)...)
	ns := dockerInspect(t, "network", dockerIDs(t, "network", filter)...)
	if len(cs) != 2 || len(ns) != 1 {
		t.Fatalf("run %s has %d containers and %d networks, want 2 and 1", s.RunID(), len(cs), len(ns))
	}
	wantPort := map[string]string{"db": "3306/tcp", "wp": "80/tcp"}
	roles := map[string]bool{}
	check := func(kind string, labels map[string]string) {
		created, err := time.Parse(time.RFC3339, labels["org.breachdrill.created"])
		switch {
		case labels["org.breachdrill.run"] != s.RunID():
			t.Errorf("%s: run label %q", kind, labels["org.breachdrill.run"])
		case labels["org.breachdrill.owner-pid"] != fmt.Sprint(os.Getpid()):
			t.Errorf("%s: owner-pid %q, want this process", kind, labels["org.breachdrill.owner-pid"])
		case labels["org.breachdrill.owner-host"] != host:
			t.Errorf("%s: owner-host %q", kind, labels["org.breachdrill.owner-host"])
		case err != nil || time.Since(created) > time.Hour:
			t.Errorf("%s: created %q", kind, labels["org.breachdrill.created"])
		case labels["org.breachdrill.keep"] != "":
			t.Errorf("%s: a test stack is marked kept", kind)
		}
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
					if b.HostIp != "127.0.0.1" {
						t.Errorf("%s: %s binding %s on %q, want 127.0.0.1 only", role, name, port, b.HostIp)
					}
				}
			}
			if !slices.Equal(published, []string{wantPort[role]}) {
				t.Errorf("%s: %s published %v, want only %s", role, name, published, wantPort[role])
			}
		}
	}
	if !roles["db"] || !roles["wp"] || !roles["network"] {
		t.Errorf("roles %v, want db, wp and network", roles)
	}
}

// No run secret reaches what the shop shows (phpinfo), the web server's
// environment, or Info.
func TestSecretsStayOut(t *testing.T) {
	s := sharedStack(t)
	ctx := testContext(t)
	secrets := s.Credentials().Secrets()
	if len(secrets) < 12 {
		t.Fatalf("only %d secrets listed", len(secrets))
	}
	if err := s.WriteFile(ctx, "bd-info.php", []byte("<?php phpinfo();"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, page := fetch(t, webClient(t), http.MethodGet, s.URL()+"/bd-info.php", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "PHP Version") {
		t.Fatalf("phpinfo: %s", resp.Status)
	}
	info, _ := json.Marshal(s.Info())
	var env string
	for _, c := range dockerInspect(t, "container", dockerIDs(t, "container", "label=org.breachdrill.run="+s.RunID())...) {
		if c.Config.Labels["org.breachdrill.role"] == "wp" {
			env = strings.Join(c.Config.Env, "\n")
		}
	}
	if !strings.Contains(env, "PATH=") {
		t.Fatalf("no environment read from the wp container: %q", env)
	}
	places := map[string]string{"phpinfo": page, "Info": string(info), "wp container environment": env}
	for where, text := range places {
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("a run secret shows in %s", where)
			}
		}
	}
}

func TestExec(t *testing.T) {
	s := sharedStack(t)
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
				switch {
				case tt.wantCode == 0 && err != nil:
					t.Fatal(err)
				case tt.wantCode != 0 && (!errors.As(err, &ee) || ee.Code != tt.wantCode):
					t.Fatalf("err %v, want exit %d", err, tt.wantCode)
				case res.ExitCode != tt.wantCode || string(res.Stdout) != tt.wantOut:
					t.Fatalf("exit %d out %q, want %d %q", res.ExitCode, res.Stdout, tt.wantCode, tt.wantOut)
				}
			}
		})
	}
}

// Follow yields what is appended after it returns and nothing from before,
// for every log; closing it ends the tail inside the container (the engine
// would keep it running for the life of the stack).
func TestFollow(t *testing.T) {
	s := sharedStack(t)
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
	if len(files) != len(containers.Logs) {
		t.Fatalf("test covers %d logs, the package has %d", len(files), len(containers.Logs))
	}
	appendLine := func(l containers.Log, line string) {
		f := files[l]
		if _, err := s.Exec(ctx, f.svc, []string{"sh", "-c", `echo "$1" >> "$2"`, "sh", line, f.path}); err != nil {
			t.Fatal(err)
		}
	}
	tails := func(l containers.Log) string {
		f := files[l]
		res, err := s.Exec(ctx, f.svc, []string{"sh", "-c", `ps -eo args | grep "[t]ail .*$1" || true`, "sh", f.path})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(res.Stdout))
	}
	for _, l := range containers.Logs {
		t.Run(string(l), func(t *testing.T) {
			n := nonce()
			appendLine(l, "before-"+n)
			rc, err := s.Follow(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			appendLine(l, "after-"+n)
			br := bufio.NewReader(rc)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("stream ended before the line written after Follow: %v", err)
				}
				if strings.Contains(line, "before-"+n) {
					t.Fatal("Follow repeated a line written before it started")
				}
				if strings.TrimSpace(line) == "after-"+n {
					break
				}
			}
			if err := rc.Close(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for tails(l) != "" {
				if time.Now().After(deadline) {
					t.Fatalf("tail still runs after Close: %s", tails(l))
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	if _, err := s.Follow(ctx, containers.Log("nginx")); err == nil {
		t.Fatal("Follow accepted an unknown log")
	}
}
