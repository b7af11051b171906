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
	},
	SourceAudit: {
		"event", "actor.id", "actor.login", "actor.roles", "ip", "user_agent", "method", "uri", "object.*",
	},
	SourceDBAudit: {
		"serverhost", "username", "host", "connection_id", "query_id", "operation", "database", "object", "retcode",
	},
	SourcePHPError: {"level", "message", "file", "line"},
	SourceFIM: {
		"TargetFilename", "Action", "Size", "PreviousSize", "SHA256", "PreviousSHA256", "Owner", "Extension",
	},
	SourceGraphQL: {
		"c-ip", "cs-user-agent", "cs-uri-stem", "operations", "batch_size", "operation_type", "operation_name",
		"introspection", "depth", "fields", "alias_count", "alias_max_same_field", "max_first",
		"pii_fields", "pii_categories", "pii_values", "parse_failed", "parse_error", "truncated",
	},
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

// logsourceToSource maps a Sigma logsource onto the stream that carries
// its events.
func logsourceToSource(category, product, service string) (Source, error) {
	category, product, service = strings.ToLower(category), strings.ToLower(product), strings.ToLower(service)
	switch {
	case category == "webserver" && (product == "" || product == "apache" || product == "wordpress"):
		return SourceAccess, nil
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
	}
	return "", fmt.Errorf("logsource {category: %q, product: %q, service: %q} is not one breachdrill produces; use one of: "+
		"category: webserver | category: file_event | product: wordpress + service: audit | product: wordpress + service: graphql | "+
		"product: mariadb + service: audit | product: php", category, product, service)
}
