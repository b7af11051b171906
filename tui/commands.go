package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/scenarios"
	tea "github.com/charmbracelet/bubbletea"
)

// Every piece of I/O the console does is one of these commands.

func checkDocker(ctx context.Context, check func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return dockerCheckedMsg{err: check(ctx)}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

func openTimeline(ctx context.Context, open func(context.Context, string) (*timeline.Timeline, error), id string, subscribe bool) tea.Cmd {
	return func() tea.Msg {
		tl, err := open(ctx, id)
		if err != nil {
			return timelineFailedMsg{err: fmt.Errorf("open the record: %w", err)}
		}
		msg := timelineOpenedMsg{tl: tl}
		if subscribe {
			msg.events, msg.stop = tl.Subscribe(256)
		}
		return msg
	}
}

// waitEvent hands over the engine's next event; it is issued again after
// each one, so events arrive one message at a time.
func waitEvent(events <-chan timeline.Event) tea.Cmd {
	if events == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-events
		if !ok {
			return nil
		}
		return engineEventMsg{ev: ev}
	}
}

// provision starts the stack. Progress lines go through a buffered channel
// that waitProgress drains; when the display falls behind, lines are
// dropped rather than stalling the stack's start.
func provision(ctx context.Context, live Live, progress chan<- string) tea.Cmd {
	return func() tea.Msg {
		defer close(progress)
		access, err := live.Provision(ctx, func(line string) {
			select {
			case progress <- line:
			default:
			}
		})
		if err != nil {
			return stackFailedMsg{err: err}
		}
		return stackReadyMsg{access: access}
	}
}

func waitProgress(progress <-chan string) tea.Cmd {
	return func() tea.Msg {
		line, ok := <-progress
		if !ok {
			return nil
		}
		return stackProgressMsg{line: line}
	}
}

func removeStack(ctx context.Context, live Live) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		return stackRemovedMsg{err: live.Close(ctx)}
	}
}

func startSession(ctx context.Context, live Live, tl *timeline.Timeline, s *scenarios.Scenario) tea.Cmd {
	return func() tea.Msg {
		sess, err := live.Start(ctx, tl, s)
		if err != nil {
			return sessionFailedMsg{scenario: s.ID, err: err}
		}
		return sessionStartedMsg{scenario: s.ID, session: sess}
	}
}

func injectBreach(ctx context.Context, sess Session, id string) tea.Cmd {
	return func() tea.Msg { return injectedMsg{scenario: id, err: sess.Inject(ctx)} }
}

func runPlaybook(ctx context.Context, sess Session, id string) tea.Cmd {
	return func() tea.Msg { return respondedMsg{scenario: id, err: sess.Respond(ctx)} }
}

func waitContained(ctx context.Context, sess Session, id string) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-sess.Contained():
			return containedMsg{scenario: id}
		case <-ctx.Done():
			return nil
		}
	}
}

// closeSession puts the stack back even when the console is quitting.
func closeSession(ctx context.Context, sess Session, id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
		defer cancel()
		return sessionClosedMsg{scenario: id, err: sess.Close(ctx)}
	}
}

func saveBundle(ctx context.Context, save SaveFunc, tl *timeline.Timeline, ran []*scenarios.Scenario) tea.Cmd {
	return func() tea.Msg {
		// The bundle is the point of the exercise: it is written even when
		// the console is on its way out because the user pressed Ctrl-C.
		saved, err := save(context.WithoutCancel(ctx), tl.Events(), ran)
		if err != nil {
			return bundleFailedMsg{err: err}
		}
		return bundleWrittenMsg{saved: saved}
	}
}

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
