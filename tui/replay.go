package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
)

// clockState is a clock read back from the record: seconds at a moment,
// and whether it was running from then on.
type clockState struct {
	secs    float64
	at      time.Time
	running bool
}

func (c clockState) elapsed(now time.Time) time.Duration {
	d := time.Duration(c.secs * float64(time.Second))
	if c.running && !c.at.IsZero() && now.After(c.at) {
		d += now.Sub(c.at)
	}
	return d
}

// snapshot is a tabletop as its record says it stands: what a resumed
// console continues from and what the room display shows. It is built
// from the timeline alone, so both see exactly what was recorded.
type snapshot struct {
	run   timeline.RunInfo
	scale float64
	// current is the index (into run.Scenarios) of the scenario in
	// progress or last ended; -1 before the first.
	current int
	sc      string
	ended   map[string]bool
	running bool // the current scenario started and has not ended
	runEnd  bool
	saved   bool // the facilitator paused and saved for later
	// endedEarly: the facilitator ended the exercise before its last
	// scenario; the hot wash came next.
	endedEarly bool
	paused     bool

	scClock, exClock clockState
	feed             []feedItem
	held             int
	log              []logItem
	logSeq           int
	phase            int
	clocks           []timeline.Clock
	aware            time.Duration // on the scenario clock
	awareSet         bool
	alerts           []alertItem
	marks            map[string]map[markKey]timeline.OutcomeMark
	evalNotes        []timeline.EvaluatorNote
	last             time.Time
}

