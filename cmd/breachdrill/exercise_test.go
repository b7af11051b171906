package main

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
)

// exerciseEnv keeps a test's signing key and evidence out of the user's
// own configuration.
func exerciseEnv(t *testing.T) []string {
	return []string{"XDG_CONFIG_HOME=" + t.TempDir()}
}

type junitReport struct {
	Suites []struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	var r junitReport
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("JUnit report: %v\n%s", err, b)
	}
	return r
}

// The CI gate itself, on the real WooCommerce: the shipped rule pack
// detects every scenario in time and fires on none of the normal traffic;
// the run's bundle verifies and names the plugin it drilled.
func TestTestCommandPassesWithTheShippedPack(t *testing.T) {
	stacktest.Images(t)
	woo := stacktest.WooCommerce(t)
	dir := t.TempDir()
	junit := filepath.Join(dir, "junit.xml")
	// The same config directory for the run and the verification: the
	// signer is then the user's own (pinned) key.
	env := exerciseEnv(t)
	r := runCLI(t, append(env, "BREACHDRILL_WOOCOMMERCE="+woo), "test", "--all", "--junit", junit, "--out", filepath.Join(dir, "evidence"))
	t.Logf("stdout:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("breachdrill test exited %d\n%s", r.code, lastLines(r.stderr, 40))
	}
	rep := readJUnit(t, junit)
	scenarios := map[string]bool{}
	cases := 0
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			cases++
			scenarios[c.Classname] = true
			if c.Failure != nil {
				t.Errorf("%s %s failed: %s", c.Classname, c.Name, c.Failure.Message)
			}
		}
	}
	if len(scenarios) < 10 || cases < 10 {
		t.Fatalf("JUnit has %d cases over %d scenarios, want every scenario", cases, len(scenarios))
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "evidence", "test-*"))
	if len(bundles) != 1 {
		t.Fatalf("want one bundle, found %v", bundles)
	}
	if v := runCLI(t, env, "evidence", "verify", bundles[0]); v.code != 0 {
		t.Fatalf("the run's own bundle does not verify: %s%s", v.stdout, v.stderr)
	}
	tl, err := os.ReadFile(filepath.Join(bundles[0], "timeline.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(tl), `"woocommerce_mode":"plugin"`, "the bundle records that the real plugin ran")
	assert.Regexp(t, `"file":"woocommerce/woocommerce.php","version":"10\.[0-9.]+","sha256":"[0-9a-f]{64}"`, string(tl), "the bundle names the active plugin with its digest")
	assert.Regexp(t, `"modsecurity_version":"2\.9`, string(tl), "the bundle names the WAF's version")
}

// A rule a scenario depends on, with its condition changed so it can no
// longer match, makes `test` exit 1 with a JUnit failure naming both.
func TestBrokenRuleIsARegression(t *testing.T) {
	stacktest.Images(t)
	orig, err := rules.FS.ReadFile("sigma/web/web-sqli-admin-ajax.yml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(orig), "condition: endpoint and 1 of sqli_*", "condition: endpoint and sqli_query and sqli_body", 1)
	if broken == string(orig) {
		t.Fatal("the shipped rule's condition changed; update this test")
	}
	dir := t.TempDir()
	ruleDir := filepath.Join(dir, "rules")
	os.MkdirAll(ruleDir, 0o755)
	os.WriteFile(filepath.Join(ruleDir, "web-sqli-admin-ajax.yml"), []byte(broken), 0o644)
	junit := filepath.Join(dir, "junit.xml")
	r := runCLI(t, exerciseEnv(t), "test", "--scenario", "ajax-sqli-exfiltration", "--rules", ruleDir, "--junit", junit, "--out", filepath.Join(dir, "evidence"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, lastLines(r.stderr, 30))
	}
	if !strings.Contains(r.stderr, "rule web-sqli-admin-ajax: replaced by") {
		t.Errorf("the override is not announced:\n%s", lastLines(r.stderr, 10))
	}
	failed := false
	for _, s := range readJUnit(t, junit).Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && strings.Contains(c.Classname+c.Name, "ajax-sqli-exfiltration") && strings.Contains(c.Name+c.Failure.Message, "web-sqli-admin-ajax") {
				failed = true
			}
		}
	}
	if !failed {
		b, _ := os.ReadFile(junit)
		t.Fatalf("no JUnit failure names the scenario and the rule:\n%s", b)
	}
}

