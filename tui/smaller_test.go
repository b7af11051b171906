package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// teaConsole runs the console in teatest at w×h, for the issues a
// facilitator met in a real terminal.
type teaConsole struct {
	t  *testing.T
	tm *teatest.TestModel
}

func newTeaConsole(t *testing.T, r *rig, w, h int, edit ...func(*Config)) *teaConsole {
	t.Helper()
	edit = append([]func(*Config){func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}, {Name: "Dana Kim", Role: RoleScribe}}
	}}, edit...)
	return &teaConsole{t: t, tm: teatest.NewTestModel(t, r.model(t, edit...), teatest.WithInitialTermSize(w, h))}
}

func (c *teaConsole) typ(keys ...string) {
	for _, k := range keys {
		for _, msg := range keyMsgs(k) {
			c.tm.Send(msg)
		}
	}
}

// waitFor returns once the output holds every one of want.
func (c *teaConsole) waitFor(want ...string) {
	c.t.Helper()
	teatest.WaitFor(c.t, c.tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func (c *teaConsole) final() Model {
	c.t.Helper()
	require.NoError(c.t, c.tm.Quit())
	return c.tm.FinalModel(c.t, teatest.WithFinalTimeout(5*time.Second)).(Model)
}

// TestTypingStaysVisibleAt80x24: the decision being typed is drawn on its
// own line under a one-line hint, never pushed off by the hint's wrap.
func TestTypingStaysVisibleAt80x24(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("A customer sends support")
	c.typ("d", "Isolate the web server")
	c.waitFor("› Isolate the web server▏")
	m := c.final()
	lines := strings.Split(m.View(), "\n")
	require.Len(t, lines, 24)
	assert.Equal(t, "› Isolate the web server▏", strings.TrimRight(lines[22], " "))
	assert.Contains(t, lines[23], "esc cancel")
}

// TestFooterFitsAndKeepsQuit: at 80 columns the help ends with quit and
// more keys, never with "…".
func TestFooterFitsAndKeepsQuit(t *testing.T) {
	for _, w := range []int{80, 100, 120} {
		r := newRig(t)
		d := started(t, r)
		d.send(termSize(w, 24))
		for _, screen := range []string{"run", "log", "guide"} {
			switch screen {
			case "log":
				d.keys("tab")
			case "guide":
				d.keys("tab", "g")
			}
			lines := strings.Split(d.view(), "\n")
			last := lines[len(lines)-1]
			assert.True(t, strings.HasSuffix(strings.TrimRight(last, " "), "q quit • ? more keys"), "%d cols, %s: %q", w, screen, last)
			assert.NotContains(t, strings.Join(lines[len(lines)-2:], "\n"), "…")
		}
	}
}

func TestDiscussionFlagSaysWhyLiveIsOff(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24, func(c *Config) { c.Mode = ModeDiscussion })
	c.typ("tab", "tab")
	c.waitFor("unavailable: discussion mode was asked for (--discussion)")
	assert.NotContains(t, c.final().View(), "no live engine in this build")
}

func TestPauseKeySaysResumeWhilePaused(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("space pause")
	c.typ("space")
	c.waitFor("space resume", "PAUSED")
}

func TestEarlyInjectLabelKeepsASpace(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("A customer sends support")
	r.clock.Advance(15 * time.Second)
	c.typ("i")
	c.waitFor("T+00:15* A security researcher")
}

func TestRolePickerArrowsChangeTheRole(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24, func(c *Config) { c.Participants = nil })
	c.typ("tab", "a", "Ana")
	c.waitFor("role ‹incident commander›")
	c.tm.Send(tea.KeyMsg{Type: tea.KeyRight})
	c.waitFor("role ‹technical lead›")
	c.tm.Send(tea.KeyMsg{Type: tea.KeyLeft})
	c.tm.Send(tea.KeyMsg{Type: tea.KeyLeft})
	c.waitFor("role ‹observer›")
	c.typ("enter")
	c.waitFor("Ana                            observer")
}

func TestNotesNameWhoTookThem(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("A customer sends support")
	c.typ("n")
	c.waitFor("note by Dana Kim (scribe) · tab: someone else")
	c.typ("tab")
	c.waitFor("note by Ana Ruiz (incident commander)")
	c.typ("Legal on standby", "enter")
	c.waitFor("L1 note by Ana Ruiz: Legal on standby")
	c.final()
	notes := ofKind(r.timeline().Events(), timeline.KindNote)
	require.Len(t, notes, 1)
	assert.Equal(t, "Ana Ruiz", notes[0].Actor)
}

func TestDueDateInThePastIsRefused(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("A customer sends support")
	c.typ("e")
	c.waitFor("go to the hot wash?")
	c.typ("y")
	c.waitFor("hot wash")
	c.typ("tab", "tab", "a", "Fix it", "enter", "Ana Ruiz", "enter", "ctrl+u", "2026-11-19", "enter")
	c.waitFor("due date 2026-11-19 is in the past (today is 2026-11-20)")
	c.typ("ctrl+u", "2026-11-20", "enter")
	c.waitFor("Plan (1)")
}

