package tui

import (
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseParticipant(t *testing.T) {
	tests := []struct {
		in      string
		want    timeline.Participant
		wantErr bool
	}{
		{"Ana Ruiz:ic", timeline.Participant{Name: "Ana Ruiz", Role: RoleIncidentCommander}, false},
		{"Ben Okafor:Technical Lead", timeline.Participant{Name: "Ben Okafor", Role: RoleTechnicalLead}, false},
		{" Chen Li : dpo ", timeline.Participant{Name: "Chen Li", Role: RoleLegalDPO}, false},
		{"Dana Kim:legal/DPO", timeline.Participant{Name: "Dana Kim", Role: RoleLegalDPO}, false},
		{"Eve:comms", timeline.Participant{Name: "Eve", Role: RoleCommunications}, false},
		{"Eve", timeline.Participant{}, true},
		{":scribe", timeline.Participant{}, true},
		{"Eve:chef", timeline.Participant{}, true},
	}
	for _, tt := range tests {
		got, err := ParseParticipant(tt.in)
		if tt.wantErr {
			assert.Error(t, err, "ParseParticipant(%q) is refused", tt.in)
		} else {
			assert.NoError(t, err, "ParseParticipant(%q)", tt.in)
		}
		assert.Equal(t, tt.want, got, "ParseParticipant(%q)", tt.in)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{formatT(0), "T+00:00"},
		{formatT(-time.Second), "T+00:00"},
		{formatT(5*time.Minute + 7*time.Second + 900*time.Millisecond), "T+05:07"},
		{formatT(time.Hour + 2*time.Minute + 3*time.Second), "T+1:02:03"},
		{formatCountdown(72 * time.Hour), "72:00:00"},
		{formatCountdown(795*time.Hour + 59*time.Minute + 36*time.Second), "795:59:36"},
		{formatCountdown(-90 * time.Second), "overdue 00:01:30"},
		{shortDuration(15 * time.Minute), "15m"},
		{shortDuration(90 * time.Minute), "1h30m"},
		{shortDuration(2 * time.Hour), "2h"},
		{shortDuration(45 * time.Second), "45s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
}

func TestStopwatch(t *testing.T) {
	s := startStopwatch(start)
	s.pause(start.Add(2 * time.Minute))
	assert.Equal(t, 2*time.Minute, s.elapsed(start.Add(10*time.Minute)), "paused at 2m, read at 10m")
	s.pause(start.Add(3 * time.Minute)) // a second pause changes nothing
	s.resume(start.Add(10 * time.Minute))
	assert.Equal(t, 3*time.Minute, s.elapsed(start.Add(11*time.Minute)), "after an 8m pause, at 11m")
}

func TestRegulatoryClocks(t *testing.T) {
	aware := time.Date(2026, 11, 20, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	want := map[string]time.Duration{"GDPR": 72 * time.Hour, "DORA 4h": 4 * time.Hour, "DORA 24h": 24 * time.Hour,
		"DORA 76h": 76 * time.Hour, "DORA 796h": 796 * time.Hour, "NYDFS": 72 * time.Hour}
	clocks := harness.RegulatoryClocks(aware)
	labels := clockLabels(clocks)
	require.Len(t, clocks, len(want), "one clock per regime and deadline")
	for i, c := range clocks {
		d, ok := want[labels[i]]
		if !assert.True(t, ok, "unexpected clock %q (%s)", labels[i], c.Regime) {
			continue
		}
		assert.True(t, c.Deadline.Equal(aware.Add(d)), "%s due %v, want %v", labels[i], c.Deadline, aware.Add(d))
		assert.Equal(t, time.UTC, c.Deadline.Location(), "%s due in UTC", labels[i])
	}
}

func TestJournalKeepsOrder(t *testing.T) {
	tl := timeline.New()
	j := &journal{}
	j.add(timeline.Entry{Kind: timeline.KindNote, Summary: "1"})
	require.Nil(t, j.next(), "a journal without its timeline writes nothing")
	ran := false
	j.then(func(*timeline.Timeline) tea.Cmd { ran = true; return nil })
	j.open(tl)
	first := j.next()
	j.add(timeline.Entry{Kind: timeline.KindNote, Summary: "2"})
	require.Nil(t, j.next(), "no second batch starts while the first is being written")
	j.recorded(first().(recordedMsg))
	require.False(t, ran, "what waits for the journal runs only once it drained")
	second := j.next()
	j.recorded(second().(recordedMsg))
	if cmd := j.next(); cmd != nil {
		cmd()
	}
	require.True(t, ran, "what waited for the journal runs")
	var got []string
	for _, e := range tl.Events() {
		got = append(got, e.Summary)
	}
	assert.Equal(t, []string{"1", "2"}, got, "the timeline keeps the journal's order")
}
