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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run(), "run a process that ends")
	return cmd.Process.Pid
}

// gc removes runs nobody will clean up any more, --all removes every
// labelled run, and nothing without breachdrill's labels is ever touched.
func TestGC(t *testing.T) {
	imgs := stacktest.Images(t)
	stacktest.HoldGC(t)
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
		netLabels   map[string]string // the network's, when not labels
		keptByGC    bool
		keptByGCAll bool
	}{
		{name: "stale: owner gone", run: true, labels: labels(deadPID(t), host, now, false)},
		{name: "kept by stack up, owner gone", run: true, labels: labels(deadPID(t), host, now, true), keptByGC: true},
		{name: "owner alive", run: true, labels: labels(os.Getpid(), host, now, false), keptByGC: true},
		// A container started from a warm snapshot's image without its own
		// owner labels carries the builder's (long gone): the run's other
		// parts, owned by a live process, keep the whole run.
		{name: "one part's owner alive", run: true, labels: labels(deadPID(t), host, now, false), netLabels: labels(os.Getpid(), host, now, false), keptByGC: true},
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
		netLabels := tt.netLabels
		if netLabels == nil {
			netLabels = tt.labels
		}
		for k, v := range tt.labels {
			args = append(args, "--label", k+"="+v)
		}
		for k, v := range netLabels {
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
			assert.Equal(t, want(i), exists("container", m.container), "after %s, %s: container present", stage, tt.name)
			assert.Equal(t, want(i), exists("network", m.network), "after %s, %s: network present", stage, tt.name)
		}
	}
	check("setup", func(int) bool { return true })

	_, err := containers.GC(ctx, false)
	require.NoError(t, err, "gc")
	check("gc", func(i int) bool { return tests[i].keptByGC })

	_, err = containers.GCRuns(ctx, true, runIDs...)
	require.NoError(t, err, "gc --all")
	check("gc --all", func(i int) bool { return tests[i].keptByGCAll })
}

// Close removes the whole run; WithTablePrefix gives a shop whose tables,
// WooCommerce's included, carry that prefix; Attach finds it by run id.
func TestRunWithPrefixThenClose(t *testing.T) {
	imgs := stacktest.Images(t)
	ctx := testContext(t)
	s, err := containers.Run(ctx, containers.WithImages(imgs), containers.WithTablePrefix("shop7_"))
	require.NoError(t, err, "start a stack with table prefix shop7_")
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close(context.Background())
		}
	})
	resp, _ := fetch(t, webClient(t), http.MethodGet, s.URL()+"/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "home page")
	var tables int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('shop7_options', 'shop7_wc_orders', 'shop7_woocommerce_order_items')").Scan(&tables), "count the prefixed tables")
	require.Equal(t, 3, tables, "prefixed tables: options, wc_orders, woocommerce_order_items")
	filter := "label=org.breachdrill.run=" + s.RunID()
	require.Len(t, dockerIDs(t, "container", filter), 2, "the run's containers must be labelled")
	require.Len(t, dockerIDs(t, "network", filter), 1, "the run's network must be labelled")

	// Another process (drill against stack up) attaches by run id and gets
	// the same stack: credentials, prefix, a working database handle.
	other, err := containers.Attach(ctx, s.RunID())
	require.NoError(t, err, "Attach by run id")
	require.Equal(t, s.Credentials().AdminPassword, other.Credentials().AdminPassword, "the attached stack's credentials")
	require.Equal(t, "shop7_", other.TablePrefix(), "the attached stack's table prefix")
	require.Equal(t, s.URL(), other.URL(), "the attached stack's URL")
	require.NoError(t, other.DB().PingContext(ctx), "the attached tool connection")
	resp, _ = logIn(t, other, webClient(t), other.Credentials().AdminUser, other.Credentials().AdminPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode, "login with the attached credentials")

	require.NoError(t, other.Close(ctx), "Close the attached stack")
	closed = true
	require.NoError(t, s.Close(ctx), "Close after the run was removed")
	require.Empty(t, dockerIDs(t, "container", filter), "containers left behind")
	require.Empty(t, dockerIDs(t, "network", filter), "networks left behind")
}
