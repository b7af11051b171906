package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
)

// The run screen's live half: the stack, the engine's steps and events.

func (m *runModel) respond() tea.Cmd {
	switch {
	case !m.x.live():
		m.status = "the playbook runs only against a live stack"
	case m.busy == "injecting":
		// The room is ahead of the stack: the playbook follows the inject.
		m.respondNext = true
		m.status = "the playbook runs as soon as the inject is done"
	case m.session == nil || !m.injected:
		m.status = "the breach has not been injected yet"
	case m.busy != "":
		m.status = "wait: the stack is " + m.busy
	case m.responded:
		m.status = "the playbook has already run"
	default:
		m.busy = "running the playbook"
		ctx, cancel := context.WithCancel(m.scope)
		m.opCancel = cancel
		return runPlaybook(ctx, m.session, m.sc.ID)
	}
	return nil
}

// engineDone takes the result of a live step. ending says the console is
// on its way out: a scenario that just became ready is then not injected.
func (m *runModel) engineDone(msg tea.Msg, ending bool) tea.Cmd {
	x := m.x
	switch msg := msg.(type) {
	case sessionStartedMsg:
		if m.sc == nil || msg.scenario != m.sc.ID {
			return closeSession(x.ctx, msg.session, msg.scenario)
		}
		m.starting = false
		m.session = msg.session
		if ending {
			return nil
		}
		m.startClock()
		m.busy = "injecting"
		ctx, cancel := context.WithCancel(m.scope)
		m.opCancel = cancel
		return tea.Batch(injectBreach(ctx, m.session, m.sc.ID), waitContained(m.scope, m.session, m.sc.ID))
	case sessionFailedMsg:
		m.starting = false
		m.startErr = msg.err
		m.liveErr = "the stack could not start this scenario: " + msg.err.Error()
		if !ending {
			// The engine recorded the fault; the room goes on with the story.
			m.startClock()
		}
		return nil
	case injectedMsg:
		m.busy, m.opCancel, m.engineLine = "", nil, ""
		if msg.err != nil {
			m.liveErr = "the inject failed: " + msg.err.Error()
			return nil
		}
		m.injected = true
		m.status = "breach injected at " + formatT(m.elapsed()) + ": watch for alerts"
		if m.respondNext && !ending {
			m.respondNext = false
			return m.respond()
		}
	case respondedMsg:
		m.busy, m.opCancel, m.engineLine = "", nil, ""
		if msg.err != nil {
			m.liveErr = "the playbook failed: " + msg.err.Error()
			return nil
		}
		m.responded = true
		m.status = "playbook done at " + formatT(m.elapsed()) + ": containment checks running"
	case sessionClosedMsg:
		m.closing = false
		m.session = nil
		if m.cancelScope != nil {
			m.cancelScope()
		}
		m.ended, m.running = true, false
		if msg.err != nil {
			m.liveErr = "putting the stack back failed: " + msg.err.Error()
		}
		return send(scenarioDoneMsg{index: m.index})
	}
	return nil
}

// wind gets the scenario out of the engine's hands before the exercise
// ends: it waits for a start in flight, interrupts an inject or playbook,
// and closes the session. waiting is false once nothing is left.
func (m *runModel) wind() (cmd tea.Cmd, waiting bool) {
	switch {
	case m.starting:
		return nil, true
	case m.busy != "":
		if m.opCancel != nil {
			m.opCancel()
			m.opCancel = nil
		}
		return nil, true
	case m.session != nil:
		if m.closing {
			return nil, true
		}
		m.closing = true
		return closeSession(m.x.ctx, m.session, m.sc.ID), true
	}
	return nil, false
}

func (m *runModel) markContained(id string) {
	if m.sc == nil || id != m.sc.ID || m.contained {
		return
	}
	m.contained, m.containedAt = true, m.elapsed()
	m.status = "containment verified at " + formatT(m.containedAt)
}

// engineEvent shows what the engine recorded about this scenario.
func (m *runModel) engineEvent(ev timeline.Event) {
	if m.sc == nil || ev.Scenario != m.sc.ID {
		return
	}
	switch ev.Kind {
	case timeline.KindAlert:
		var a timeline.Alert
		if ev.Decode(&a) != nil || a.Window == "revert" || a.Window == "warmup" {
			return
		}
		if a.Window == "baseline" {
			m.engineLine = "alert before the inject (false positive?): " + a.Rule
			return
		}
		m.alerts = append(m.alerts, alertItem{at: m.elapsed(), alert: a})
		if m.pane != paneAlerts {
			m.alertCur = len(m.alerts) - 1
		}
	case timeline.KindClock:
		var c timeline.Clock
		if ev.Decode(&c) != nil {
			return
		}
		for _, have := range m.clocks {
			if have.Regime == c.Regime {
				return
			}
		}
		m.clocks = append(m.clocks, c)
	case timeline.KindCheck:
		var c timeline.Check
		if ev.Decode(&c) != nil || c.Stage != "verify" {
			return
		}
		if _, seen := m.checks[c.Name]; !seen {
			m.checkOrder = append(m.checkOrder, c.Name)
		}
		m.checks[c.Name] = c.Pass
	case timeline.KindContained:
		m.markContained(ev.Scenario)
	case timeline.KindFault:
		m.liveErr = ev.Summary
	case timeline.KindStepStart, timeline.KindPhase:
		if ev.Actor == "breachdrill" || ev.Kind == timeline.KindPhase && ev.Actor == "" {
			m.engineLine = m.expandPlaceholders(ev.Summary, ev.Time)
		}
	}
}

func (m runModel) liveLines(w int) []string {
	st := m.x.styles
	var out []string
	if a := m.x.access; a != nil {
		out = append(out, indent(st.heading.Render("stack  "), "       ",
			fmt.Sprintf("%s  login %s / %s", a.AdminURL, a.User, a.Password), w)...)
	}
	var state string
	switch {
	case m.contained:
		state = st.good.Render("CONTAINMENT VERIFIED at " + formatT(m.containedAt))
	case m.starting:
		state = "getting the scenario ready (detection baseline)"
	case m.busy != "":
		state = m.busy + "…"
	case m.injected:
		passing := 0
		for _, p := range m.checks {
			if p {
				passing++
			}
		}
		state = fmt.Sprintf("breach injected · containment not verified (%d/%d checks pass)", passing, len(m.checks))
		if len(m.checks) == 0 {
			state = "breach injected · containment not verified"
		}
	default:
		state = "not injected"
	}
	if m.engineLine != "" && !m.contained {
		state += st.muted.Render(" · " + m.engineLine)
	}
	// Wrapped, not cut: the step the engine is on is worth reading whole.
	out = append(out, indent(st.heading.Render("engine "), "       ", state, w)...)
	return out
}

// expandPlaceholders fills what a scenario file leaves to the engine
// ({{date}}, {{prefix}}, {{admin_user}}) in a step the engine announced,
// as the engine itself filled it.
func (m runModel) expandPlaceholders(s string, at time.Time) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	prefix, user := "wp_", "admin"
	if a := m.x.access; a != nil {
		if a.TablePrefix != "" {
			prefix = a.TablePrefix
		}
		if a.User != "" {
			user = a.User
		}
	}
	return strings.NewReplacer("{{date}}", at.UTC().Format("20060102"), "{{prefix}}", prefix, "{{admin_user}}", user).Replace(s)
}
