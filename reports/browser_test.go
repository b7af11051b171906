package reports

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); CI must render report.html")
	}
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
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
	if _, err := WriteBundle(context.Background(), tt, Input{Events: tabletop(t, "tabletop-1", time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC))}, WithKey(testKey(1))); err != nil {
		t.Fatal(err)
	}
	packDir := filepath.Join(t.TempDir(), "pack")
	in := filepath.Dir(drillBundle.Dir)
	if _, err := WriteQuarter(context.Background(), packDir, Quarter{2026, 4}, in, WithKey(testKey(1))); err != nil {
		t.Fatal(err)
	}

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
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	out := artifactDir(t)

	pages := []struct {
		name string
		file string
		ids  []string
	}{
		{"drill", filepath.Join(drillBundle.Dir, ReportHTMLFile), ReportSections()},
		{"tabletop", filepath.Join(tt, ReportHTMLFile), ReportSections()},
		{"quarter", filepath.Join(packDir, ReportHTMLFile), []string{"summary", "exercises", "scenarios-exercised", "trends", "open-improvements", "controls", "excluded", "evidence"}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			r := renderPage(t, browser, p.file, p.ids)
			if len(r.missing) > 0 {
				t.Errorf("sections missing in the rendered page: %v", r.missing)
			}
			if p.name != "tabletop" && r.shapes == 0 {
				t.Error("no SVG chart was rendered")
			}
			for _, u := range r.requests {
				if u != r.doc {
					t.Errorf("network request besides the document itself: %s", u)
				}
			}
			if len(r.requests) == 0 {
				t.Error("no request seen at all: the network listener is not working")
			}
			for _, e := range r.errors {
				t.Errorf("browser reported: %s", e)
			}
			png := filepath.Join(out, "report-"+p.name+".png")
			if err := os.WriteFile(png, r.shot, 0o644); err != nil {
				t.Fatal(err)
			}
			pdfPath := filepath.Join(out, "report-"+p.name+".pdf")
			if err := os.WriteFile(pdfPath, r.pdf, 0o644); err != nil {
				t.Fatal(err)
			}
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
		if external < 2 || len(r.missing) != 1 || r.missing[0] != "timeline" {
			t.Errorf("the checks missed a fetching page: requests %v, missing %v", r.requests, r.missing)
		}
	})
}

type rendered struct {
	doc       string
	requests  []string
	errors    []string
	missing   []string
	shapes    int
	shot, pdf []byte
}

// renderPage opens file in a new tab of browser, waits for it, and reports
// every request and error the page caused, the section ids it lacks, and a
// screenshot and PDF of it.
func renderPage(t *testing.T, browser context.Context, file string, ids []string) rendered {
	t.Helper()
	var check pageCheck
	tab, cancel := chromedp.NewContext(browser, chromedp.WithListener(check.listen))
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	r := rendered{doc: (&url.URL{Scheme: "file", Path: file}).String()}
	if err := chromedp.Do(ctx, chromedp.Navigate(r.doc), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("open %s: %v", r.doc, err)
	}
	for _, id := range ids {
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.ID(id), chromedp.AtLeast(0)))
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes) == 0 {
			r.missing = append(r.missing, id)
		}
	}
	shapes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg rect, svg path"), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatal(err)
	}
	r.shapes = len(shapes)
	if r.shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if r.pdf, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground())); err != nil {
		t.Fatal(err)
	}
	check.mu.Lock()
	defer check.mu.Unlock()
	r.requests = append(r.requests, check.requests...)
	r.errors = append(r.errors, check.errors...)
	return r
}