// TestTakeBackAndStrike: a step back withdraws the last inject and holds
// it; a struck entry stays in the log, marked, and in the record.
func TestTakeBackAndStrike(t *testing.T) {
	r := newRig(t)
	c := newTeaConsole(t, r, 80, 24)
	c.typ("enter")
	c.waitFor("A customer sends support")
	c.typ("i")
	c.waitFor("injects 2/3")
	c.typ("u")
	c.waitFor("inject 2 taken back: i delivers it again", "next held back: i delivers it")
	r.clock.Advance(6 * time.Minute)
	c.tm.Send(tickMsg{})
	c.typ("d", "Wrong call", "enter", "tab", "x", "entered by mistake", "enter")
	c.waitFor("[struck]")
	c.typ("i")
	c.waitFor("injects 2/3 · next at T+15:00")
	m := c.final()
	assert.Len(t, m.run.feed, 2)
	var got []timeline.Correction
	for _, e := range ofKind(r.timeline().Events(), timeline.KindCorrection) {
		got = append(got, decode[timeline.Correction](t, e))
	}
	require.Len(t, got, 2)
	assert.Equal(t, "withdrawn", got[0].Action)
	assert.Equal(t, timeline.Correction{Of: "L1", Action: "struck", Text: "entered by mistake", Was: "Wrong call"}, got[1])
}

// TestEveryAlertCanBeReached: seven alerts, all reachable by scrolling the
// alerts pane, each readable in full.
func TestEveryAlertCanBeReached(t *testing.T) {
	r := newRig(t)
	d := drive(t, r.model(t, func(c *Config) {
		c.Selected = []string{"debug-log-exposure"}
		c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
	}))
	d.keys("enter")
	d.m.x.mode = ModeLive
	id := d.m.run.sc.ID
	d.send(injectedMsg{scenario: id})
	// The first is the rule scrolled back to; no other id holds its name.
	for _, rule := range []string{"wp-debug-log-public", "debug-log-downloaded", "web-scanner-user-agent", "web-path-traversal",
		"web-null-byte", "web-shellshock", "web-sqli-probe"} {
		d.send(engineEventMsg{ev: alertEvent(t, id, rule, "GET /wp-content/debug.log 200")})
	}
	assert.NotContains(t, d.view(), "wp-debug-log-public ", "only the latest show at first")
	d.keys("tab", "tab")
	for range 6 {
		d.keys("up")
	}
	d.contains(t, "wp-debug-log-public ")
	d.keys("enter")
	d.contains(t, "alert wp-debug-log-public", "What matched", "GET /wp-content/debug.log 200")
	d.keys("esc")
	d.contains(t, "alerts (7)")
}

func TestPlaceholdersAreFilledOnScreen(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	d.m.x.access = &Access{User: "drilladmin", TablePrefix: "shop_"}
	got := d.m.run.expandPlaceholders("copy export-{{date}}.csv from {{prefix}}users for {{admin_user}}", start)
	assert.Equal(t, "copy export-20261120.csv from shop_users for drilladmin", got)
}

// TestMarksSuggestARating: the expected outcomes marked during the run
// suggest a rating in the hot wash, which a key takes.
func TestMarksSuggestARating(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	d.keys("g", "down", "1", "enter", "down", "3", "enter")
	d.keys("e", "y")
	d.contains(t, "expected outcomes 1 observed · 0 partly · 1 not", "suggests S")
	d.keys("a")
	assert.Equal(t, timeline.RatingS, d.m.wash.ratings[0])
}

// TestEvaluatorNoteDuringTheRun: an evaluator's observation is recorded
// against an objective as it happens, shows in the hot wash, and is in the
// bundle once.
func TestEvaluatorNoteDuringTheRun(t *testing.T) {
	r := newRig(t)
	d := started(t, r)
	d.keys("v")
	d.contains(t, "Dana Kim on: Detect that the debug log is readable from the internet")
	d.keys("tab", "Contained within ten minutes", "enter")
	d.contains(t, "evaluator note recorded on: Contain by switching debug output off")
	d.keys("q", "e")
	d.contains(t, "evaluator Dana Kim: Contained within ten minutes")
	d.keys("w", "w")
	saved := mustSaved(t, d)
	notes := ofKind(readBundleTimeline(t, saved.Path), timeline.KindEvaluatorNote)
	require.Len(t, notes, 1)
	assert.Equal(t, timeline.EvaluatorNote{Objective: "Contain by switching debug output off and removing the log", Evaluator: "Dana Kim", Text: "Contained within ten minutes"},
		decode[timeline.EvaluatorNote](t, notes[0]))
}

// TestEveryFooterEndsWithQuitAndMoreKeys: setup's sections and the hot
// wash's tabs, at 80 and 120 columns.
func TestEveryFooterEndsWithQuitAndMoreKeys(t *testing.T) {
	for _, w := range []int{80, 120} {
		r := newRig(t)
		d := drive(t, r.model(t, func(c *Config) {
			c.Selected = []string{"debug-log-exposure"}
			c.Participants = []timeline.Participant{{Name: "Ana Ruiz", Role: RoleIncidentCommander}}
		}))
		d.send(termSize(w, 24))
		check := func(where string) {
			t.Helper()
			lines := strings.Split(d.view(), "\n")
			last := strings.TrimRight(lines[len(lines)-1], " ")
			assert.True(t, strings.HasSuffix(last, "q quit • ? more keys"), "%d cols, %s: %q", w, where, last)
			assert.NotContains(t, last, "…", "%d cols, %s", w, where)
		}
		for i := range 3 {
			check(fmt.Sprintf("setup section %d", i))
			d.keys("tab")
		}
		d.keys("enter", "e", "y")
		for i := range 5 {
			check(fmt.Sprintf("hot wash tab %d", i))
			d.keys("tab")
		}
	}
}
