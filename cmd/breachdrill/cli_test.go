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
	"syscall"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/stacktest"
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
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code, pid: cmd.Process.Pid}
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
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
	var u upOutput
	for _, m := range textLine.FindAllStringSubmatch(out, -1) {
		switch m[1] {
		case "run":
			u.run = m[2]
		case "url":
			u.url = strings.TrimSuffix(m[2], "/")
		case "admin":
			a := adminRE.FindStringSubmatch(m[2])
			if a == nil || a[1] != u.url {
				t.Fatalf("admin line %q", m[2])
			}
			u.user, u.password = a[2], a[3]
		}
	}
	return u
}

func parseJSON(t *testing.T, out string) upOutput {
	var v struct {
		Run           string `json:"run"`
		URL           string `json:"url"`
		AdminUser     string `json:"admin_user"`
		AdminPassword string `json:"admin_password"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("stack up --json: %v: %s", err, out)
	}
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
			if up.code != 0 {
				t.Fatalf("stack up: exit %d\n%s", up.code, up.stderr)
			}
			out := tt.parse(t, up.stdout)
			if out.run == "" || !strings.HasPrefix(out.url, "http://127.0.0.1:") || out.user == "" || len(out.password) < 16 {
				t.Fatalf("stack up printed %+v:\n%s", out, up.stdout)
			}
			runFilter := "label=org.breachdrill.run=" + out.run
			t.Cleanup(func() {
				if left := leftovers(t, runFilter); len(left) > 0 {
					exec.Command(binary, "stack", "down", out.run).Run()
				}
			})

			c := browser()
			resp, err := c.Get(out.url + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `content="WordPress 6.8`) {
				t.Fatalf("home page: %s", resp.Status)
			}
			if resp, err := c.Get(out.url + "/wp-login.php"); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("wp-login.php: %v %v", resp, err)
			}
			resp, err = c.PostForm(out.url+"/wp-login.php", url.Values{"log": {out.user}, "pwd": {out.password}, "testcookie": {"1"}, "redirect_to": {out.url + "/wp-admin/"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != out.url+"/wp-admin/" {
				t.Fatalf("login with the printed credentials: %s to %q", resp.Status, resp.Header.Get("Location"))
			}

			if left := leftovers(t, runFilter, "label=org.breachdrill.keep=true"); len(left) != 3 {
				t.Fatalf("want 2 containers and a network kept, got %v", left)
			}
			if gc := runCLI(t, nil, "gc"); gc.code != 0 || len(leftovers(t, runFilter)) != 3 {
				t.Fatalf("gc: exit %d, and it must leave a stack up alone: %s", gc.code, gc.stderr)
			}
			down := runCLI(t, nil, "stack", "down", out.run)
			if down.code != 0 {
				t.Fatalf("stack down: exit %d: %s", down.code, down.stderr)
			}
			if left := leftovers(t, runFilter); len(left) > 0 {
				t.Fatalf("stack down left %v", left)
			}
			if again := runCLI(t, nil, "stack", "down", out.run); again.code != 2 || !strings.Contains(again.stderr, "no stack with run id") {
				t.Fatalf("second stack down: exit %d: %s", again.code, again.stderr)
			}
			if gc := runCLI(t, nil, "gc"); gc.code != 0 {
				t.Fatalf("gc: exit %d: %s", gc.code, gc.stderr)
			}
			if stale := staleRuns(t); len(stale) > 0 {
				t.Fatalf("gc left stale runs %v", stale)
			}
			if left := leftovers(t, runFilter); len(left) > 0 {
				t.Fatalf("left after gc: %v", left)
			}
		})
	}
}

// gc removes a run whose process is gone and never touches containers or
// networks without breachdrill's labels.
func TestGCKeepsWhatIsNotOurs(t *testing.T) {
	imgs := stacktest.Images(t)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
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
	if gc.code != 0 || !strings.Contains(gc.stdout+gc.stderr, "removed "+runID) {
		t.Fatalf("gc: exit %d, output %q; want it to report removing %s", gc.code, gc.stdout+gc.stderr, runID)
	}
	if left := leftovers(t, "label=org.breachdrill.run="+runID); len(left) > 0 {
		t.Fatalf("gc left the stale run: %v", left)
	}
	for _, kind := range [][]string{{"container", "inspect", plainC}, {"network", "inspect", plainN}} {
		if err := exec.Command("docker", kind...).Run(); err != nil {
			t.Fatalf("gc removed an unlabelled %s", kind[0])
		}
	}
}

