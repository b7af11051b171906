package detect_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuietOnIdleAndBrowse is the false-positive gate: on the seeded shop
// left alone for a few intervals, and then used normally (the shoppers'
// tour: a guest, a customer and an administrator), no shipped rule fires.
func (s *stackSuite) TestQuietOnIdleAndBrowse() {
	t := s.T()
	e, tl := s.run(shippedPack(t))
	e.SetContext("idle", detect.WindowBaseline)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Idle: three full cycles of every check and of the file watcher.
	require.NoError(t, e.WaitCycles(ctx, 3), "the engine must complete three check cycles on the idle shop")
	creds := s.Stack.Credentials()
	shop := shopper.Shop{URL: s.Stack.URL(), AdminUser: creds.AdminUser, AdminPassword: creds.AdminPassword,
		NoStore: s.Stack.Info().WooCommerceMode != containers.WooPlugin}
	require.NoError(t, shopper.New(shop, shopper.WithRate(0)).RunVisits(ctx, shopper.Tour()), "the shopper tour")
	settle(t, s.Stack, e)
	require.Positive(t, e.Progress().Events[detect.SourceAccess], "the engine must have read the browsing from the access log")
	for id, a := range alerts(tl) {
		assert.Fail(t, "false positive", "rule %s fired on idle/normal traffic: %q", id, a.Matched)
	}
}

