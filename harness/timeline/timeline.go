// Package timeline is the exercise's single record: an append-only list of
// events, each hash-chained to the one before (SHA-256), with UTC wall time
// and a monotonic offset from the start of the run. The engine and the
// console append; reports read only the timeline.
package timeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Kind says what an event records. The payload type for each kind is named
// beside it; reports decode Data with Event.Decode.
type Kind string

const (
	KindRunStart       Kind = "run.start"        // RunInfo
	KindRunEnd         Kind = "run.end"          // RunEnd
	KindPhase          Kind = "phase"            // Phase
	KindScenarioStart  Kind = "scenario.start"   // ScenarioInfo
	KindScenarioEnd    Kind = "scenario.end"     // ScenarioEnd
	KindStepStart      Kind = "step.start"       // Step
	KindStepDone       Kind = "step.done"        // Step
	KindInjected       Kind = "injected"         // (none) time zero of the scenario
	KindAlert          Kind = "alert"            // Alert
	KindCheck          Kind = "check"            // Check
	KindContained      Kind = "contained"        // (none) every containment check passed
	KindRecovered      Kind = "recovered"        // (none) revert verified
	KindExposure       Kind = "exposure"         // Exposure
	KindClock          Kind = "regulatory.clock" // Clock
	KindNotified       Kind = "notified"         // Notification: an outside party was told
	KindParticipant    Kind = "participant"      // Participant
	KindTabletopInject Kind = "tabletop.inject"  // TabletopInject
	KindDecision       Kind = "decision"         // Decision
	KindNote           Kind = "note"             // Note
	KindRating         Kind = "rating"           // Rating
	KindFinding        Kind = "finding"          // Finding
	KindImprovement    Kind = "improvement"      // Improvement
	KindFault          Kind = "fault"            // Fault
	KindSignOff        Kind = "signoff"          // SignOff
)

// Event is one line of the timeline.
type Event struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	OffsetNS int64           `json:"offset_ns"`
	Kind     Kind            `json:"kind"`
	Scenario string          `json:"scenario,omitempty"`
	Actor    string          `json:"actor,omitempty"`
	Summary  string          `json:"summary"`
	Data     json.RawMessage `json:"data,omitempty"`
	Prev     string          `json:"prev"`
	Hash     string          `json:"hash"`
}

// Offset is the event's monotonic time since the run started.
func (e Event) Offset() time.Duration { return time.Duration(e.OffsetNS) }

// Decode unmarshals the event's payload into v.
func (e Event) Decode(v any) error {
	if len(e.Data) == 0 {
		return fmt.Errorf("event %d (%s) has no data", e.Seq, e.Kind)
	}
	return json.Unmarshal(e.Data, v)
}

