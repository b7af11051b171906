package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run the real binary, built once, as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "breachdrill-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "breachdrill")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
	pid            int
}

func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err, "run %v", args)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code, pid: cmd.Process.Pid}
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// leftovers lists containers and networks (docker ps -a, docker network ls)
// matching every label filter given.
func leftovers(t *testing.T, filters ...string) []string {
	t.Helper()
	var args []string
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	var out []string
	for _, id := range strings.Fields(docker(t, append([]string{"ps", "-aq"}, args...)...)) {
		out = append(out, "container "+id)
	}
	for _, id := range strings.Fields(docker(t, append([]string{"network", "ls", "-q"}, args...)...)) {
		out = append(out, "network "+id)
	}
	return out
}

// staleRuns lists labelled runs on this engine that nobody will clean up:
// made on this host by a process that is gone, and not kept by stack up.
func staleRuns(t *testing.T) []string {
	t.Helper()
	host, _ := os.Hostname()
	format := `{{.Label "org.breachdrill.run"}} {{.Label "org.breachdrill.owner-host"}} {{.Label "org.breachdrill.owner-pid"}} {{.Label "org.breachdrill.keep"}}`
	lines := docker(t, "ps", "-a", "--filter", "label=org.breachdrill.run", "--format", format)
	var stale []string
	for _, line := range strings.Split(lines, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != host || (len(f) > 3 && f[3] == "true") {
			continue
		}
		pid, _ := strconv.Atoi(f[2])
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			stale = append(stale, f[0])
		}
	}
	return stale
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type upOutput struct {
	run, url, user, password string
}

var (
	textLine = regexp.MustCompile(`(?m)^(run|url|admin)\s+(.*)$`)
	adminRE  = regexp.MustCompile(`^(http://127\.0\.0\.1:\d+)/wp-admin/\s+user (\S+)\s+password (\S+)$`)
)

func parseText(t *testing.T, out string) upOutput {
	t.Helper()
	var u upOutput
	for _, m := range textLine.FindAllStringSubmatch(out, -1) {
		switch m[1] {
		case "run":
			u.run = m[2]
		case "url":
			u.url = strings.TrimSuffix(m[2], "/")
		case "admin":
			a := adminRE.FindStringSubmatch(m[2])
			require.NotNil(t, a, "admin line %q: want URL, user and password", m[2])
			require.Equal(t, u.url, a[1], "admin line %q: the admin URL is the stack's", m[2])
			u.user, u.password = a[2], a[3]
		}
	}
	return u
}

