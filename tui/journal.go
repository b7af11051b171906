package tui

import (
	"errors"

	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
)

// journal keeps what the room does in the order it happened and appends it
// to the timeline from a command, one batch at a time. Update never writes
// the record file itself, and two quick keystrokes can never reach the
// timeline swapped, as two concurrent commands could.
type journal struct {
	tl      *timeline.Timeline
	pending []timeline.Entry
	busy    bool
	waiting []func(*timeline.Timeline) tea.Cmd
	err     error
}

// add queues an entry.
func (j *journal) add(e timeline.Entry) { j.pending = append(j.pending, e) }

// then runs cmd once everything queued so far is on the timeline: the
// engine's own events (a live scenario's start) and the bundle must come
// after what the console recorded before them.
func (j *journal) then(cmd func(*timeline.Timeline) tea.Cmd) { j.waiting = append(j.waiting, cmd) }

// open hands the journal its timeline; entries queued before it opened are
// written now.
func (j *journal) open(tl *timeline.Timeline) { j.tl = tl }

// next is the command that moves the journal on: the next batch to write,
// or, once everything is written, whatever was waiting for that.
func (j *journal) next() tea.Cmd {
	if j.tl == nil || j.busy {
		return nil
	}
	if len(j.pending) > 0 {
		batch, tl := j.pending, j.tl
		j.pending, j.busy = nil, true
		return func() tea.Msg { return appendEntries(tl, batch) }
	}
	if len(j.waiting) > 0 {
		cmds := make([]tea.Cmd, len(j.waiting))
		for i, w := range j.waiting {
			cmds[i] = w(j.tl)
		}
		j.waiting = nil
		return tea.Batch(cmds...)
	}
	return nil
}

// recorded takes a batch's result. A sink that fails to write keeps the
// event in memory (the bundle still gets it); the error is shown.
func (j *journal) recorded(msg recordedMsg) {
	j.busy = false
	if msg.err != nil {
		j.err = msg.err
	}
}

func appendEntries(tl *timeline.Timeline, batch []timeline.Entry) tea.Msg {
	var errs []error
	for _, e := range batch {
		if _, err := tl.Append(e); err != nil {
			errs = append(errs, err)
		}
	}
	return recordedMsg{n: len(batch), err: errors.Join(errs...)}
}
