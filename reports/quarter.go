package reports

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Quarter is a calendar quarter in UTC.
type Quarter struct {
	Year int
	Q    int // 1..4
}

// ParseQuarter reads "2026-Q4" (the q may be lower case).
func ParseQuarter(s string) (Quarter, error) {
	m := regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`).FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Quarter{}, fmt.Errorf("quarter %q: want YEAR-Qn with n from 1 to 4, e.g. 2026-Q4", s)
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return Quarter{y, q}, nil
}

// QuarterOf is the quarter t falls in (UTC).
func QuarterOf(t time.Time) Quarter {
	t = t.UTC()
	return Quarter{t.Year(), (int(t.Month())-1)/3 + 1}
}

func (q Quarter) String() string { return fmt.Sprintf("%d-Q%d", q.Year, q.Q) }

// Start is the quarter's first instant.
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first instant after the quarter.
func (q Quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// Prev is the quarter before.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{q.Year - 1, 4}
	}
	return Quarter{q.Year, q.Q - 1}
}

// Contains reports whether t falls in the quarter.
func (q Quarter) Contains(t time.Time) bool { return !t.Before(q.Start()) && t.Before(q.End()) }

// window is the quarter and the three before it: the last 12 months,
// oldest first.
func (q Quarter) window() []Quarter {
	w := []Quarter{q}
	for len(w) < 4 {
		w = append([]Quarter{w[0].Prev()}, w...)
	}
	return w
}

// SourceBundle is one verified bundle a quarterly pack summarises.
type SourceBundle struct {
	Path              string    `json:"path"` // relative to the directory searched
	ExerciseID        string    `json:"exercise_id"`
	Kind              string    `json:"kind"`
	Start             time.Time `json:"start"`
	Quarter           string    `json:"quarter"`
	Result            string    `json:"result"`
	Signer            string    `json:"signer"`
	ManifestSHA256    string    `json:"manifest_sha256"`
	AttestationSHA256 string    `json:"attestation_sha256"`
}

// ExcludedBundle is a bundle left out of a pack because it failed
// verification.
type ExcludedBundle struct {
	Path     string   `json:"path"`
	Problems []string `json:"problems"`
}

// Pack describes a quarterly readiness pack WriteQuarter wrote.
type Pack struct {
	Dir        string
	Zip        string
	Quarter    Quarter
	Exercises  int // bundles in the quarter
	Earlier    int // bundles of the three quarters before, for trends
	Excluded   []ExcludedBundle
	Result     string
	Signer     string
	KeyCreated string
	Files      []FileDigest
}

// WithVerifyOptions passes trust settings to the verification WriteQuarter
// runs on every bundle it reads.
func WithVerifyOptions(vo ...VerifyOption) Option {
	return func(o *options) { o.verify = append(o.verify, vo...) }
}

// WithPolicy sets what an exercise must meet to count as a test of the
// plan (default: DefaultPolicy).
func WithPolicy(p Policy) Option { return func(o *options) { o.policy = &p } }

// WithAllowUntrusted reads bundles whose signer is not pinned (a trusted
// key, the trust file or the user's own key) instead of leaving them out.
func WithAllowUntrusted() Option { return func(o *options) { o.allowUntrusted = true } }

// withNow fixes the time a pack is written at (tests).
func withNow(t time.Time) Option { return func(o *options) { o.now = func() time.Time { return t } } }

func (o options) planPolicy() Policy {
	if o.policy != nil {
		return *o.policy
	}
	return DefaultPolicy()
}

// QuarterFile is the pack's machine-readable summary.
const QuarterFile = "quarter.json"

// QuarterSummary is quarter.json.
type QuarterSummary struct {
	Quarter string   `json:"quarter"`
	Window  []string `json:"window"` // the last 12 months, oldest quarter first
	Result  string   `json:"result"`
	// Summary is the one sentence a board reads.
	Summary string `json:"summary"`
	// Reasons are why the result is not PASSED, by the verdict policy.
	Reasons        []string           `json:"result_reasons,omitempty"`
	VerdictPolicy  []string           `json:"verdict_policy"`
	Policy         Policy             `json:"plan_test_policy"`
	ReadinessScore *float64           `json:"readiness_score,omitempty"`
	Exercises      []ExerciseSummary  `json:"exercises"`
	Scenarios      []ScenarioSummary  `json:"scenarios"`
	Trend          []TrendPoint       `json:"trend"`
	OpenItems      []OpenItem         `json:"open_improvements"`
	Controls       []QuarterControl   `json:"controls"`
	PCI12102       PCITestingInterval `json:"pci_12_10_2"`
	Excluded       []ExcludedBundle   `json:"excluded,omitempty"`
}

// ExerciseSummary is one exercise in the window.
type ExerciseSummary struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Title    string    `json:"title"`
	Start    time.Time `json:"start"`
	Quarter  string    `json:"quarter"`
	Result   string    `json:"result"`
	Score    *float64  `json:"readiness_score,omitempty"`
	Passed   int       `json:"passed"`
	Total    int       `json:"scenarios"`
	Gaps     []string  `json:"gaps,omitempty"`
	Path     string    `json:"path"`
	InPeriod bool      `json:"in_quarter"`
}

// ScenarioSummary is how one scenario fared over the window.
type ScenarioSummary struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	RunsInQuarter  int      `json:"runs_in_quarter"`
	RunsIn12Months int      `json:"runs_in_12_months"`
	Outcomes       []string `json:"outcomes_in_quarter"`
	Latest         string   `json:"latest_outcome"`
	LatestExercise string   `json:"latest_exercise"`
	BestDetect     *float64 `json:"best_detect_s,omitempty"`
	WorstDetect    *float64 `json:"worst_detect_s,omitempty"`
	MedianContain  *float64 `json:"median_contain_s,omitempty"`
}

// ExercisedThisQuarter reports whether the scenario ran in the quarter.
func (s ScenarioSummary) ExercisedThisQuarter() bool { return s.RunsInQuarter > 0 }

// TrendPoint is one quarter's times.
type TrendPoint struct {
	Quarter        string   `json:"quarter"`
	Exercises      int      `json:"exercises"`
	Scenarios      int      `json:"scenario_runs"`
	Passed         int      `json:"passed"`
	MedianDetect   *float64 `json:"median_detect_s,omitempty"`
	P95Detect      *float64 `json:"p95_detect_s,omitempty"`
	MedianContain  *float64 `json:"median_contain_s,omitempty"`
	P95Contain     *float64 `json:"p95_contain_s,omitempty"`
	ReadinessScore *float64 `json:"readiness_score,omitempty"`
}

// OpenItem is an improvement item not yet done.
type OpenItem struct {
	PlanItem
	Exercise string    `json:"exercise"`
	Raised   time.Time `json:"raised"`
	Overdue  bool      `json:"overdue"`
}

// QuarterControl is a control's coverage this quarter and over 12 months.
type QuarterControl struct {
	Control
	ThisQuarter   string    `json:"this_quarter"` // exercised, exercised, gap found, not exercised
	Last12Months  bool      `json:"last_12_months"`
	LastExercised time.Time `json:"last_exercised,omitempty"`
	By            []string  `json:"exercises,omitempty"` // this quarter
}

// PCITestingInterval is PCI DSS 12.10.2 (and SOC 2 CC7.4): the plan tested
// within 12 months by an exercise that meets the plan-test policy.
type PCITestingInterval struct {
	Tested     bool      `json:"tested_in_12_months"`
	LastTested time.Time `json:"last_tested,omitempty"`
	Exercise   string    `json:"exercise,omitempty"`
	NextDue    time.Time `json:"next_due,omitempty"`
	// Why: how the last test met the policy, or why no exercise did.
	Why []string `json:"why"`
}

type sourceExercise struct {
	src SourceBundle
	x   *exercise
}

// WriteQuarter builds the quarterly readiness pack for q from every bundle
// (directory or zip) found under in, verifying each first: a bundle that
// fails is left out and listed. Bundles of the three quarters before q
// feed the trends and the 12-month control coverage. The pack is signed
// like a bundle and `breachdrill evidence verify` checks it.
func WriteQuarter(ctx context.Context, dir string, q Quarter, in string, opts ...Option) (Pack, error) {
	o := buildOptions(opts)
	key, created, err := o.signingKey()
	if err != nil {
		return Pack{}, err
	}
	found, excluded, err := collectBundles(ctx, in, dir, o.verify, o.planPolicy(), o.allowUntrusted)
	if err != nil {
		return Pack{}, err
	}
	window := q.window()
	var inWindow []sourceExercise
	for _, s := range found {
		if !s.x.Start.Before(window[0].Start()) && s.x.Start.Before(q.End()) {
			inWindow = append(inWindow, s)
		}
	}
	sort.Slice(inWindow, func(i, j int) bool { return inWindow[i].x.Start.Before(inWindow[j].x.Start) })
	asOf := o.now()
	if asOf.After(q.End()) {
		asOf = q.End()
	}
	sum := summarise(q, inWindow, found, excluded, asOf, o.planPolicy())
	pack := Pack{Dir: dir, Quarter: q, Excluded: excluded, Result: sum.Result, KeyCreated: created}
	for _, s := range inWindow {
		if q.Contains(s.x.Start) {
			pack.Exercises++
		} else {
			pack.Earlier++
		}
	}
	pub := key.Public().(ed25519.PublicKey)
	fp := Fingerprint(pub)
	files, err := renderQuarter(sum, inWindow, fp)
	if err != nil {
		return Pack{}, err
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return Pack{}, err
	}
	files = append(files, File{PublicKeyFile, pubPEM})
	m := Manifest{
		Format: FormatV1, Bundle: BundleQuarterly, Quarter: q.String(),
		Title: "Quarterly readiness pack " + q.String(),
		Start: q.Start(), End: q.End().Add(-time.Second), Result: sum.Result,
		ToolVersion: o.toolVersion(),
		Signer:      ManifestSigner{Algorithm: "ed25519", Fingerprint: fp, PublicKey: PublicKeyFile},
		Collection: ManifestCollection{
			CollectedBy: "breachdrill evidence quarter",
			From:        window[0].Start(), To: q.End().Add(-time.Second),
			Method: "summarised from evidence bundles that passed verification; each source is pinned by the SHA-256 of its manifest and attestation",
		},
	}
	for _, s := range inWindow {
		m.Sources = append(m.Sources, s.src)
	}
	files = append(files, File{ManifestFile, nil})
	if files, err = finishManifest(files, m); err != nil {
		return Pack{}, err
	}
	var t tests
	t.passed, t.warned, t.failed = []string{}, []string{}, []string{}
	for _, sc := range sum.Scenarios {
		if sc.RunsInQuarter == 0 {
			continue
		}
		switch {
		case timeline.Gap(sc.Latest) || timeline.Incomplete(sc.Latest):
			// Not measured is not a pass; the predicate has no other place.
			t.failed = append(t.failed, sc.ID)
		case sc.Latest == timeline.OutcomePassed || sc.Latest == timeline.OutcomeDiscussed:
			t.passed = append(t.passed, sc.ID)
		default:
			t.warned = append(t.warned, sc.ID)
		}
	}
	var config []ResourceDescriptor
	for _, s := range inWindow {
		config = append(config, ResourceDescriptor{Name: s.src.Path + "/" + AttestationFile, Digest: map[string]string{"sha256": s.src.AttestationSHA256}})
	}
	if config == nil {
		config = []ResourceDescriptor{}
	}
	if files, err = seal(files, key, predicateResult(sum.Result), t, config); err != nil {
		return Pack{}, err
	}
	if err := checkSecrets(files, o.secrets); err != nil {
		return Pack{}, err
	}
	if err := ctx.Err(); err != nil {
		return Pack{}, err
	}
	pack.Signer = fp
	for _, f := range files {
		pack.Files = append(pack.Files, digestOf(f))
	}
	if pack.Zip, err = install(dir, files, o); err != nil {
		return Pack{}, err
	}
	return pack, nil
}

func (o options) toolVersion() string {
	if o.version != "" {
		return o.version
	}
	return "unknown"
}

// WithToolVersion records the version of breachdrill writing a pack.
func WithToolVersion(v string) Option { return func(o *options) { o.version = v } }

// collectBundles finds and verifies every exercise bundle under root.
// skip (the pack being written) is never read.
func collectBundles(ctx context.Context, root, skip string, vo []VerifyOption, policy Policy, allowUntrusted bool) ([]sourceExercise, []ExcludedBundle, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("%s: not a directory", root)
	}
	skipAbs, _ := filepath.Abs(skip)
	var candidates []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if abs, _ := filepath.Abs(p); abs == skipAbs || strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(p, ManifestFile)); err == nil {
				candidates = append(candidates, p)
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".zip") {
			// A zip beside its own directory is the same bundle twice.
			if _, err := os.Stat(filepath.Join(strings.TrimSuffix(p, ".zip"), ManifestFile)); err != nil {
				candidates = append(candidates, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("search %s: %w", root, err)
	}
	sort.Strings(candidates)
	var out []sourceExercise
	var excluded []ExcludedBundle
	seen := map[string]string{}
	for _, p := range candidates {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		v, err := Verify(ctx, p, vo...)
		if err != nil {
			excluded = append(excluded, ExcludedBundle{Path: rel, Problems: []string{err.Error()}})
			continue
		}
		if v.Bundle == BundleQuarterly {
			continue
		}
		if !v.OK() {
			e := ExcludedBundle{Path: rel}
			for _, pr := range v.Problems {
				e.Problems = append(e.Problems, pr.String())
			}
			excluded = append(excluded, e)
			continue
		}
		if !v.Trust.Match && !allowUntrusted {
			// Intact but signed by anyone: a pack must not launder it.
			excluded = append(excluded, ExcludedBundle{Path: rel, Problems: []string{"integrity OK, signer " + v.Signer + " not trusted: pin it (--trusted-key or the trust file) or pass --allow-untrusted"}})
			continue
		}
		events, err := timeline.ReadJSONL(bytes.NewReader(v.files[TimelineFile]))
		if err != nil {
			excluded = append(excluded, ExcludedBundle{Path: rel, Problems: []string{err.Error()}})
			continue
		}
		x, err := analyse(events, defaultDue)
		if err != nil {
			excluded = append(excluded, ExcludedBundle{Path: rel, Problems: []string{err.Error()}})
			continue
		}
		// The pack judges "the plan was tested" by the user's policy.
		x.Policy = policy
		x.Controls, x.OtherControls = coverage(x)
		if _, dup := seen[x.ID]; dup {
			// The same exercise copied twice must not count twice.
			continue
		}
		seen[x.ID] = rel
		out = append(out, sourceExercise{
			src: SourceBundle{
				Path: rel, ExerciseID: x.ID, Kind: x.Kind, Start: x.Start, Quarter: QuarterOf(x.Start).String(),
				Result: x.Result, Signer: v.Signer,
				ManifestSHA256:    sha256Hex(v.files[ManifestFile]),
				AttestationSHA256: sha256Hex(v.files[AttestationFile]),
			},
			x: x,
		})
	}
	return out, excluded, nil
}

// summarise builds quarter.json. asOf is when the pack is written, or the
// quarter's end for a past quarter: items due before it are overdue.
func summarise(q Quarter, inWindow, all []sourceExercise, excluded []ExcludedBundle, asOf time.Time, policy Policy) QuarterSummary {
	sum := QuarterSummary{Quarter: q.String(), Exercises: []ExerciseSummary{}, Scenarios: []ScenarioSummary{}, OpenItems: []OpenItem{}, Excluded: excluded,
		VerdictPolicy: verdictPolicy(), Policy: policy}
	window := q.window()
	for _, w := range window {
		sum.Window = append(sum.Window, w.String())
	}
	var quarterRatings []rating
	byScenario := map[string]*ScenarioSummary{}
	var scenarioOrder []string
	contain := map[string][]float64{}
	for _, s := range inWindow {
		x := s.x
		in := q.Contains(x.Start)
		es := ExerciseSummary{ID: x.ID, Kind: x.Kind, Title: x.Title, Start: x.Start, Quarter: QuarterOf(x.Start).String(),
			Result: x.Result, Score: x.Score, Passed: x.Passed(), Total: len(x.Scenarios), Path: s.src.Path, InPeriod: in}
		for _, g := range x.Gaps() {
			es.Gaps = append(es.Gaps, g.Info.ID)
		}
		sum.Exercises = append(sum.Exercises, es)
		if in {
			quarterRatings = append(quarterRatings, x.AllRatings()...)
		}
		for _, sc := range x.Scenarios {
			ss := byScenario[sc.Info.ID]
			if ss == nil {
				ss = &ScenarioSummary{ID: sc.Info.ID, Title: sc.Info.Title, Outcomes: []string{}}
				byScenario[sc.Info.ID] = ss
				scenarioOrder = append(scenarioOrder, sc.Info.ID)
			}
			ss.RunsIn12Months++
			if !in {
				continue
			}
			ss.RunsInQuarter++
			ss.Outcomes = append(ss.Outcomes, sc.Outcome)
			ss.Latest, ss.LatestExercise = sc.Outcome, x.ID
			if sc.TimeToDetect != nil {
				if ss.BestDetect == nil || *sc.TimeToDetect < *ss.BestDetect {
					ss.BestDetect = sc.TimeToDetect
				}
				if ss.WorstDetect == nil || *sc.TimeToDetect > *ss.WorstDetect {
					ss.WorstDetect = sc.TimeToDetect
				}
			}
			if sc.TimeToContain != nil {
				contain[sc.Info.ID] = append(contain[sc.Info.ID], *sc.TimeToContain)
			}
		}
	}
	sort.Strings(scenarioOrder)
	for _, id := range scenarioOrder {
		ss := byScenario[id]
		if c := contain[id]; len(c) > 0 {
			m := timeline.Percentile(c, 50)
			ss.MedianContain = &m
		}
		sum.Scenarios = append(sum.Scenarios, *ss)
	}
	sum.ReadinessScore = scoreOf(quarterRatings)

	for _, w := range window {
		tp := TrendPoint{Quarter: w.String()}
		var det, con []float64
		var rs []rating
		for _, s := range inWindow {
			if !w.Contains(s.x.Start) {
				continue
			}
			tp.Exercises++
			rs = append(rs, s.x.AllRatings()...)
			for _, sc := range s.x.Scenarios {
				if !sc.Measured() {
					continue
				}
				tp.Scenarios++
				if sc.Outcome == timeline.OutcomePassed {
					tp.Passed++
				}
				if sc.TimeToDetect != nil {
					det = append(det, *sc.TimeToDetect)
				}
				if sc.TimeToContain != nil {
					con = append(con, *sc.TimeToContain)
				}
			}
		}
		tp.MedianDetect, tp.P95Detect = pct(det, 50), pct(det, 95)
		tp.MedianContain, tp.P95Contain = pct(con, 50), pct(con, 95)
		tp.ReadinessScore = scoreOf(rs)
		sum.Trend = append(sum.Trend, tp)
	}

	sum.OpenItems = openItems(q, all, asOf)
	sum.Controls, sum.PCI12102 = quarterControls(q, inWindow, policy)
	sum.Result, sum.Reasons = quarterVerdict(q, inWindow, sum)
	sum.Summary = boardSummary(q, inWindow, sum)
	return sum
}

func pct(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	v := timeline.Percentile(xs, p)
	return &v
}

// openItems lists improvement items raised up to the end of q and not yet
// done. A recorded item is closed by a later record of the same item with
// a done status; an item derived from a gap is closed once a later
// exercise passes that scenario.
func openItems(q Quarter, all []sourceExercise, asOf time.Time) []OpenItem {
	sorted := append([]sourceExercise(nil), all...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].x.Start.Before(sorted[j].x.Start) })
	items := map[string]*OpenItem{}
	var order []string
	lastPass := map[string]time.Time{}
	for _, s := range sorted {
		if !s.x.Start.Before(q.End()) {
			continue
		}
		for _, sc := range s.x.Scenarios {
			if sc.Outcome == timeline.OutcomePassed {
				lastPass[sc.Info.ID] = s.x.Start
			}
		}
		for _, it := range s.x.Plan {
			key := strings.ToLower(strings.TrimSpace(it.Item))
			if it.Derived {
				key = "derived:" + it.Scenario + ":" + strings.Join(strings.Fields(key)[:min(3, len(strings.Fields(key)))], " ")
			}
			if prev, ok := items[key]; ok {
				prev.PlanItem.Status = it.Status
				continue
			}
			items[key] = &OpenItem{PlanItem: it, Exercise: s.x.ID, Raised: s.x.Start}
			order = append(order, key)
		}
	}
	out := []OpenItem{}
	for _, k := range order {
		it := items[k]
		if !it.Open() {
			continue
		}
		if it.Derived && lastPass[it.Scenario].After(it.Raised) {
			continue
		}
		if due, err := time.Parse(time.DateOnly, it.Due); err == nil && due.Before(asOf) {
			it.Overdue = true
		}
		out = append(out, *it)
	}
	return out
}

func quarterControls(q Quarter, inWindow []sourceExercise, policy Policy) ([]QuarterControl, PCITestingInterval) {
	var rows []QuarterControl
	var pci PCITestingInterval
	for _, c := range catalogue() {
		rows = append(rows, QuarterControl{Control: c, ThisQuarter: ControlNotExercised})
	}
	for _, s := range inWindow {
		for i, cc := range s.x.Controls {
			row := &rows[i]
			if cc.Status == ControlNotExercised {
				continue
			}
			row.Last12Months = true
			if s.x.Start.After(row.LastExercised) {
				row.LastExercised = s.x.Start
			}
			if !q.Contains(s.x.Start) {
				continue
			}
			row.By = append(row.By, s.x.ID)
			if cc.Status == ControlGap || row.ThisQuarter == ControlNotExercised {
				row.ThisQuarter = cc.Status
			}
		}
		// Only an exercise that meets the policy tests the plan.
		ok, why := planTested(s.x, policy)
		if ok && !s.x.Start.Before(pci.LastTested) {
			pci.Tested, pci.LastTested, pci.Exercise = true, s.x.Start, s.x.ID
			pci.NextDue = s.x.Start.AddDate(1, 0, 0)
			pci.Why = []string{s.x.ID + ": " + why}
		}
		if !ok && !pci.Tested {
			pci.Why = append(pci.Why, s.x.ID+": "+why)
		}
	}
	if len(inWindow) == 0 {
		pci.Why = []string{"no exercise in the last 12 months"}
	}
	return rows, pci
}
