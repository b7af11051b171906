package detect

import (
	"fmt"
	"sort"
	"strings"
)

// Source names the stream an event or alert came from. The values are the
// ones timeline.Alert.Source documents.
type Source string

const (
	SourceAccess   Source = "access"    // Apache's JSON access log
	SourceAudit    Source = "audit"     // the WordPress audit log (our must-use plugin)
	SourceDBAudit  Source = "db-audit"  // MariaDB server_audit
	SourcePHPError Source = "php-error" // PHP's error_log
	SourceFIM      Source = "fim"       // file integrity of the docroot
	SourceGraphQL  Source = "graphql"   // GraphQL request bodies, analysed
	SourceState    Source = "state"     // periodic state checks
	// SourceApacheError is Apache's error log, which SigmaHQ's
	// product: apache rules read (segfaults, mod_security messages).
	SourceApacheError Source = "apache-error"
	// SourceWAF is ModSecurity's JSON audit log: one event per request a
	// Core Rule Set (or responder) rule matched.
	SourceWAF Source = "waf"
)

// rawField is where Sigma keyword searches look: the whole event as text.
const rawField = "_raw"

// sourceFields lists the fields each log source produces, so that a rule
// naming a field no event ever carries is refused at load instead of
// silently never matching. A name ending in "*" admits any field with that
// prefix (the audit log's object is free-form).
var sourceFields = map[Source][]string{
	SourceAccess: {
		"cs-method", "cs-uri-stem", "cs-uri-query", "cs-uri", "cs-version", "sc-status",
		"c-ip", "cs-user-agent", "cs-referer", "cs-host", "cs-username", "cs-content-type",
		"cs-body", "cs-bytes", "sc-bytes", "time-taken",
		// Ours: the path and query URL-decoded once ('+' as a space), for
		// rules that want what the application sees rather than what was
		// logged.
		"cs-uri-decoded", "cs-body-decoded",
	},
	SourceAudit: {
		"event", "actor.id", "actor.login", "actor.roles", "ip", "user_agent", "method", "uri", "object.*",
	},
	SourceDBAudit: {
		"serverhost", "username", "host", "connection_id", "query_id", "operation", "database", "object", "retcode",
	},
	SourcePHPError:    {"level", "message", "file", "line"},
	SourceApacheError: {"module", "level", "pid", "tid", "client", "message"},
	SourceFIM: {
		"TargetFilename", "Action", "Size", "PreviousSize", "SHA256", "PreviousSHA256", "Owner", "Extension",
	},
	SourceGraphQL: {
		"c-ip", "cs-user-agent", "cs-uri-stem", "operations", "batch_size", "operation_type", "operation_name",
		"introspection", "depth", "fields", "alias_count", "alias_max_same_field", "max_first",
		"pii_fields", "pii_categories", "pii_values", "parse_failed", "parse_error", "truncated",
	},
	SourceWAF: wafFields,
}

// knownField reports whether events of src can carry field.
func knownField(src Source, field string) bool {
	if field == rawField {
		return true
	}
	for _, f := range sourceFields[src] {
		if f == field || (strings.HasSuffix(f, "*") && strings.HasPrefix(field, strings.TrimSuffix(f, "*"))) {
			return true
		}
	}
	return false
}

func fieldList(src Source) string {
	fs := append([]string(nil), sourceFields[src]...)
	sort.Strings(fs)
	return strings.Join(fs, ", ")
}

// notRecorded are W3C web fields community rules use that the stack's
// access log does not record: a rule that needs one is not applicable.
var notRecorded = map[Source]map[string]string{
	SourceAccess: {
		"cs-cookie":       "the access log does not record cookies (they carry session secrets)",
		"s-ip":            "the access log does not record the server address (one server per stack)",
		"s-port":          "the access log does not record the server port (one server per stack)",
		"sc-substatus":    "sc-substatus is IIS's; Apache has none",
		"sc-win32-status": "sc-win32-status is IIS's; Apache has none",
		"s-sitename":      "s-sitename is IIS's; Apache has none",
		"s-computername":  "s-computername is IIS's; Apache has none",
	},
}

// unavailableField says why a rule naming field cannot be fed from src,
// or "" when it can (or src is unknown).
func unavailableField(src Source, field string) string {
	return notRecorded[src][field]
}

// logsourceToSource maps a Sigma logsource onto the stream that carries
// its events. The error says why the stack cannot produce it: such a rule
// is not applicable, not broken.
func logsourceToSource(category, product, service string) (Source, error) {
	category, product, service = strings.ToLower(category), strings.ToLower(product), strings.ToLower(service)
	switch {
	case category == "webserver" && (product == "" || product == "apache" || product == "wordpress") && service == "":
		return SourceAccess, nil
	case category == "" && product == "apache" && (service == "" || service == "error"):
		return SourceApacheError, nil
	case category == "file_event" && (product == "" || product == "linux" || product == "wordpress"):
		return SourceFIM, nil
	case product == "wordpress" && service == "audit":
		return SourceAudit, nil
	case product == "wordpress" && service == "graphql":
		return SourceGraphQL, nil
	case (product == "mariadb" || product == "mysql") && service == "audit":
		return SourceDBAudit, nil
	case product == "php" && (service == "" || service == "error"):
		return SourcePHPError, nil
	case product == "modsecurity" && (service == "" || service == "audit"):
		return SourceWAF, nil
	}
	why := ""
	switch {
	case category == "proxy":
		why = "the stack has no forward proxy, so nothing writes a proxy log"
	case product == "windows" || product == "macos" || product == "azure" || product == "aws" || product == "gcp" || product == "m365" || product == "okta" || product == "github":
		why = "the stack runs no " + product + " systems"
	case product == "linux" || category == "process_creation" || category == "network_connection":
		why = "the stack records no operating-system events (process, network, auditd)"
	default:
		why = "the stack has no source for it"
	}
	return "", fmt.Errorf("logsource {category: %q, product: %q, service: %q}: %s; the stack feeds category: webserver | product: apache | category: file_event | "+
		"product: wordpress + service: audit|graphql | product: mariadb + service: audit | product: php | product: modsecurity", category, product, service, why)
}