func parseJSON(t *testing.T, out string) upOutput {
	t.Helper()
	var v struct {
		Run           string `json:"run"`
		URL           string `json:"url"`
		AdminUser     string `json:"admin_user"`
		AdminPassword string `json:"admin_password"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v), "stack up --json prints one JSON object: %s", out)
	return upOutput{v.Run, v.URL, v.AdminUser, v.AdminPassword}
}

// stack up starts a stack that outlives the command, prints what a user
// needs to reach it (and the printed login works), gc leaves it alone,
// stack down removes it, and gc afterwards leaves no breachdrill leftovers.
func TestStackUpDown(t *testing.T) {
	stacktest.Images(t)
	tests := []struct {
		name  string
		args  []string
		parse func(*testing.T, string) upOutput
	}{
		{"text", []string{"stack", "up"}, parseText},
		{"json", []string{"stack", "up", "--json"}, parseJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := runCLI(t, nil, tt.args...)
			require.Equal(t, 0, up.code, "stack up: exit code\n%s", up.stderr)
			out := tt.parse(t, up.stdout)
			require.NotEmpty(t, out.run, "stack up prints the run id:\n%s", up.stdout)
			require.True(t, strings.HasPrefix(out.url, "http://127.0.0.1:"), "stack up prints a loopback URL, got %q:\n%s", out.url, up.stdout)
			require.NotEmpty(t, out.user, "stack up prints the admin user:\n%s", up.stdout)
			require.GreaterOrEqual(t, len(out.password), 16, "stack up prints a password of 16+ characters:\n%s", up.stdout)
			runFilter := "label=org.breachdrill.run=" + out.run
			t.Cleanup(func() {
				if left := leftovers(t, runFilter); len(left) > 0 {
					exec.Command(binary, "stack", "down", out.run).Run()
				}
			})

			c := browser()
			resp, err := c.Get(out.url + "/")
			require.NoError(t, err, "home page")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "home page status")
			require.Contains(t, string(body), `content="WordPress 6.8`, "the home page is WordPress 6.8")
			resp, err = c.Get(out.url + "/wp-login.php")
			require.NoError(t, err, "wp-login.php")
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "wp-login.php status")
			resp, err = c.PostForm(out.url+"/wp-login.php", url.Values{"log": {out.user}, "pwd": {out.password}, "testcookie": {"1"}, "redirect_to": {out.url + "/wp-admin/"}})
			require.NoError(t, err, "log in")
			resp.Body.Close()
			require.Equal(t, http.StatusFound, resp.StatusCode, "login with the printed credentials redirects")
			require.Equal(t, out.url+"/wp-admin/", resp.Header.Get("Location"), "login with the printed credentials lands in wp-admin")

			require.Len(t, leftovers(t, runFilter, "label=org.breachdrill.keep=true"), 3, "2 containers and a network kept")
			stacktest.HoldGC(t)
			gc := runCLI(t, nil, "gc")
			require.Equal(t, 0, gc.code, "gc exit code: %s", gc.stderr)
			require.Len(t, leftovers(t, runFilter), 3, "gc leaves a stack up alone")
			down := runCLI(t, nil, "stack", "down", out.run)
			require.Equal(t, 0, down.code, "stack down exit code: %s", down.stderr)
			require.Empty(t, leftovers(t, runFilter), "stack down removes the stack")
			again := runCLI(t, nil, "stack", "down", out.run)
			require.Equal(t, 2, again.code, "second stack down exit code: %s", again.stderr)
			require.Contains(t, again.stderr, "no stack with run id", "second stack down says the run is gone")
			gc = runCLI(t, nil, "gc")
			require.Equal(t, 0, gc.code, "gc exit code: %s", gc.stderr)
			require.Empty(t, staleRuns(t), "gc leaves no stale runs")
			require.Empty(t, leftovers(t, runFilter), "nothing left after gc")
		})
	}
}

// gc removes a run whose process is gone and never touches containers or
// networks without breachdrill's labels.
func TestGCKeepsWhatIsNotOurs(t *testing.T) {
	imgs := stacktest.Images(t)
	stacktest.HoldGC(t)
	gone := exec.Command("true")
	require.NoError(t, gone.Run(), "a process that is gone")
	host, _ := os.Hostname()
	runID := fmt.Sprintf("bdclitest%d", time.Now().UnixNano())
	staleLabels := []string{"--label", "org.breachdrill.run=" + runID, "--label", "org.breachdrill.owner-pid=" + strconv.Itoa(gone.Process.Pid),
		"--label", "org.breachdrill.owner-host=" + host, "--label", "org.breachdrill.created=" + time.Now().UTC().Format(time.RFC3339)}
	staleC := docker(t, append(append([]string{"create", "--name", runID + "-stale"}, staleLabels...), imgs.WP, "true")...)
	staleN := docker(t, append(append([]string{"network", "create"}, staleLabels...), runID+"-stale")...)
	plainC := docker(t, "create", "--name", runID+"-unlabelled", imgs.WP, "true")
	plainN := docker(t, "network", "create", runID+"-unlabelled")
	t.Cleanup(func() {
		exec.Command("docker", "rm", "-f", staleC, plainC).Run()
		exec.Command("docker", "network", "rm", staleN, plainN).Run()
	})

	gc := runCLI(t, nil, "gc")
	require.Equal(t, 0, gc.code, "gc exit code: %s", gc.stderr)
	require.Contains(t, gc.stdout+gc.stderr, "removed "+runID, "gc reports removing the stale run")
	require.Empty(t, leftovers(t, "label=org.breachdrill.run="+runID), "gc removes the stale run")
	for _, kind := range [][]string{{"container", "inspect", plainC}, {"network", "inspect", plainN}} {
		require.NoError(t, exec.Command("docker", kind...).Run(), "gc keeps the unlabelled %s", kind[0])
	}
}

