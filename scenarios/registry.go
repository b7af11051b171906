package scenarios

import (
	"context"
	"reflect"
	"strings"
)

// Step is one typed action of inject, respond or revert.
type Step struct {
	Action string
	Do     Action
	Line   int
	Column int
}

// Action is what a step does to the stack.
type Action interface {
	Run(ctx context.Context, env *Env) error
	// Describe renders the step for the timeline; it never includes secrets.
	Describe() string
}

// Check is one containment check.
type Check struct {
	Kind   string
	Probe  Probe
	Line   int
	Column int
}

// Probe looks at the stack and says whether the breach is contained in one
// respect. An error means the probe could not look (infrastructure), which
// is different from "not contained".
type Probe interface {
	Check(ctx context.Context, env *Env) (Result, error)
	Describe() string
}

// Result of a probe.
type Result struct {
	Pass   bool
	Detail string
}

type spec[T any] struct {
	doc       string
	shorthand string // the argument a bare scalar stands for
	example   string // one list item in YAML, as a scenario file writes it
	new       func() T
}

// The vocabulary scenario files may use. These maps are filled once here and
// only read afterwards. Arguments are documented on their struct fields
// (doc, default, enum, pattern, min, max, tmpl tags); docs/reference and
// docs/schema are generated from both (go generate ./scenarios).
var actionRegistry = map[string]spec[Action]{
	"file.write": {doc: "write a file under the docroot as the web server's user",
		example: `file.write: {path: wp-content/uploads/.htaccess, content: "Options -Indexes\n"}`, new: func() Action { return &fileWrite{} }},
	"file.append": {doc: "append to a file under the docroot as the web server's user",
		example: `file.append: {path: wp-content/plugins/akismet/akismet.php, content: "\n// added by the attacker\n"}`, new: func() Action { return &fileAppend{} }},
	"file.delete": {doc: "delete a file or folder under the docroot", shorthand: "path",
		example: `file.delete: wp-content/debug.log`, new: func() Action { return &fileDelete{} }},
	"file.restore": {doc: "restore a file from the reset point (the known-good copy)", shorthand: "path",
		example: `file.restore: wp-content/plugins/akismet/akismet.php`, new: func() Action { return &fileRestore{} }},
	"wpconfig.set": {doc: "set constants in wp-config.php",
		example: `wpconfig.set: {WP_DEBUG: true, WP_DEBUG_LOG: true, WP_DEBUG_DISPLAY: true}`, new: func() Action { return &wpconfigSet{} }},
	"salts.rotate": {doc: "replace WordPress's keys and salts in wp-config.php (logs everyone out)",
		example: `salts.rotate: {}`, new: func() Action { return &saltsRotate{} }},
	"db.rotate_password": {doc: "give the shop's database user a new password and update wp-config.php",
		example: `db.rotate_password: {}`, new: func() Action { return &dbRotatePassword{} }},
	"db.restore_password": {doc: "give the shop's database user back the run's original password",
		example: `db.restore_password: {}`, new: func() Action { return &dbRestorePassword{} }},
	"sql.export": {doc: "export query results (read as the shop's database user) to a CSV file under the docroot",
		example: `sql.export: {query: "SELECT email, first_name, last_name FROM {{prefix}}wc_customer_lookup", to: "wp-content/uploads/customers-{{date}}.csv"}`, new: func() Action { return &sqlExport{} }},
	"sql.exec": {doc: "run SQL as the shop's database user (or as breachdrill's with as: tool)", shorthand: "query",
		example: `sql.exec: {query: "DELETE FROM {{prefix}}options WHERE option_name LIKE '_transient_acme_%'"}`, new: func() Action { return &sqlExec{} }},
	"db.dump": {doc: "dump the shop database with mysqldump inside the stack, as the web server, into a docroot file", shorthand: "to",
		example: `db.dump: "wp-content/uploads/backup-{{date}}.sql.gz"`, new: func() Action { return &dbDump{} }},
	"pan.plant": {doc: "write full card numbers (test ranges) into order meta and payment tokens",
		example: `pan.plant: {orders: 5}`, new: func() Action { return &panPlant{} }},
	"plugin.install": {doc: "copy a plugin from the scenario's artifacts into wp-content/plugins as the web server",
		example: `plugin.install: {artifact: acme-order-lookup}`, new: func() Action { return &pluginInstall{} }},
	"plugin.activate": {doc: "activate a plugin through WordPress's own activate_plugin()", shorthand: "plugin",
		example: `plugin.activate: acme-order-lookup/acme-order-lookup.php`, new: func() Action { return &pluginActivate{} }},
	"plugin.deactivate": {doc: "deactivate a plugin through WordPress's own deactivate_plugins()", shorthand: "plugin",
		example: `plugin.deactivate: acme-order-lookup/acme-order-lookup.php`, new: func() Action { return &pluginDeactivate{} }},
	"option.set": {doc: "set a WordPress option through update_option()",
		example: `option.set: {name: acme_graphql_introspection, value: "no"}`, new: func() Action { return &optionSet{} }},
	"user.create": {doc: "create a WordPress user with a role through wp_insert_user()",
		example: `user.create: {login: it-helpdesk, email: helpdesk@support-portal.invalid, role: administrator}`, new: func() Action { return &userCreate{} }},
	"user.delete": {doc: "delete a WordPress user through wp_delete_user()", shorthand: "login",
		example: `user.delete: it-helpdesk`, new: func() Action { return &userDelete{} }},
	"sessions.destroy": {doc: "destroy every login session of a user (or of all users)", shorthand: "login",
		example: `sessions.destroy: "{{admin_user}}"`, new: func() Action { return &sessionsDestroy{} }},
	"wp.login": {doc: "log in over HTTP and keep the session's cookies under a name",
		example: `wp.login: {session: victim}`, new: func() Action { return &wpLogin{} }},
	"http.request": {doc: "send HTTP requests to the stack (method, path, query, body, headers, repeat, pacing)",
		example: `http.request: {path: /wp-json/wp/v2/users, query: {page: "{{i}}"}, repeat: 3, pace: 200ms, want_status: [200]}`, new: func() Action { return &httpRequest{} }},
	"wait": {doc: "wait for a while", shorthand: "for",
		example: `wait: 2s`, new: func() Action { return &waitAction{} }},
	"requests.drain": {doc: "wait until every web request that began before this step has ended (a log they write is complete)", shorthand: "within",
		example: `requests.drain: {}`, new: func() Action { return &requestsDrain{} }},
	"waf.mode": {doc: "switch the WAF (ModSecurity with the OWASP Core Rule Set) to off, detect or block; Reset restores the stack's own mode", shorthand: "mode",
		example: `waf.mode: block`, new: func() Action { return &wafModeAction{} }},
	"waf.rule": {doc: "add a targeted ModSecurity rule (a virtual patch) that denies matching requests even while the WAF only detects; Reset removes it",
		example: `waf.rule: {name: acme-order-tracking, args: {wc-ajax: "^acme_track_order$"}}`, new: func() Action { return &wafRuleAction{} }},
	"tenant.create": {doc: "create a second shop's database (tenant) with its own synthetic customers on the stack's database server, shared with the shop's database user as cheap hosting does; for warmup",
		example: `tenant.create: {name: shopb, customers: 30, seed: 2}`, new: func() Action { return &tenantCreate{} }},
	"tenant.isolate": {doc: "give a tenant its own database user with rights on its own database only (new password) and take the shop's user's rights there away", shorthand: "name",
		example: `tenant.isolate: shopb`, new: func() Action { return &tenantIsolate{} }},
	"tenant.drop": {doc: "remove a tenant: its database, its user and every right on it (revert)", shorthand: "name",
		example: `tenant.drop: shopb`, new: func() Action { return &tenantDrop{} }},
	"order.create": {doc: "place unpaid orders with a payment gateway through WooCommerce's API, as a guest who never pays",
		example: `order.create: {count: 3, payment_method: acmepay}`, new: func() Action { return &orderCreate{} }},
	"webhook.forge": {doc: "read a payment gateway's leaked webhook secret over HTTP and send signed \"payment succeeded\" notifications for its unpaid orders",
		example: `webhook.forge: {path: /wp-json/acme-pay/v1/webhook, secret_from: /wp-content/uploads/acme-pay/debug.log, secret_pattern: 'whsec_([A-Za-z0-9]+)', payment_method: acmepay}`, new: func() Action { return &webhookForge{} }},
	"option.rotate": {doc: "give secrets kept in an array option (a gateway's API key and webhook secret) new random values",
		example: `option.rotate: {name: woocommerce_acmepay_settings, keys: [webhook_secret, api_key]}`, new: func() Action { return &optionRotate{} }},
	"orders.hold": {doc: "put a gateway's orders that are marked paid without a transaction id on hold", shorthand: "payment_method",
		example: `orders.hold: acmepay`, new: func() Action { return &ordersHold{} }},
	"notify": {doc: "tell an outside party (the payment processor's incident desk) through its stand-in endpoint inside the run; the acknowledged moment goes on the timeline",
		example: `notify: {contact: Acme Pay incident desk, path: /wp-json/acme-pay-desk/v1/incidents, message: "Webhook secret leaked; forged payment notifications"}`, new: func() Action { return &notify{} }},
	"host.exec": {doc: "run a tool on the host (e.g. sqlmap) against the stack's {{url}}, bounded in time and output; needs --allow-exec",
		example: `host.exec: {command: [sqlmap, -u, "{{url}}/wp-admin/admin-ajax.php?action=acme_order_status&order=1", --batch], timeout: 2m}`, new: func() Action { return &hostExec{} }},
}

