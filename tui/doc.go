// Package tui is the facilitator console of the quarterly tabletop: setup
// (scenarios, people and roles, mode), the run (exercise clock, timed
// injects, live alerts, phase tracker, regulatory clocks, decision log) and
// the hot wash (P/S/M/U ratings, findings, improvement plan), ending with
// the evidence bundle.
//
// The shape follows glow: one top-level Model with an explicit state, one
// sub-model per screen in its own file, keys in keys.go, styles in
// styles.go. Everything that touches the world — the record file, Docker,
// the live stack, the bundle — runs in a tea.Cmd whose message is named for
// what happened; Update switches on message types and View only renders.
// The console never calls Docker itself: live mode goes through the Live
// interface, which the command wires to the exercise engine.
package tui
