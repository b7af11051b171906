package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lightTraffic halves the shoppers' rate and probes checkout every 15 s
// instead of 5: these tests are about rules, faults and records, not
// about how busy the shop is, and on a 2-core machine the traffic is half
// of what a real-plugin stack spends. The tour (every kind of visitor)
// still runs, and the flags' defaults are the shipped behaviour.
var lightTraffic = []string{"--shopper-rate", "0.5", "--checkout-every", "15s"}

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
	require.NoError(t, err, "a JUnit report")
	var r junitReport
	require.NoError(t, xml.Unmarshal(b, &r), "the JUnit report is XML:\n%s", b)
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
	r := runCLI(t, append(env, "BREACHDRILL_WOOCOMMERCE="+woo), append([]string{"test", "--all", "--junit", junit, "--out", filepath.Join(dir, "evidence")}, lightTraffic...)...)
	t.Logf("stdout:\n%s", r.stdout)
	require.Equal(t, 0, r.code, "breachdrill test exit code\n%s", lastLines(r.stderr, 40))
	rep := readJUnit(t, junit)
	covered := map[string]bool{}
	cases := 0
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			cases++
			covered[c.Classname] = true
			if c.Failure != nil {
				assert.Failf(t, "JUnit case failed", "%s %s: %s", c.Classname, c.Name, c.Failure.Message)
			}
		}
	}
	require.GreaterOrEqual(t, len(covered), 10, "JUnit covers every scenario")
	require.GreaterOrEqual(t, cases, 10, "JUnit has a case per scenario at least")
	bundles, _ := filepath.Glob(filepath.Join(dir, "evidence", "test-*"))
	require.Len(t, bundles, 1, "one bundle")
	v := runCLI(t, env, "evidence", "verify", bundles[0])
	require.Equal(t, 0, v.code, "the run's own bundle verifies: %s%s", v.stdout, v.stderr)
	tl, err := os.ReadFile(filepath.Join(bundles[0], "timeline.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(tl), `"woocommerce_mode":"plugin"`, "the bundle records that the real plugin ran")
	assert.Regexp(t, `"file":"woocommerce/woocommerce.php","version":"10\.[0-9.]+","sha256":"[0-9a-f]{64}"`, string(tl), "the bundle names the active plugin with its digest")
	assert.Regexp(t, `"modsecurity_version":"2\.9`, string(tl), "the bundle names the WAF's version")

	// What an attacker took from a shop with personal data carries the
	// seeded customers: the scan counted records in each leak.
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(bundles[0], "results.json"))
	require.NoError(t, err)
	var results struct {
		Scenarios []struct {
			ID        string `json:"id"`
			Exposures []struct {
				Artifact string `json:"artifact"`
				Records  int64  `json:"records"`
			} `json:"exposures"`
		} `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(b, &results))
	require.Len(t, results.Scenarios, len(covered), "results.json has every scenario JUnit has")
	for _, r := range results.Scenarios {
		sc, ok := cat.Get(r.ID)
		require.True(t, ok, "results name a shipped scenario: %s", r.ID)
		if !sc.PersonalData() || len(r.Exposures) == 0 {
			continue
		}
		var records int64
		for _, e := range r.Exposures {
			records += e.Records
		}
		assert.NotZero(t, records, "%s: the leaked data holds personal data records (%d exposures)", r.ID, len(r.Exposures))
	}
}

// A rule that fires on normal shop traffic is caught in the clean baseline
// window before the inject.
func TestNoisyRuleIsCaughtByTheBaseline(t *testing.T) {
	stacktest.Images(t)
	dir := t.TempDir()
	ruleDir := filepath.Join(dir, "rules")
	require.NoError(t, os.MkdirAll(ruleDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ruleDir, "noisy.yml"), []byte(`title: Every page view
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
`), 0o644))
	junit := filepath.Join(dir, "junit.xml")
	r := runCLI(t, exerciseEnv(t), append([]string{"test", "--scenario", "pii-in-options-transients", "--rules", ruleDir, "--junit", junit, "--out", filepath.Join(dir, "evidence")}, lightTraffic...)...)
	require.Equal(t, 1, r.code, "exit code\n%s%s", r.stdout, lastLines(r.stderr, 30))
	assert.Contains(t, r.stdout, "noisy-every-page-view", "the noisy rule is reported")
	assert.Contains(t, r.stdout, "FALSE+", "the noisy rule is reported as a false positive")
}

// startCLI starts the binary and hands back a scanner over its stderr.
func startCLI(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true"), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
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
	require.FailNowf(t, "the line never came", "never saw %q:\n%s", want, log.String())
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
	require.NotEmpty(t, ids, "a wp container for the drill")
	docker(t, "kill", ids)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	code := exitCode(cmd.Wait())
	require.Equal(t, 3, code, "exit code\n%s\n%s", stdout.String(), lastLines(log.String(), 30))
	require.NotContains(t, stdout.String(), "detection-missed", "a dead container is not a detection result")
	require.NotContains(t, stdout.String(), " passed ", "a dead container is not a detection result")
	require.Contains(t, stdout.String(), "infrastructure-error", "the scenario is marked infrastructure-error")
	require.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(cmd.Process.Pid)), "nothing left behind")
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
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	code := exitCode(cmd.Wait())
	require.Equal(t, 3, code, "exit code\n%s\n%s", stdout.String(), lastLines(log.String(), 30))
	// The drill removes its stack before it exits; the engine may take a
	// moment to drop what it was told to remove.
	pidFilter := "label=org.breachdrill.owner-pid=" + strconv.Itoa(cmd.Process.Pid)
	require.Eventually(t, func() bool { return len(leftovers(t, pidFilter)) == 0 }, 10*time.Second, 200*time.Millisecond,
		"the drill leaves nothing behind")
	assert.Contains(t, log.String(), "revert", "the scenario was reverted:\n%s", lastLines(log.String(), 20))
	bundles, _ := filepath.Glob(filepath.Join(dir, "drill-*"))
	require.Len(t, bundles, 1, "a bundle kept after Ctrl-C\n%s", lastLines(log.String(), 20))
	v := runCLI(t, env, "evidence", "verify", bundles[0])
	require.Equal(t, 0, v.code, "the interrupted run's bundle verifies: %s%s", v.stdout, v.stderr)
	tl, err := os.ReadFile(filepath.Join(bundles[0], "timeline.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(tl), `"outcome":"interrupted"`, "the timeline records the interruption")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