// Ctrl-C (or a SIGTERM) while stack up is starting ends it with exit 3 and
// removes everything that process created, whatever step it was in.
func TestInterruptWhileStarting(t *testing.T) {
	stacktest.Images(t)
	// Some steps are told apart by the engine's state, not by a line: the
	// signal goes once the line is printed and then the state is reached.
	// (Asked from the signalling goroutine, so an error is "not yet", never
	// a test failure.)
	anyContainer := func(args ...string) bool {
		out, err := exec.Command("docker", append([]string{"ps", "-q"}, args...)...).Output()
		return err == nil && strings.TrimSpace(string(out)) != ""
	}
	containerCreated := func(pid int) bool {
		return anyContainer("-a", "--filter", "label=org.breachdrill.owner-pid="+strconv.Itoa(pid))
	}
	dbRunning := func(pid int) bool {
		return anyContainer("--filter", "status=running", "--filter", "label=org.breachdrill.role=db",
			"--filter", "label=org.breachdrill.owner-pid="+strconv.Itoa(pid))
	}
	tests := []struct {
		name  string
		sig   syscall.Signal
		after string
		state func(pid int) bool // nil: signal on the line
	}{
		{"SIGINT while creating the network", syscall.SIGINT, "creating network", nil},
		{"SIGINT as containers are created", syscall.SIGINT, "starting db and wp containers", nil},
		{"SIGINT while containers start", syscall.SIGINT, "starting db and wp containers", containerCreated},
		{"SIGINT while the database initialises", syscall.SIGINT, "starting db and wp containers", dbRunning},
		{"SIGINT while WordPress installs", syscall.SIGINT, "installing WordPress", nil},
		{"SIGTERM while the reset point is taken", syscall.SIGTERM, "taking the reset point", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, "stack", "up", "--cold") // a warm start skips the install being interrupted
			cmd.Env = append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true")
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			require.NoError(t, cmd.Start())
			pid := cmd.Process.Pid
			pidFilter := "label=org.breachdrill.owner-pid=" + strconv.Itoa(pid)
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				for _, l := range leftovers(t, pidFilter) {
					f := strings.Fields(l)
					if f[0] == "container" {
						exec.Command("docker", "rm", "-f", f[1]).Run()
					} else {
						exec.Command("docker", "network", "rm", f[1]).Run()
					}
				}
			})
			var log syncLog
			seen := make(chan struct{})
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				sc := bufio.NewScanner(stderr)
				said := false
				for sc.Scan() {
					log.add(sc.Text())
					if !said && strings.Contains(sc.Text(), tt.after) {
						said = true
						close(seen)
					}
				}
			}()
			signalled := make(chan struct{})
			go func() {
				select {
				case <-seen:
				case <-readDone:
					return
				}
				for tt.state != nil && !tt.state(pid) {
					select {
					case <-readDone:
						return // ended before reaching the state: the exit code says so
					case <-time.After(50 * time.Millisecond):
					}
				}
				_ = cmd.Process.Signal(tt.sig)
				close(signalled)
			}()
			// Every line is read before Wait closes the pipe.
			select {
			case <-readDone:
			case <-time.After(3 * time.Minute):
				_ = cmd.Process.Kill()
				<-readDone
				_ = cmd.Wait()
				require.FailNowf(t, "stack up did not end", "within 3 minutes of the signal:\n%s", log.String())
			}
			code := exitCode(cmd.Wait())
			select {
			case <-signalled:
			default:
				require.FailNowf(t, "no signal sent", "never saw %q (and its state):\n%s", tt.after, log.String())
			}
			require.Equal(t, 3, code, "exit code after %s, want 3:\n%s%s", tt.sig, log.String(), stdout.String())
			assert.NotContains(t, log.String(), "panic", "no panic")
			assert.Contains(t, log.String(), "interrupted", "an interrupted message")
			require.Empty(t, leftovers(t, pidFilter), "nothing left behind:\n%s", log.String())
			// A create request cut off by the signal may land in the engine
			// late: nothing may turn up in the moments after the exit.
			assert.Never(t, func() bool { return len(leftovers(t, pidFilter)) > 0 }, 2*time.Second, 200*time.Millisecond,
				"left behind, found late:\n%s", log.String())
		})
	}
}

