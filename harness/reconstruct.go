package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
)

// maxCollect bounds what is read of one log for reconstruction; a log that
// grew more during the scenario is searched up to there and marked
// truncated in the record.
const maxCollect = 32 << 20

// logMarks are the logs' sizes at T0: reconstruction reads what each log
// received after them, exactly, whatever the detection engine streamed.
type logMarks struct {
	logs  []containers.Log
	sizes map[containers.Log]int64
}

// attackerSteps is the scenario's declaration as the timeline records it.
func attackerSteps(s *scenarios.Scenario) []timeline.AttackerStep {
	var out []timeline.AttackerStep
	for _, st := range s.AttackerSteps {
		ts := timeline.AttackerStep{ID: st.ID, What: st.What}
		for _, ev := range st.Evidence {
			ts.Evidence = append(ts.Evidence, timeline.StepEvidence{Log: ev.Log, Rule: ev.Rule, Match: ev.Match})
		}
		out = append(out, ts)
	}
	return out
}

// markLogs notes, before the first inject step, how long each log the
// attacker steps name already is. Scenarios without attacker steps skip it.
func (sr *scenarioRun) markLogs(ctx context.Context) error {
	if len(sr.s.AttackerSteps) == 0 {
		return nil
	}
	m := &logMarks{sizes: map[containers.Log]int64{}}
	seen := map[string]bool{}
	for _, st := range sr.s.AttackerSteps {
		for _, ev := range st.Evidence {
			if ev.Log != "" && !seen[ev.Log] {
				seen[ev.Log] = true
				m.logs = append(m.logs, containers.Log(ev.Log))
			}
		}
	}
	for _, l := range m.logs {
		svc, file, err := l.Location()
		if err != nil {
			return err
		}
		res, err := sr.stack.Exec(ctx, svc, []string{"sh", "-c", `stat -c %s "$1" 2>/dev/null || echo 0`, "sh", file})
		if err != nil {
			return fault.Infra(fmt.Errorf("reconstruction: size of the %s log: %w", l, err))
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(res.Stdout)), 10, 64)
		if err != nil {
			return fault.Infra(fmt.Errorf("reconstruction: size of the %s log: %q", l, res.Stdout))
		}
		m.sizes[l] = n
	}
	sr.marks = m
	return nil
}

// reconstruct collects, before the response, what each log recorded since
// T0 and scores the attacker steps against it and the alerts so far, the
// way an investigator would have to work from what remained.
func (sr *scenarioRun) reconstruct(ctx context.Context) error {
	if sr.marks == nil {
		return nil
	}
	sr.note("reconstruct", "collecting what the logs recorded")
	var logs []timeline.CollectedLog
	for _, l := range sr.marks.logs {
		c, err := sr.collect(ctx, l, sr.marks.sizes[l])
		if err != nil {
			return err
		}
		logs = append(logs, c)
	}
	now := time.Now()
	rec := timeline.Reconstruct(attackerSteps(sr.s), sr.tl.Events(), sr.s.ID, logs, now)
	sr.tl.MustAppend(timeline.Entry{Kind: timeline.KindReconstruction, Scenario: sr.s.ID, Actor: "breachdrill",
		Summary: "reconstruction from the remaining logs: " + rec.Score(), Data: rec})
	sr.note("reconstruct", rec.Score()+" reconstructed")
	return nil
}

// collect reads the lines the log received after offset from.
func (sr *scenarioRun) collect(ctx context.Context, l containers.Log, from int64) (timeline.CollectedLog, error) {
	svc, file, err := l.Location()
	if err != nil {
		return timeline.CollectedLog{}, err
	}
	script := `tail -c +$(($2+1)) "$1" 2>/dev/null | head -c ` + strconv.Itoa(maxCollect+1)
	res, err := sr.stack.Exec(ctx, svc, []string{"sh", "-c", script, "sh", file, strconv.FormatInt(from, 10)})
	if err != nil {
		return timeline.CollectedLog{}, fault.Infra(fmt.Errorf("reconstruction: read the %s log: %w", l, err))
	}
	out := timeline.CollectedLog{Log: string(l), Lines: []string{}}
	body := res.Stdout
	if len(body) > maxCollect {
		out.Truncated = true
		body = body[:maxCollect]
		if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
			body = body[:i+1]
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), maxCollect)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			out.Lines = append(out.Lines, sr.secrets.Mask(line))
		}
	}
	if err := sc.Err(); err != nil {
		return timeline.CollectedLog{}, fault.Infra(fmt.Errorf("reconstruction: read the %s log: %w", l, err))
	}
	return out, nil
}
