package containers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/moby/moby/client"
)

// Isolation says whether the run's network is sealed: its containers reach
// nothing outside the run, and nothing outside the run reaches them except
// through the ports published on 127.0.0.1 and docker exec.
type Isolation struct {
	Enforced bool   `json:"enforced"`
	Reason   string `json:"reason,omitempty"` // why it is not, when it is not
}

// Docker (before 28) publishes a port on 127.0.0.1 with a DNAT for
// loopback and, in its DOCKER chain, an ACCEPT for the container's own
// address from any interface: whoever routes to the bridge through this
// host (a neighbour on the LAN) reaches the container directly. And a
// normal bridge masquerades everything the containers send out. Neither an
// internal network (no published ports at all) nor PHP settings close
// both, so the run gets its own firewall chains, hooked into the chain
// Docker leaves to users (DOCKER-USER), into FORWARD itself and into INPUT
// (the host itself), installed once the network exists (its labels keep
// gc from taking the chains for an orphan's) and before any container
// starts: there is no moment in which a container runs unsealed.
//
// DOCKER-USER alone is not enough: whenever any network is created on the
// host, Docker deletes its FORWARD jump to DOCKER-USER and inserts it
// again, and a packet forwarded in between meets Docker's own ACCEPT for
// everything leaving a bridge. Measured here: 96 of 3,000 connections from
// a sealed container reached a neighbour while 15 networks were created
// and removed. Docker never deletes a rule of ours from FORWARD, so the
// jumps there hold while DOCKER-USER's is away.
//
// Measured on Docker 20.10 (network_test.go): without the chains, a
// network namespace routed through the host got HTTP from the web
// container's address and a TCP connection to the database's, and both
// containers reached it over TCP, UDP DNS and, through Docker's resolver,
// DNS; with them, none of that, while 127.0.0.1 and docker exec work.
//
// Everything here is named after the run (chains BREACHDRILL-<hash>, rule
// comments "breachdrill run <id>"); nothing else in the host's firewall is
// read for removal or touched.
const (
	chainPrefix   = "BREACHDRILL-"
	commentPrefix = "breachdrill run "
)

// runHash keeps names derived from a run id (any length) within the
// kernel's limits: 15 bytes for an interface, 28 for a chain.
func runHash(runID string) string {
	sum := sha256.Sum256([]byte(runID))
	return hex.EncodeToString(sum[:])[:10]
}

// bridgeName is the run's bridge interface on the host. Docker otherwise
// names it after the network id; a name derived from the run lets cleanup
// (gc after a SIGKILL) find the rules from the run id alone.
func bridgeName(runID string) string { return hashBridge(runHash(runID)) }

func hashBridge(hash string) string { return "bd-" + hash }

// forwardParents are the chains the run's forward chain is jumped to from.
// seal and removeChains share them, so every jump made is also taken out.
var forwardParents = []string{"DOCKER-USER", "FORWARD"}

func forwardChain(runID string) string { return chainPrefix + runHash(runID) }
func inputChain(runID string) string   { return chainPrefix + runHash(runID) + "-IN" }

// createNetwork makes the run's network with the options that go with
// the seal: our bridge name, no masquerading (nothing the containers send
// is rewritten to the host's address even if a rule were missing) and
// ports published on 127.0.0.1 unless said otherwise. testcontainers'
// network.New drops driver options, hence the engine's API here.
func createNetwork(ctx context.Context, cli *client.Client, runID string, labels map[string]string) (string, error) {
	name := "breachdrill-" + runID
	_, err := cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge",
		Labels: labels,
		Options: map[string]string{
			"com.docker.network.bridge.name":                 bridgeName(runID),
			"com.docker.network.bridge.enable_ip_masquerade": "false",
			"com.docker.network.bridge.host_binding_ipv4":    "127.0.0.1",
			"com.docker.network.bridge.enable_icc":           "true",
		},
	})
	return name, err
}

// firewall runs iptables, the binary Docker itself uses, so that the rules
// land in the same backend (nft or legacy) as Docker's.
type firewall struct{ bin string }

