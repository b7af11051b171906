package reports

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds a headless-capable browser, or skips the test; in CI a
// missing browser is a failure, because the report would go unchecked.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	require.Empty(t, os.Getenv("CI"), "chromium is not installed (apt-get install -y chromium); CI must render report.html")
	t.Skip("chromium not installed; apt-get install -y chromium to run this test")
	return ""
}

// artifactDir is where screenshots and PDFs go for people to look at:
// testdata-out/reports at the module root (git-ignored), or
// $BREACHDRILL_TEST_ARTIFACTS.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("BREACHDRILL_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "testdata-out", "reports")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755), "create the artifact directory")
	abs, _ := filepath.Abs(dir)
	return abs
}

type pageCheck struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

// listen runs in the tab's message loop: it only records.
func (c *pageCheck) listen(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		c.requests = append(c.requests, e.Request.URL)
	case *runtime.EventConsoleAPICalled:
		switch e.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
			var args []string
			for _, a := range e.Args {
				args = append(args, a.Description+string(a.Value))
			}
			c.errors = append(c.errors, fmt.Sprintf("console.%s %s", e.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		c.errors = append(c.errors, "exception: "+e.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		// Blocked fetches and CSP violations arrive here.
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			c.errors = append(c.errors, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

func TestReportRendersInChromium(t *testing.T) {
	exe := chromium(t)
	drillBundle, _ := writeDrill(t)
	tt := filepath.Join(t.TempDir(), "tabletop")
	_, err := WriteBundle(context.Background(), tt, Input{Events: tabletop(t, "tabletop-1", time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC))}, WithKey(testKey(1)))
	require.NoError(t, err, "write the tabletop bundle")
	packDir := filepath.Join(t.TempDir(), "pack")
	in := filepath.Dir(drillBundle.Dir)
	_, err = WriteQuarter(context.Background(), packDir, Quarter{2026, 4}, in, WithKey(testKey(1)),
		WithVerifyOptions(WithTrustedKeys(testKey(1).Public().(ed25519.PublicKey))))
	require.NoError(t, err)

	// A drill that lost its stack after 1 of 10 scenarios: never styled
	// as a pass, the nine not run listed.
	aborted := filepath.Join(t.TempDir(), "aborted")
	ten := []string{"s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10"}
	_, err = WriteBundle(context.Background(), aborted, Input{Events: outcomeRun(t, "drill-aborted", ten, map[string]string{"s01": "pass"}, timeline.OutcomeInfra)}, WithKey(testKey(1)))
	require.NoError(t, err)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(1280, 1024),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first Run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(browser), "start chromium")
	out := artifactDir(t)

	pages := []struct {
		name string
		file string
		ids  []string
	}{
		{"drill", filepath.Join(drillBundle.Dir, ReportHTMLFile), ReportSections()},
		{"tabletop", filepath.Join(tt, ReportHTMLFile), ReportSections()},
		{"aborted", filepath.Join(aborted, ReportHTMLFile), ReportSections()},
		{"quarter", filepath.Join(packDir, ReportHTMLFile), []string{"summary", "board-summary", "verdict-policy", "exercises", "scenarios-exercised", "trends", "open-improvements", "controls", "excluded", "evidence"}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			r := renderPage(t, browser, p.file, p.ids)
			assert.Empty(t, r.missing, "sections missing in the rendered page")
			if p.name != "tabletop" && p.name != "aborted" {
				assert.NotZero(t, r.shapes, "an SVG chart must be rendered")
			}
			for _, u := range r.requests {
				assert.Equal(t, r.doc, u, "no network request besides the document itself")
			}
			assert.NotEmpty(t, r.requests, "no request seen at all: the network listener is not working")
			for _, e := range r.errors {
				assert.Fail(t, "the browser reported an error", "%s", e)
			}
			// Printed, no text an auditor reads is below 9 pt (12 px), and
			// nothing is wider than the page (long URLs and rule ids wrap).
			assert.GreaterOrEqual(t, r.minPrintPx, 12.0, "smallest printed text: %s", r.minPrintWhat)
			assert.LessOrEqual(t, r.printOverflow, 0.0, "printed page overflows by %.0f px: %s", r.printOverflow, r.overflowWhat)
			// A failed verdict is styled at least as loudly as a warning.
			for _, tag := range r.tagStyles {
				assert.NotEqual(t, "rgba(0, 0, 0, 0)", tag, "a result tag without a background")
			}
			png := filepath.Join(out, "report-"+p.name+".png")
			require.NoError(t, os.WriteFile(png, r.shot, 0o644), "write the screenshot")
			pdfPath := filepath.Join(out, "report-"+p.name+".pdf")
			require.NoError(t, os.WriteFile(pdfPath, r.pdf, 0o644), "write the PDF")
			t.Logf("screenshot %s (%d bytes), PDF %s (%d bytes)", png, len(r.shot), pdfPath, len(r.pdf))
		})
	}

	// The checks above prove something only if they can fail: a page that
	// fetches a font and logs an error must be caught by the same code.
	t.Run("checks catch a page that fetches", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.html")
		os.WriteFile(bad, []byte(`<!DOCTYPE html><html><head><link rel="stylesheet" href="http://127.0.0.1:9/font.css"></head>`+
			`<body><section id="summary"></section><img src="http://127.0.0.1:9/x.png"></body></html>`), 0o644)
		r := renderPage(t, browser, bad, []string{"summary", "timeline"})
		var external int
		for _, u := range r.requests {
			if u != r.doc {
				external++
			}
		}
		assert.GreaterOrEqual(t, external, 2, "the checks must see the fetching page's requests: %v", r.requests)
		assert.Equal(t, []string{"timeline"}, r.missing, "the checks must see the missing section")
	})
}

type rendered struct {
	doc           string
	requests      []string
	errors        []string
	missing       []string
	shapes        int
	shot, pdf     []byte
	minPrintPx    float64
	minPrintWhat  string
	printOverflow float64
	overflowWhat  string
	tagStyles     []string
}

// printProbe measures the page as printed: the smallest font size of any
// element with text of its own (charts excluded), and how far the widest
// element reaches past the body.
const printProbe = `(() => {
  let min = 1e9, what = "", over = -1e9, owhat = "";
  const bodyRight = document.body.getBoundingClientRect().right;
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg") || el.closest("nav")) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== "");
    const cs = getComputedStyle(el);
    if (cs.display === "none") continue;
    if (own) {
      const px = parseFloat(cs.fontSize);
      if (px < min) { min = px; what = el.tagName + "." + el.className + ": " + el.textContent.trim().slice(0, 40); }
    }
    const r = el.getBoundingClientRect().right - bodyRight;
    if (r > over) { over = r; owhat = el.tagName + "." + el.className + ": " + el.textContent.trim().slice(0, 40); }
  }
  const tags = [...document.querySelectorAll(".tag.fail, .tag.warn")].map(e => getComputedStyle(e).backgroundColor);
  return {min, what, over, owhat, tags};
})()`

// renderPage opens file in a new tab of browser, waits for it, and reports
// every request and error the page caused, the section ids it lacks, and a
// screenshot and PDF of it.
func renderPage(t *testing.T, browser context.Context, file string, ids []string) rendered {
	t.Helper()
	var check pageCheck
	tab, cancel := chromedp.NewContext(browser, chromedp.WithListener(check.listen))
	defer cancel()
	require.NoError(t, chromedp.Do(tab), "open a tab")
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err, "enable the network domain")
	_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	require.NoError(t, err, "enable the runtime domain")
	_, err = chromedp.Call(ctx, cdplog.Enable, cdp.Empty{})
	require.NoError(t, err, "enable the log domain")
	r := rendered{doc: (&url.URL{Scheme: "file", Path: file}).String()}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(r.doc), chromedp.WaitReady(chromedp.CSS("body"))), "open %s", r.doc)
	for _, id := range ids {
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.ID(id), chromedp.AtLeast(0)))
		require.NoError(t, err, "look for #%s", id)
		if len(nodes) == 0 {
			r.missing = append(r.missing, id)
		}
	}
	shapes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg rect, svg path"), chromedp.AtLeast(0)))
	require.NoError(t, err, "look for SVG shapes")
	r.shapes = len(shapes)
	r.shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "take a screenshot")
	type printed struct {
		Min   float64  `json:"min"`
		What  string   `json:"what"`
		Over  float64  `json:"over"`
		OWhat string   `json:"owhat"`
		Tags  []string `json:"tags"`
	}
	_, err = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(718, 1060))) // A4 less the page margins, at 96 dpi
	probe, err := chromedp.Run(ctx, chromedp.Evaluate[printed](printProbe))
	require.NoError(t, err)
	r.minPrintPx, r.minPrintWhat, r.printOverflow, r.overflowWhat, r.tagStyles = probe.Min, probe.What, probe.Over, probe.OWhat, probe.Tags
	r.pdf, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	require.NoError(t, err, "print to PDF")
	check.mu.Lock()
	defer check.mu.Unlock()
	r.requests = append(r.requests, check.requests...)
	r.errors = append(r.errors, check.errors...)
	return r
}
