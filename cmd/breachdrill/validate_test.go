package main

import (
	"archive/zip"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every flag, path and file is checked before any container starts: exit 2
// in under a second, one error line naming the flag, nothing written to
// --out, nothing labelled with the process's pid left on the engine.
func TestInputCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	notKey := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notKey, []byte("just some notes\n"), 0o600))
	rsaKey := filepath.Join(dir, "rsa.pem")
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(rsaKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	randomZip := filepath.Join(dir, "random.zip")
	zf, err := os.Create(randomZip)
	require.NoError(t, err)
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("readme.txt")
	_, _ = w.Write([]byte("not a plugin"))
	require.NoError(t, zw.Close())
	require.NoError(t, zf.Close())
	aFile := filepath.Join(dir, "a-file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o600))

	drill := func(extra ...string) []string {
		return append([]string{"drill", "--scenario", "debug-log-exposure"}, extra...)
	}
	tests := []struct {
		name string
		args []string
		want []string // in the error line
	}{
		{"--key a text file", drill("--key", notKey), []string{"--key", notKey, "ed25519"}},
		{"--key an RSA key", drill("--key", rsaKey), []string{"--key", "not ed25519"}},
		{"--key missing", drill("--key", filepath.Join(dir, "nope.pem")), []string{"--key", "no such file"}},
		{"--json a folder", []string{"test", "--scenario", "debug-log-exposure", "--json", dir}, []string{"--json", "is a folder"}},
		{"--junit in a missing folder", []string{"test", "--scenario", "debug-log-exposure", "--junit", filepath.Join(dir, "missing", "j.xml")}, []string{"--junit", "does not exist"}},
		{"--baseline-window negative", drill("--baseline-window", "-1s"), []string{"--baseline-window -1s"}},
		{"--baseline-window huge", drill("--baseline-window", "3h"), []string{"--baseline-window 3h0m0s"}},
		{"--interval too short", drill("--interval", "10ms"), []string{"--interval 10ms"}},
		{"--shopper-rate zero", drill("--shopper-rate", "0"), []string{"--shopper-rate 0", "0.1 to 20"}},
		{"--shopper-rate not a number", drill("--shopper-rate", "NaN"), []string{"--shopper-rate NaN"}},
		{"--checkout-every too often", drill("--checkout-every", "100ms"), []string{"--checkout-every 100ms", "1s to 10m0s"}},
		{"--orders a billion", drill("--orders", "1000000000"), []string{"--orders 1000000000"}},
		{"--customers zero", drill("--customers", "0"), []string{"--customers 0"}},
		{"--woocommerce missing", drill("--woocommerce", "/nonexistent"), []string{"--woocommerce /nonexistent"}},
		{"--woocommerce a random zip", drill("--woocommerce", randomZip), []string{"--woocommerce " + randomZip}},
		{"--table-prefix with SQL", drill("--table-prefix", "wp_;DROP"), []string{"--table-prefix"}},
		{"--out a file", drill("--out", aFile), []string{"--out " + aFile, "not a folder"}},
		{"--run unknown", drill("--run", "nosuchrun"), []string{"--run nosuchrun", "stack list"}},
		{"--source unknown", drill("--source", "dockerhub"), []string{`unknown image source "dockerhub"`}},
		{"--shard malformed", drill("--shard", "3"), []string{"--shard"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--out") {
				args = append(args, "--out", out)
			}
			env := []string{"XDG_CONFIG_HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
			start := time.Now()
			res := runCLI(t, env, args...)
			took := time.Since(start)
			t.Logf("%s: exit %d in %s", tc.name, res.code, took.Round(time.Millisecond))
			assert.Equal(t, 2, res.code, "stderr: %s", res.stderr)
			assert.Less(t, took, time.Second, "input must be checked before anything starts")
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			last := lines[len(lines)-1]
			require.True(t, strings.HasPrefix(last, "breachdrill: "), "stderr: %s", res.stderr)
			for _, w := range tc.want {
				assert.Contains(t, last, w)
			}
			left, err := os.ReadDir(out)
			require.NoError(t, err)
			assert.Empty(t, left, "nothing is written for bad input")
			assert.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(res.pid)))
		})
	}
}

// Where the network cannot be sealed (here: the engine reached over TCP,
// which is how a remote engine looks), scenarios that plant code are
// refused unless --allow-exposed; others are not.
func TestExposedEngineRefusesPlantedCode(t *testing.T) {
	sock := "/var/run/docker.sock"
	if _, err := os.Stat(sock); err != nil {
		t.Skip("no local Docker socket to proxy")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("unix", sock)
				if err != nil {
					return
				}
				defer u.Close()
				go func() { _, _ = io.Copy(u, c) }()
				_, _ = io.Copy(c, u)
			}()
		}
	}()
	env := []string{"DOCKER_HOST=tcp://" + l.Addr().String(), "XDG_CONFIG_HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir()}
	out := t.TempDir()
	res := runCLI(t, env, "drill", "--scenario", "rogue-plugin-backdoor", "--out", out)
	assert.Equal(t, 2, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stderr, "--allow-exposed")
	assert.Contains(t, res.stderr, "rogue-plugin-backdoor")
	assert.Contains(t, res.stderr, "remote")
	left, _ := os.ReadDir(out)
	assert.Empty(t, left)
}
