package detect

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/clip"
)

// Event is one thing a source saw, as the flat string fields Sigma rules
// match on (map[string]string is what sigma-go reads fastest).
type Event struct {
	Source Source
	Time   time.Time
	Fields map[string]string
	text   string
}

// maxMatchedLen bounds one matched event in an alert.
const maxMatchedLen = 600

// Text is the compact rendering that goes into an alert's Matched list:
// the event's time and the fields a responder reads first, with secrets
// (password-like parameters, card numbers) masked.
func (e *Event) Text() string {
	if e.text != "" {
		return e.text
	}
	f := e.Fields
	ts := e.Time.UTC().Format("2006-01-02T15:04:05.000000Z")
	var s string
	switch e.Source {
	case SourceAccess:
		uri := f["cs-uri-stem"]
		if q := f["cs-uri-query"]; q != "" {
			uri += "?" + redactParams(q)
		}
		s = fmt.Sprintf("%s %s %q %s ua=%q", ts, f["c-ip"], f["cs-method"]+" "+uri, f["sc-status"], f["cs-user-agent"])
		if u := f["cs-username"]; u != "" {
			s += " user=" + u
		}
		if b := f["cs-body"]; b != "" {
			s += fmt.Sprintf(" body=%q", clip.String(redactParams(b), 300))
		}
	case SourceAudit:
		s = fmt.Sprintf("%s event=%s", ts, f["event"])
		if a := f["actor.login"]; a != "" {
			s += " actor=" + a
		}
		if ip := f["ip"]; ip != "" {
			s += " ip=" + ip
		}
		if u := f["uri"]; u != "" {
			s += fmt.Sprintf(" uri=%q", redactURI(u))
		}
		for _, k := range sortedObjectKeys(f) {
			s += fmt.Sprintf(" %s=%q", k, f[k])
		}
	case SourceDBAudit:
		s = fmt.Sprintf("%s %s@%s %s %s %q", ts, f["username"], f["host"], f["operation"], f["database"], clip.String(f["object"], 400))
	case SourcePHPError:
		s = fmt.Sprintf("%s PHP %s: %s", ts, f["level"], clip.String(f["message"], 400))
	case SourceFIM:
		s = fmt.Sprintf("%s %s %s size=%s owner=%s sha256=%s", ts, f["Action"], f["TargetFilename"], f["Size"], f["Owner"], f["SHA256"])
		if p := f["PreviousSHA256"]; p != "" {
			s += " previous=" + p
		}
	case SourceGraphQL:
		s = fmt.Sprintf("%s %s POST %s ops=%s batch=%s introspection=%s depth=%s aliases=%s same_field=%s max_first=%s pii_values=%s pii=%s",
			ts, f["c-ip"], f["cs-uri-stem"], f["operations"], f["batch_size"], f["introspection"], f["depth"], f["alias_count"],
			f["alias_max_same_field"], f["max_first"], f["pii_values"], f["pii_fields"])
		if f["parse_failed"] == "true" {
			s += fmt.Sprintf(" parse_error=%q", f["parse_error"])
		}
	case SourceWAF:
		s = wafText(ts, f)
	default:
		s = ts + " " + f[rawField]
	}
	e.text = clip.String(maskPANs(s), maxMatchedLen)
	return e.text
}

func sortedObjectKeys(f map[string]string) []string {
	var keys []string
	for k := range f {
		if strings.HasPrefix(k, "object.") {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	return keys
}

// secretParam names query or form parameters whose values never go into
// an alert.
var secretParam = regexp.MustCompile(`(?i)((?:^|[&?;])[^=&]*(?:pass|pwd|secret|token|nonce|key|auth|session|cookie)[^=&]*=)[^&]*`)

// secretValue finds the same names as JSON keys or GraphQL arguments in a
// body: "password":"...", password: \"...\".
var secretValue = regexp.MustCompile(`(?i)((?:pass|pwd|secret|token|nonce|auth)[a-z_]*\\?"?\s*[:=]\s*)(\\?"[^"\\]*\\?"|[^&\s,}]+)`)

func redactParams(q string) string {
	q = secretParam.ReplaceAllString(q, "${1}[redacted]")
	return secretValue.ReplaceAllString(q, "${1}[redacted]")
}

func redactURI(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i+1] + redactParams(u[i+1:])
	}
	return u
}

