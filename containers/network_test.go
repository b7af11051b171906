package containers_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// neighbour is a network namespace made by the test and routed through
// this host over a veth pair: a machine on the LAN, as far as the host's
// forwarding and firewall can tell. Traffic of these tests goes only to
// it, to the test's own containers and to 127.0.0.1.
type neighbour struct {
	name   string // netns name
	hostIf string
	hostIP string // the host's end
	ip     string // the neighbour's address
	tcp    atomic.Int64
	udp    atomic.Int64
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func newNeighbour(t *testing.T) *neighbour {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	id := fmt.Sprintf("%02x%02x", b[0], b[1])
	// 10.231.0.0/16 is not routed anywhere here; a /30 per test.
	n := &neighbour{name: "bdnb-" + id, hostIf: "bdh-" + id,
		hostIP: fmt.Sprintf("10.231.%d.1", b[0]), ip: fmt.Sprintf("10.231.%d.2", b[0])}
	run(t, "ip", "netns", "add", n.name)
	t.Cleanup(func() {
		_ = exec.Command("ip", "link", "del", n.hostIf).Run()
		_ = exec.Command("ip", "netns", "del", n.name).Run()
	})
	peer := "bdn-" + id
	run(t, "ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", peer)
	run(t, "ip", "link", "set", peer, "netns", n.name)
	run(t, "ip", "addr", "add", n.hostIP+"/30", "dev", n.hostIf)
	run(t, "ip", "link", "set", n.hostIf, "up")
	for _, args := range [][]string{
		{"addr", "add", n.ip + "/30", "dev", peer}, {"link", "set", peer, "up"}, {"link", "set", "lo", "up"},
		{"route", "add", "default", "via", n.hostIP},
	} {
		run(t, "ip", append([]string{"netns", "exec", n.name, "ip"}, args...)...)
	}
	// Listeners that count what reaches the neighbour: TCP 8080 and 53,
	// and a UDP 53 that answers every datagram (so a sender could tell).
	require.NoError(t, n.in(func() error {
		for _, port := range []string{"8080", "53"} {
			l, err := net.Listen("tcp", n.ip+":"+port)
			if err != nil {
				return err
			}
			t.Cleanup(func() { l.Close() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					n.tcp.Add(1)
					c.Close()
				}
			}()
		}
		pc, err := net.ListenPacket("udp", n.ip+":53")
		if err != nil {
			return err
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			buf := make([]byte, 1500)
			for {
				k, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				n.udp.Add(1)
				_, _ = pc.WriteTo(buf[:k], from)
			}
		}()
		return nil
	}))
	return n
}

// in runs f on a thread inside the neighbour's namespace. Sockets made
// there stay in it after the thread leaves.
func (n *neighbour) in(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open("/run/netns/" + n.name)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		ferr := f()
		// A thread that cannot go back stays locked and dies with the
		// goroutine, so no other goroutine runs in the wrong namespace.
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}

// dial reports whether the neighbour gets a TCP connection to addr.
func (n *neighbour) dial(addr string) bool {
	connected := false
	_ = n.in(func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			connected = true
			c.Close()
		}
		return nil
	})
	return connected
}

func inspect(t *testing.T, kind, format, name string) string {
	t.Helper()
	return run(t, "docker", kind, "inspect", "-f", format, name)
}

// egressProbes are what a web shell would try: TCP out, DNS straight to
// a server over UDP and TCP, and the host itself.
func egressProbes(n *neighbour, gateway string, hostPort string) map[string][]string {
	return map[string][]string{
		"tcp to the neighbour": {"bash", "-c", "exec 3<>/dev/tcp/" + n.ip + "/8080 && echo connected"},
		"dns over tcp":         {"bash", "-c", "exec 3<>/dev/tcp/" + n.ip + "/53 && echo connected"},
		// A DNS query for example.test; the neighbour echoes it back.
		"dns over udp": {"php", "-r", `$s = stream_socket_client("udp://` + n.ip + `:53", $e, $es, 3);
$q = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x04test\x00\x00\x01\x00\x01";
fwrite($s, $q); stream_set_timeout($s, 3); $r = fread($s, 512); if ($r !== "" && $r !== false) { echo "connected"; }`},
		"tcp to the host": {"bash", "-c", "exec 3<>/dev/tcp/" + gateway + "/" + hostPort + " && echo connected"},
	}
}

