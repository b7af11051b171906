package containers_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/stacktest"
)

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// gc removes runs nobody will clean up any more, --all removes every
// labelled run, and nothing without breachdrill's labels is ever touched.
func TestGC(t *testing.T) {
	imgs := stacktest.Images(t)
	ctx := testContext(t)
	host, _ := os.Hostname()
	n := nonce()
	now := time.Now().UTC()
	labels := func(pid int, host string, created time.Time, keep bool) map[string]string {
		l := map[string]string{
			"org.breachdrill.owner-pid":  strconv.Itoa(pid),
			"org.breachdrill.owner-host": host,
			"org.breachdrill.created":    created.Format(time.RFC3339),
		}
		if keep {
			l["org.breachdrill.keep"] = "true"
		}
		return l
	}
	tests := []struct {
		name        string
		run         bool // labelled as a run of ours
		labels      map[string]string
		keptByGC    bool
		keptByGCAll bool
	}{
		{name: "stale: owner gone", run: true, labels: labels(deadPID(t), host, now, false)},
		{name: "kept by stack up, owner gone", run: true, labels: labels(deadPID(t), host, now, true), keptByGC: true},
		{name: "owner alive", run: true, labels: labels(os.Getpid(), host, now, false), keptByGC: true},
		{name: "other host, fresh", run: true, labels: labels(1, "elsewhere.example", now, false), keptByGC: true},
		{name: "other host, a day old", run: true, labels: labels(1, "elsewhere.example", now.Add(-25*time.Hour), false)},
		{name: "unlabelled", labels: map[string]string{}, keptByGC: true, keptByGCAll: true},
		{name: "testcontainers' labels only", labels: map[string]string{"org.testcontainers": "true"}, keptByGC: true, keptByGCAll: true},
	}
	var runIDs []string
	type made struct{ container, network string }
	resources := map[string]made{}
	for i, tt := range tests {
		name := "bdtest-" + n + "-" + strconv.Itoa(i)
		args := []string{"create", "--name", name}
		netArgs := []string{"network", "create"}
		for k, v := range tt.labels {
			args = append(args, "--label", k+"="+v)
			netArgs = append(netArgs, "--label", k+"="+v)
		}
		if tt.run {
			runIDs = append(runIDs, name)
			args = append(args, "--label", "org.breachdrill.run="+name)
			netArgs = append(netArgs, "--label", "org.breachdrill.run="+name)
		}
		m := made{container: docker(t, append(args, imgs.WP, "true")...), network: docker(t, append(netArgs, name)...)}
		resources[tt.name] = m
		t.Cleanup(func() {
			exec.Command("docker", "rm", "-f", m.container).Run()
			exec.Command("docker", "network", "rm", m.network).Run()
		})
	}
	exists := func(kind, id string) bool {
		return exec.Command("docker", kind, "inspect", id).Run() == nil
	}
	check := func(stage string, want func(int) bool) {
		t.Helper()
		for i, tt := range tests {
			m := resources[tt.name]
			if got := exists("container", m.container); got != want(i) {
				t.Errorf("after %s, %s: container present %v, want %v", stage, tt.name, got, want(i))
			}
			if got := exists("network", m.network); got != want(i) {
				t.Errorf("after %s, %s: network present %v, want %v", stage, tt.name, got, want(i))
			}
		}
	}
	check("setup", func(int) bool { return true })

	if _, err := containers.GC(ctx, false); err != nil {
		t.Fatal(err)
	}
	check("gc", func(i int) bool { return tests[i].keptByGC })

	if _, err := containers.GCRuns(ctx, true, runIDs...); err != nil {
		t.Fatal(err)
	}
	check("gc --all", func(i int) bool { return tests[i].keptByGCAll })
}

// Close removes the whole run; WithTablePrefix gives a shop whose tables,
// WooCommerce's included, carry that prefix; Attach finds it by run id.
func TestRunWithPrefixThenClose(t *testing.T) {
	imgs := stacktest.Images(t)
	ctx := testContext(t)
	s, err := containers.Run(ctx, containers.WithImages(imgs), containers.WithTablePrefix("shop7_"))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close(context.Background())
		}
	})
	resp, _ := fetch(t, webClient(t), http.MethodGet, s.URL()+"/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("home page: %s", resp.Status)
	}
	var tables int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('shop7_options', 'shop7_wc_orders', 'shop7_woocommerce_order_items')").Scan(&tables); err != nil || tables != 3 {
		t.Fatalf("prefixed tables: %d, %v", tables, err)
	}
	filter := "label=org.breachdrill.run=" + s.RunID()
	if len(dockerIDs(t, "container", filter)) != 2 || len(dockerIDs(t, "network", filter)) != 1 {
		t.Fatal("the run's containers or network are not labelled")
	}

	// Another process (drill against stack up) attaches by run id and gets
	// the same stack: credentials, prefix, a working database handle.
	other, err := containers.Attach(ctx, s.RunID())
	if err != nil {
		t.Fatal(err)
	}
	if other.Credentials().AdminPassword != s.Credentials().AdminPassword || other.TablePrefix() != "shop7_" || other.URL() != s.URL() {
		t.Fatalf("attached to a different stack: prefix %q, url %q", other.TablePrefix(), other.URL())
	}
	if err := other.DB().PingContext(ctx); err != nil {
		t.Fatalf("attached tool connection: %v", err)
	}
	if resp, _ := logIn(t, other, webClient(t), other.Credentials().AdminUser, other.Credentials().AdminPassword); resp.StatusCode != http.StatusFound {
		t.Fatalf("login with the attached credentials: %s", resp.Status)
	}

	if err := other.Close(ctx); err != nil {
		t.Fatal(err)
	}
	closed = true
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close after the run was removed: %v", err)
	}
	if c, n := dockerIDs(t, "container", filter), dockerIDs(t, "network", filter); len(c)+len(n) != 0 {
		t.Fatalf("left behind: containers %v, networks %v", c, n)
	}
}