// accessEvent turns an access-log record into a webserver event with
// Sigma's field names.
func accessEvent(rec containers.AccessRecord, raw string) *Event {
	// cs-uri is the target as the client sent it (from the request line),
	// which community rules match raw; Apache's %U path is decoded.
	uri := requestTarget(rec.Request)
	if uri == "" {
		uri = rec.Path
		if rec.Query != "" {
			uri += "?" + rec.Query
		}
	}
	return &Event{Source: SourceAccess, Time: rec.Time, Fields: map[string]string{
		"cs-uri-decoded":  lenientUnescape(uri),
		"cs-body-decoded": lenientUnescape(rec.Body),
		"cs-method":       rec.Method,
		"cs-uri-stem":     rec.Path,
		"cs-uri-query":    rec.Query,
		"cs-uri":          uri,
		"cs-version":      rec.Protocol,
		"sc-status":       strconv.Itoa(rec.Status),
		"c-ip":            rec.ClientIP,
		"cs-user-agent":   rec.UserAgent,
		"cs-referer":      rec.Referer,
		"cs-host":         rec.Host,
		"cs-username":     rec.User,
		"cs-content-type": rec.ContentType,
		"cs-body":         rec.Body,
		"cs-bytes":        strconv.FormatInt(rec.BytesIn, 10),
		"sc-bytes":        strconv.FormatInt(rec.BytesOut, 10),
		"time-taken":      strconv.FormatInt(rec.DurationUS, 10),
		rawField:          raw,
	}}
}

// requestTarget is the target of a request line ("GET /x?y HTTP/1.1").
func requestTarget(line string) string {
	_, rest, ok := strings.Cut(line, " ")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, ' '); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		rest = rest[:i]
	}
	return rest
}

// lenientUnescape decodes %HH and '+' the way PHP decodes a query string,
// leaving malformed escapes as they are (attack traffic is full of them).
func lenientUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// auditEvent flattens one line of the audit plugin's JSON: nested keys
// are joined with dots (object.user.roles), lists with commas.
func auditEvent(line []byte) (*Event, error) {
	var raw map[string]any
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("audit log line: %w", err)
	}
	f := map[string]string{rawField: string(line)}
	flatten(f, "", raw, 0)
	t, err := time.Parse(time.RFC3339Nano, f["time"])
	if err != nil {
		return nil, fmt.Errorf("audit log time %q: %w", f["time"], err)
	}
	delete(f, "time")
	return &Event{Source: SourceAudit, Time: t, Fields: f}, nil
}

func flatten(out map[string]string, prefix string, v any, depth int) {
	if depth > 8 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(out, key, x, depth+1)
		}
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				b, _ := json.Marshal(x)
				parts = append(parts, string(b))
			default:
				parts = append(parts, scalarString(x))
			}
		}
		out[prefix] = strings.Join(parts, ",")
	default:
		out[prefix] = scalarString(v)
	}
}

func scalarString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// dbAuditEvent parses one server_audit line:
//
//	20261128 01:02:01,host,user,192.168.96.3,11,1040,QUERY,wordpress,'SELECT ...',0
//
// The object (a quoted query with backslash escapes, or a table name) may
// hold commas, so it is whatever lies between the eighth comma and the
// last one.
func dbAuditEvent(line string) (*Event, error) {
	parts := strings.SplitN(line, ",", 9)
	if len(parts) < 9 {
		return nil, fmt.Errorf("server_audit line has %d fields, want 10", len(parts))
	}
	rest := parts[8]
	obj, ret := rest, ""
	if i := strings.LastIndexByte(rest, ','); i >= 0 {
		obj, ret = rest[:i], rest[i+1:]
	}
	if len(obj) >= 2 && obj[0] == '\'' && obj[len(obj)-1] == '\'' {
		obj = unescapeAudit(obj[1 : len(obj)-1])
	} else if len(obj) >= 1 && obj[0] == '\'' {
		// Truncated at server_audit_query_log_limit: no closing quote.
		obj = unescapeAudit(obj[1:])
	}
	t, err := time.ParseInLocation("20060102 15:04:05", parts[0], time.UTC)
	if err != nil {
		return nil, fmt.Errorf("server_audit time %q: %w", parts[0], err)
	}
	return &Event{Source: SourceDBAudit, Time: t, Fields: map[string]string{
		"serverhost":    parts[1],
		"username":      parts[2],
		"host":          parts[3],
		"connection_id": parts[4],
		"query_id":      parts[5],
		"operation":     parts[6],
		"database":      parts[7],
		"object":        obj,
		"retcode":       ret,
		rawField:        line,
	}}, nil
}