var checkRegistry = map[string]spec[Probe]{
	"http.status": {doc: "the response status is one of want",
		example: `http.status: {path: /wp-content/debug.log, want: [403, 404]}`, new: func() Probe { return &httpStatus{} }},
	"http.absent": {doc: "the response body does not match a pattern",
		example: `http.absent: {path: /wp-login.php, query: "log[]=admin", pattern: "<b>(Deprecated|Warning)</b>", want_status: [200]}`, new: func() Probe { return &httpAbsent{} }},
	"file.absent": {doc: "a docroot file does not exist", shorthand: "path",
		example: `file.absent: "wp-content/uploads/backup-{{date}}.sql.gz"`, new: func() Probe { return &fileAbsent{} }},
	"file.baseline": {doc: "a docroot file is byte for byte the known-good copy", shorthand: "path",
		example: `file.baseline: wp-content/plugins/akismet/akismet.php`, new: func() Probe { return &fileBaseline{} }},
	"sql.none": {doc: "a query returns no rows (or a single zero)", shorthand: "query",
		example: `sql.none: "SELECT COUNT(*) FROM {{prefix}}options WHERE option_name LIKE '_transient_acme_%'"`, new: func() Probe { return &sqlNone{} }},
	"wpconfig.is": {doc: "wp-config.php constants have these values",
		example: `wpconfig.is: {WP_DEBUG: false, WP_DEBUG_DISPLAY: false}`, new: func() Probe { return &wpconfigIs{} }},
	"plugin.inactive": {doc: "a plugin is not active", shorthand: "plugin",
		example: `plugin.inactive: acme-order-lookup/acme-order-lookup.php`, new: func() Probe { return &pluginInactive{} }},
	"user.absent": {doc: "a WordPress user does not exist", shorthand: "login",
		example: `user.absent: it-helpdesk`, new: func() Probe { return &userAbsent{} }},
	"admins.baseline": {doc: "the administrators are exactly those of the reset point",
		example: `admins.baseline: {}`, new: func() Probe { return &adminsBaseline{} }},
	"secrets.rotated": {doc: "the database password and every key and salt in wp-config.php differ from the run's originals",
		example: `secrets.rotated: {}`, new: func() Probe { return &secretsRotated{} }},
	"waf.blocks": {doc: "a request (the attack) is refused by the WAF, and a guest checkout through the Store API still succeeds",
		example: `waf.blocks: {path: /, query: {wc-ajax: acme_track_order, order: "0 UNION SELECT 1,2,3"}, want: [403], checkout: cod}`, new: func() Probe { return &wafBlocks{} }},
	"tenant.isolated": {doc: "the shop's database user is denied reading a tenant's customers (a real read through WordPress), and the tenant's own user reads them", shorthand: "name",
		example: `tenant.isolated: shopb`, new: func() Probe { return &tenantIsolated{} }},
	"webhook.replay": {doc: "the last forged webhook call, replayed as sent and re-signed with the leaked secret, is rejected",
		example: `webhook.replay: {want: [401]}`, new: func() Probe { return &webhookReplay{} }},
	"sessions.none": {doc: "a user has no login sessions", shorthand: "login",
		example: `sessions.none: "{{admin_user}}"`, new: func() Probe { return &sessionsNone{} }},
}

