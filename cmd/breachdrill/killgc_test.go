package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A drill killed with SIGKILL can clean up nothing: its stack, its
// firewall chains and its raw timeline (0600) stay until gc, which removes
// all three and says so.
func TestSIGKILLThenGC(t *testing.T) {
	stacktest.Images(t)
	stacktest.HoldGC(t)
	dir := t.TempDir()
	env := []string{"XDG_CONFIG_HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
	cmd, sc, _ := startCLI(t, env, "drill", "--scenario", "debug-log-exposure", "--out", dir)
	var log strings.Builder
	waitFor(t, sc, &log, " ready at ")
	m := regexp.MustCompile(`stack (\S+) ready at`).FindStringSubmatch(log.String())
	require.NotNil(t, m, log.String())
	run := m[1]
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	pid := strconv.Itoa(cmd.Process.Pid)

	raws, _ := filepath.Glob(filepath.Join(dir, ".drill-"+pid+"-*.timeline.jsonl"))
	require.Len(t, raws, 1, "the raw timeline stays after SIGKILL")
	st, err := os.Stat(raws[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.NotEmpty(t, leftovers(t, "label=org.breachdrill.owner-pid="+pid))
	sum := sha256.Sum256([]byte(run))
	chain := "BREACHDRILL-" + hex.EncodeToString(sum[:])[:10]
	sealed := exec.Command("iptables", "-w", "5", "-S", chain).Run() == nil
	if os.Geteuid() == 0 {
		assert.True(t, sealed, "the run's firewall chain is in place")
	}

	gc := runCLI(t, env, "gc")
	require.Equal(t, 0, gc.code, gc.stderr)
	assert.Contains(t, gc.stdout, "removed "+run)
	assert.Contains(t, gc.stdout, "removed raw timeline "+raws[0])
	assert.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+pid))
	assert.NoFileExists(t, raws[0])
	assert.Error(t, exec.Command("iptables", "-w", "5", "-S", chain).Run(), "gc removed the chain")
	left, _ := os.ReadDir(dir)
	assert.Empty(t, left)
}
