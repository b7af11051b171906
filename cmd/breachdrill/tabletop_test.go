package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	return newTmuxNamed(t, dir, "tabletop", command)
}

// newTmuxNamed starts another session on the same server (a second
// terminal in the room).
func newTmuxNamed(t *testing.T, dir, name, command string) *tmuxSession {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			require.FailNow(t, "CI is set but tmux is not installed: the console's terminal test must run")
		}
		t.Skip("tmux is not installed")
	}
	conf := filepath.Join(dir, "tmux.conf")
	// No status line: the pane is the whole 80×24.
	require.NoError(t, os.WriteFile(conf, []byte("set -g status off\n"), 0o644))
	s := &tmuxSession{t: t, tmux: bin, socket: filepath.Join(dir, "tmux.sock"), name: name}
	s.run("-f", conf, "new-session", "-d", "-s", s.name, "-x", "80", "-y", "24", command)
	t.Cleanup(func() { exec.Command(s.tmux, "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	require.NoError(s.t, err, "tmux %s: %s", strings.Join(args, " "), out)
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
			require.FailNowf(s.t, "the screen never showed what was expected", "no %q within %s:\n%s", missing, d, screen)
		}
		// tmux has no "screen changed" notification: poll the pane, bounded
		// by the deadline above.
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTabletopInTmux runs the console in a real 80×24 terminal: setup,
// the first inject on the scenario's schedule, the next one brought
// forward, a decision typed with its text in view, a pause and save; the
// room display in a second terminal; the resume, and an end that goes
// through the hot wash to a bundle that verifies.
func TestTabletopInTmux(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence")
	env := fmt.Sprintf("env NO_COLOR=1 XDG_CONFIG_HOME=%s", filepath.Join(dir, "config"))
	command := fmt.Sprintf("%s %s tabletop --scenario debug-log-exposure --discussion --time-scale 1m=1h "+
		"--participant 'Ana Ruiz:ic' --participant 'Dana Kim:scribe' --out %s; echo EXIT=$?; sleep 60",
		env, binary, out)
	tm := newTmux(t, dir, command)

	screen := tm.waitFor(15*time.Second, "tabletop · setup", "1 scenario · 2 people · discussion", "› [x] debug-log-exposure")
	checkTerminalFrame(t, screen)
	tm.keys("Enter")
	screen = tm.waitFor(10*time.Second, "debug-log-exposure (1/1) · discussion", "T+00:00  A customer sends support", "? Who owns triage", "injects 1/3")
	checkTerminalFrame(t, screen)
	tm.keys("i")
	screen = tm.waitFor(10*time.Second, "A security researcher emails", "injects 2/3 · next at T+15:00", "q quit • ? more keys")
	checkTerminalFrame(t, screen)
	assert.Contains(t, screen, "story +", "compressed time is shown")

	// Typing at 80×24: the text is on screen as it is typed.
	tm.keys("d")
	tm.keys("-l", "Call the hosting provider about the log")
	screen = tm.waitFor(5*time.Second, "› Call the hosting provider about the log")
	checkTerminalSize(t, screen)
	lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
	assert.Contains(t, lines[len(lines)-2], "› Call the hosting provider about the log", "the field is just above the help")
	assert.Contains(t, lines[len(lines)-1], "esc cancel")
	tm.keys("Enter")
	tm.waitFor(5*time.Second, "L1 Ana Ruiz (incident commander): Call the hosting provider")

	tm.keys("q")
	tm.waitFor(5*time.Second, "Pause and save for later", "p pause and save • e end • esc keep going")
	tm.keys("p")
	screen = tm.waitFor(15*time.Second, "EXIT=0", "paused and saved as tabletop-", "go on with: breachdrill tabletop --resume")
	id := regexp.MustCompile(`paused and saved as (tabletop-\S+)`).FindStringSubmatch(screen)[1]
	bundles, _ := filepath.Glob(filepath.Join(out, "tabletop-*", "manifest.json"))
	require.Empty(t, bundles, "a pause writes no bundle")
	require.FileExists(t, filepath.Join(out, "."+id+".timeline.jsonl"), "the record stays for --resume")

	// The room display, read-only, in a second terminal.
	room := newTmuxNamed(t, dir, "room", fmt.Sprintf("%s %s tabletop --present %s --out %s; sleep 60", env, binary, id, out))
	screen = room.waitFor(10*time.Second, "room display", "inject 2", "A security researcher", "? Who needs to know now?", "PAUSED")
	assert.NotContains(t, screen, "Call the hosting provider", "the room does not see the log")
	room.keys("q")

	// After the break: everything comes back; the clocks wait for space.
	tm.run("respawn-pane", "-k", "-t", tm.name, fmt.Sprintf("%s %s tabletop --resume %s --out %s; echo EXIT=$?; sleep 60", env, binary, id, out))
	screen = tm.waitFor(15*time.Second, "injects 2/3", "L1 Ana Ruiz (incident commander): Call the hosting provider", "PAUSED", "space resume")
	checkTerminalFrame(t, screen)
	tm.keys("Space")
	tm.keys("q")
	tm.waitFor(5*time.Second, "p pause and save • e end")
	tm.keys("e")
	tm.waitFor(10*time.Second, "hot wash", "Ratings 0/3")
	tm.keys("p", "s", "m", "w", "w")
	screen = tm.waitFor(30*time.Second, "Evidence bundle written")
	tm.keys("Enter")
	screen = tm.waitFor(30*time.Second, "EXIT=")
	assert.Contains(t, screen, "evidence bundle: "+out, "the command says where the bundle went")
	bundles, _ = filepath.Glob(filepath.Join(out, "tabletop-*", "manifest.json"))
	require.Len(t, bundles, 1)
	left, _ := filepath.Glob(filepath.Join(out, ".*"))
	assert.Empty(t, left, "the record and the draft are left beside the bundle")
	r := runCLI(t, []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}, "evidence", "verify", filepath.Dir(bundles[0]))
	assert.Equal(t, 0, r.code, "evidence verify: %s%s", r.stdout, r.stderr)
}

// checkTerminalFrame fails unless the console filled the 80×24 pane,
// nothing wrapped past it, and the help bar ends with quit.
func checkTerminalFrame(t *testing.T, screen string) {
	t.Helper()
	checkTerminalSize(t, screen)
	lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
	assert.Contains(t, lines[len(lines)-1], "quit", "the help bar is on the last line")
}

func checkTerminalSize(t *testing.T, screen string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
	assert.Len(t, lines, 24, "the screen fills the 24-line pane")
	for i, l := range lines {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), 80, "line %d fits the 80-cell pane: %q", i+1, l)
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
		{"unknown resume id", []string{"--resume", "tabletop-nope", "--out", "testdata-none"}, `no saved tabletop "tabletop-nope"`},
		{"resume path", []string{"--resume", "../x"}, "want an id such as"},
		{"resume and present", []string{"--resume", "a", "--present", "a"}, "exclude each other"},
		{"resume with setup flags", []string{"--resume", "a", "--scenario", "debug-log-exposure"}, "do not apply"},
		{"unknown present id", []string{"--present", "tabletop-nope", "--out", "testdata-none"}, "no saved tabletop"},
		{"bad time scale", []string{"--time-scale", "fast"}, "--time-scale"},
		{"slower story", []string{"--time-scale", "1h=1m"}, "STORY ≥ REAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"tabletop"}, tt.args...)...)
			assert.Equal(t, 2, r.code, "exit code; stderr %q", r.stderr)
			assert.Contains(t, r.stderr, tt.want, "the error names the problem")
		})
	}
}

