package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// tmuxSession runs a command in a detached 80×24 tmux session on a server
// of its own (its own socket), so the test never touches a user's tmux.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
	name   string
}

func newTmux(t *testing.T, dir, command string) *tmuxSession {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but tmux is not installed: the console's terminal test must run")
		}
		t.Skip("tmux is not installed")
	}
	conf := filepath.Join(dir, "tmux.conf")
	// No status line: the pane is the whole 80×24.
	if err := os.WriteFile(conf, []byte("set -g status off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{t: t, tmux: bin, socket: filepath.Join(dir, "tmux.sock"), name: "tabletop"}
	s.run("-f", conf, "new-session", "-d", "-s", s.name, "-x", "80", "-y", "24", command)
	t.Cleanup(func() { exec.Command(s.tmux, "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.run("capture-pane", "-p", "-t", s.name)
}

// waitFor returns the screen once it shows every one of want.
func (s *tmuxSession) waitFor(d time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		screen := s.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", missing, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTabletopInTmux runs the console in a real terminal: setup, the first
// inject on the scenario's schedule, the next one brought forward, a quit
// that saves the bundle.
func TestTabletopInTmux(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence")
	command := fmt.Sprintf("env NO_COLOR=1 XDG_CONFIG_HOME=%s %s tabletop --scenario debug-log-exposure --discussion "+
		"--participant 'Ana Ruiz:ic' --participant 'Dana Kim:scribe' --out %s; echo EXIT=$?; sleep 60",
		filepath.Join(dir, "config"), binary, out)
	tm := newTmux(t, dir, command)

	screen := tm.waitFor(15*time.Second, "breachdrill tabletop · setup", "1 scenario · 2 people · discussion", "› [x] debug-log-exposure")
	checkTerminalFrame(t, screen)
	tm.keys("Enter")
	screen = tm.waitFor(10*time.Second, "debug-log-exposure (1/1) · discussion", "T+00:00 A customer sends support", "? Who owns triage", "injects 1/3")
	checkTerminalFrame(t, screen)
	tm.keys("i")
	screen = tm.waitFor(10*time.Second, "A security researcher emails", "injects 2/3 · next at T+15:00", "q quit")
	checkTerminalFrame(t, screen)

	tm.keys("q")
	tm.waitFor(5*time.Second, "Quit the exercise? What was recorded is saved as evidence.")
	tm.keys("y")
	// Ended after two of three injects: the record is kept, and it is
	// INCOMPLETE, never a pass (exit 3, as for an interrupted drill).
	screen = tm.waitFor(30*time.Second, "(INCOMPLETE)", "EXIT=3")
	if !strings.Contains(screen, "evidence bundle: "+out) {
		t.Errorf("the command did not say where the bundle went:\n%s", screen)
	}
	bundles, _ := filepath.Glob(filepath.Join(out, "tabletop-*", "manifest.json"))
	if len(bundles) != 1 {
		t.Fatalf("bundles in %s: %v", out, bundles)
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*.timeline.jsonl")); len(left) != 0 {
		t.Errorf("the record file is left beside the bundle: %v", left)
	}
	r := runCLI(t, []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}, "evidence", "verify", filepath.Dir(bundles[0]))
	if r.code != 0 {
		t.Errorf("evidence verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkTerminalFrame fails unless the console filled the 80×24 pane and
// nothing wrapped past it.
func checkTerminalFrame(t *testing.T, screen string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines in a 24-line pane", len(lines))
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line %d is %d cells: %q", i+1, n, l)
		}
	}
	if !strings.Contains(lines[len(lines)-1], "quit") {
		t.Errorf("the help bar is not on the last line: %q", lines[len(lines)-1])
	}
}

func TestTabletopBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"both modes", []string{"--discussion", "--live"}, "exclude each other"},
		{"bad participant", []string{"--participant", "Ana Ruiz"}, "NAME:ROLE"},
		{"unknown role", []string{"--participant", "Ana Ruiz:chef"}, "unknown role"},
		{"not a terminal", []string{"--discussion"}, "run it in a terminal"},
		{"--key not a key", []string{"--discussion", "--key", "/etc/hostname"}, "--key /etc/hostname"},
		{"--out a file", []string{"--discussion", "--out", "/etc/hostname"}, "--out /etc/hostname"},
		{"--orders a billion", []string{"--live", "--orders", "1000000000"}, "--orders 1000000000"},
		{"--run unknown", []string{"--live", "--run", "nosuchrun"}, "--run nosuchrun"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"tabletop"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q: want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
