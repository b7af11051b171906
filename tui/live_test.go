package tui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// stackLive runs live mode on a stack the test started, with the real
// engine: what the command wires, minus provisioning.
type stackLive struct {
	stack   *containers.Stack
	pack    *detect.Pack
	secrets *harness.Secrets
}

func (l *stackLive) Provision(_ context.Context, progress func(string)) (Access, error) {
	progress("stack " + l.stack.RunID() + " is up")
	info, creds := l.stack.Info(), l.stack.Credentials()
	return Access{URL: info.URL + "/", AdminURL: info.URL + "/wp-admin/", User: creds.AdminUser, Password: creds.AdminPassword,
		Stack: &timeline.StackInfo{RunID: info.RunID, ImageSource: string(info.Images.Source), ImageDB: info.Images.DB, ImageWP: info.Images.WP,
			WordPressVersion: info.WordPressVersion, WooCommerceMode: info.WooCommerceMode, MariaDBVersion: info.MariaDBVersion, PHPVersion: info.PHPVersion}}, nil
}

func (l *stackLive) Start(ctx context.Context, tl *timeline.Timeline, s *scenarios.Scenario) (Session, error) {
	lv, err := harness.StartLive(ctx, l.stack, tl, l.secrets,
		harness.Options{Pack: l.pack, Interval: time.Second, Poll: time.Second, BaselineWindow: 2 * time.Second}, s)
	if err != nil {
		return nil, err
	}
	return lv, nil
}

func (l *stackLive) Close(context.Context) error { return nil } // stacktest removes it

// TestLiveStack drives live mode against a real stack: the scenario is
// really injected when it starts, the detection engine's alert appears on
// screen, the playbook runs on a key, and the console shows containment
// once the engine's checks all pass.
func TestLiveStack(t *testing.T) {
	stack := stacktest.Start(t)
	pack, err := detect.LoadPack(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	secrets := harness.NewSecrets(stack.Credentials().Secrets()...)
	out := t.TempDir()
	var mu sync.Mutex
	var tl *timeline.Timeline
	cfg := Config{
		Catalog: catalog(t), Selected: []string{"debug-log-exposure"},
		Participants: []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Ben Okafor", Role: RoleTechnicalLead}},
		Mode:         ModeLive, Renderer: asciiRenderer(), ToolVersion: "test",
		CheckDocker: containers.CheckDocker,
		Live:        &stackLive{stack: stack, pack: pack, secrets: secrets},
		OpenTimeline: func(_ context.Context, id string) (*timeline.Timeline, error) {
			f, err := os.Create(filepath.Join(out, "."+id+".timeline.jsonl"))
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { f.Close() })
			mu.Lock()
			defer mu.Unlock()
			tl = timeline.New(timeline.WithSink(f), timeline.WithMask(secrets.Mask))
			return tl, nil
		},
		Save: BundleSaver(out, "test", secrets.List, reports.WithKey(testKey())),
	}
	m, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor := func(d time.Duration, want ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range want {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(d), teatest.WithCheckInterval(100*time.Millisecond))
	}
	typ := func(keys ...string) {
		for _, k := range keys {
			for _, msg := range keyMsgs(k) {
				tm.Send(msg)
			}
		}
	}

	typ("enter")
	waitFor(90*time.Second, "wp-debug-log-public", stack.Credentials().AdminPassword)
	typ("r")
	waitFor(3*time.Minute, "CONTAINMENT VERIFIED")
	typ("e")
	waitFor(10*time.Second, "go to the hot wash?")
	typ("y")
	waitFor(3*time.Minute, "hot wash") // the engine puts the stack back first
	typ("w", "w")
	waitFor(30*time.Second, "Evidence bundle written")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})

	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	saved, ok := final.Saved()
	if !ok {
		t.Fatalf("not saved: %v", final.Err())
	}
	events := readBundleTimeline(t, saved.Path)
	if len(ofKind(events, timeline.KindAlert)) == 0 || len(ofKind(events, timeline.KindContained)) != 1 {
		t.Errorf("alerts %d, contained %d", len(ofKind(events, timeline.KindAlert)), len(ofKind(events, timeline.KindContained)))
	}
	results := timeline.Measure(events)
	if len(results) != 1 || results[0].Outcome != timeline.OutcomePassed {
		t.Errorf("measured %+v, want passed", results)
	}
	if run := decode[timeline.RunInfo](t, events[0]); run.Stack == nil || run.Stack.RunID != stack.RunID() {
		t.Errorf("run.start does not name the stack: %+v", run.Stack)
	}
	mu.Lock()
	defer mu.Unlock()
	_ = tl
}
