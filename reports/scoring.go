// Scoring: HSEEP ratings, the readiness score and the exercise verdict.

package reports

import (
	"fmt"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

type rating struct {
	Objective string
	Scenario  string
	Rating    string
	Comment   string
	Derived   bool // from measured outcomes, not from the hot wash
}

// deriveRating maps a measured outcome onto HSEEP's scale, for exercises
// without a hot wash: the report states this rule beside the ratings.
func deriveRating(s scenario) (string, string) {
	switch s.Outcome {
	case timeline.OutcomePassed:
		if s.ContainedInTime != nil && !*s.ContainedInTime {
			return timeline.RatingS, fmt.Sprintf("detected in time; contained after %s against %s", secs(s.TimeToContain), secsF(s.Info.ContainWithinSeconds))
		}
		return timeline.RatingP, "detected in time and contained"
	case timeline.OutcomeLate:
		return timeline.RatingS, "detected after the deadline: " + s.Reason
	case timeline.OutcomeFalsePositive:
		return timeline.RatingS, "noisy detection: " + s.Reason
	case timeline.OutcomeNotContained:
		return timeline.RatingM, "detected, but containment was not verified"
	case timeline.OutcomeMissed:
		return timeline.RatingU, "not detected: " + s.Reason
	}
	return "", ""
}

// points per HSEEP rating for the readiness score.
func ratingPoints(r string) (int, bool) {
	switch r {
	case timeline.RatingP:
		return 3, true
	case timeline.RatingS:
		return 2, true
	case timeline.RatingM:
		return 1, true
	case timeline.RatingU:
		return 0, true
	}
	return 0, false
}

// readinessScore is the mean HSEEP rating over every rated objective, as a
// percentage (P=100, S=67, M=33, U=0). Scenarios that failed for
// infrastructure are not rated and do not count either way.
func readinessScore(x *exercise) *float64 {
	return scoreOf(x.AllRatings())
}

func scoreOf(rs []rating) *float64 {
	total, n := 0, 0
	for _, r := range rs {
		if p, ok := ratingPoints(r.Rating); ok {
			total += p
			n++
		}
	}
	if n == 0 {
		return nil
	}
	s := float64(total) / float64(3*n) * 100
	return &s
}

func verdictOf(x *exercise) string {
	failed, warned, passed := 0, 0, 0
	for _, t := range x.Tests {
		switch t.Status {
		case statusFailed:
			failed++
		case statusWarned, statusError:
			warned++
		case statusPassed:
			passed++
		}
	}
	switch {
	case failed > 0:
		return ResultFailed
	case warned > 0 || passed == 0:
		return ResultWarned
	}
	return ResultPassed
}

// WeakObjectives are the hot wash's objectives rated M or U; measured gaps
// are listed per scenario already.
func (x *exercise) WeakObjectives() []rating {
	var out []rating
	for _, r := range x.Ratings {
		if r.Rating == timeline.RatingM || r.Rating == timeline.RatingU {
			out = append(out, r)
		}
	}
	return out
}

// AllRatings is the hot wash's ratings followed by those derived from
// measurement, the order the analysis section shows them in.
func (x *exercise) AllRatings() []rating {
	out := append([]rating(nil), x.Ratings...)
	for _, s := range x.Scenarios {
		if s.Rating == "" {
			continue
		}
		obj := "Detect and contain: " + s.Info.Title
		if len(s.Info.Objectives) > 0 {
			obj = strings.Join(s.Info.Objectives, "; ")
		}
		out = append(out, rating{Objective: obj, Scenario: s.Info.ID, Rating: s.Rating, Comment: s.RatingWhy, Derived: true})
	}
	return out
}

// DerivedRatings reports whether any rating came from measurement.
func (x *exercise) DerivedRatings() bool {
	for _, s := range x.Scenarios {
		if s.Rating != "" {
			return true
		}
	}
	return false
}