func unescapeAudit(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// phpLine is PHP's error_log format:
//
//	[28-Nov-2026 01:10:59 UTC] PHP Warning:  Undefined variable $x in /var/www/html/a.php on line 1
var phpLine = regexp.MustCompile(`^\[(\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}) ([A-Za-z/_+-]+)\] (?:PHP )?([A-Za-z ]+?):\s+(.*)$`)
var phpWhere = regexp.MustCompile(` in (/\S+?)(?: on line |:)(\d+)`)

// phpEvent parses one PHP error-log line; continuation lines (stack
// traces) come through with the level empty.
func phpEvent(line string, now time.Time) *Event {
	f := map[string]string{rawField: line, "message": line}
	t := now
	if m := phpLine.FindStringSubmatch(line); m != nil {
		if loc, err := time.LoadLocation(m[2]); err == nil {
			if pt, err := time.ParseInLocation("02-Jan-2006 15:04:05", m[1], loc); err == nil {
				t = pt
			}
		}
		f["level"], f["message"] = m[3], m[4]
		if w := phpWhere.FindStringSubmatch(m[4]); w != nil {
			f["file"], f["line"] = w[1], w[2]
		}
	}
	return &Event{Source: SourcePHPError, Time: t, Fields: f}
}

// fimEvent describes one file change in the docroot.
func fimEvent(t time.Time, action, rel string, cur, prev fileEntry) *Event {
	ext := ""
	if i := strings.LastIndexByte(rel, '.'); i >= 0 && i > strings.LastIndexByte(rel, '/') {
		ext = strings.ToLower(rel[i+1:])
	}
	f := map[string]string{
		"TargetFilename": containers.DocRoot + "/" + rel,
		"Action":         action,
		"Extension":      ext,
		"Owner":          cur.owner,
		"SHA256":         cur.hash,
	}
	if action != actionDeleted {
		f["Size"] = strconv.FormatInt(cur.size, 10)
	}
	if prev.stamp != "" {
		f["PreviousSize"] = strconv.FormatInt(prev.size, 10)
		f["PreviousSHA256"] = prev.hash
	}
	if action == actionDeleted {
		f["Owner"], f["SHA256"] = prev.owner, ""
	}
	ev := &Event{Source: SourceFIM, Time: t, Fields: f}
	f[rawField] = ev.Text()
	return ev
}

// graphqlEvent carries a GraphQL analysis with the request's origin.
func graphqlEvent(access *Event, fields map[string]string) *Event {
	fields["c-ip"] = access.Fields["c-ip"]
	fields["cs-user-agent"] = access.Fields["cs-user-agent"]
	fields["cs-uri-stem"] = access.Fields["cs-uri-stem"]
	ev := &Event{Source: SourceGraphQL, Time: access.Time, Fields: fields}
	fields[rawField] = ev.Text()
	return ev
}

// isGraphQLRequest picks the requests the GraphQL analysis reads:
// WPGraphQL answers at /graphql and at /index.php?graphql.
func isGraphQLRequest(f map[string]string) bool {
	stem := strings.TrimSuffix(f["cs-uri-stem"], "/")
	if strings.HasSuffix(stem, "/graphql") {
		return f["cs-body"] != "" || strings.Contains(f["cs-uri-query"], "query=")
	}
	if (stem == "/index.php" || stem == "") && f["cs-uri-query"] != "" {
		v, err := url.ParseQuery(f["cs-uri-query"])
		return err == nil && v.Has("graphql") && (f["cs-body"] != "" || v.Has("query"))
	}
	return false
}

// apacheLine is Apache 2.4's default error log format:
//
//	[Sun Nov 29 01:02:03.123456 2026] [core:error] [pid 12:tid 34] [client 172.18.0.1:5555] AH00126: Invalid URI in request
var apacheLine = regexp.MustCompile(`^\[([A-Za-z]{3} [A-Za-z]{3} [ 0-9]\d \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] \[([^:\]]*):?([^\]]*)\] \[pid (\d+)(?::tid (\d+))?\](?: \[client ([^\]]+)\])? ?(.*)$`)

// apacheErrorEvent parses one line of Apache's error log; a line of
// another shape (a module's own) comes through as message only.
func apacheErrorEvent(line string, now time.Time) *Event {
	f := map[string]string{rawField: line, "message": line}
	t := now
	if m := apacheLine.FindStringSubmatch(line); m != nil {
		for _, layout := range []string{"Mon Jan _2 15:04:05.000000 2006", "Mon Jan _2 15:04:05 2006"} {
			if pt, err := time.ParseInLocation(layout, m[1], time.UTC); err == nil {
				t = pt
				break
			}
		}
		f["module"], f["level"], f["pid"], f["tid"], f["client"], f["message"] = m[2], m[3], m[4], m[5], m[6], m[7]
	}
	return &Event{Source: SourceApacheError, Time: t, Fields: f}
}
