// Package tui is the facilitator console of the quarterly tabletop: setup
// (scenarios, people and roles, mode), the run (scenario and exercise
// clocks, timed injects with the facilitator's guide of expected outcomes,
// live alerts, phase tracker, regulatory clocks in exercise time, a
// decision log that is corrected, never erased) and the hot wash (P/S/M/U
// ratings, evaluator notes, findings, improvement plan, participant
// feedback, sign-off), ending with the evidence bundle. The Presenter is
// the read-only room display of the same exercise.
//
// Everything the room does is recorded on the timeline as it happens, and
// the hot wash is saved as a draft on every change; an exercise paused
// and saved (or stopped) is rebuilt from its record with Config.Resume.
//
// The shape follows glow: one top-level Model with an explicit state, one
// sub-model per screen in its own files (run*.go, hotwash*.go, setup.go,
// present.go, reader.go), keys in keys.go, styles in styles.go. Everything
// that touches the world — the record file, Docker, the live stack, the
// bundle — runs in a tea.Cmd whose message is named for what happened;
// Update switches on message types and View only renders. Long lists live
// in panes that scroll (a bubbles viewport), and any entry reads whole.
// The console never calls Docker itself: live mode goes through the Live
// interface, which the command wires to the exercise engine.
package tui
