package reports

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcomeRun records a drill whose scenarios end the given ways. Each
// scenario is recorded the way the engine records it: T0 at the first
// inject step, checks that fail before the response, and so on.
func outcomeRun(t *testing.T, id string, selected []string, plays map[string]string, runEnd string) []timeline.Event {
	t.Helper()
	r := newRecorder(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	const bot = "breachdrill"
	r.add(timeline.KindRunStart, "", bot, "drill", timeline.RunInfo{ExerciseID: id, Kind: timeline.ExerciseDrill, ToolVersion: "test", Scenarios: selected,
		Stack:   &timeline.StackInfo{WordPressVersion: "6.8", WooCommerceMode: "plugin", WooCommerceVersion: "10.0.2", MariaDBVersion: "11.8", PHPVersion: "8.4", ImageSource: "debian"},
		Dataset: &timeline.DatasetInfo{Seed: 1, Customers: 300, Orders: 1000}})
	for _, sid := range selected {
		play, ok := plays[sid]
		if !ok {
			continue // never started
		}
		step := func(stage string, i int, args string) {
			r.wait(time.Second).add(timeline.KindStepStart, sid, bot, stage, timeline.Step{Stage: stage, Index: i, Action: "http.request", Args: args})
			r.wait(time.Second).add(timeline.KindStepDone, sid, bot, stage+" done", timeline.Step{Stage: stage, Index: i, Action: "http.request", Args: args})
		}
		check := func(stage string, pass bool) {
			r.wait(time.Second).add(timeline.KindCheck, sid, bot, "check", timeline.Check{Stage: stage, Name: "/leak answers 404", Pass: pass})
		}
		end := func(outcome, reason string) {
			r.wait(time.Second).add(timeline.KindScenarioEnd, sid, bot, "end", timeline.ScenarioEnd{Outcome: outcome, Reason: reason})
		}
		r.wait(time.Second).add(timeline.KindScenarioStart, sid, bot, "start", timeline.ScenarioInfo{ID: sid, Title: "Scenario " + sid, Severity: "high", Version: "sha256:" + sha([]byte(sid)),
			Controls: []string{"SOC2:CC7.4", "PCI:12.10.1"}, Expect: []timeline.Expect{{Rule: "rule-" + sid, WithinSeconds: 30}}, ContainWithinSeconds: 120})
		step("inject", 1, "GET /leak")
		switch play {
		case "pass", "miss":
			r.wait(time.Second).add(timeline.KindInjected, sid, bot, "inject complete", nil)
			if play == "pass" {
				r.wait(2*time.Second).add(timeline.KindAlert, sid, "detect", "alert", timeline.Alert{Rule: "rule-" + sid, Window: "observe", Source: "access", Matched: []string{`{"path":"/leak"}`}})
			}
			check(timeline.CheckBefore, false)
			step("respond", 1, "delete /leak")
			check(timeline.CheckAfter, true)
			r.wait(time.Second).add(timeline.KindContained, sid, bot, "contained", nil)
			r.wait(time.Second).add(timeline.KindRecovered, sid, bot, "recovered", nil)
			end("", "")
		case timeline.OutcomeInfra:
			r.wait(time.Second).add(timeline.KindFault, sid, bot, "fault", timeline.Fault{Error: "observe: the wp container stopped"})
			end(timeline.OutcomeInfra, "")
		case timeline.OutcomeInterrupted:
			end(timeline.OutcomeInterrupted, "stopped during observe")
		case timeline.OutcomeScenarioFault:
			r.wait(time.Second).add(timeline.KindAlert, sid, "detect", "alert", timeline.Alert{Rule: "rule-" + sid, Window: "observe", Source: "access"})
			check(timeline.CheckBefore, true)
			end(timeline.OutcomeScenarioFault, "containment check already passed before the response")
		}
	}
	if runEnd != "" {
		r.wait(time.Second).add(timeline.KindRunEnd, "", bot, runEnd, timeline.RunEnd{Outcome: runEnd})
	}
	return r.tl.Events()
}

// TestEveryFormatAgreesOnTheVerdict writes one bundle per kind of outcome
// and reads the verdict back from every format: results.json, report.md,
// report.html, junit.xml, OSCAL, the in-toto predicate, the manifest and a
// quarterly pack over that bundle alone. Nothing that was not measured may
// read as a pass anywhere, and scenarios that did not run are listed with
// the reason.
func TestEveryFormatAgreesOnTheVerdict(t *testing.T) {
	ten := []string{"s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10"}
	tests := []struct {
		name     string
		selected []string
		plays    map[string]string
		runEnd   string
		result   string // in our own formats
		notRun   int
	}{
		{"passed", []string{"s01", "s02"}, map[string]string{"s01": "pass", "s02": "pass"}, "passed", ResultPassed, 0},
		{"readiness gap", []string{"s01", "s02"}, map[string]string{"s01": "pass", "s02": "miss"}, "gaps", ResultFailed, 0},
		{"infrastructure error after 1 of 10", ten, map[string]string{"s01": "pass", "s02": timeline.OutcomeInfra}, timeline.OutcomeInfra, ResultIncomplete, 8},
		{"aborted after 1 of 10 passed", ten, map[string]string{"s01": "pass"}, timeline.OutcomeInfra, ResultIncomplete, 9},
		{"interrupted", []string{"s01", "s02"}, map[string]string{"s01": "pass", "s02": timeline.OutcomeInterrupted}, timeline.OutcomeInterrupted, ResultIncomplete, 0},
		{"scenario fault", []string{"s01", "s02"}, map[string]string{"s01": "pass", "s02": timeline.OutcomeScenarioFault}, timeline.OutcomeScenarioFault, ResultIncomplete, 0},
		{"crashed without run.end", []string{"s01", "s02", "s03"}, map[string]string{"s01": "pass"}, "", ResultIncomplete, 2},
		{"provisioning failed", []string{"s01", "s02"}, map[string]string{}, timeline.OutcomeInfra, ResultIncomplete, 2},
	}
	key := testKey(7)
	pub := key.Public().(ed25519.PublicKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			id := "drill-" + strings.ReplaceAll(tt.name, " ", "-")
			events := outcomeRun(t, id, tt.selected, tt.plays, tt.runEnd)
			dir := filepath.Join(root, "bundles", id)
			b, err := WriteBundle(context.Background(), dir, Input{Events: events}, WithKey(key))
			require.NoError(t, err)
			assert.Equal(t, tt.result, b.Result, "Bundle.Result (the CLI's exit code follows it)")
			pass := tt.result == ResultPassed

			// results.json
			var res Results
			readJSON(t, filepath.Join(dir, ResultsFile), &res)
			assert.Equal(t, tt.result, res.Result)
			assert.Len(t, res.Scenarios, len(tt.selected), "every selected scenario is listed")
			notRun := 0
			for _, s := range res.Scenarios {
				if s.Outcome == timeline.OutcomeNotRun {
					notRun++
					assert.Contains(t, s.Reason, "not run: ", s.ID)
				}
			}
			assert.Equal(t, tt.notRun, notRun)
			if !pass {
				assert.NotContains(t, res.Summary, "PASSED")
			}
			if tt.result == ResultIncomplete {
				assert.Nil(t, res.ReadinessScore, "no score over what was not measured")
			}

			// report.md
			md := readFile(t, filepath.Join(dir, ReportMDFile))
			assert.Contains(t, md, "Result: **"+tt.result+"**")
			if tt.notRun > 0 {
				assert.Contains(t, md, "## Not measured")
				assert.Equal(t, tt.notRun, strings.Count(md, "| not-run | not run: "))
			}

			// report.html
			page := readFile(t, filepath.Join(dir, ReportHTMLFile))
			card := regexp.MustCompile(`(?s)id="result">.*?<div class="big">(.*?)</div>`).FindStringSubmatch(page)
			require.Len(t, card, 2)
			if pass {
				assert.Equal(t, "PASS", card[1])
			} else {
				counts := regexp.MustCompile(`(?s)Scenarios passed</div><div class="big">(\d+) / (\d+)</div>`).FindStringSubmatch(page)
				require.Len(t, counts, 3)
				assert.Equal(t, strconv.Itoa(len(tt.selected)), counts[2], "passed out of every selected scenario, not of those that ran")
				assert.NotContains(t, card[1], "PASS ", "the verdict card")
				assert.NotEqual(t, "PASS", card[1])
				assert.NotContains(t, page, `class="card pass"`)
			}

			// junit.xml
			var suites junitSuites
			require.NoError(t, xml.Unmarshal([]byte(readFile(t, filepath.Join(dir, JUnitFile))), &suites))
			switch tt.result {
			case ResultPassed:
				assert.Zero(t, suites.Failures+suites.Errors)
			case ResultFailed:
				assert.Positive(t, suites.Failures)
			case ResultIncomplete:
				assert.Positive(t, suites.Errors, "an incomplete run is a JUnit error, never all green")
				assert.Zero(t, suites.Failures, "nor a detection failure")
				assert.Equal(t, tt.notRun, suites.Skipped)
				for _, s := range suites.Suites {
					for _, c := range s.Cases {
						if c.Skipped != nil {
							assert.Contains(t, c.Skipped.Message, "not run: ")
						}
						if c.Error != nil {
							assert.NotEmpty(t, c.Error.Type)
							assert.NotEmpty(t, c.Error.Message)
						}
					}
				}
			}

			// OSCAL
			var doc struct {
				AR struct {
					Metadata struct {
						Props []struct{ Name, Value string } `json:"props"`
					} `json:"metadata"`
					Results []struct {
						Findings []struct {
							Target struct {
								Status struct{ State, Reason string } `json:"status"`
							} `json:"target"`
							Description string `json:"description"`
						} `json:"findings"`
					} `json:"results"`
				} `json:"assessment-results"`
			}
			readJSON(t, filepath.Join(dir, OSCALFile), &doc)
			props := map[string]string{}
			for _, p := range doc.AR.Metadata.Props {
				props[p.Name] = p.Value
			}
			assert.Equal(t, tt.result, props["result"])
			notSatisfied := 0
			for _, f := range doc.AR.Results[0].Findings {
				if f.Target.Status.State == "not-satisfied" {
					notSatisfied++
				}
			}
			assert.Equal(t, pass, notSatisfied == 0, "OSCAL findings")

			// in-toto predicate and manifest
			var env Envelope
			readJSON(t, filepath.Join(dir, AttestationFile), &env)
			payload, err := base64.StdEncoding.DecodeString(env.Payload)
			require.NoError(t, err)
			var st Statement
			require.NoError(t, json.Unmarshal(payload, &st))
			assert.Equal(t, predicateResult(tt.result), st.Predicate.Result)
			assert.Equal(t, pass, st.Predicate.Result == ResultPassed)
			var m Manifest
			readJSON(t, filepath.Join(dir, ManifestFile), &m)
			assert.Equal(t, tt.result, m.Result)

			// quarterly pack over this bundle alone
			pack, err := WriteQuarter(context.Background(), filepath.Join(root, "pack"), Quarter{2026, 4}, filepath.Join(root, "bundles"),
				WithKey(key), WithVerifyOptions(WithTrustedKeys(pub)), withNow(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)))
			require.NoError(t, err)
			require.Empty(t, pack.Excluded)
			assert.Equal(t, pass, pack.Result == ResultPassed, "quarter result %s", pack.Result)
			qmd := readFile(t, filepath.Join(root, "pack", ReportMDFile))
			assert.Equal(t, pass, strings.Contains(qmd, "Quarter result: **PASSED**"), "quarter report.md")
		})
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
