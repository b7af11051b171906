package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/redact"
)

// Redaction says what the last check before writing had to mask.
type Redaction struct {
	Events []int64  // seq of each event that held a secret
	Files  []string // inputs or rendered files that held one
}

// Empty reports whether nothing was redacted.
func (r Redaction) Empty() bool { return len(r.Events) == 0 && len(r.Files) == 0 }

// redactInput masks secrets the engine missed, so that the bundle is still
// written (evidence is never lost) and says so. Events that held one are
// masked and the chain from the first of them on is recomputed; a finding
// records which events, and the chain head as recorded, so the change to
// the record is itself on the record. The raw timeline with the secret is
// not kept: that would be keeping the secret.
func redactInput(in Input, m *redact.Masker) (Input, Redaction) {
	var r Redaction
	if len(m.Secrets()) == 0 {
		return in, r
	}
	events := append([]timeline.Event(nil), in.Events...)
	origHead := ""
	if n := len(events); n > 0 {
		origHead = events[n-1].Hash
	}
	first := -1
	for i, e := range events {
		data := string(e.Data)
		if m.Found(e.Summary)+m.Found(e.Actor)+m.Found(data)+m.Found(e.Scenario) == 0 {
			continue
		}
		e.Summary, e.Actor, e.Scenario = m.Mask(e.Summary), m.Mask(e.Actor), m.Mask(e.Scenario)
		if len(e.Data) > 0 {
			e.Data = maskJSON(e.Data, m)
		}
		events[i] = e
		r.Events = append(r.Events, e.Seq)
		if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		for i := first; i < len(events); i++ {
			if i > 0 {
				events[i].Prev = events[i-1].Hash
			}
			events[i].Hash = events[i].ComputeHash()
		}
	}
	out := in
	out.Scenarios = redactFiles(in.Scenarios, m, "scenarios/", &r)
	out.RulePack = redactFiles(in.RulePack, m, "rules/", &r)
	if !r.Empty() && len(events) > 0 {
		last := events[len(events)-1]
		text := fmt.Sprintf("A secret of the run reached the record and was redacted when the evidence was written: %s. "+
			"The engine's masking missed it; the hash chain was recomputed from the first redacted event (recorded chain head %s).",
			r.describe(), origHead)
		f := timeline.Event{
			Seq: last.Seq + 1, Time: last.Time, OffsetNS: last.OffsetNS, Kind: timeline.KindFinding,
			Actor: "breachdrill", Summary: "improvement: secret redacted from the record", Prev: last.Hash,
		}
		f.Data, _ = json.Marshal(timeline.Finding{Type: "improvement", Text: text})
		f.Hash = f.ComputeHash()
		events = append(events, f)
	}
	out.Events = events
	return out, r
}

func (r Redaction) describe() string {
	var parts []string
	if len(r.Events) > 0 {
		seqs := make([]string, len(r.Events))
		for i, s := range r.Events {
			seqs[i] = fmt.Sprint(s)
		}
		parts = append(parts, "timeline events "+strings.Join(seqs, ", "))
	}
	if len(r.Files) > 0 {
		parts = append(parts, "files "+strings.Join(r.Files, ", "))
	}
	return strings.Join(parts, "; ")
}

// maskJSON masks a JSON payload and keeps it JSON: where masking the text
// cut through an escape sequence, the decoded strings are masked instead.
func maskJSON(data json.RawMessage, m *redact.Masker) json.RawMessage {
	if masked := []byte(m.Mask(string(data))); json.Valid(masked) {
		return masked
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		b, _ := json.Marshal(m.Mask(string(data)))
		return b
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return m.Mask(x)
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[m.Mask(k)] = walk(e)
			}
			return out
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return b
}

func redactFiles(files []File, m *redact.Masker, dir string, r *Redaction) []File {
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = f
		if m.Found(string(f.Data)) > 0 {
			out[i].Data = []byte(m.Mask(string(f.Data)))
			r.Files = append(r.Files, dir+f.Name)
		}
	}
	sort.Strings(r.Files)
	return out
}
