// Package harness is the exercise engine. It takes a running stack through
// each scenario's lifecycle — baseline, inject, observe, respond, verify,
// revert — with the detection engine watching, and records every step in
// the timeline (harness/timeline), which is all that reports read. It knows
// nothing of terminals or HTML.
package harness