// ComputeHash is the SHA-256 of the event's canonical JSON with Hash empty.
// Prev is part of it, which is what chains each event to the one before.
func (e Event) ComputeHash() string {
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		// Every field is a plain value or already-valid JSON.
		panic("timeline: marshal event: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Genesis is the Prev of the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is what a caller appends; the timeline fills in the rest.
type Entry struct {
	Kind     Kind
	Scenario string
	Actor    string
	Summary  string
	Data     any
}

// Timeline is safe for concurrent use.
type Timeline struct {
	mu     sync.Mutex
	start  time.Time
	now    func() time.Time
	events []Event
	sink   io.Writer
	mask   func(string) string
	subs   map[int]chan Event
	nextID int
}

// Option configures New.
type Option func(*Timeline)

// WithSink writes every event as a JSON line to w the moment it is
// appended, so a crash keeps what was recorded.
func WithSink(w io.Writer) Option { return func(t *Timeline) { t.sink = w } }

// WithMask passes every summary and payload through mask before it is
// recorded: the run's secrets never reach the timeline.
func WithMask(mask func(string) string) Option { return func(t *Timeline) { t.mask = mask } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(t *Timeline) { t.now = now } }

// New starts an empty timeline; offsets count from now.
func New(opts ...Option) *Timeline {
	t := &Timeline{now: time.Now, mask: func(s string) string { return s }, subs: map[int]chan Event{}}
	for _, o := range opts {
		o(t)
	}
	t.start = t.now()
	return t
}

// Start is the wall time of the start of the run.
func (t *Timeline) Start() time.Time { return t.start.UTC() }

// Append records an entry and returns the event as recorded.
func (t *Timeline) Append(en Entry) (Event, error) {
	var data json.RawMessage
	if en.Data != nil {
		b, err := json.Marshal(en.Data)
		if err != nil {
			return Event{}, fmt.Errorf("timeline: %s payload: %w", en.Kind, err)
		}
		masked := []byte(t.mask(string(b)))
		if !json.Valid(masked) {
			// A mask that cut through an escape sequence: mask the
			// decoded strings instead, which always stays JSON.
			if masked, err = maskValues(b, t.mask); err != nil {
				return Event{}, fmt.Errorf("timeline: %s payload: %w", en.Kind, err)
			}
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, masked); err != nil {
			return Event{}, fmt.Errorf("timeline: %s payload after masking: %w", en.Kind, err)
		}
		data = buf.Bytes()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	prev := Genesis
	if n := len(t.events); n > 0 {
		prev = t.events[n-1].Hash
	}
	ev := Event{
		Seq:      int64(len(t.events) + 1),
		Time:     now.UTC().Round(time.Microsecond),
		OffsetNS: int64(now.Sub(t.start)),
		Kind:     en.Kind,
		Scenario: en.Scenario,
		Actor:    t.mask(en.Actor),
		Summary:  t.mask(en.Summary),
		Data:     data,
		Prev:     prev,
	}
	ev.Hash = ev.ComputeHash()
	return ev, t.commit(ev)
}

// commit records ev, already numbered and chained; t.mu is held.
func (t *Timeline) commit(ev Event) error {
	t.events = append(t.events, ev)
	var err error
	if t.sink != nil {
		line, _ := json.Marshal(ev)
		if _, werr := t.sink.Write(append(line, '\n')); werr != nil {
			err = fmt.Errorf("timeline: write event %d: %w", ev.Seq, werr)
		}
	}
	for _, ch := range t.subs {
		select {
		case ch <- ev:
		default:
			// A slow subscriber loses live updates, never the record.
		}
	}
	return err
}

// MustAppend appends and ignores a sink error: for callers whose own
// failure mode is already being recorded.
func (t *Timeline) MustAppend(en Entry) Event {
	ev, _ := t.Append(en)
	return ev
}

// Events returns a copy of everything recorded so far.
func (t *Timeline) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.events...)
}

// Subscribe delivers events appended from now on. cancel stops delivery and
// closes the channel.
func (t *Timeline) Subscribe(buffer int) (<-chan Event, func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.nextID
	t.nextID++
	ch := make(chan Event, buffer)
	t.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			t.mu.Lock()
			delete(t.subs, id)
			t.mu.Unlock()
			close(ch)
		})
	}
}

// WriteJSONL writes every event as one JSON line.
func WriteJSONL(w io.Writer, events []Event) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSONL reads a timeline written by WriteJSONL or a sink. It does not
// verify the chain: call Verify.
func ReadJSONL(r io.Reader) ([]Event, error) {
	dec := json.NewDecoder(r)
	var out []Event
	for line := 1; ; line++ {
		var e Event
		err := dec.Decode(&e)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("timeline line %d: %w", line, err)
		}
		out = append(out, e)
	}
}

// Problem is one way a timeline fails verification.
type Problem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

func (p Problem) String() string { return fmt.Sprintf("event %d: %s", p.Seq, p.Reason) }

// Verify checks numbering, the hash of every event and the chain between
// them, and returns every problem found (none for an intact timeline).
func Verify(events []Event) []Problem {
	var out []Problem
	prev := Genesis
	for i, e := range events {
		want := int64(i + 1)
		if e.Seq != want {
			out = append(out, Problem{e.Seq, fmt.Sprintf("out of order or missing: position %d holds seq %d", want, e.Seq)})
		}
		if e.Prev != prev {
			out = append(out, Problem{e.Seq, "does not chain to the event before it (deleted, inserted or reordered)"})
		}
		if h := e.ComputeHash(); h != e.Hash {
			out = append(out, Problem{e.Seq, "content does not match its hash (edited)"})
		}
		prev = e.Hash
	}
	return out
}

// maskValues masks every string (keys included) of the JSON document b.
func maskValues(b []byte, mask func(string) string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return mask(x)
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
			return x
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[mask(k)] = walk(e)
			}
			return out
		}
		return v
	}
	return json.Marshal(walk(v))
}

// Restore continues a timeline read back from its file (a paused exercise
// resumed): the chain must verify, offsets keep counting from the first
// event, and new events chain to the last.
func Restore(events []Event, opts ...Option) (*Timeline, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("timeline: nothing to restore")
	}
	if p := Verify(events); len(p) > 0 {
		return nil, fmt.Errorf("timeline: the record fails verification: %s", p[0])
	}
	t := New(opts...)
	t.start = events[0].Time.Add(-events[0].Offset())
	t.events = append([]Event(nil), events...)
	return t, nil
}
