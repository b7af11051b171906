package scenarios_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os/exec"
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
	suite.Run(t, &stackSuite{stacktest.Suite{Shared: stacktest.Shared{Customers: 200, Orders: 400, Seed: 7, RealWooCommerce: true}}})
}

// dataset is the synthetic shop the suite's stack was seeded with.
func (s *stackSuite) dataset() *fakedata.Dataset {
	ds, err := fakedata.New(fakedata.Spec{Seed: s.Shared.Seed, Customers: s.Shared.Customers, Orders: s.Shared.Orders})
	s.Require().NoError(err, "the seeded dataset")
	return ds
}

// Every shipped scenario, for real: the inject's own want_status/want_body
// assertions prove the attack worked from outside; every containment check
// fails after the inject and passes after the response; and after revert
// the stack is back at its reset point.
func (s *stackSuite) TestEveryScenario() {
	stack, manifest, ds := s.Stack, s.Shared.Manifest(), s.dataset()
	cat, err := scenarios.Builtin()
	s.Require().NoError(err)
	var cards []string
	for i := 0; len(cards) < 20 && i < 200; i++ {
		for _, c := range ds.Customer(i).Cards {
			cards = append(cards, c.Number())
		}
	}
	for _, sc := range cat.All() {
		s.Run(sc.ID, func() {
			t := s.T()
			// host.exec steps (sqlmap) are allowed here as --allow-exec allows them.
			ctx, cancel := context.WithTimeout(scenarios.WithExecAllowed(context.Background()), 5*time.Minute)
			defer cancel()
			env := scenarios.NewEnv(stack, sc.Artifacts)
			env.Cards = func(n int) []string { return cards[:n] }
			var leaked [][]byte
			env.Leaked = func(_ string, body []byte) { leaked = append(leaked, body) }
			defer func() {
				for _, st := range sc.Revert {
					assert.NoError(t, st.Do.Run(ctx, env), "revert %s", st.Action)
				}
				_, err := stack.Reset(ctx)
				require.NoError(t, err, "reset")
				diffs, err := stack.VerifyReset(ctx)
				require.NoError(t, err, "compare with the reset point")
				assert.Empty(t, diffs, "after revert the stack is at its reset point")
			}()

			for _, st := range sc.WarmUp() {
				require.NoError(t, st.Do.Run(ctx, env), "warmup %s (line %d)", st.Action, st.Line)
			}
			for _, st := range sc.Inject {
				require.NoError(t, st.Do.Run(ctx, env), "inject %s (line %d)", st.Action, st.Line)
			}
			for _, c := range sc.Verify {
				res, err := c.Probe.Check(ctx, env)
				require.NoError(t, err, "check %s", c.Kind)
				assert.False(t, res.Pass, "check %q fails before the response, or it proves nothing (%s)", c.Probe.Describe(), res.Detail)
			}
			for _, st := range sc.Respond {
				require.NoError(t, st.Do.Run(ctx, env), "respond %s (line %d)", st.Action, st.Line)
			}
			for _, c := range sc.Verify {
				res, err := c.Probe.Check(ctx, env)
				require.NoError(t, err, "check %s", c.Kind)
				assert.True(t, res.Pass, "check %q passes after the response: %s", c.Probe.Describe(), res.Detail)
			}
			// What the attacker took carries the seeded customers.
			if sc.PersonalData() && len(leaked) > 0 {
				scan := fakedata.NewScanner(manifest.Canaries)
				records := int64(0)
				for _, b := range leaked {
					records += scan.ScanBytes(b).Records
				}
				assert.NotZero(t, records, "the leaked data holds personal data records")
			}
		})
	}
}

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
	for _, st := range sc.Inject[:2] { // install and activate the vulnerable plugin
		require.NoError(t, st.Do.Run(ctx, env), "inject %s", st.Action)
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
