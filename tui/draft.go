package tui

import (
	"encoding/json"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	tea "github.com/charmbracelet/bubbletea"
)

// washDraft is the hot wash as it stands, saved on every change so that a
// paused exercise comes back with it. The timeline gets the final values
// when the bundle is written: a rating changed three times is one rating
// in the record.
type washDraft struct {
	Ratings   []string                 `json:"ratings"`
	RatedAt   []*time.Time             `json:"rated_at,omitempty"`
	Comments  []string                 `json:"comments"`
	EvalNotes []timeline.EvaluatorNote `json:"evaluator_notes,omitempty"`
	Findings  []timeline.Finding       `json:"findings,omitempty"`
	Plan      []timeline.Improvement   `json:"plan,omitempty"`
	Feedback  []timeline.Feedback      `json:"feedback,omitempty"`
	SignOffs  []timeline.SignOff       `json:"sign_offs,omitempty"`
}

// DecodeDraft reads a hot wash draft as SaveDraft wrote it.
func decodeDraft(b []byte) (*washDraft, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var d washDraft
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

func (m hotwashModel) draft() washDraft {
	return washDraft{Ratings: m.ratings, RatedAt: m.ratedAt, Comments: m.comments, EvalNotes: m.evalNotes, Findings: m.findings,
		Plan: m.plan, Feedback: m.feedback, SignOffs: m.signOffs}
}

// saveDraft writes the draft through Config.SaveDraft. Each write carries
// the next version number: writes run concurrently, and the one that
// finishes last must not put back an older draft.
func (m *hotwashModel) saveDraft() tea.Cmd {
	save := m.x.cfg.SaveDraft
	if save == nil {
		return nil
	}
	b, err := json.Marshal(m.draft())
	if err != nil {
		return send(draftSavedMsg{err: err})
	}
	m.draftVersion++
	id, version := m.x.id, m.draftVersion
	return func() tea.Msg { return draftSavedMsg{err: save(id, version, b)} }
}

func (m *hotwashModel) restore(d *washDraft) {
	if d == nil {
		return
	}
	if len(d.Ratings) == len(m.objectives) {
		copy(m.ratings, d.Ratings)
	}
	if len(d.RatedAt) == len(m.objectives) {
		copy(m.ratedAt, d.RatedAt)
	}
	if len(d.Comments) == len(m.objectives) {
		copy(m.comments, d.Comments)
	}
	m.evalNotes, m.findings, m.plan = d.EvalNotes, d.Findings, d.Plan
	m.feedback, m.signOffs = d.Feedback, d.SignOffs
}