// syncLog keeps a child's output lines as a reader goroutine appends them,
// safe to read meanwhile.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Bad input and a missing engine end with one line that names the problem
// and the fix, exit 2 (input) or 3 (infrastructure), and leave nothing.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	random := filepath.Join(dir, "random.bin")
	require.NoError(t, os.WriteFile(random, []byte("\x89PNG\r\n\x1a\n not a zip"), 0o644))
	notWoo := filepath.Join(dir, "akismet.zip")
	f, err := os.Create(notWoo)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	w, err := zw.Create("akismet/akismet.php")
	require.NoError(t, err)
	_, err = w.Write([]byte("<?php\n/* Plugin Name: Akismet */\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	noDocker := []string{"DOCKER_HOST=unix:///nonexistent.sock"}
	haveDocker := exec.Command("docker", "version").Run() == nil

	tests := []struct {
		name        string
		env         []string
		args        []string
		needsDocker bool
		code        int
		want        []string
	}{
		{"no Docker: stack up", noDocker, []string{"stack", "up"}, false, 3, []string{"DOCKER_HOST=unix:///nonexistent.sock", "start Docker"}},
		{"no Docker: images build", noDocker, []string{"images", "build"}, false, 3, []string{"no Docker engine", "start Docker"}},
		{"no Docker: gc", noDocker, []string{"gc"}, false, 3, []string{"no Docker engine", "start Docker"}},
		{"no Docker: stack down", noDocker, []string{"stack", "down", "bd00000000"}, false, 3, []string{"no Docker engine", "start Docker"}},
		{"unknown --source for stack up", nil, []string{"stack", "up", "--source", "dockerhub"}, false, 2, []string{`unknown image source "dockerhub"`, "--source debian", "--source official"}},
		{"unknown --source for images build", nil, []string{"images", "build", "--source", "dockerhub"}, false, 2, []string{`unknown image source "dockerhub"`, "--source debian"}},
		{"--woocommerce an empty folder", nil, []string{"stack", "up", "--woocommerce", empty}, true, 2, []string{empty, "no woocommerce.php", "pass the WooCommerce plugin folder"}},
		{"--woocommerce a random file", nil, []string{"stack", "up", "--woocommerce", random}, true, 2, []string{random, "not a plugin folder or a readable zip", "pass the WooCommerce plugin folder"}},
		{"--woocommerce a zip of another plugin", nil, []string{"stack", "up", "--woocommerce", notWoo}, true, 2, []string{notWoo, "no woocommerce.php at the zip's first level or one folder below", "release zip"}},
		{"--woocommerce a missing path", nil, []string{"stack", "up", "--woocommerce", filepath.Join(dir, "nope.zip")}, true, 2, []string{"no such file or folder", "pass the WooCommerce plugin folder"}},
		{"--table-prefix with SQL in it", nil, []string{"stack", "up", "--table-prefix", "wp_;DROP"}, true, 2, []string{"table prefix", "like wp_"}},
		{"stack down an unknown run", nil, []string{"stack", "down", "bd00000000"}, true, 2, []string{`no stack with run id "bd00000000"`, "stack list"}},
		{"unknown flag", nil, []string{"stack", "up", "--customers-please"}, false, 2, []string{"unknown flag: --customers-please"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsDocker {
				stacktest.Images(t)
			}
			res := runCLI(t, tt.env, tt.args...)
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			last := lines[len(lines)-1]
			var errLines int
			for _, l := range lines {
				if strings.HasPrefix(l, "breachdrill:") {
					errLines++
				}
			}
			require.Equal(t, tt.code, res.code, "exit code; stderr:\n%s", res.stderr)
			require.Equal(t, 1, errLines, "one error line; stderr:\n%s", res.stderr)
			require.True(t, strings.HasPrefix(last, "breachdrill: "), "the error line is last; stderr:\n%s", res.stderr)
			require.NotContains(t, res.stderr, "panic", "no panic")
			for _, w := range tt.want {
				assert.Contains(t, last, w, "the error names %q", w)
			}
			assert.Empty(t, res.stdout, "nothing on stdout")
			if haveDocker {
				require.Empty(t, leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(res.pid)), "nothing left behind")
			}
		})
	}
}
