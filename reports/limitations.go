package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/breachdrill/breachdrill/harness/timeline"
)

// Limitation is one way the exercise differs from a real incident, which
// an auditor needs to weigh what it shows.
type Limitation struct {
	Topic string `json:"topic"`
	Text  string `json:"text"`
}

// Limitations are the exercise's artificialities, stated in every report.
func (x *exercise) Limitations() []Limitation {
	var out []Limitation
	add := func(topic, format string, args ...any) {
		out = append(out, Limitation{topic, fmt.Sprintf(format, args...)})
	}
	if d := x.Run.Dataset; d != nil {
		add("Synthetic data", "the shop held %d synthetic customers and %d orders (seed %d), with synthetic card numbers; exposure figures count seeded customers, not real people", d.Customers, d.Orders, d.Seed)
	} else if x.Run.Stack != nil {
		add("Synthetic data", "the shop held synthetic data only")
	}
	if st := x.Run.Stack; st != nil {
		add("Disposable stack", "a disposable copy of the shop (WordPress %s, MariaDB %s, PHP %s; %s images) on one host, reset after each scenario: not production, with none of its traffic volume, caching, CDN, hosting or third-party integrations", st.WordPressVersion, st.MariaDBVersion, st.PHPVersion, st.ImageSource)
		if st.WooCommerceVersion == "" || strings.Contains(strings.ToLower(st.WooCommerceMode), "schema") {
			add("WooCommerce fidelity", "%s", strings.TrimSuffix(timeline.SchemaModeLimitation, "."))
		} else {
			add("WooCommerce fidelity", "the real WooCommerce plugin %s (%s), with only the extensions the scenarios installed; the shop's own plugins and theme were not present", st.WooCommerceVersion, st.WooCommerceMode)
		}
	} else {
		add("No live stack", "discussion only: nothing was injected or measured; times and outcomes are what the room said")
	}
	switch {
	case x.Tabletop():
		add("People and playbook", "people discussed the response; actions the room decided were recorded, not executed, unless the built-in playbook ran against the live stack")
	default:
		add("Automated playbook, not people", "breachdrill injected each breach and ran each scenario's built-in response within seconds; nobody was paged, triaged or decided, so containment times measure the playbook, not the team")
	}
	add("Time compression", "an incident that would unfold over hours or days was compressed into minutes; regulatory clocks (GDPR 72 h, DORA 4 h to one month, NYDFS 72 h) were computed from the first alert, not waited out")
	sources := append([]string(nil), x.count.sources...)
	var unseen []string
	for _, s := range x.Scenarios {
		for _, e := range s.Expectations {
			if s.Measured() && !e.Fired {
				unseen = append(unseen, e.Rule+" ("+s.Info.ID+")")
			}
		}
	}
	sort.Strings(unseen)
	text := "the rules read only what the stack logs: web access, WordPress audit, database audit, PHP and web server errors, the WAF's audit log (ModSecurity, when it is on), file integrity and state probes"
	if len(sources) > 0 {
		text += "; alerts came from " + strings.Join(sources, ", ")
	}
	text += ". Outbound network traffic, host processes, e-mail, the payment gateway and anything outside the shop were not watched"
	if len(unseen) > 0 {
		text += ". Expected rules that saw nothing: " + strings.Join(unseen, ", ")
	}
	add("What the rules could not see", "%s", text)
	if len(x.Run.LeftOut) > 0 {
		var ids []string
		for _, l := range x.Run.LeftOut {
			ids = append(ids, l.ID+" ("+l.Reason+")")
		}
		add("Scenarios left out", "not selected, so not exercised and no verdict: %s", strings.Join(ids, "; "))
	}
	out = append(out, reconstructionLimitations(x)...)
	add("Exposure counting", "data subjects are the distinct seeded customers whose e-mail address appears in what left the stack and was handed to the scanner (downloaded dumps and exports, response bodies of the scenario's own attack requests); traffic from external tools run by hand is counted only when its responses were captured")
	return out
}
