package reports

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// recorder builds timelines with exact, controlled times: the clock only
// moves when the test says so.
type recorder struct {
	now time.Time
	tl  *timeline.Timeline
}

func newRecorder(start time.Time) *recorder {
	r := &recorder{now: start}
	r.tl = timeline.New(timeline.WithClock(func() time.Time { return r.now }))
	return r
}

func (r *recorder) wait(d time.Duration) *recorder {
	r.now = r.now.Add(d)
	return r
}

func (r *recorder) add(kind timeline.Kind, scenario, actor, summary string, data any) {
	r.tl.MustAppend(timeline.Entry{Kind: kind, Scenario: scenario, Actor: actor, Summary: summary, Data: data})
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// spec is one scenario of the fixture drill and how it goes.
type spec struct {
	id, title, severity string
	controls            []string
	rules               []string
	within              float64
	containWithin       float64
	detect              []float64 // per rule, seconds after the inject; <0: never fires
	contain             float64   // <0: not contained
	source              string
	card, personal      bool
	exposure            *timeline.Exposure
	extraAlert          string // a rule that fires although not expected
	noise               int    // that many more low-severity alerts, spread over the scenario
}

func catalogueSpecs() []spec {
	return []spec{
		{id: "debug-log-exposure", title: "Debug mode left on in production exposes credentials", severity: "high",
			controls: []string{"SOC2:CC7.4", "ISO27001:5.26", "PCI:12.10.1"}, rules: []string{"wp-debug-log-public"}, within: 30, containWithin: 120,
			detect: []float64{6.2}, contain: 44, source: "state"},
		{id: "rogue-plugin-backdoor", title: "A backdoored plugin is installed", severity: "critical",
			controls: []string{"SOC2:CC7.3", "PCI:12.10.5", "ISO27001:5.25"}, rules: []string{"fim-new-php-file", "webshell-request"}, within: 60, containWithin: 180,
			detect: []float64{11.5, 19}, contain: 95, source: "fim"},
		{id: "tampered-plugin-update", title: "A plugin update is tampered with", severity: "high",
			controls: []string{"PCI:12.10.5", "ISO27001:5.26"}, rules: []string{"fim-plugin-modified"}, within: 60, containWithin: 180,
			detect: []float64{21}, contain: 130, source: "fim"},
		{id: "exposed-db-backup", title: "A database dump is left in the web root", severity: "critical",
			controls: []string{"GDPR:33", "GDPR:34", "DORA:19", "NYDFS:500.17", "ISO27001:5.28"}, rules: []string{"backup-file-exposed"}, within: 30, containWithin: 120,
			detect: []float64{8}, contain: 61, source: "state", personal: true,
			exposure: &timeline.Exposure{Artifact: "GET /wp-content/backup-2026.sql", Bytes: 4_812_331, Subjects: 250, Records: 1250,
				Canaries: []string{"cn-001", "cn-002", "cn-003"}, Categories: map[string]int{"email": 250, "address": 250, "phone": 250, "name": 250, "password_hash": 250}}},
		{id: "plaintext-pan-order-meta", title: "Card numbers stored in plaintext order meta", severity: "critical",
			controls: []string{"PCI:12.10.7", "PCI:3.5.1"}, rules: []string{"pan-in-database"}, within: 90, containWithin: 300,
			detect: []float64{42}, contain: 180, source: "state", card: true,
			exposure: &timeline.Exposure{Artifact: "wp_wc_orders_meta (12 rows)", Bytes: 2048, Subjects: 12, Records: 12, CardNumber: true, Categories: map[string]int{"card": 12}}},
		{id: "pii-in-options-transients", title: "Customer PII cached in options and transients", severity: "medium",
			controls: []string{"GDPR:33", "ISO27001:5.26"}, rules: []string{"pii-in-options"}, within: 120, containWithin: 120,
			detect: []float64{65}, contain: 212, source: "state", personal: true},
		{id: "rogue-admin-bulk-export", title: "A rogue administrator exports every customer", severity: "critical",
			controls: []string{"SOC2:CC7.4", "GDPR:33", "DORA:19", "PCI:10.2.1.2"}, rules: []string{"wp-admin-created", "db-bulk-pii-read"}, within: 60, containWithin: 240,
			detect: []float64{3.1, 27}, contain: 150, source: "audit", personal: true,
			exposure: &timeline.Exposure{Artifact: "GET /wp-admin/admin-ajax.php?action=export_customers", Bytes: 96_211, Subjects: 500, Records: 500, Categories: map[string]int{"email": 500, "name": 500, "address": 500}}},
		{id: "ajax-sqli-exfiltration", title: "SQL injection through an AJAX action exfiltrates orders", severity: "critical",
			controls: []string{"SOC2:CC7.4", "GDPR:33", "NYDFS:500.17"}, rules: []string{"db-union-select-pii"}, within: 30, containWithin: 180,
			detect: []float64{7.5}, contain: -1, source: "db-audit", personal: true,
			exposure: &timeline.Exposure{Artifact: "POST /wp-admin/admin-ajax.php (union select)", Bytes: 31_003, Subjects: 40, Records: 120, Categories: map[string]int{"email": 40, "order": 80}}},
		{id: "graphql-pii-harvest", title: "GraphQL alias batching harvests customer PII", severity: "high",
			controls: []string{"SOC2:CC7.3", "GDPR:33"}, rules: []string{"graphql-alias-batching"}, within: 30, containWithin: 180,
			detect: []float64{75}, contain: 140, source: "graphql", personal: true,
			exposure: &timeline.Exposure{Artifact: "POST /graphql (40 aliases)", Bytes: 22_544, Subjects: 120, Records: 120, Categories: map[string]int{"email": 120, "phone": 120}}},
		{id: "rest-user-enumeration", title: "User enumeration through the REST API", severity: "medium",
			controls: []string{"SOC2:CC7.3", "ISO27001:5.25"}, rules: []string{"rest-user-enumeration"}, within: 30, containWithin: 120,
			detect: []float64{-1}, contain: 80, source: "access", extraAlert: "web-scanner-user-agent"},
	}
}

func fileFor(s spec) File {
	return File{Name: s.id + ".yaml", Data: []byte(fmt.Sprintf("id: %s\ntitle: %q\nseverity: %s\ncontrols: %v\n", s.id, s.title, s.severity, s.controls))}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// drill records a realistic 10-scenario automated drill and returns its
// events and scenario files.
func drill(tb testing.TB, id string, start time.Time, specs []spec) ([]timeline.Event, []File) {
	tb.Helper()
	r := newRecorder(start)
	var ids []string
	var files []File
	for _, s := range specs {
		ids = append(ids, s.id)
		files = append(files, fileFor(s))
	}
	const bot = "breachdrill engine"
	r.add(timeline.KindRunStart, "", bot, "drill "+id+" started", timeline.RunInfo{
		ExerciseID: id, Kind: timeline.ExerciseDrill, Title: "Quarterly automated breach drill", ToolVersion: "v0.4.0",
		Scenarios: ids, RulePackHash: "sha256:" + sha([]byte("rules")), Automation: "breachdrill engine (CI job 4471)",
		Stack: &timeline.StackInfo{RunID: "bd-7f3a", ImageSource: "debian", ImageDB: "breachdrill/db:bookworm", ImageWP: "breachdrill/wp:bookworm",
			ImageDBID: "sha256:" + sha([]byte("db")), ImageWPID: "sha256:" + sha([]byte("wp")), WordPressVersion: "6.1.1",
			WooCommerceMode: "plugin", WooCommerceVersion: "7.9.0", MariaDBVersion: "10.11.6", PHPVersion: "8.2.7"},
		Dataset: &timeline.DatasetInfo{Seed: 42, Customers: 500, Orders: 2000, Canaries: 25, Hash: "sha256:" + sha([]byte("dataset"))},
	})
	for _, phase := range []string{"provision", "seed", "baseline"} {
		r.wait(2*time.Second).add(timeline.KindPhase, "", bot, phase, timeline.Phase{Name: phase})
	}
	for i, s := range specs {
		var expect []timeline.Expect
		for _, rule := range s.rules {
			expect = append(expect, timeline.Expect{Rule: rule, WithinSeconds: s.within})
		}
		r.wait(3*time.Second).add(timeline.KindScenarioStart, s.id, bot, "scenario "+s.id, timeline.ScenarioInfo{
			ID: s.id, Title: s.title, Severity: s.severity, Version: sha(files[i].Data), Controls: s.controls,
			Attack: []string{"T1552.001"}, DataAtRisk: []string{"customer PII"}, Expect: expect,
			ContainWithinSeconds: s.containWithin, RecoverWithinSeconds: 600, CardData: s.card, PersonalData: s.personal,
			Objectives: []string{"Detect " + s.title + " within " + secsF(s.within), "Contain within " + secsF(s.containWithin)},
		})
		// Time zero (T0) is the start of the first inject step; every
		// "at" below counts from it.
		zero := r.wait(time.Second).now
		type ev struct {
			at  float64
			fn  func()
			seq int
		}
		evs := []ev{
			{at: 0, fn: func() {
				r.add(timeline.KindStepStart, s.id, bot, "inject step 1", timeline.Step{Stage: "inject", Index: 1, Action: "http.request", Args: "path=/?p=999999"})
			}},
			{at: 1.5, fn: func() {
				r.add(timeline.KindStepDone, s.id, bot, "inject step 1 done", timeline.Step{Stage: "inject", Index: 1, Action: "http.request", Millis: 1500})
			}},
			{at: 1.6, fn: func() { r.add(timeline.KindInjected, s.id, bot, "inject complete", nil) }},
		}
		for j, rule := range s.rules {
			if s.detect[j] < 0 {
				continue
			}
			lat := s.detect[j]
			evs = append(evs, ev{at: lat, fn: func() {
				r.add(timeline.KindAlert, s.id, "detector/"+s.source, "alert "+rule, timeline.Alert{Rule: rule, Title: rule + " fired", Severity: s.severity, Source: s.source, Window: "observe",
					Matched: []string{fmt.Sprintf(`{"ts":"%s","src":"%s","path":"/x","status":200}`, r.now.Format(time.RFC3339), s.source)}, LatencySeconds: &lat})
			}})
		}
		if s.extraAlert != "" {
			evs = append(evs, ev{at: 14, fn: func() {
				r.add(timeline.KindAlert, s.id, "detector/access", "alert "+s.extraAlert, timeline.Alert{Rule: s.extraAlert, Title: "Known attack tool user agent", Severity: "medium", Source: "access", Window: "observe", Matched: []string{`GET /wp-json/wp/v2/users?page=2`}})
			}})
		}
		for n := range s.noise {
			evs = append(evs, ev{at: 0.3 + float64(n)*0.05, fn: func() {
				r.add(timeline.KindAlert, s.id, "detector/access", "alert web-scanner-user-agent", timeline.Alert{Rule: "web-scanner-user-agent", Title: "Known attack tool user agent", Severity: "medium", Source: "access", Window: "observe",
					Matched: []string{fmt.Sprintf(`{"ts":"%s","path":"/wp-json/wp/v2/users?page=%d","status":200}`, r.now.Format(time.RFC3339Nano), n)}})
			}})
		}
		if s.exposure != nil {
			x := *s.exposure
			evs = append(evs, ev{at: 2, fn: func() {
				r.add(timeline.KindExposure, s.id, "pii-scanner", fmt.Sprintf("%d data subjects exposed", x.Subjects), x)
				if s.personal {
					for _, c := range []struct {
						regime string
						h      float64
					}{{"GDPR Art. 33", 72}, {"DORA initial", 4}, {"DORA intermediate", 72}, {"DORA final", 720}, {"NYDFS 500.17", 72}} {
						r.add(timeline.KindClock, s.id, bot, c.regime+" clock started", timeline.Clock{Regime: c.regime, Hours: c.h, Deadline: r.now.Add(seconds(c.h * 3600)), Applies: "if this were production"})
					}
				}
			}})
		}
		check := "artifact-gone"
		if s.contain < 0 {
			check = "vulnerable-action-disabled"
		}
		// The check fails before the response, as a sound scenario's must.
		respondAt := 1.7
		for _, d := range s.detect {
			respondAt = max(respondAt, d+0.1)
		}
		evs = append(evs, ev{at: respondAt, fn: func() {
			r.add(timeline.KindCheck, s.id, bot, "check fails before the response", timeline.Check{Stage: timeline.CheckBefore, Name: check, Pass: false, Detail: "still exposed"})
		}})
		evs = append(evs, ev{at: respondAt + 0.1, fn: func() {
			r.add(timeline.KindStepDone, s.id, bot, "respond: lock down", timeline.Step{Stage: "respond", Index: 1, Action: "file.delete", Args: "wp-content/debug.log", Millis: 300})
		}})
		if s.contain >= 0 {
			evs = append(evs, ev{at: s.contain - 0.5, fn: func() {
				r.add(timeline.KindCheck, s.id, bot, "check passed", timeline.Check{Stage: "verify", Name: check, Pass: true})
			}})
			evs = append(evs, ev{at: s.contain, fn: func() { r.add(timeline.KindContained, s.id, bot, "contained", nil) }})
			evs = append(evs, ev{at: s.contain + 30, fn: func() { r.add(timeline.KindRecovered, s.id, bot, "recovered", nil) }})
		} else {
			evs = append(evs, ev{at: 150, fn: func() {
				r.add(timeline.KindCheck, s.id, bot, "check failed", timeline.Check{Stage: "verify", Name: check, Pass: false, Detail: "admin-ajax still answers union select"})
			}})
		}
		// Events happen in time order, whatever order the spec lists them.
		for len(evs) > 0 {
			k := 0
			for j := range evs {
				if evs[j].at < evs[k].at {
					k = j
				}
			}
			e := evs[k]
			evs = append(evs[:k], evs[k+1:]...)
			r.now = zero.Add(seconds(e.at))
			e.fn()
		}
		r.wait(2*time.Second).add(timeline.KindScenarioEnd, s.id, bot, "scenario done", timeline.ScenarioEnd{})
	}
	r.wait(5*time.Second).add(timeline.KindRunEnd, "", bot, "drill finished", timeline.RunEnd{Outcome: "gaps"})
	return r.tl.Events(), files
}

func drillInput(tb testing.TB) Input {
	events, files := drill(tb, "drill-2026-11-28-a1", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), catalogueSpecs())
	return Input{Events: events, Scenarios: files, RulePack: []File{{"wp-debug-log-public.yml", []byte("title: debug log public\n")}}, ToolVersion: "v0.4.0"}
}

// tabletop records a facilitated tabletop with a real room: participants,
// injects, decisions, a hot wash with ratings, findings and improvements.
func tabletop(tb testing.TB, id string, start time.Time) []timeline.Event {
	tb.Helper()
	r := newRecorder(start)
	people := []timeline.Participant{{Name: "Ana Ruiz", Role: "Facilitator"}, {Name: "Ben Okafor", Role: "Incident response lead"}, {Name: "Chen Li", Role: "Data protection officer"}, {Name: "Dana Kim", Role: "Legal counsel"}}
	r.add(timeline.KindRunStart, "", "scribe", "tabletop started", timeline.RunInfo{ExerciseID: id, Kind: timeline.ExerciseTabletop, Title: "Q4 tabletop: card data in order meta", ToolVersion: "v0.4.0", Scenarios: []string{"plaintext-pan-order-meta"}, Participants: people[:3]})
	r.wait(time.Minute).add(timeline.KindParticipant, "", "scribe", "Dana joined", people[3])
	r.add(timeline.KindScenarioStart, "plaintext-pan-order-meta", "scribe", "scenario", timeline.ScenarioInfo{ID: "plaintext-pan-order-meta", Title: "Card numbers stored in plaintext order meta", Severity: "critical", Version: sha([]byte("pan")), Controls: []string{"PCI:12.10.7", "PCI:12.10.1"}, CardData: true, Expect: []timeline.Expect{{Rule: "pan-in-database", WithinSeconds: 90}}})
	r.wait(time.Minute).add(timeline.KindTabletopInject, "plaintext-pan-order-meta", "Ana Ruiz", "inject 1", timeline.TabletopInject{AtSeconds: 0, Say: "An acquirer calls: cards used at your shop are showing up in fraud reports.", Ask: []string{"Who owns the call?", "What do you check first?"}})
	r.wait(4*time.Minute).add(timeline.KindDecision, "plaintext-pan-order-meta", "Ben Okafor", "decision", timeline.Decision{Who: "Ben Okafor", Role: "Incident response lead", What: "Freeze order exports and search order meta for PAN"})
	r.wait(6*time.Minute).add(timeline.KindDecision, "plaintext-pan-order-meta", "Chen Li", "decision", timeline.Decision{Who: "Chen Li", Role: "Data protection officer", What: "Start the GDPR 72 h clock from the acquirer's call"})
	r.add(timeline.KindClock, "plaintext-pan-order-meta", "Chen Li", "GDPR clock", timeline.Clock{Regime: "GDPR Art. 33", Hours: 72, Deadline: r.now.Add(72 * time.Hour)})
	r.wait(time.Minute).add(timeline.KindNote, "plaintext-pan-order-meta", "scribe", "note", timeline.Note{Text: "Nobody knew which plugin writes order meta."})
	r.wait(time.Minute).add(timeline.KindScenarioEnd, "plaintext-pan-order-meta", "scribe", "discussed", timeline.ScenarioEnd{Outcome: timeline.OutcomeDiscussed})
	r.add(timeline.KindRating, "", "Ana Ruiz", "rating", timeline.Rating{Objective: "Identify who notifies the acquirer", Rating: "P"})
	r.add(timeline.KindRating, "", "Ana Ruiz", "rating", timeline.Rating{Objective: "Locate stored PAN", Rating: "M", Comment: "no inventory of where card data can land"})
	r.add(timeline.KindRating, "", "Ana Ruiz", "rating", timeline.Rating{Objective: "Decide on notification", Rating: "S"})
	r.add(timeline.KindFinding, "", "Ana Ruiz", "finding", timeline.Finding{Type: "strength", Text: "The DPO started the clock without prompting."})
	r.add(timeline.KindFinding, "", "Ana Ruiz", "finding", timeline.Finding{Type: "improvement", Text: "No data-flow map for card data."})
	r.add(timeline.KindImprovement, "", "Ana Ruiz", "improvement", timeline.Improvement{Item: "Map every place card data can be written", Owner: "Ben Okafor", Due: "2027-01-31", Status: "open"})
	r.add(timeline.KindImprovement, "", "Ana Ruiz", "improvement", timeline.Improvement{Item: "Add the acquirer's contact to the IR plan", Owner: "Dana Kim", Due: "2026-12-15", Status: "done"})
	r.wait(time.Minute).add(timeline.KindRunEnd, "", "scribe", "tabletop ended", timeline.RunEnd{Outcome: "completed"})
	return r.tl.Events()
}

// testKey is deterministic so golden facts (fingerprints) are stable.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}
