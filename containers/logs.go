package containers

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// Log names one of the stack's log files that the harness can follow.
type Log string

const (
	LogAccess   Log = "access"    // Apache, one JSON object per request
	LogAudit    Log = "audit"     // our must-use plugin, JSON lines
	LogPHPError Log = "php-error" // PHP's error_log
	LogDBAudit  Log = "db-audit"  // MariaDB server_audit, CSV-like lines
	// LogApacheError is Apache's error log (SigmaHQ's product: apache).
	LogApacheError Log = "apache-error"
	// LogWAF is ModSecurity's audit log, one JSON object per transaction
	// it flagged (empty while the WAF is off).
	LogWAF Log = "waf"
)

// Logs lists every log Follow accepts.
var Logs = []Log{LogAccess, LogAudit, LogPHPError, LogDBAudit, LogApacheError, LogWAF}

// Location is the service and file a log is written to, for reading what
// it recorded between two points (Follow only streams what comes next).
func (l Log) Location() (Service, string, error) { return l.location() }

func (l Log) location() (Service, string, error) {
	switch l {
	case LogAccess:
		return ServiceWP, "/var/log/breachdrill/access.json", nil
	case LogAudit:
		return ServiceWP, "/var/log/breachdrill/audit.jsonl", nil
	case LogPHPError:
		return ServiceWP, "/var/log/breachdrill/php-error.log", nil
	case LogDBAudit:
		return ServiceDB, "/var/log/breachdrill/server_audit.log", nil
	case LogApacheError:
		return ServiceWP, "/var/log/breachdrill/apache-error.log", nil
	case LogWAF:
		return ServiceWP, wafAuditLog, nil
	}
	return "", "", fault.Input(fmt.Errorf("unknown log %q", l))
}

const followReady = "breachdrill-follow-ready"

// Follow streams the lines appended to a log from the moment Follow returns:
// nothing written after that is missed, nothing written before is repeated.
// The stream ends when ctx is done or the reader is closed; either also ends
// the tail inside the container, which the engine would otherwise keep
// running for the life of the stack.
func (s *Stack) Follow(ctx context.Context, l Log) (io.ReadCloser, error) {
	svc, file, err := l.location()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	// The size is read inside the container, then tail starts right after
	// it: the marker line (with the shell's pid, which tail inherits) tells
	// us the starting point is fixed. tail polls on overlayfs (coreutils
	// counts it as remote, so no inotify), once a second by default: a
	// tenth keeps detection times honest.
	script := `n=$(stat -c %s "$1" 2>/dev/null || echo 0); echo ` + followReady + ` $$; exec tail -s 0.1 -c +$((n+1)) -F "$1" 2>/dev/null`
	go func() {
		_, err := s.execStream(ctx, svc, []string{"sh", "-c", script, "sh", file}, pw, io.Discard)
		pw.CloseWithError(err)
	}()
	br := bufio.NewReader(pr)
	first, err := br.ReadString('\n')
	pid, ok := strings.CutPrefix(strings.TrimSuffix(first, "\n"), followReady+" ")
	if err == nil && (!ok || strings.Trim(pid, "0123456789") != "" || pid == "") {
		err = fmt.Errorf("unexpected first line %q", first)
	}
	if err != nil {
		cancel()
		pr.Close()
		return nil, fault.Infra(fmt.Errorf("follow %s log: %w", l, err))
	}
	go func() {
		<-ctx.Done()
		stop, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		// The container may be gone already; then so is tail.
		_, _ = s.Exec(stop, svc, []string{"kill", pid})
	}()
	return &follower{Reader: br, pipe: pr, cancel: cancel}, nil
}

type follower struct {
	*bufio.Reader
	pipe   *io.PipeReader
	cancel context.CancelFunc
}

func (f *follower) Close() error {
	f.cancel()
	return f.pipe.Close()
}

// AccessRecord is one request from the stack's JSON access log.
type AccessRecord struct {
	Time     time.Time `json:"time"`
	ClientIP string    `json:"client_ip"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query"`
	// Request is the request line as the client sent it (%r): the raw,
	// undecoded target that community Sigma rules match cs-uri against.
	Request     string `json:"request"`
	Protocol    string `json:"protocol"`
	Status      int    `json:"status"`
	BytesOut    int64  `json:"bytes_out"`
	BytesIn     int64  `json:"bytes_in"`
	DurationUS  int64  `json:"duration_us"`
	Host        string `json:"host"`
	UserAgent   string `json:"user_agent"`
	Referer     string `json:"referer"`
	ContentType string `json:"content_type"`
	User        string `json:"user"`
	Body        string `json:"body"`
}

// ParseAccessRecord decodes one access-log line. Apache writes non-ASCII
// and control bytes as \xHH, which JSON does not allow; those are turned
// back into the bytes they stand for first, so lines with UTF-8 in the path,
// query or headers (exactly what attackers send) are not lost. Apache's "-"
// for an absent value becomes "".
func ParseAccessRecord(line []byte) (AccessRecord, error) {
	var raw struct {
		AccessRecord
		Time string `json:"time"`
	}
	if err := json.Unmarshal(unescapeApache(line), &raw); err != nil {
		return AccessRecord{}, fmt.Errorf("access log line: %w", err)
	}
	rec := raw.AccessRecord
	t, err := time.Parse("2006-01-02T15:04:05.000000-0700", raw.Time)
	if err != nil {
		return AccessRecord{}, fmt.Errorf("access log time %q: %w", raw.Time, err)
	}
	rec.Time = t.UTC()
	for _, f := range []*string{&rec.Query, &rec.Host, &rec.UserAgent, &rec.Referer, &rec.ContentType, &rec.User, &rec.Body} {
		if *f == "-" {
			*f = ""
		}
	}
	if len(rec.Query) > 0 && rec.Query[0] == '?' {
		rec.Query = rec.Query[1:]
	}
	return rec, nil
}

// unescapeApache turns Apache's escapes that JSON lacks into JSON: a \xHH
// of a control byte becomes \u00HH, any other \xHH the raw byte (so UTF-8
// sent by a client decodes to the original text), and \v becomes \u000b.
func unescapeApache(line []byte) []byte {
	out := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			if line[i+1] == 'x' && i+3 < len(line) {
				if b, err := strconv.ParseUint(string(line[i+2:i+4]), 16, 8); err == nil {
					if b < 0x20 || b == 0x7f || b == '"' || b == '\\' {
						out = append(out, fmt.Sprintf(`\u%04x`, b)...)
					} else {
						out = append(out, byte(b))
					}
					i += 3
					continue
				}
			}
			// Apache writes a vertical tab (from %0B in a decoded path) as
			// \v, which JSON lacks.
			if line[i+1] == 'v' {
				out = append(out, `\u000b`...)
				i++
				continue
			}
			// Any other escape is JSON's own; keep it and its next byte.
			out = append(out, c, line[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}
