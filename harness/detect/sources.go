package detect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect/graphql"
	"github.com/breachdrill/breachdrill/internal/fault"
)

type logSource struct {
	source Source
	log    containers.Log
	svc    containers.Service
	// preciseTime: the log stamps events to the microsecond, so they can
	// be placed in the scenario window they happened in.
	preciseTime bool
}

var logSources = []logSource{
	{SourceAccess, containers.LogAccess, containers.ServiceWP, true},
	{SourceAudit, containers.LogAudit, containers.ServiceWP, true},
	{SourceDBAudit, containers.LogDBAudit, containers.ServiceDB, false},
	{SourcePHPError, containers.LogPHPError, containers.ServiceWP, false},
	{SourceApacheError, containers.LogApacheError, containers.ServiceWP, true},
	{SourceWAF, containers.LogWAF, containers.ServiceWP, true},
}

// maxLine bounds one log line; longer ones are cut (the access log's body
// field is 16 KiB at most, server_audit's queries 4 KiB).
const maxLine = 256 << 10

// follow reads one log stream until ctx ends. A stream that ends while
// the engine runs means the container or its log went away: that is an
// infrastructure fault, never a quiet stop that would look like a miss.
func (e *Engine) follow(ctx context.Context, s logSource, rc io.ReadCloser) {
	defer rc.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Closing the stream is what unblocks a read in progress.
		select {
		case <-ctx.Done():
			rc.Close()
		case <-done:
		}
	}()
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		line, err := readLine(br)
		if len(line) > 0 {
			e.handleLine(ctx, s, line)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("end of stream")
			}
			e.report(fault.Infra(fmt.Errorf("detect: the %s log stream ended (%v): has the %s container stopped?", s.log, err, s.svc)))
			return
		}
	}
}

// readLine returns the next line without its newline, cut at maxLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return line, err
		}
		return line[:len(line)-1], nil
	}
}

func (e *Engine) handleLine(ctx context.Context, s logSource, line []byte) {
	if len(strings.TrimSpace(string(line))) == 0 {
		return
	}
	var ev *Event
	switch s.source {
	case SourceAccess:
		rec, err := containers.ParseAccessRecord(line)
		if err != nil {
			// Still an event: keyword rules see the raw line.
			ev = &Event{Source: SourceAccess, Time: time.Now(), Fields: map[string]string{rawField: string(line)}}
			break
		}
		if strings.Contains(rec.UserAgent, e.token) {
			return // the engine's own probe
		}
		ev = accessEvent(rec, string(line))
	case SourceAudit:
		var err error
		if ev, err = auditEvent(line); err != nil {
			ev = &Event{Source: SourceAudit, Time: time.Now(), Fields: map[string]string{rawField: string(line)}}
		}
		if strings.Contains(ev.Fields["user_agent"], e.token) {
			return
		}
	case SourceDBAudit:
		var err error
		if ev, err = dbAuditEvent(string(line)); err != nil {
			ev = &Event{Source: SourceDBAudit, Time: time.Now(), Fields: map[string]string{rawField: string(line)}}
		}
	case SourcePHPError:
		ev = phpEvent(string(line), time.Now())
	case SourceApacheError:
		ev = apacheErrorEvent(string(line), time.Now())
	case SourceWAF:
		var err error
		if ev, err = wafEvent(line); err != nil {
			ev = &Event{Source: SourceWAF, Time: time.Now(), Fields: map[string]string{rawField: string(line)}}
		}
		if strings.Contains(ev.Fields["user_agent"], e.token) {
			return
		}
	}
	e.evaluate(ctx, ev, s.preciseTime)
	if s.source == SourceAccess && len(e.sources[SourceGraphQL]) > 0 && isGraphQLRequest(ev.Fields) {
		a := graphql.Analyze(e.pack.schema, graphql.Request{Body: []byte(ev.Fields["cs-body"]), RawQuery: ev.Fields["cs-uri-query"]}, e.cfg.limits)
		e.evaluate(ctx, graphqlEvent(ev, a.EventFields()), s.preciseTime)
	}
}

// evaluate runs every rule of the event's source.
func (e *Engine) evaluate(ctx context.Context, ev *Event, byEventTime bool) {
	defer e.prog.evaluated(ev.Source, ev.Time)
	for _, r := range e.sources[ev.Source] {
		ok, matched, err := r.match(ctx, ev)
		if err != nil {
			e.ruleError(r.info.ID, err)
			continue
		}
		if !ok {
			continue
		}
		if e.cfg.onMatch != nil {
			fields := make(map[string]string, len(ev.Fields))
			for k, v := range ev.Fields {
				if !strings.HasPrefix(k, "_c.") {
					fields[k] = v
				}
			}
			e.cfg.onMatch(Match{Rule: r.info, Source: ev.Source, Time: ev.Time, Fields: fields})
		}
		for _, f := range r.feeds {
			if holds, events := f.corr.observe(f.base, r.info.ID, ev); holds {
				e.emit(f.corr.info, ev.Source, ev.Time, byEventTime, events)
			}
		}
		if !r.silent {
			e.emit(r.info, ev.Source, ev.Time, byEventTime, matched)
		}
	}
}