// TestTabletopClosedTerminalKeepsTheRecord: a terminal closed in the
// middle (SIGHUP) leaves the record for --resume, not a bundle that ends
// the exercise.
func TestTabletopClosedTerminalKeepsTheRecord(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence")
	config := filepath.Join(dir, "config")
	tm := newTmux(t, dir, fmt.Sprintf("env NO_COLOR=1 XDG_CONFIG_HOME=%s %s tabletop --scenario debug-log-exposure --discussion --participant 'Ana Ruiz:ic' --out %s",
		config, binary, out))
	tm.waitFor(15*time.Second, "tabletop · setup")
	tm.keys("Enter")
	tm.waitFor(10*time.Second, "A customer sends support")
	tm.run("kill-session", "-t", tm.name)

	var records []string
	require.Eventually(t, func() bool {
		records, _ = filepath.Glob(filepath.Join(out, ".tabletop-*.timeline.jsonl"))
		bundles, _ := filepath.Glob(filepath.Join(out, "tabletop-*"))
		return len(records) == 1 && len(bundles) == 0
	}, 10*time.Second, 100*time.Millisecond, "the record stays and no bundle is written")
	id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(records[0]), "."), ".timeline.jsonl")
	// The record is resumable: --resume accepts the id (and then wants a
	// terminal, which this check has not).
	r := runCLI(t, []string{"XDG_CONFIG_HOME=" + config}, "tabletop", "--resume", id, "--out", out)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "run it in a terminal")
}

func TestHotWashDraftKeepsTheNewest(t *testing.T) {
	rec := &tabletopRecord{dir: t.TempDir()}
	require.NoError(t, rec.saveDraft("tabletop-x", 2, []byte(`{"v":2}`)))
	require.NoError(t, rec.saveDraft("tabletop-x", 1, []byte(`{"v":1}`)), "an older save finishing late is dropped")
	b, err := os.ReadFile(draftPath(rec.dir, "tabletop-x"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"v":2}`, string(b))
	left, _ := filepath.Glob(filepath.Join(rec.dir, "*.tmp"))
	assert.Empty(t, left)
}

func TestParseTimeScale(t *testing.T) {
	for in, want := range map[string]float64{"": 1, "60": 60, "1m=1h": 60, "30s=1h": 120, "1m=1m": 1} {
		got, err := parseTimeScale(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"0", "0.5", "fast", "1h=1m", "1m=", "=1h", "-1m=1h"} {
		_, err := parseTimeScale(in)
		assert.Error(t, err, in)
	}
}
