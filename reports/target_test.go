package reports

import (
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The report names the drilled shop precisely (versions, image, every
// active plugin with the digest of its files) and says out loud when
// WooCommerce's code did not run.
func TestReportNamesTheTarget(t *testing.T) {
	wooDigest := sha([]byte("woocommerce files"))
	tests := []struct {
		name      string
		stack     timeline.StackInfo
		want      []string
		wantLimit string
	}{
		{"real plugin", timeline.StackInfo{WordPressVersion: "6.8.12", WooCommerceMode: "plugin", WooCommerceVersion: "10.0.2", MariaDBVersion: "11.8.9", PHPVersion: "8.4.28",
			ApacheVersion: "Apache/2.4.71 (Debian)", ModSecurityVersion: "2.9.11-1", CRSVersion: "3.3.7-1", ImageSource: "debian", ImageWPID: "sha256:" + sha([]byte("wp")),
			Plugins: []timeline.PluginInfo{{File: "woocommerce/woocommerce.php", Version: "10.0.2", SHA256: wooDigest}}},
			[]string{"WooCommerce 10.0.2", "Apache/2.4.71", "ModSecurity 2.9.11-1", "CRS 3.3.7-1", "woocommerce/woocommerce.php", wooDigest, "sha256:" + sha([]byte("wp"))},
			"the real WooCommerce plugin 10.0.2"},
		{"schema mode", timeline.StackInfo{WordPressVersion: "6.8.12", WooCommerceMode: "schema", MariaDBVersion: "11.8.9", PHPVersion: "8.4.28", ImageSource: "debian"},
			[]string{"schema mode (no WooCommerce code)"},
			"WooCommerce's code did not run: checkout, Store API and WooCommerce hooks were not exercised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
			st := tt.stack
			r.add(timeline.KindRunStart, "", "breachdrill", "drill", timeline.RunInfo{ExerciseID: "drill-x", Kind: timeline.ExerciseDrill, ToolVersion: "test", Stack: &st})
			r.wait(time.Second).add(timeline.KindRunEnd, "", "breachdrill", "passed", timeline.RunEnd{Outcome: "passed"})
			x, err := analyse(r.tl.Events(), 0)
			require.NoError(t, err)
			md := string(renderMarkdown(x, "SHA256:test"))
			for _, w := range tt.want {
				assert.Contains(t, md, w)
			}
			assert.Contains(t, md, tt.wantLimit, "the limitations say how faithful the shop was")
		})
	}
}

// A scenario the selection left out (host.exec without --allow-exec) is
// no verdict, but the report says it was not exercised and why.
func TestReportListsScenariosLeftOut(t *testing.T) {
	r := newRecorder(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	r.add(timeline.KindRunStart, "", "breachdrill", "drill", timeline.RunInfo{ExerciseID: "drill-x", Kind: timeline.ExerciseDrill, ToolVersion: "test",
		Stack:   &timeline.StackInfo{WordPressVersion: "6.8", WooCommerceMode: "plugin", WooCommerceVersion: "10.0.2"},
		LeftOut: []timeline.LeftOut{{ID: "sqlmap-ajax-sqli", Reason: "it runs a tool on this machine (host.exec); pass --allow-exec to include it"}}})
	r.wait(time.Second).add(timeline.KindRunEnd, "", "breachdrill", "passed", timeline.RunEnd{Outcome: "passed"})
	x, err := analyse(r.tl.Events(), 0)
	require.NoError(t, err)
	md := string(renderMarkdown(x, "SHA256:test"))
	assert.Contains(t, md, "Scenarios left out")
	assert.Contains(t, md, "sqlmap-ajax-sqli (it runs a tool on this machine (host.exec); pass --allow-exec to include it)")
	for _, s := range x.Scenarios {
		assert.NotEqual(t, "sqlmap-ajax-sqli", s.Info.ID, "a scenario left out is no verdict")
	}
}