func replay(events []timeline.Event) snapshot {
	s := snapshot{current: -1, held: -1, phase: -1, ended: map[string]bool{}, marks: map[string]map[markKey]timeline.OutcomeMark{}}
	isPhase := map[string]int{}
	for i, p := range incidentPhases() {
		isPhase[p] = i
	}
	for _, e := range events {
		t := e.Time
		s.last = t
		switch e.Kind {
		case timeline.KindRunStart:
			_ = e.Decode(&s.run)
			s.exClock = clockState{at: t, running: true}
		case timeline.KindArtificiality:
			var a timeline.Artificiality
			if e.Decode(&a) == nil && a.TimeScale > 0 {
				s.scale = a.TimeScale
			}
		case timeline.KindScenarioStart:
			s.sc, s.running = e.Scenario, true
			for i, id := range s.run.Scenarios {
				if id == e.Scenario {
					s.current = i
				}
			}
			s.scClock = clockState{at: t, running: true}
			s.paused, s.saved = false, false
			s.feed, s.log, s.clocks, s.alerts = nil, nil, nil, nil
			s.phase, s.held, s.aware, s.awareSet = -1, -1, 0, false
		case timeline.KindScenarioEnd:
			s.ended[e.Scenario] = true
			var end timeline.ScenarioEnd
			if e.Decode(&end) == nil && end.Outcome == timeline.OutcomeInterrupted {
				s.endedEarly = true
			}
			if e.Scenario == s.sc {
				s.running = false
				s.scClock = clockState{secs: s.scClock.elapsed(t).Seconds(), at: t}
			}
		case timeline.KindRunEnd:
			s.runEnd = true
		case timeline.KindTabletopClock:
			var c timeline.TabletopClock
			if e.Decode(&c) != nil {
				continue
			}
			if c.State == "ended early" {
				s.endedEarly = true
				continue
			}
			run := c.State == "resumed"
			s.paused, s.saved = !run, c.State == "saved"
			if e.Scenario != "" && e.Scenario == s.sc {
				s.scClock = clockState{secs: c.ScenarioSeconds, at: t, running: run}
			}
			s.exClock = clockState{secs: c.ExerciseSeconds, at: t, running: run}
		case timeline.KindTabletopInject:
			var in timeline.TabletopInject
			if e.Scenario != s.sc || e.Decode(&in) != nil {
				continue
			}
			idx := in.Index - 1
			if idx < 0 {
				idx = len(s.feed)
			}
			s.feed = append(s.feed, feedItem{index: idx, at: s.scClock.elapsed(t), early: strings.Contains(e.Summary, "brought forward"),
				inject: scenarios.TabletopInject{At: time.Duration(in.AtSeconds * float64(time.Second)), Say: in.Say, Ask: in.Ask, Expect: in.Expect}})
			if idx == s.held {
				s.held = -1
			}
		case timeline.KindCorrection:
			var c timeline.Correction
			if e.Scenario != s.sc || e.Decode(&c) != nil {
				continue
			}
			s.correct(c)
		case timeline.KindDecision:
			var d timeline.Decision
			if e.Scenario != s.sc || e.Decode(&d) != nil {
				continue
			}
			s.addLog(logItem{id: d.ID, at: s.scClock.elapsed(t), who: d.Who, role: d.Role, what: d.What})
		case timeline.KindNote:
			var n timeline.Note
			if e.Scenario != s.sc || e.Decode(&n) != nil || n.ID == "" {
				// Notes without an id are the console's own (a stack
				// removed), not the scribe's.
				continue
			}
			role := ""
			for _, p := range s.run.Participants {
				if p.Name == e.Actor {
					role = p.Role
				}
			}
			s.addLog(logItem{id: n.ID, at: s.scClock.elapsed(t), who: e.Actor, role: role, what: n.Text, note: true})
		case timeline.KindPhase:
			var p timeline.Phase
			if e.Scenario != s.sc || e.Decode(&p) != nil {
				continue
			}
			if i, ok := isPhase[p.Name]; ok {
				s.phase = i
			}
		case timeline.KindClock:
			var c timeline.Clock
			if e.Scenario != s.sc || e.Decode(&c) != nil {
				continue
			}
			if !s.awareSet {
				s.aware, s.awareSet = s.scClock.elapsed(t), true
			}
			s.clocks = append(s.clocks, c)
		case timeline.KindAlert:
			var a timeline.Alert
			if e.Scenario != s.sc || e.Decode(&a) != nil || a.Window == "baseline" || a.Window == "revert" || a.Window == "warmup" {
				continue
			}
			s.alerts = append(s.alerts, alertItem{at: s.scClock.elapsed(t), alert: a})
		case timeline.KindEvaluatorNote:
			var n timeline.EvaluatorNote
			if e.Decode(&n) == nil {
				s.evalNotes = append(s.evalNotes, n)
			}
		case timeline.KindOutcomeMark:
			var mk timeline.OutcomeMark
			if e.Decode(&mk) != nil {
				continue
			}
			if s.marks[e.Scenario] == nil {
				s.marks[e.Scenario] = map[markKey]timeline.OutcomeMark{}
			}
			s.marks[e.Scenario][markKey{mk.Inject - 1, mk.Outcome}] = mk
		}
	}
	return s
}

func (s *snapshot) addLog(it logItem) {
	if n, err := strconv.Atoi(strings.TrimPrefix(it.id, "L")); err == nil && n > s.logSeq {
		s.logSeq = n
	}
	s.log = append(s.log, it)
}

func (s *snapshot) correct(c timeline.Correction) {
	if c.Action == "withdrawn" {
		n, err := strconv.Atoi(strings.TrimPrefix(c.Of, "inject "))
		if err != nil {
			return
		}
		for i := len(s.feed) - 1; i >= 0; i-- {
			if s.feed[i].index == n-1 {
				s.feed = append(s.feed[:i], s.feed[i+1:]...)
				s.held = n - 1
				return
			}
		}
		return
	}
	for i := range s.log {
		if s.log[i].id != c.Of {
			continue
		}
		switch c.Action {
		case "edited":
			s.log[i].was = append(s.log[i].was, s.log[i].what)
			s.log[i].what = c.Text
		case "struck":
			s.log[i].struck = true
		}
	}
}

// nextInject is the first scheduled inject not delivered: the one after
// the last delivered, or the one held back.
func (s snapshot) nextInject() int {
	if s.held >= 0 {
		return s.held
	}
	next := 0
	for _, f := range s.feed {
		next = max(next, f.index+1)
	}
	return next
}