// TestContractRules produces each scenario's effect directly on a real
// stack (files written as www-data, SQL as the shop's user, HTTP requests
// to 127.0.0.1, PHP run inside WordPress) and waits for the rule ids the
// scenario files expect.
func (s *stackSuite) TestContractRules() {
	pack := shippedPack(s.T())
	canary := canaries(&s.Shared)[0]
	const within = 20 * time.Second
	tests := []struct {
		name   string
		rules  []string
		effect func(t *testing.T, s *containers.Stack)
	}{
		{"debug-log-exposure", []string{"wp-debug-log-public", "wp-debug-display-on"}, func(t *testing.T, s *containers.Stack) {
			setConstants(t, s, map[string]string{"WP_DEBUG": "true", "WP_DEBUG_LOG": "true"})
			request(t, s, "GET", "/?p=999999", "", nil)
			writeFile(t, s, "wp-content/debug.log", "[28-Nov-2026 01:10:59 UTC] PHP Warning:  Undefined array key \"host\" in /var/www/html/wp-includes/class-wp.php on line 231\n")
		}},
		{"rogue-plugin-backdoor", []string{"fim-new-php-file", "wp-plugin-activated", "wp-admin-created", "admin-set-changed", "webshell-request"}, func(t *testing.T, s *containers.Stack) {
			writeFile(t, s, "wp-content/plugins/bd-cache-helper/bd-cache-helper.php", "<?php\n/*\nPlugin Name: Cache Helper\n*/\n")
			writeFile(t, s, "wp-content/plugins/bd-cache-helper/shell.php", "<?php if (($_GET['k'] ?? '') === 's3cret') { echo 'ok'; }\n")
			php(t, s, `$r = activate_plugin('bd-cache-helper/bd-cache-helper.php'); if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }`)
			createAdmin(t, s, "wp_support_svc")
			request(t, s, "GET", "/wp-content/plugins/bd-cache-helper/shell.php?k=s3cret&cmd=id", "", nil)
		}},
		{"tampered-plugin-update", []string{"fim-plugin-modified"}, func(t *testing.T, s *containers.Stack) {
			src, err := s.ReadFile(context.Background(), "wp-content/plugins/akismet/akismet.php")
			require.NoError(t, err)
			writeFile(t, s, "wp-content/plugins/akismet/akismet.php", string(src)+"\nadd_action('woocommerce_checkout_order_processed', function () {});\n")
		}},
		{"exposed-db-backup", []string{"fim-archive-in-docroot", "backup-file-exposed", "directory-listing-exposes-backups", "backup-downloaded", "db-bulk-pii-read"}, func(t *testing.T, s *containers.Stack) {
			c := s.Credentials()
			name := "wp-content/uploads/backup-" + time.Now().UTC().Format("20060102") + ".sql.gz"
			_, err := s.Exec(context.Background(), containers.ServiceWP, []string{"sh", "-c",
				`mysqldump --single-transaction --skip-lock-tables -h db -u "$2" "$3" | gzip -c > "$1"`, "sh", containers.DocRoot + "/" + name, c.DBUser, c.DBName},
				containers.AsUser(containers.WebUser), containers.WithEnv("MYSQL_PWD="+c.DBPassword))
			require.NoError(t, err, "mysqldump")
			status, _ := request(t, s, "GET", "/"+name, "", nil)
			require.Equal(t, 200, status, "fetching the dump")
		}},
		{"plaintext-pan-order-meta", []string{"pan-in-database"}, func(t *testing.T, s *containers.Stack) {
			p := s.TablePrefix()
			for _, q := range []string{
				"INSERT INTO " + p + "wc_orders_meta (order_id, meta_key, meta_value) VALUES (500, '_payment_card_number', '4111111111111111')",
				"INSERT INTO " + p + "postmeta (post_id, meta_key, meta_value) VALUES (500, '_payment_card_number', '5555 5555 5555 4444')",
				"UPDATE " + p + "woocommerce_payment_tokens SET token = '378282246310005' ORDER BY token_id LIMIT 1",
			} {
				_, err := s.AppDB().Exec(q)
				require.NoError(t, err, q)
			}
		}},
		{"pii-in-options-transients", []string{"pii-in-options"}, func(t *testing.T, s *containers.Stack) {
			val := `a:3:{i:0;a:2:{s:5:"email";s:20:"customer0@example.com";s:5:"phone";s:14:"(415) 555-0142";}i:1;a:2:{s:5:"email";s:20:"customer1@example.com";s:5:"phone";s:12:"212-555-0199";}i:2;a:2:{s:5:"email";s:20:"customer2@example.com";s:5:"phone";s:15:"+1 646-555-0107";}}`
			_, err := s.AppDB().Exec("INSERT INTO "+s.TablePrefix()+"options (option_name, option_value, autoload) VALUES ('_transient_bd_customer_cache', ?, 'no')", val)
			require.NoError(t, err)
		}},
		{"canary-in-plugin-option", []string{"pii-in-options"}, func(t *testing.T, s *containers.Stack) {
			_, err := s.AppDB().Exec("INSERT INTO "+s.TablePrefix()+"options (option_name, option_value, autoload) VALUES ('bd_sync_last_customer', ?, 'yes')", "last synced: "+canary+"@example.net")
			require.NoError(t, err)
		}},
		{"rogue-admin-bulk-export", []string{"wp-admin-created", "admin-set-changed", "db-bulk-pii-read", "fim-export-in-uploads"}, func(t *testing.T, s *containers.Stack) {
			createAdmin(t, s, "svc_reporting")
			rows, err := s.AppDB().Query("SELECT first_name, last_name, email, phone FROM " + s.TablePrefix() + "wc_order_addresses WHERE address_type = 'billing'")
			require.NoError(t, err)
			rows.Close()
			writeFile(t, s, "wp-content/uploads/2026/11/customers-export.csv", "first_name,last_name,email\nAnn0,Lee,customer0@example.com\n")
		}},
		{"ajax-sqli-exfiltration-get", []string{"web-sqli-admin-ajax", "db-union-select-pii"}, func(t *testing.T, s *containers.Stack) {
			request(t, s, "GET", "/wp-admin/admin-ajax.php?action=bd_stock_lookup&sku=1+UNION+ALL+SELECT+email+FROM+wp_wc_order_addresses--+-", "", nil)
			rows, err := s.AppDB().Query("SELECT post_title FROM " + s.TablePrefix() + "posts WHERE ID = 1 UNION SELECT email FROM " + s.TablePrefix() + "wc_order_addresses")
			require.NoError(t, err)
			rows.Close()
		}},
		{"ajax-sqli-exfiltration-post", []string{"web-sqli-admin-ajax"}, func(t *testing.T, s *containers.Stack) {
			request(t, s, "POST", "/wp-admin/admin-ajax.php", "action=bd_stock_lookup&sku=1%27%20UNION%20SELECT%20email%20FROM%20wp_wc_order_addresses%23",
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		}},
		{"graphql-pii-harvest", []string{"graphql-introspection", "graphql-alias-batching", "graphql-pii-harvest"}, func(t *testing.T, s *containers.Stack) {
			h := map[string]string{"Content-Type": "application/json"}
			request(t, s, "POST", "/graphql", `{"query":"query IntrospectionQuery { __schema { queryType { name } types { name fields { name } } } }"}`, h)
			request(t, s, "POST", "/graphql", aliasedHarvest(10, 1000), h)
		}},
		{"rest-user-enumeration", []string{"rest-user-enumeration"}, func(t *testing.T, s *containers.Stack) {
			request(t, s, "GET", "/wp-json/wp/v2/users", "", nil)
			request(t, s, "GET", "/wp-json/wp/v2/users/1", "", nil)
			for _, n := range []string{"1", "2", "3", "4"} {
				request(t, s, "GET", "/?author="+n, "", nil)
			}
		}},
		{"session-ip-mismatch", []string{"session-ip-mismatch"}, func(t *testing.T, s *containers.Stack) {
			cookie := login(t, s)
			// Replayed from inside the web container: the request comes
			// from 127.0.0.1, not the address that logged in.
			// The Host header keeps the site URL, which names the cookies.
			_, err := s.Exec(context.Background(), containers.ServiceWP, []string{"php", "-r",
				`file_get_contents('http://127.0.0.1/wp-admin/', false, stream_context_create(array('http' => array('header' => "Host: " . $argv[2] . "\r\nCookie: " . $argv[1] . "\r\nUser-Agent: Mozilla/5.0 stolen-session\r\n", 'follow_location' => 0, 'ignore_errors' => true))));`,
				cookie, strings.TrimPrefix(s.URL(), "http://")})
			require.NoError(t, err, "replay the session")
		}},
		{"wp-config-backup", []string{"wp-config-backup-exposed"}, func(t *testing.T, s *containers.Stack) {
			src, err := s.ReadFile(context.Background(), "wp-config.php")
			require.NoError(t, err)
			writeFile(t, s, "wp-config.php.bak", string(src))
		}},
		{"login-brute-force", []string{"wp-login-brute-force"}, func(t *testing.T, s *containers.Stack) {
			for i := 0; i < 6; i++ {
				request(t, s, "POST", "/wp-login.php", "log=admin&pwd=guess"+string(rune('a'+i)), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			}
		}},
		{"outbound-http-not-blocked", []string{"wp-outbound-http-unblocked"}, func(t *testing.T, s *containers.Stack) {
			// Allowed past WP_HTTP_BLOCK_EXTERNAL and aimed at a closed port
			// on the container's own loopback: nothing leaves the stack.
			phpWith(t, s, "define('WP_ACCESSIBLE_HOSTS', '127.0.0.2');", `wp_remote_get('http://127.0.0.2:9/collect', array('timeout' => 2));`)
		}},
		{"php-in-uploads", []string{"php-file-in-uploads", "fim-new-php-file", "php-request-in-uploads", "php-error-in-uploads"}, func(t *testing.T, s *containers.Stack) {
			// The warning lands in PHP's error log, naming the file.
			writeFile(t, s, "wp-content/uploads/2026/11/thumb.php", "<?php echo $thumb_size;\n")
			request(t, s, "GET", "/wp-content/uploads/2026/11/thumb.php", "", nil)
		}},
	}
	for _, tt := range tests {
		s.Run(tt.name, func() {
			t := s.T()
			_, tl := s.run(pack)
			tt.effect(t, s.Stack)
			got := waitAlerts(t, tl, within, tt.rules...)
			for _, id := range tt.rules {
				a := got[id]
				info, ok := pack.Rule(id)
				require.True(t, ok, "rule %s is not in the pack", id)
				assert.Equal(t, detect.WindowObserve, a.Window, "alert %s: window", id)
				assert.Equal(t, info.Severity, a.Severity, "alert %s: severity as the rule says", id)
				assert.NotEmpty(t, a.Source, "alert %s: source", id)
				assert.NotEmpty(t, a.Matched, "alert %s: what matched", id)
			}
			for _, ev := range tl.Events() {
				if ev.Kind == timeline.KindAlert {
					assert.Equal(t, t.Name(), ev.Scenario, "alert %s: scenario", ev.Summary)
				}
				for _, secret := range s.Stack.Credentials().Secrets() {
					assert.NotContains(t, string(ev.Data), secret, "alert %s holds a secret of the run", ev.Summary)
				}
				for _, pan := range []string{"4111111111111111", "5555 5555 5555 4444", "378282246310005"} {
					assert.NotContains(t, string(ev.Data), pan, "alert %s holds a full card number", ev.Summary)
				}
			}
		})
	}
}

// TestProbesAreNotAttacks checks that the engine's own HTTP probes, which
// fetch the exposed dump, never count as a download in the access log.
func (s *stackSuite) TestProbesAreNotAttacks() {
	t := s.T()
	e, tl := s.run(shippedPack(t))
	writeFile(t, s.Stack, "wp-content/uploads/db.sql", "-- MariaDB dump 10.19\nCREATE TABLE `wp_users` (ID int);\n")
	waitAlerts(t, tl, 20*time.Second, "backup-file-exposed", "fim-archive-in-docroot")
	// The probe that found the dump was logged before the alert; settle
	// makes sure the access log has been read past it.
	settle(t, s.Stack, e)
	a, ok := alerts(tl)["backup-downloaded"]
	assert.False(t, ok, "the engine's own probe counted as a download: %q", a.Matched)
}

// TestProbesOutliveWindowsButNotTheirFile: a new window asks the shop
// again for nothing that has not changed (every probe is a page WordPress
// renders), yet a match whose file is gone is never carried into it.
func (s *stackSuite) TestProbesOutliveWindowsButNotTheirFile() {
	t := s.T()
	ctx := context.Background()
	def, err := rules.FS.ReadFile("checks/backup-file-exposed.yml")
	require.NoError(t, err)
	pack, err := detect.LoadPack(fstest.MapFS{"backup-file-exposed.yml": {Data: def}})
	require.NoError(t, err)
	e, tl := s.run(pack)
	// /backup.zip is one of the rule's names and no file of the shop: it
	// is asked for from outside every unseen_every (120 s), no oftener.
	svc, accessLog, err := containers.LogAccess.Location()
	require.NoError(t, err)
	probes := func() int {
		res, err := s.Stack.Exec(ctx, svc, []string{"grep", "-c", `"path":"/backup.zip".*"user_agent":"` + e.ProbeUserAgent() + `"`, accessLog})
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
		require.NoError(t, err, "grep -c: %s%s", res.Stdout, res.Stderr)
		return n
	}
	// The pack reads no log, so a completed run of the check (and a file
	// poll) is all there is to wait for.
	cycle := func() { require.NoError(t, e.WaitCycles(ctx, 1), "a file poll and a run of the check") }
	cycle()
	first := probes()
	require.Equal(t, 1, first, "the first run of the check asks for /backup.zip once")
	for _, w := range []string{detect.WindowBaseline, detect.WindowObserve, "revert"} {
		e.SetContext("next", w)
		require.NoError(t, e.WaitCycles(ctx, 1), "a run of the check begun in window %s", w)
	}
	assert.Equal(t, first, probes(), "a new window asked again for a name that is still no file")

	const dump = "wp-content/uploads/db.sql"
	writeFile(t, s.Stack, dump, "-- MariaDB dump 10.19\nCREATE TABLE `wp_users` (ID int);\n")
	waitAlerts(t, tl, 20*time.Second, "backup-file-exposed")
	require.NoError(t, s.Stack.RemoveFile(ctx, dump), "remove the dump")
	cycle()
	e.SetContext("after", detect.WindowObserve)
	cycle()
	for _, ev := range tl.Events() {
		assert.False(t, ev.Kind == timeline.KindAlert && ev.Scenario == "after", "an alert in the window after the dump was removed: %s", ev.Summary)
	}
}

// TestChangedRuleNoLongerFires loads copies of shipped rules with their
// conditions changed over the shipped ones (--rules DIR) and checks they
// stay quiet on the effect that fires the originals, while an untouched
// rule proves the sources were live.
func (s *stackSuite) TestChangedRuleNoLongerFires() {
	t := s.T()
	webshell, err := os.ReadFile(filepath.Join("..", "..", "rules", "sigma", "web", "webshell-request.yml"))
	require.NoError(t, err)
	display, err := os.ReadFile(filepath.Join("..", "..", "rules", "checks", "wp-debug-display-on.yml"))
	require.NoError(t, err)
	changedWeb := strings.Replace(string(webshell), "condition: selection_dir and selection_php and selection_cmd", "condition: selection_dir and selection_php and not selection_cmd", 1)
	// Display must now be switched on explicitly, which the effect below
	// does not do.
	changedCfg := strings.Replace(string(display), "      default: true", "      default: false", 1)
	require.NotEqual(t, string(webshell), changedWeb, "the shipped webshell rule no longer has the text this test changes")
	require.NotEqual(t, string(display), changedCfg, "the shipped debug-display check no longer has the text this test changes")
	mine, err := detect.LoadPack(fstest.MapFS{
		"webshell-request.yml":    {Data: []byte(changedWeb)},
		"wp-debug-display-on.yml": {Data: []byte(changedCfg)},
	})
	require.NoError(t, err)
	pack := shippedPack(t)
	before := pack.Hash()
	require.Equal(t, []string{"webshell-request", "wp-debug-display-on"}, pack.Override(mine), "overridden rules")
	assert.NotEqual(t, before, pack.Hash(), "the pack's hash must change with its rules")

	e, tl := s.run(pack)
	writeFile(t, s.Stack, "wp-content/plugins/bd-cache-helper/shell.php", "<?php echo 'ok';\n")
	setConstants(t, s.Stack, map[string]string{"WP_DEBUG": "true"})
	request(t, s.Stack, "GET", "/wp-content/plugins/bd-cache-helper/shell.php?k=s3cret&cmd=id", "", nil)
	waitAlerts(t, tl, 20*time.Second, "fim-new-php-file", "fim-core-file-modified")
	settle(t, s.Stack, e)
	for _, id := range []string{"webshell-request", "wp-debug-display-on"} {
		a, ok := alerts(tl)[id]
		assert.False(t, ok, "changed rule %s still fired: %q", id, a.Matched)
	}
}

// TestAlertOncePerWindow checks the dedupe and the scenario attribution.
func (s *stackSuite) TestAlertOncePerWindow() {
	t := s.T()
	e, tl := s.run(shippedPack(t))
	shell := "/wp-content/plugins/akismet/x.php?cmd=id"
	count := func() map[string]int {
		n := map[string]int{}
		for _, ev := range tl.Events() {
			if ev.Kind == timeline.KindAlert && strings.HasPrefix(ev.Summary, "webshell-request:") {
				n[ev.Scenario]++
			}
		}
		return n
	}
	e.SetContext("s1", detect.WindowObserve)
	request(t, s.Stack, "GET", shell, "", nil)
	request(t, s.Stack, "GET", shell, "", nil)
	waitAlerts(t, tl, 10*time.Second, "webshell-request")
	e.SetContext("s2", detect.WindowObserve)
	request(t, s.Stack, "GET", shell, "", nil)
	require.True(t, waitTimeline(tl, 10*time.Second, func() bool { return count()["s2"] > 0 }), "alerts per scenario %v; want one in s2", count())
	// Both requests of s1 and the one of s2 have been read by now; a
	// duplicate would be on the timeline once the logs are settled.
	settle(t, s.Stack, e)
	assert.Equal(t, map[string]int{"s1": 1, "s2": 1}, count(), "alerts per scenario: want one each")
}

// TestInfraFaultWhenContainerDies kills the web container under a running
// engine: the log streams end and that must come out as an infrastructure
// fault, never as silence.
func TestInfraFaultWhenContainerDies(t *testing.T) {
	s := stacktest.Start(t)
	e := detect.New(s, shippedPack(t), timeline.New())
	require.NoError(t, e.Start(context.Background()), "start the engine")
	out, err := exec.Command("docker", "kill", "breachdrill-"+s.RunID()+"-wp").CombinedOutput()
	require.NoError(t, err, "docker kill: %s", out)
	select {
	case err := <-e.Err():
		assert.True(t, fault.IsInfra(err), "fault %v must be marked as infrastructure", err)
	case <-time.After(30 * time.Second):
		require.FailNow(t, "no fault reported after the web container died")
	}
	err = e.Stop()
	require.Error(t, err, "Stop must return the infrastructure fault")
	assert.True(t, fault.IsInfra(err), "Stop() = %v; want the infrastructure fault", err)
	assert.Error(t, e.WaitCycles(context.Background(), 1), "a stopped engine completes no cycles: waiting must fail, not hang")
}

// TestProgress checks what the tests above wait on: WaitCycles returns
// only after every state check and the file watcher have completed the
// runs asked for, and WaitSeen only once the request made is read.
func (s *stackSuite) TestProgress() {
	t := s.T()
	e, _ := s.run(shippedPack(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := e.Progress()
	require.NotEmpty(t, before.CheckRuns, "the shipped pack has state checks")
	require.NoError(t, e.WaitCycles(ctx, 2))
	after := e.Progress()
	assert.GreaterOrEqual(t, after.FilePolls, before.FilePolls+2, "file polls completed")
	for id, n := range before.CheckRuns {
		assert.GreaterOrEqual(t, after.CheckRuns[id], n+2, "runs of state check %s completed", id)
	}

	t0 := time.Now()
	request(t, s.Stack, "GET", "/?progress-test=1", "", nil)
	require.NoError(t, e.WaitSeen(ctx, detect.SourceAccess, t0))
	assert.False(t, e.Progress().Latest[detect.SourceAccess].Before(t0), "the newest access event is the request just made")
	assert.Greater(t, e.Progress().Events[detect.SourceAccess], after.Events[detect.SourceAccess], "access events counted")

	short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
	defer stop()
	assert.Error(t, e.WaitSeen(short, detect.SourceAccess, time.Now().Add(time.Hour)), "no event from the future can be seen: the wait must end with its context")
}
