package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the console answers to. Letters are chosen so that a
// facilitator can run the hour with one hand: one key per thing that
// happens in the room.
type keyMap struct {
	Quit key.Binding
	Help key.Binding

	// Moving around.
	Up, Down     key.Binding
	NextSection  key.Binding
	PrevSection  key.Binding
	Left, Right  key.Binding
	Toggle       key.Binding
	Filter       key.Binding
	Add          key.Binding
	Remove       key.Binding
	Role         key.Binding
	Start        key.Binding
	Discussion   key.Binding
	Continue     key.Binding
	Pause        key.Binding
	NextInject   key.Binding
	Phase        key.Binding
	Decision     key.Binding
	Note         key.Binding
	Breach       key.Binding
	Respond      key.Binding
	EndScenario  key.Binding
	TakeBack     key.Binding
	Guide        key.Binding
	Pane         key.Binding
	Read         key.Binding
	Correct      key.Binding
	Strike       key.Binding
	MarkObserved key.Binding
	MarkPartly   key.Binding
	MarkNot      key.Binding
	PageUp       key.Binding
	PageDown     key.Binding
	EvalNote     key.Binding
	EvalNoteRun  key.Binding
	SignFac      key.Binding
	SignApprover key.Binding
	Suggested    key.Binding
	PauseSave    key.Binding
	EndNow       key.Binding
	RateP, RateS key.Binding
	RateM, RateU key.Binding
	Comment      key.Binding
	Strength     key.Binding
	Improvement  key.Binding
	Status       key.Binding
	Save         key.Binding

	// In a text field.
	Confirm   key.Binding
	Cancel    key.Binding
	NextField key.Binding

	// Answering a question.
	Yes, No key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Quit: b("q", "quit", "q", "ctrl+c"),
		Help: b("?", "more keys", "?"),

		Up:          b("↑/k", "up", "up", "k"),
		Down:        b("↓/j", "down", "down", "j"),
		NextSection: b("tab", "next section", "tab"),
		PrevSection: b("shift+tab", "previous section", "shift+tab"),
		Left:        b("←", "previous", "left"),
		Right:       b("→", "next", "right"),
		Toggle:      b("space", "select", " "),
		Filter:      b("/", "filter", "/"),
		Add:         b("a", "add", "a"),
		Remove:      b("x", "remove", "x", "delete"),
		Role:        b("r", "change role", "r"),
		Start:       b("enter", "start exercise", "enter"),
		Discussion:  b("d", "go on in discussion mode", "d"),
		Continue:    b("enter", "exit", "enter", "q", "ctrl+c"),

		Pause:        b("space", "pause", " "),
		NextInject:   b("i", "next inject now", "i"),
		Phase:        b("p", "next phase", "p"),
		Decision:     b("d", "decision", "d"),
		Note:         b("n", "note", "n"),
		Breach:       b("b", "breach confirmed", "b"),
		Respond:      b("r", "run playbook", "r"),
		EndScenario:  b("e", "end scenario", "e"),
		TakeBack:     b("u", "take back last inject", "u"),
		Guide:        b("g", "facilitator guide", "g"),
		Pane:         b("tab", "next pane", "tab"),
		Read:         b("enter", "read in full", "enter"),
		Correct:      b("c", "correct entry", "c"),
		Strike:       b("x", "strike entry", "x"),
		MarkObserved: b("1", "observed", "1"),
		MarkPartly:   b("2", "partly", "2"),
		MarkNot:      b("3", "not observed", "3"),
		PageUp:       b("pgup", "page up", "pgup"),
		PageDown:     b("pgdn", "page down", "pgdown"),
		EvalNote:     b("n", "evaluator note", "n"),
		EvalNoteRun:  b("v", "evaluator note", "v"),
		SignFac:      b("f", "facilitator signs", "f"),
		SignApprover: b("a", "approver signs", "a"),
		Suggested:    b("a", "take the suggested rating", "a"),
		PauseSave:    b("p", "pause and save", "p"),
		EndNow:       b("e", "end", "e"),

		RateP:       b("p", "performed", "p"),
		RateS:       b("s", "some challenges", "s"),
		RateM:       b("m", "major challenges", "m"),
		RateU:       b("u", "unable", "u"),
		Comment:     b("c", "comment", "c", "enter"),
		Strength:    b("s", "add strength", "s"),
		Improvement: b("a", "add improvement", "a"),
		Status:      b("t", "toggle done", "t"),
		Save:        b("w", "write bundle", "w"),

		Confirm:   b("enter", "save", "enter"),
		Cancel:    b("esc", "cancel", "esc"),
		NextField: b("tab", "next field", "tab"),

		Yes: b("y", "yes", "y", "Y"),
		No:  b("n", "no", "n", "N", "esc"),
	}
}

// bindings is the help bar's view of one screen: the keys that matter
// now, most important first (the short help shows as many as fit), the
// keys always shown at the end (quit, more keys), and the full help.
type bindings struct {
	short  []key.Binding
	pinned []key.Binding
	full   [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding {
	return append(append([]key.Binding(nil), b.short...), b.pinned...)
}

func (b bindings) FullHelp() [][]key.Binding {
	if b.full != nil {
		return b.full
	}
	return [][]key.Binding{b.ShortHelp()}
}