// The run's containers reach nothing outside the run, nothing outside the
// host reaches them, and the harness still does (127.0.0.1, docker exec).
// A control network without the seal, next to it, lets all of it through:
// the probes can tell.
func (ss *stackSuite) TestNetworkIsolation() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	iso := s.Isolation()
	if !iso.Enforced && os.Geteuid() != 0 && os.Getenv("CI") == "" {
		// Sealing needs root; CI runs as root and must seal.
		t.Skipf("the network cannot be sealed here: %s", iso.Reason)
	}
	require.True(t, iso.Enforced, "a local engine, run as root, must seal the run's network: %s", iso.Reason)
	n := newNeighbour(t)

	netName := inspect(t, "container", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", "breachdrill-"+s.RunID()+"-wp")
	gateway := inspect(t, "network", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", netName)
	// A listener of the test on the host's end of the run's bridge.
	hl, err := net.Listen("tcp", gateway+":0")
	require.NoError(t, err)
	defer hl.Close()
	var hostConns atomic.Int64
	go func() {
		for {
			c, err := hl.Accept()
			if err != nil {
				return
			}
			hostConns.Add(1)
			c.Close()
		}
	}()
	_, hostPort, _ := net.SplitHostPort(hl.Addr().String())

	ctl := controlContainer(t, s, n)

	type target struct {
		name string
		exec func(cmd []string) string
		ip   string
		port string
	}
	sealed := func(svc containers.Service) func([]string) string {
		return func(cmd []string) string {
			r, _ := s.Exec(ctx, svc, append([]string{"timeout", "6"}, cmd...))
			return string(r.Stdout)
		}
	}
	targets := []struct {
		target
		sealed bool
	}{
		{target{"wp", sealed(containers.ServiceWP), inspect(t, "container", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "breachdrill-"+s.RunID()+"-wp"), "80"}, true},
		{target{"db", sealed(containers.ServiceDB), inspect(t, "container", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "breachdrill-"+s.RunID()+"-db"), "3306"}, true},
		{target{"control", ctl.exec, ctl.ip, "80"}, false},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			probes := egressProbes(n, gateway, hostPort)
			if !tc.sealed {
				probes = egressProbes(n, ctl.gateway, "1") // the host is not the control's business
				delete(probes, "tcp to the host")
			}
			for what, cmd := range probes {
				before := n.tcp.Load() + n.udp.Load() + hostConns.Load()
				out := tc.exec(cmd)
				reached := n.tcp.Load() + n.udp.Load() + hostConns.Load() - before
				if tc.sealed {
					assert.NotContains(t, out, "connected", "%s from %s got through", what, tc.name)
					assert.Zero(t, reached, "%s from %s reached its target", what, tc.name)
				} else {
					assert.Contains(t, out, "connected", "control: %s should get through", what)
					assert.NotZero(t, reached, "control: %s should reach the neighbour", what)
				}
			}
			assert.Equal(t, !tc.sealed, n.dial(net.JoinHostPort(tc.ip, tc.port)),
				"neighbour connecting to %s:%s (sealed %v)", tc.ip, tc.port, tc.sealed)
		})
	}

	// Docker takes its jump to DOCKER-USER out of FORWARD and puts it back
	// whenever a network is made: the seal must hold in between too.
	t.Run("while networks come and go", func(t *testing.T) {
		// wp tries to get out for 8 s, as fast as it can, while networks
		// are made and removed on the host.
		type result struct {
			out []byte
			err error
		}
		tried := make(chan result, 1)
		before := n.tcp.Load()
		go func() {
			loop := "for (( ; ; )); do (exec 3<>/dev/tcp/" + n.ip + "/8080) 2>/dev/null && echo connected; done"
			r, err := s.Exec(ctx, containers.ServiceWP, []string{"bash", "-c", "timeout 8 bash -c '" + loop + "'; exit 0"})
			tried <- result{r.Stdout, err}
		}()
		made := 0
		var r result
	churn:
		for {
			select {
			case r = <-tried:
				break churn
			default:
			}
			name := "bdtest-churn-" + nonce()
			require.NoError(t, exec.Command("docker", "network", "create", name).Run(), "create network %s", name)
			made++
			require.NoError(t, exec.Command("docker", "network", "rm", name).Run(), "remove network %s", name)
		}
		require.NoError(t, r.err)
		require.GreaterOrEqual(t, made, 3, "networks made while wp tried to get out")
		assert.Zero(t, strings.Count(string(r.out), "connected"), "connections from wp that got through while %d networks were made", made)
		assert.Zero(t, n.tcp.Load()-before, "connections from wp reached the neighbour while %d networks were made", made)
	})

	t.Run("published ports", func(t *testing.T) {
		for _, addr := range []string{strings.TrimPrefix(s.URL(), "http://"), s.Info().DBAddr} {
			_, port, _ := net.SplitHostPort(addr)
			assert.False(t, n.dial(net.JoinHostPort(n.hostIP, port)), "neighbour reached published port %s through the host", port)
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			require.NoError(t, err, "the harness must reach %s", addr)
			c.Close()
		}
		resp, err := http.Get(s.URL() + "/wp-login.php")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		res, err := s.Exec(ctx, containers.ServiceDB, []string{"echo", "exec works"})
		require.NoError(t, err)
		assert.Equal(t, "exec works\n", string(res.Stdout))
	})

	// Docker's own resolver (127.0.0.11) forwards names it does not know
	// from inside the container's namespace: pointed at the neighbour, a
	// probe container on the run's network must not get a query there.
	t.Run("embedded dns", func(t *testing.T) {
		for _, nw := range []struct {
			name   string
			sealed bool
		}{{netName, true}, {ctl.network, false}} {
			before := n.udp.Load() + n.tcp.Load()
			args := append([]string{"run", "--rm", "--network", nw.name}, ownedBy(s.RunID())...)
			out, _ := exec.Command("docker", append(args, "--dns", n.ip, "--entrypoint", "timeout", s.Info().Images.WP, "8", "getent", "hosts", "probe.example.test")...).CombinedOutput()
			reached := n.udp.Load() + n.tcp.Load() - before
			if nw.sealed {
				assert.Zero(t, reached, "a name lookup on the run's network reached the neighbour: %s", out)
			} else {
				assert.NotZero(t, reached, "control: the lookup should reach the neighbour: %s", out)
			}
		}
	})
}