// A rule that fires on normal shop traffic is caught in the clean baseline
// window before the inject.
func TestNoisyRuleIsCaughtByTheBaseline(t *testing.T) {
	stacktest.Images(t)
	dir := t.TempDir()
	ruleDir := filepath.Join(dir, "rules")
	os.MkdirAll(ruleDir, 0o755)
	os.WriteFile(filepath.Join(ruleDir, "noisy.yml"), []byte(`title: Every page view
name: noisy-every-page-view
id: 6f1f4b8e-0d8a-4a44-9b1c-3f2f5c1d9a10
status: experimental
logsource:
  category: webserver
detection:
  selection:
    cs-method: GET
    sc-status: 200
  condition: selection
level: low
`), 0o644)
	junit := filepath.Join(dir, "junit.xml")
	r := runCLI(t, exerciseEnv(t), "test", "--scenario", "pii-in-options-transients", "--rules", ruleDir, "--junit", junit, "--out", filepath.Join(dir, "evidence"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, lastLines(r.stderr, 30))
	}
	if !strings.Contains(r.stdout, "noisy-every-page-view") || !strings.Contains(r.stdout, "FALSE+") {
		t.Fatalf("the noisy rule is not reported as a false positive:\n%s", r.stdout)
	}
}

// startCLI starts the binary and hands back a scanner over its stderr.
func startCLI(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true"), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, bufio.NewScanner(pipe), &stdout
}

// waitFor reads stderr lines until one contains want, and keeps them.
func waitFor(t *testing.T, sc *bufio.Scanner, log *strings.Builder, want string) {
	t.Helper()
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), want) {
			return
		}
	}
	t.Fatalf("never saw %q:\n%s", want, log.String())
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// A container that dies mid-run is an infrastructure failure: exit 3 and
// the scenario recorded as infrastructure-error, never as missed.
func TestDeadContainerIsAnInfrastructureError(t *testing.T) {
	stacktest.Images(t)
	dir := t.TempDir()
	cmd, sc, stdout := startCLI(t, exerciseEnv(t), "drill", "--scenario", "exposed-db-backup", "--out", dir)
	var log strings.Builder
	waitFor(t, sc, &log, "] exposed-db-backup          inject")
	ids := docker(t, "ps", "-q", "--filter", "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid), "--filter", "label=org.breachdrill.role=wp")
	if ids == "" {
		t.Fatal("no wp container for the drill")
	}
	docker(t, "kill", ids)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	code := exitCode(cmd.Wait())
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout.String(), lastLines(log.String(), 30))
	}
	if strings.Contains(stdout.String(), "detection-missed") || strings.Contains(stdout.String(), " passed ") {
		t.Fatalf("a dead container was reported as a detection result:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String(), "infrastructure-error") {
		t.Fatalf("the scenario is not marked infrastructure-error:\n%s", stdout.String())
	}
	if left := leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid)); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// Ctrl-C mid-scenario: the drill stops, puts the stack back, removes it,
// exits 3, and keeps what it recorded as a verifiable bundle.
func TestInterruptedDrillKeepsTheRecord(t *testing.T) {
	stacktest.Images(t)
	dir := t.TempDir()
	env := exerciseEnv(t)
	cmd, sc, stdout := startCLI(t, env, "drill", "--scenario", "rogue-plugin-backdoor", "--out", dir)
	var log strings.Builder
	waitFor(t, sc, &log, "] rogue-plugin-backdoor      observe")
	cmd.Process.Signal(syscall.SIGINT)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	code := exitCode(cmd.Wait())
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout.String(), lastLines(log.String(), 30))
	}
	time.Sleep(time.Second)
	if left := leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid)); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
	if !strings.Contains(log.String(), "revert") {
		t.Errorf("the scenario was not reverted:\n%s", lastLines(log.String(), 20))
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "drill-*"))
	if len(bundles) != 1 {
		t.Fatalf("no bundle kept after Ctrl-C (found %v)\n%s", bundles, lastLines(log.String(), 20))
	}
	if v := runCLI(t, env, "evidence", "verify", bundles[0]); v.code != 0 {
		t.Fatalf("the interrupted run's bundle does not verify: %s%s", v.stdout, v.stderr)
	}
	tl, _ := os.ReadFile(filepath.Join(bundles[0], "timeline.jsonl"))
	if !bytes.Contains(tl, []byte(`"outcome":"interrupted"`)) {
		t.Fatalf("the timeline does not record the interruption")
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