// Vocabulary lists every action and check with a line of help, for
// `scenarios actions` and error messages.
func Vocabulary() (actions, checks map[string]string) {
	actions, checks = map[string]string{}, map[string]string{}
	for k, v := range actionRegistry {
		actions[k] = v.doc + " (" + strings.Join(argNames(v.new()), ", ") + ")"
	}
	for k, v := range checkRegistry {
		checks[k] = v.doc + " (" + strings.Join(argNames(v.new()), ", ") + ")"
	}
	return actions, checks
}

// argNames lists the yaml names of an argument struct's fields, those of
// inline (embedded) structs included.
func argNames(v any) []string {
	var out []string
	walkArgs(reflect.TypeOf(v), func(name string, _ reflect.StructField) { out = append(out, name) })
	return out
}

// requiredArgs lists fields tagged `bd:"required"`.
func requiredArgs(v any) []string {
	var out []string
	walkArgs(reflect.TypeOf(v), func(name string, f reflect.StructField) {
		if f.Tag.Get("bd") == "required" {
			out = append(out, name)
		}
	})
	return out
}

func walkArgs(t reflect.Type, visit func(string, reflect.StructField)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")
		switch {
		case len(tag) > 1 && tag[1] == "inline":
			walkArgs(f.Type, visit)
		case tag[0] != "" && tag[0] != "-":
			visit(tag[0], f)
		}
	}
}
