package timeline

// Import appends an event recorded on another timeline of the same run (a
// stack of an exercise run in parallel) and returns it as recorded here:
// renumbered, chained to this timeline's last event, its offset counted
// from this timeline's start, its wall time kept. It was masked where it
// was first recorded.
func (t *Timeline) Import(ev Event) (Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ev.Prev = Genesis
	if n := len(t.events); n > 0 {
		ev.Prev = t.events[n-1].Hash
	}
	ev.Seq = int64(len(t.events) + 1)
	ev.OffsetNS = int64(ev.Time.Sub(t.start))
	ev.Hash = ev.ComputeHash()
	return ev, t.commit(ev)
}
