package tui

import (
	"context"
	"sync"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
)

// fakeLive stands in for the engine where a test is about the console,
// not the stack: it records on the timeline what the engine would.
type fakeLive struct {
	mu      sync.Mutex
	closed  bool
	session *fakeSession
}

func (f *fakeLive) Provision(_ context.Context, progress func(string)) (Access, error) {
	progress("starting containers")
	progress("seeding 300 customers")
	return Access{URL: "http://127.0.0.1:8080/", AdminURL: "http://127.0.0.1:8080/wp-admin/", User: "drilladmin", Password: "s3cret-Passw0rd-xyz",
		Stack: &timeline.StackInfo{RunID: "bdtest", ImageSource: "debian"}}, nil
}

func (f *fakeLive) Start(_ context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (Session, error) {
	tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioStart, Scenario: s.ID, Summary: s.Title, Data: harness.ScenarioInfo(s)})
	sess := &fakeSession{tl: tl, id: s.ID, contained: make(chan struct{})}
	f.mu.Lock()
	f.session = sess
	f.mu.Unlock()
	return sess, nil
}

func (f *fakeLive) Close(context.Context) error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

type fakeSession struct {
	tl        *timeline.Timeline
	id        string
	contained chan struct{}
	once      sync.Once
}

func (s *fakeSession) Inject(context.Context) error {
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindStepStart, Scenario: s.id, Actor: "breachdrill", Summary: "inject: wpconfig.set WP_DEBUG=true"})
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindInjected, Scenario: s.id, Summary: "inject complete: time zero"})
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindAlert, Scenario: s.id, Summary: "alert",
		Data: timeline.Alert{Rule: "wp-debug-log-public", Title: "debug.log served to the internet", Severity: "high", Source: "state", Window: "observe"}})
	return nil
}

func (s *fakeSession) Respond(context.Context) error {
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindCheck, Scenario: s.id, Actor: "breachdrill", Summary: "check",
		Data: timeline.Check{Stage: "verify", Name: "debug.log not served", Pass: true}})
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindContained, Scenario: s.id, Summary: "every containment check passes"})
	s.once.Do(func() { close(s.contained) })
	return nil
}

func (s *fakeSession) Contained() <-chan struct{} { return s.contained }

func (s *fakeSession) Close(context.Context) error {
	s.tl.MustAppend(timeline.Entry{Kind: timeline.KindScenarioEnd, Scenario: s.id, Summary: "outcome: passed", Data: timeline.ScenarioEnd{}})
	return nil
}
