package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitMessage   `xml:"failure,omitempty"`
	Error      *junitMessage   `xml:"error,omitempty"`
	Skipped    *junitMessage   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the JUnit XML of a timeline: one testsuite per scenario,
// one testcase per expected detection plus one for containment, with the
// measured latency as the case's time and the matching events in failure
// messages. `breachdrill test --junit FILE` calls it; the bundle's
// junit.xml is the same document.
func WriteJUnit(w io.Writer, events []timeline.Event) error {
	x, err := analyse(events, defaultDue)
	if err != nil {
		return err
	}
	b, err := renderJUnit(x)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func renderJUnit(x *exercise) ([]byte, error) {
	root := junitSuites{Name: "breachdrill " + x.ID + " " + x.Result, Time: fmt.Sprintf("%.3f", x.Duration().Seconds())}
	bySuite := map[string]*junitSuite{}
	seconds := map[string]float64{}
	var order []string
	suiteFor := func(id string) *junitSuite {
		if s, ok := bySuite[id]; ok {
			return s
		}
		s := &junitSuite{Name: id, Timestamp: x.Start.Format("2006-01-02T15:04:05Z")}
		for _, sc := range x.Scenarios {
			if sc.Info.ID == id {
				s.Timestamp = sc.Started.UTC().Format("2006-01-02T15:04:05Z")
				s.Properties = []junitProperty{
					{"outcome", sc.Outcome},
					{"reason", sc.Reason},
					{"scenario_version", sc.Info.Version},
					{"time_to_detect_s", optSeconds(sc.TimeToDetect)},
					{"time_to_contain_s", optSeconds(sc.TimeToContain)},
				}
			}
		}
		bySuite[id] = s
		order = append(order, id)
		return s
	}
	for _, t := range x.Tests {
		suiteName := t.Scenario
		switch {
		case t.ID == runCaseID:
			suiteName = "run"
		case suiteName == "":
			suiteName = "objectives"
		}
		s := suiteFor(suiteName)
		c := junitCase{Name: t.Name, Classname: "breachdrill." + suiteName, Time: "0"}
		if t.Seconds != nil {
			seconds[suiteName] += *t.Seconds
			c.Time = fmt.Sprintf("%.3f", *t.Seconds)
			c.Properties = append(c.Properties, junitProperty{"latency_s", fmt.Sprintf("%.3f", *t.Seconds)})
		}
		if t.Deadline > 0 {
			c.Properties = append(c.Properties, junitProperty{"deadline_s", fmt.Sprintf("%g", t.Deadline)})
		}
		body := strings.Join(t.Matched, "\n")
		switch t.Status {
		case statusFailed:
			c.Failure = &junitMessage{Message: t.Message, Type: "readiness-gap", Body: body}
			s.Failures++
		case statusError:
			// Not a failure: it says nothing about readiness, and CI
			// systems show errors apart from failures.
			c.Error = &junitMessage{Message: t.Message, Type: t.Kind, Body: body}
			s.Errors++
		case statusSkipped:
			c.Skipped = &junitMessage{Message: t.Message}
			s.Skipped++
		case statusWarned:
			// JUnit has no warning state; the case passes and says why in
			// its output, which CI systems show beside it.
			c.SystemOut = "WARNING: " + t.Message
		default:
			c.SystemOut = t.Message
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, id := range order {
		s := bySuite[id]
		s.Time = fmt.Sprintf("%.3f", seconds[id])
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		root.Suites = append(root.Suites, *s)
	}
	b, err := xml.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func optSeconds(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.3f", *p)
}
