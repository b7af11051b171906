// Scoring: HSEEP ratings, the readiness score and the exercise verdict.

package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

type rating struct {
	Objective string
	Scenario  string
	Rating    string
	Comment   string
	Derived   bool       // from measured outcomes, not from the hot wash
	At        *time.Time // when the room gave it, if recorded
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
//
// An exercise that left scenarios unmeasured gets no score: a mean over
// the one scenario that ran would read as the readiness of all of them.
func readinessScore(x *exercise) *float64 {
	if len(x.Incomplete()) > 0 || x.RunProblem() != "" {
		return nil
	}
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

// ResultIncomplete is the verdict of an exercise that could not measure
// what it set out to (a scenario not run, an infrastructure error, an
// interruption, a broken scenario) and found no gap in what it did
// measure. It is never a pass. The in-toto test-result predicate knows
// only PASSED, WARNED and FAILED, so the attestation says FAILED for it.
const ResultIncomplete = "INCOMPLETE"

// predicateResult maps a verdict onto the test-result predicate's values.
func predicateResult(r string) string {
	if r == ResultIncomplete {
		return ResultFailed
	}
	return r
}

// verdictOf is the worst of what the exercise covers: a gap found is
// FAILED; otherwise anything not measured makes it INCOMPLETE; warnings
// (or nothing passed at all) make it WARNED.
func verdictOf(x *exercise) string {
	failed, warned, passed, incomplete := 0, 0, 0, 0
	for _, t := range x.Tests {
		switch t.Status {
		case statusFailed:
			failed++
		case statusWarned:
			warned++
		case statusError:
			incomplete++
		case statusPassed:
			passed++
		}
	}
	if len(x.Incomplete()) > 0 || x.RunProblem() != "" {
		incomplete++
	}
	switch {
	case failed > 0:
		return ResultFailed
	case incomplete > 0:
		return ResultIncomplete
	case warned > 0 || passed == 0:
		return ResultWarned
	}
	return ResultPassed
}

// scenarioRating is the rating the scenario table shows: the worst the
// people in the room gave its objectives, else one derived from the
// measured outcome.
func (x *exercise) scenarioRating(s scenario) (rating, why string, derived bool) {
	worst, n := "", 0
	var comments []string
	for _, r := range x.Ratings {
		if r.Scenario != s.Info.ID {
			continue
		}
		p, ok := ratingPoints(r.Rating)
		if !ok {
			continue
		}
		n++
		if w, _ := ratingPoints(worst); worst == "" || p < w {
			worst = r.Rating
		}
		if r.Comment != "" {
			comments = append(comments, r.Objective+": "+r.Comment)
		}
	}
	if n > 0 {
		why = fmt.Sprintf("worst of %d objectives rated in the hot wash", n)
		if len(comments) > 0 {
			why += "; " + strings.Join(comments, "; ")
		}
		return worst, why, false
	}
	r, why := deriveRating(s)
	return r, why, r != ""
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
		if s.Rating == "" || !s.RatingDerived {
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
		if s.RatingDerived {
			return true
		}
	}
	return false
}