func (f firewall) run(ctx context.Context, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, f.bin, append([]string{"-w", "5"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// isolationSupport says whether this process can seal a run's network on
// the engine cli talks to; when it cannot, the reason says why in words a
// user can act on.
func isolationSupport(ctx context.Context, cli *client.Client) (firewall, Isolation) {
	no := func(reason string) (firewall, Isolation) { return firewall{}, Isolation{Reason: reason} }
	if host := cli.DaemonHost(); !strings.HasPrefix(host, "unix://") {
		return no(fmt.Sprintf("the engine at %s is remote: its firewall is not this host's to set", host))
	}
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return no(fmt.Sprintf("engine info: %v", err))
	}
	for _, o := range info.Info.SecurityOptions {
		if strings.Contains(o, "name=rootless") {
			return no("the engine is rootless: its networks live in a namespace this host's firewall does not see")
		}
	}
	if os.Geteuid() != 0 {
		return no("not running as root: cannot add the firewall rules that seal the run's network")
	}
	bin, err := exec.LookPath("iptables")
	if err != nil {
		return no("no iptables on this host")
	}
	fw := firewall{bin: bin}
	if _, err := fw.run(ctx, "-S", "DOCKER-USER"); err != nil {
		return no("Docker's DOCKER-USER chain is not in this host's iptables (an engine in a VM, or Docker's iptables management turned off)")
	}
	return fw, Isolation{Enforced: true}
}

// CheckIsolation says, without starting anything, whether runs started
// from this process would be sealed.
func CheckIsolation(ctx context.Context) (Isolation, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return Isolation{}, err
	}
	defer cli.Close()
	_, iso := isolationSupport(ctx, cli)
	return iso, nil
}

// seal installs the run's chains. Traffic between the run's containers
// passes; traffic from them to anywhere else is rejected (so a web shell's
// connect fails at once instead of hanging); traffic into the bridge from
// anywhere else is dropped; the host itself only answers connections it
// opened (the userland proxy behind the published ports).
func (f firewall) seal(ctx context.Context, runID string) error {
	br, fwd, in := bridgeName(runID), forwardChain(runID), inputChain(runID)
	comment := []string{"-m", "comment", "--comment", commentPrefix + runID}
	steps := [][]string{
		{"-N", fwd},
		{"-A", fwd, "-i", br, "-o", br, "-j", "RETURN"},
		{"-A", fwd, "-i", br, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"},
		{"-A", fwd, "-i", br, "-j", "REJECT"},
		{"-A", fwd, "-j", "DROP"},
		{"-N", in},
		{"-A", in, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "RETURN"},
		{"-A", in, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"},
		{"-A", in, "-j", "REJECT"},
	}
	// Jumps last: a chain half built is never in use.
	for _, parent := range forwardParents {
		for _, dir := range []string{"-i", "-o"} {
			steps = append(steps, append(append([]string{"-I", parent, "1", dir, br}, comment...), "-j", fwd))
		}
	}
	steps = append(steps, append(append([]string{"-I", "INPUT", "1", "-i", br}, comment...), "-j", in))
	for _, s := range steps {
		if _, err := f.run(ctx, s...); err != nil {
			return errors.Join(fmt.Errorf("seal the run's network: %w", err), f.unseal(context.WithoutCancel(ctx), runID))
		}
	}
	return nil
}

// unseal removes the run's jumps and chains; what is already gone is no
// error, so it can run on every cleanup path.
func (f firewall) unseal(ctx context.Context, runID string) error {
	return f.removeChains(ctx, runHash(runID))
}

// removeChains removes the jumps into the chains of one run hash (found by
// their target, which only we create) and then the chains.
func (f firewall) removeChains(ctx context.Context, hash string) error {
	var errs []error
	targets := map[string]bool{chainPrefix + hash: true, chainPrefix + hash + "-IN": true}
	for _, parent := range append(slices.Clone(forwardParents), "INPUT") {
		out, err := f.run(ctx, "-S", parent)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(out, "\n") {
			fields, ok := ruleFields(line, parent)
			if !ok || !targets[jumpTarget(fields)] {
				continue
			}
			if _, err := f.run(ctx, append([]string{"-D", parent}, fields...)...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for chain := range targets {
		if _, err := f.run(ctx, "-S", chain); err != nil {
			continue // not there
		}
		if _, err := f.run(ctx, "-F", chain); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := f.run(ctx, "-X", chain); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ruleFields splits one line of `iptables -S parent` ("-A parent ...")
// into the rule's specification. iptables quotes a comment with spaces;
// ours are "breachdrill run <id>", unquoted again here.
func ruleFields(line, parent string) ([]string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-A "+parent+" ")
	if !ok {
		return nil, false
	}
	var fields []string
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return nil, false
			}
			fields = append(fields, rest[1:1+end])
			rest = rest[2+end:]
			continue
		}
		f, r, _ := strings.Cut(rest, " ")
		if f != "" {
			fields = append(fields, f)
		}
		rest = r
	}
	return fields, true
}

func jumpTarget(fields []string) string {
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "-j" {
			return fields[i+1]
		}
	}
	return ""
}

// sealedRunHashes lists the run hashes that have chains on this host.
func (f firewall) sealedRunHashes(ctx context.Context) ([]string, error) {
	out, err := f.run(ctx, "-S")
	if err != nil {
		return nil, err
	}
	var hashes []string
	for _, line := range strings.Split(out, "\n") {
		name, ok := strings.CutPrefix(strings.TrimSpace(line), "-N "+chainPrefix)
		if ok && !strings.HasSuffix(name, "-IN") {
			hashes = append(hashes, name)
		}
	}
	return hashes, nil
}

// localFirewall is the firewall when this process may use it; ok is false
// otherwise (cleanup then has nothing it could do).
func localFirewall(ctx context.Context, cli *client.Client) (firewall, bool) {
	fw, iso := isolationSupport(ctx, cli)
	return fw, iso.Enforced
}

// unsealRun removes a run's rules if this process can; removing a run
// must not fail because the host has no firewall to clean.
func unsealRun(ctx context.Context, cli *client.Client, runID string) error {
	fw, ok := localFirewall(ctx, cli)
	if !ok {
		return nil
	}
	return fw.unseal(ctx, runID)
}

// removeOrphanedSeals removes the chains of runs that have no container
// or network left (a process killed between sealing and cleanup).
func removeOrphanedSeals(ctx context.Context, cli *client.Client, live []RunSummary) (int, error) {
	fw, ok := localFirewall(ctx, cli)
	if !ok {
		return 0, nil
	}
	hashes, err := fw.sealedRunHashes(ctx)
	if err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	for _, r := range live {
		keep[runHash(r.RunID)] = true
	}
	n := 0
	var errs []error
	for _, h := range hashes {
		// A run sealed after live was listed (its network is made, and its
		// bridge with it, before its chains) is not an orphan.
		if keep[h] || bridgeUp(h) {
			continue
		}
		if err := fw.removeChains(ctx, h); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// bridgeOnThisHost confirms that the rules can apply: the run's bridge is
// an interface of this host, not of a VM the engine runs in.
func bridgeOnThisHost(runID string) bool { return bridgeUp(runHash(runID)) }

// bridgeUp reports whether the bridge of the run with this hash exists.
func bridgeUp(hash string) bool {
	_, err := net.InterfaceByName(hashBridge(hash))
	return err == nil
}

// sealRun installs the run's rules when this host can enforce them and
// says what the run got. The network must exist (its labels keep gc from
// taking the chains for an orphan's) and no container may have started.
func sealRun(ctx context.Context, cli *client.Client, runID string) (Isolation, error) {
	fw, iso := isolationSupport(ctx, cli)
	if !iso.Enforced {
		return iso, nil
	}
	if !bridgeOnThisHost(runID) {
		return Isolation{Reason: "the run's bridge " + bridgeName(runID) + " is not an interface of this host (an engine in a VM): its firewall is not this host's to set"}, nil
	}
	if err := fw.seal(ctx, runID); err != nil {
		return Isolation{}, err
	}
	return iso, nil
}

// runIsolation says whether a running stack (attached from another
// process) is sealed: its chains are in place on this host.
func runIsolation(ctx context.Context, cli *client.Client, runID string) Isolation {
	fw, iso := isolationSupport(ctx, cli)
	if !iso.Enforced {
		return iso
	}
	for _, c := range []string{forwardChain(runID), inputChain(runID)} {
		if _, err := fw.run(ctx, "-S", c); err != nil {
			return Isolation{Reason: "the run's firewall chain " + c + " is missing"}
		}
	}
	return iso
}

// Isolation says whether the stack's network is sealed (see Isolation).
func (s *Stack) Isolation() Isolation { return s.info.Isolation }