// ownedBy labels a container this test starts from a stack's image as a
// run of this process. The image of a warm-started stack carries the
// labels of the process that built it, long gone: without these, any
// breachdrill process starting meanwhile would sweep the container as a
// stale run's.
func ownedBy(runID string) []string {
	var args []string
	for k, v := range containers.RunLabels(runID) {
		args = append(args, "--label", k+"="+v)
	}
	return args
}

type control struct {
	network, ip, gateway string
	exec                 func([]string) string
}

// controlContainer runs the stack image on a plain Docker network of the
// test's own, with a published port: how runs were before the seal.
func controlContainer(t *testing.T, s *containers.Stack, n *neighbour) control {
	t.Helper()
	img := inspect(t, "container", "{{.Config.Image}}", "breachdrill-"+s.RunID()+"-wp")
	id := "bdctl-" + n.name[len("bdnb-"):]
	label := "org.breachdrill.test-control=" + id
	run(t, "docker", "network", "create", "--label", label, id)
	t.Cleanup(func() {
		_ = exec.Command("docker", "rm", "-f", id).Run()
		_ = exec.Command("docker", "network", "rm", id).Run()
	})
	args := append([]string{"run", "-d", "--name", id, "--label", label, "--network", id, "-p", "127.0.0.1::80"}, ownedBy(id)...)
	run(t, "docker", append(args, "--entrypoint", "php", img, "-S", "0.0.0.0:80", "-t", "/tmp")...)
	ip := inspect(t, "container", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id)
	gw := inspect(t, "network", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", id)
	// Wait for php -S to listen.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out, _ := exec.Command("docker", "exec", id, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/80 && echo up").Output(); strings.Contains(string(out), "up") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return control{network: id, ip: ip, gateway: gw, exec: func(cmd []string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		out, _ := exec.CommandContext(ctx, "docker", append([]string{"exec", id, "timeout", "6"}, cmd...)...).Output()
		return string(out)
	}}
}
