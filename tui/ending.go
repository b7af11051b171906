package tui

import (
	"errors"

	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
)

// How an exercise ends: paused for later, ended through the hot wash, or
// stopped; whichever way, what was recorded is kept.

func (m Model) askQuit() (Model, tea.Cmd) {
	k := m.x.keys
	switch {
	case m.x.tl == nil && !m.x.runStarted && m.state == stateSetup:
		m.confirm = m.yesNo("Quit? Nothing has been recorded yet.", tea.QuitMsg{})
	case m.state == stateRun || m.state == stateHotWash:
		q := "Pause and save for later, or end the exercise (the hot wash follows)?"
		if m.state == stateHotWash {
			q = "Pause and save for later, or end now and write the bundle as it stands?"
		}
		m.confirm = &confirmation{
			question: q,
			choices: []choice{
				{withHelp(k.PauseSave, "p", "pause and save"), pauseSaveConfirmedMsg{}},
				{withHelp(k.EndNow, "e", "end"), endNowConfirmedMsg{}},
				{withHelp(k.Cancel, "esc", "keep going"), nil},
			},
		}
	default:
		m.confirm = m.yesNo("Quit the exercise? What was recorded is saved as evidence.", quitConfirmedMsg{})
	}
	return m, nil
}

// pauseForLater stops the clocks, writes where they stood and what the
// hot wash holds so far, and quits once the record file has it all; the
// bundle is written when the exercise is resumed and ended.
func (m Model) pauseForLater() (Model, tea.Cmd) {
	x := m.x
	if x.tl == nil {
		m.err = errors.New("the record never opened: there is nothing to resume")
		m.state = stateFailed
		return m, nil
	}
	switch m.state {
	case stateRun:
		if m.run.opCancel != nil {
			m.run.opCancel()
		}
		if m.run.cancelScope != nil {
			m.run.cancelScope()
		}
		m.run.pause("saved")
		if x.live() {
			x.record(timeline.KindNote, m.run.sc.ID, x.facilitator(), "the live stack is removed while the exercise is paused; it resumes in discussion mode",
				timeline.Note{Text: "the live stack is removed while the exercise is paused; it resumes in discussion mode"})
		}
	case stateHotWash:
		x.clock.pause(x.now())
		x.record(timeline.KindTabletopClock, "", x.facilitator(), "exercise saved for later during the hot wash",
			timeline.TabletopClock{State: "saved", ExerciseSeconds: x.elapsed().Seconds()})
		wash := &m.wash
		save := wash.saveDraft()
		x.journal.then(func(*timeline.Timeline) tea.Cmd {
			return func() tea.Msg {
				if save != nil {
					if msg, ok := save().(draftSavedMsg); ok && msg.err != nil {
						return pausedSavedMsg{err: msg.err}
					}
				}
				return pausedSavedMsg{}
			}
		})
		return m, nil
	}
	x.journal.then(func(*timeline.Timeline) tea.Cmd { return send(pausedSavedMsg{}) })
	return m, nil
}

// PausedForLater reports whether the facilitator paused the exercise to
// resume it later: the record file is kept, and no bundle was written.
func (m Model) PausedForLater() bool { return m.pausedForLater }

// ID is the exercise's id (empty until setup is done).
func (m Model) ID() string { return m.x.id }

// wrapUp takes the exercise to its end one step at a time; it runs again
// as each step's message arrives. Whatever the way out — the hot wash's
// write key or a quit — the record ends with run.end and becomes a bundle.
func (m Model) wrapUp() (Model, tea.Cmd) {
	x := m.x
	if m.saving {
		return m, nil
	}
	if m.provisioning {
		// Quitting while the stack starts: stop it; stackFailedMsg or
		// stackReadyMsg brings us back here.
		if m.provCancel != nil {
			m.provCancel()
			m.provCancel = nil
		}
		return m, nil
	}
	if cmd, waiting := m.run.wind(); waiting {
		return m, cmd
	}
	var cmds []tea.Cmd
	if !m.endRecorded {
		m.endRecorded = true
		x.recordRunStart()
		m.run.recordInterrupted()
		if m.state == stateHotWash {
			m.wash.record()
		}
		x.record(timeline.KindRunEnd, "", x.facilitator(), "tabletop ended: "+m.ending, timeline.RunEnd{Outcome: m.ending})
	}
	if m.stackUp {
		m.stackUp = false
		cmds = append(cmds, removeStack(x.ctx, x.cfg.Live))
	}
	if x.tl == nil {
		// The record never opened; there is nothing to save.
		m.quitting = true
		return m, tea.Quit
	}
	m.state, m.saving = stateSaving, true
	x.journal.then(func(tl *timeline.Timeline) tea.Cmd { return saveBundle(x.ctx, x.cfg.Save, tl, x.scenarios) })
	return m, tea.Batch(cmds...)
}

func (m *Model) stopListening() {
	if m.stopEvents != nil {
		m.stopEvents()
		m.stopEvents = nil
	}
}