// Ctrl-C (or a SIGTERM) while stack up is starting ends it with exit 3 and
// removes everything that process created, whatever step it was in.
func TestInterruptWhileStarting(t *testing.T) {
	stacktest.Images(t)
	tests := []struct {
		name  string
		sig   syscall.Signal
		after string
		delay time.Duration
	}{
		{"SIGINT while creating the network", syscall.SIGINT, "creating network", 0},
		{"SIGINT as containers are created", syscall.SIGINT, "starting db and wp containers", 0},
		{"SIGINT while containers start", syscall.SIGINT, "starting db and wp containers", 400 * time.Millisecond},
		{"SIGINT while the database initialises", syscall.SIGINT, "starting db and wp containers", 1500 * time.Millisecond},
		{"SIGINT while WordPress installs", syscall.SIGINT, "installing WordPress", 0},
		{"SIGTERM while the reset point is taken", syscall.SIGTERM, "taking the reset point", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, "stack", "up")
			cmd.Env = append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pidFilter := "label=org.breachdrill.owner-pid=" + strconv.Itoa(cmd.Process.Pid)
			t.Cleanup(func() {
				for _, l := range leftovers(t, pidFilter) {
					f := strings.Fields(l)
					if f[0] == "container" {
						exec.Command("docker", "rm", "-f", f[1]).Run()
					} else {
						exec.Command("docker", "network", "rm", f[1]).Run()
					}
				}
			})
			var log strings.Builder
			signalled := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(stderr)
				sent := false
				for sc.Scan() {
					log.WriteString(sc.Text() + "\n")
					if !sent && strings.Contains(sc.Text(), tt.after) {
						sent = true
						time.Sleep(tt.delay)
						cmd.Process.Signal(tt.sig)
						close(signalled)
					}
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var waitErr error
			select {
			case waitErr = <-done:
			case <-time.After(3 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("stack up did not end:\n%s", log.String())
			}
			select {
			case <-signalled:
			default:
				t.Fatalf("never saw %q:\n%s", tt.after, log.String())
			}
			code := 0
			if ee, ok := waitErr.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 3 || strings.Contains(log.String(), "panic") || !strings.Contains(log.String(), "interrupted") {
				t.Fatalf("exit %d, want 3 with an interrupted message:\n%s%s", code, log.String(), stdout.String())
			}
			if left := leftovers(t, pidFilter); len(left) > 0 {
				t.Fatalf("left behind: %v\n%s", left, log.String())
			}
			// A create request cut off by the signal may land in the engine
			// late; look again.
			time.Sleep(2 * time.Second)
			if left := leftovers(t, pidFilter); len(left) > 0 {
				t.Fatalf("left behind, found late: %v\n%s", left, log.String())
			}
		})
	}
}

// Bad input and a missing engine end with one line that names the problem
// and the fix, exit 2 (input) or 3 (infrastructure), and leave nothing.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	random := filepath.Join(dir, "random.bin")
	os.WriteFile(random, []byte("\x89PNG\r\n\x1a\n not a zip"), 0o644)
	notWoo := filepath.Join(dir, "akismet.zip")
	f, _ := os.Create(notWoo)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("akismet/akismet.php")
	w.Write([]byte("<?php\n/* Plugin Name: Akismet */\n"))
	zw.Close()
	f.Close()
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
			if res.code != tt.code || errLines != 1 || !strings.HasPrefix(last, "breachdrill: ") || strings.Contains(res.stderr, "panic") {
				t.Fatalf("exit %d (want %d), want one error line last; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(last, w) {
					t.Errorf("error %q does not name %q", last, w)
				}
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
			if haveDocker {
				if left := leftovers(t, "label=org.breachdrill.owner-pid="+strconv.Itoa(res.pid)); len(left) > 0 {
					t.Fatalf("left behind: %v", left)
				}
			}
		})
	}
}
