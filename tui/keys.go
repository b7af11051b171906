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
		Left:        b("←", "previous", "left", "h"),
		Right:       b("→", "next", "right", "l"),
		Toggle:      b("space", "select", " "),
		Filter:      b("/", "filter", "/"),
		Add:         b("a", "add", "a"),
		Remove:      b("x", "remove", "x", "delete"),
		Role:        b("r", "change role", "r"),
		Start:       b("enter", "start exercise", "enter"),
		Discussion:  b("d", "go on in discussion mode", "d"),
		Continue:    b("enter", "exit", "enter", "q", "ctrl+c"),

		Pause:       b("space", "pause", " "),
		NextInject:  b("i", "next inject now", "i"),
		Phase:       b("p", "next phase", "p"),
		Decision:    b("d", "decision", "d"),
		Note:        b("n", "note", "n"),
		Breach:      b("b", "breach confirmed", "b"),
		Respond:     b("r", "run playbook", "r"),
		EndScenario: b("e", "end scenario", "e"),

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

// bindings is the help bar's view of one screen: the keys that matter now.
// rows, when set, splits the short help over several lines, for screens
// with more keys than 80 columns hold.
type bindings struct {
	short []key.Binding
	rows  [][]key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding { return b.short }

func (b bindings) FullHelp() [][]key.Binding {
	switch {
	case b.full != nil:
		return b.full
	case b.rows != nil:
		return b.rows
	}
	return [][]key.Binding{b.short}
}
