package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/client"
)

// Labels on every container and network a run creates. Cleanup only ever
// touches resources that carry labelRun.
const (
	labelRun     = "org.breachdrill.run"
	labelCreated = "org.breachdrill.created"
	labelHost    = "org.breachdrill.owner-host"
	labelPID     = "org.breachdrill.owner-pid"
	labelKeep    = "org.breachdrill.keep"
	labelRole    = "org.breachdrill.role"
	labelPrefix  = "org.breachdrill.table-prefix"
)

// NewRunID returns a short random run id, safe in container names.
func NewRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "bd" + hex.EncodeToString(b)
}

func runLabels(runID string, keep bool, created time.Time) map[string]string {
	host, _ := os.Hostname()
	l := map[string]string{
		labelRun:     runID,
		labelCreated: created.UTC().Format(time.RFC3339),
		labelHost:    host,
		labelPID:     strconv.Itoa(os.Getpid()),
	}
	if keep {
		l[labelKeep] = "true"
	}
	return l
}

func withRole(l map[string]string, role string) map[string]string {
	out := make(map[string]string, len(l)+1)
	for k, v := range l {
		out[k] = v
	}
	out[labelRole] = role
	return out
}

// RunSummary describes the labelled resources of one run.
type RunSummary struct {
	RunID      string    `json:"run"`
	Created    time.Time `json:"created"`
	Kept       bool      `json:"kept"`
	OwnerAlive bool      `json:"owner_alive"`
	Containers []string  `json:"containers"`
	Networks   []string  `json:"networks"`
}

// stale reports whether nobody will clean the run up any more: it was not
// kept on purpose (stack up) and the process that made it is gone.
func (r RunSummary) stale() bool { return !r.Kept && !r.OwnerAlive }

// ListRuns lists every run that has labelled containers or networks.
func ListRuns(ctx context.Context) ([]RunSummary, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return listRuns(ctx, cli)
}

func listRuns(ctx context.Context, cli *client.Client) ([]RunSummary, error) {
	return listLabelled(ctx, cli, labelRun)
}

// removeRunID removes whatever is labelled with runID; none is no error.
func removeRunID(ctx context.Context, cli *client.Client, runID string) error {
	runs, err := listLabelled(ctx, cli, labelRun+"="+runID)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if err := removeRun(ctx, cli, r); err != nil {
			return err
		}
	}
	return nil
}

// listLabelled groups by run the containers and networks matching a label
// filter ("key" or "key=value").
func listLabelled(ctx context.Context, cli *client.Client, label string) ([]RunSummary, error) {
	filter := make(client.Filters).Add("label", label)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filter})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("list containers: %w", err))
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: filter})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("list networks: %w", err))
	}
	runs := map[string]*RunSummary{}
	// A run is alive (or kept) when any of its parts says so: a container
	// started from a warm snapshot's image without owner labels of its own
	// carries the long-gone builder's, and must not get the live run it
	// joined removed.
	get := func(labels map[string]string) *RunSummary {
		id := labels[labelRun]
		r, ok := runs[id]
		if !ok {
			created, _ := time.Parse(time.RFC3339, labels[labelCreated])
			r = &RunSummary{RunID: id, Created: created}
			runs[id] = r
		}
		r.Kept = r.Kept || labels[labelKeep] == "true"
		r.OwnerAlive = r.OwnerAlive || ownerAlive(labels)
		return r
	}
	for _, c := range cs.Items {
		r := get(c.Labels)
		r.Containers = append(r.Containers, c.ID)
	}
	for _, n := range ns.Items {
		r := get(n.Labels)
		r.Networks = append(r.Networks, n.ID)
	}
	out := make([]RunSummary, 0, len(runs))
	for _, r := range runs {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// ownerAlive answers for owners on this host only; a run made from another
// host is assumed alive until it is a day old.
func ownerAlive(labels map[string]string) bool {
	host, _ := os.Hostname()
	if labels[labelHost] != host {
		created, err := time.Parse(time.RFC3339, labels[labelCreated])
		return err == nil && time.Since(created) < 24*time.Hour
	}
	pid, err := strconv.Atoi(labels[labelPID])
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// RemoveRun removes every container and network labelled with runID.
func RemoveRun(ctx context.Context, runID string) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	runs, err := listRuns(ctx, cli)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.RunID == runID {
			return removeRun(ctx, cli, r)
		}
	}
	return fault.Input(fmt.Errorf("no stack with run id %q: `breachdrill stack list` shows the runs", runID))
}

func removeRun(ctx context.Context, cli *client.Client, r RunSummary) error {
	var first error
	for _, id := range r.Containers {
		if _, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && first == nil {
			first = fault.Infra(fmt.Errorf("remove container %.12s of run %s: %w", id, r.RunID, err))
		}
	}
	for _, id := range r.Networks {
		if _, err := cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{}); err != nil && first == nil {
			first = fault.Infra(fmt.Errorf("remove network %.12s of run %s: %w", id, r.RunID, err))
		}
	}
	if err := unsealRun(ctx, cli, r.RunID); err != nil && first == nil {
		first = fault.Infra(fmt.Errorf("remove the firewall rules of run %s: %w", r.RunID, err))
	}
	return first
}

// GC removes labelled runs. With all it removes every run, kept stacks and
// live ones included; otherwise only runs whose owner is gone and that were
// not kept on purpose.
func GC(ctx context.Context, all bool) ([]RunSummary, error) {
	return gc(ctx, all, nil)
}

// gc is GC limited to the runs in scope (nil: every run), so that tests can
// prove --all without removing stacks that other processes are using.
func gc(ctx context.Context, all bool, scope func(RunSummary) bool) ([]RunSummary, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	runs, err := listRuns(ctx, cli)
	if err != nil {
		return nil, err
	}
	var removed []RunSummary
	for _, r := range runs {
		if (!all && !r.stale()) || (scope != nil && !scope(r)) {
			continue
		}
		if err := removeRun(ctx, cli, r); err != nil {
			return removed, err
		}
		removed = append(removed, r)
	}
	if scope != nil {
		// A scoped gc (tests) must not judge other processes' chains.
		return removed, nil
	}
	// Chains whose run is gone entirely (a process killed after sealing
	// and before its own cleanup, with its network removed since).
	left, err := listRuns(ctx, cli)
	if err != nil {
		return removed, err
	}
	_, err = removeOrphanedSeals(ctx, cli, left)
	return removed, err
}
