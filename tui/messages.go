package tui

import (
	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Messages, each named for what happened. Commands (commands.go) return
// them; Update switches on them.
type (
	// dockerCheckedMsg: the engine answered, or did not (err).
	dockerCheckedMsg struct{ err error }

	// timelineOpenedMsg: the record file is open. events carries the
	// engine's events in live mode (nil in discussion mode).
	timelineOpenedMsg struct {
		tl     *timeline.Timeline
		events <-chan timeline.Event
		stop   func()
	}
	timelineFailedMsg struct{ err error }

	// recordedMsg: a batch of the journal reached the timeline.
	recordedMsg struct {
		n   int
		err error
	}

	// tickMsg: a second passed; the clock is read from Config.Now.
	tickMsg struct{}

	// setupDoneMsg: the facilitator started the exercise.
	setupDoneMsg struct{}

	stackProgressMsg struct{ line string }
	stackReadyMsg    struct{ access Access }
	stackFailedMsg   struct{ err error }
	stackRemovedMsg  struct{ err error }

	sessionStartedMsg struct {
		scenario string
		session  Session
	}
	sessionFailedMsg struct {
		scenario string
		err      error
	}
	injectedMsg struct {
		scenario string
		err      error
	}
	respondedMsg struct {
		scenario string
		err      error
	}
	containedMsg     struct{ scenario string }
	sessionClosedMsg struct {
		scenario string
		err      error
	}
	// engineEventMsg: the engine recorded something (an alert, a check).
	engineEventMsg struct{ ev timeline.Event }

	// scenarioDoneMsg: scenario i is over and recorded.
	scenarioDoneMsg struct{ index int }

	// confirmationNeededMsg: a screen asks before doing something final.
	confirmationNeededMsg struct {
		question string
		yes      any
	}

	// choiceNeededMsg: a screen offers more than yes or no.
	choiceNeededMsg struct {
		question string
		choices  []choice
	}

	// Answers to the questions the console asks.
	quitConfirmedMsg        struct{}
	endScenarioConfirmedMsg struct{}

	// hotwashDoneMsg: the facilitator asked for the bundle.
	hotwashDoneMsg struct{}

	// readFullMsg: the facilitator asked to read an entry whole.
	readFullMsg struct{ title, text string }

	// pauseSaveConfirmedMsg, endNowConfirmedMsg: the answers to quit.
	pauseSaveConfirmedMsg struct{}
	endNowConfirmedMsg    struct{}
	// pausedSavedMsg: everything is on the record file; the exercise can
	// be resumed from it.
	pausedSavedMsg struct{ err error }
	// draftSavedMsg: the hot wash's draft reached its file (err if not).
	draftSavedMsg struct{ err error }

	bundleWrittenMsg struct{ saved Saved }
	bundleFailedMsg  struct{ err error }
)
