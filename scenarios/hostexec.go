package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// host.exec runs a real attack tool (sqlmap, a scanner) on the host
// against the stack, the way a red-teamer would. It is the one action that
// runs code outside the stack, so it is fenced:
//   - it runs only when the user allowed it (--allow-exec; WithExecAllowed
//     on the context), checked again when it runs;
//   - every URL it is given is the stack's own, written {{url}}, which is
//     the stack's 127.0.0.1 address and nothing else; other URLs, bare
//     addresses and options that send traffic elsewhere (proxies, Tor,
//     request files) are refused when the scenario is read;
//   - it is bounded in time (killed with its process group) and output;
//   - it runs in a fresh temporary directory, which is also its HOME, with
//     a minimal environment.

type execAllowedKey struct{}

// WithExecAllowed marks ctx as allowing host.exec steps (the user passed
// --allow-exec).
func WithExecAllowed(ctx context.Context) context.Context {
	return context.WithValue(ctx, execAllowedKey{}, true)
}

// ExecAllowed reports whether ctx allows host.exec steps.
func ExecAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(execAllowedKey{}).(bool)
	return ok
}

// UsesHostExec reports whether a scenario runs host commands, so that a
// CLI can refuse it without --allow-exec before any stack starts.
func (s *Scenario) UsesHostExec() bool {
	for _, list := range [][]Step{s.Warmup, s.Inject, s.Respond, s.Revert} {
		for _, st := range list {
			if st.Action == "host.exec" {
				return true
			}
		}
	}
	return false
}

const (
	defaultExecTimeout = 5 * time.Minute
	maxExecTimeout     = 30 * time.Minute
	defaultExecOutput  = 1 << 20
	maxExecOutput      = 16 << 20
)

type hostExec struct {
	Command    []string      `yaml:"command" bd:"required" doc:"the program and its arguments; {{url}} is the stack's 127.0.0.1 address, the only target allowed"`
	Timeout    time.Duration `yaml:"timeout" doc:"stop the tool after this long"`
	MaxOutput  int           `yaml:"max_output" doc:"keep at most this many bytes of the tool's output"`
	WantExit   intList       `yaml:"want_exit" doc:"the tool worked only if it exits with one of these codes"`
	WantOutput string        `yaml:"want_output" doc:"the tool worked only if its output matches this regular expression (Go RE2)"`
	Leak       string        `yaml:"leak" doc:"name of what the tool's output leaked: it is counted for the exposure figures"`
}

// urlish finds what a tool could take as a target other than {{url}}:
// URLs with a scheme, IPv4 addresses and host:port pairs.
var urlish = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://)|\b\d{1,3}(\.\d{1,3}){3}\b|\[[0-9a-f:]+\]|\b[a-z0-9-]+(\.[a-z0-9-]+)+:\d+\b|\blocalhost\b`)

// redirectingOptions send a tool's traffic somewhere else, or read the
// target from a file the scenario does not show.
var redirectingOptions = []string{"--proxy", "--proxy-file", "--tor", "-r", "--request", "-m", "-l", "--bulk-file", "--crawl", "-g", "--google-dork", "--dns-domain"}

func (a *hostExec) validate() error {
	if len(a.Command) == 0 || a.Command[0] == "" {
		return errors.New("command: give the program and its arguments, like [sqlmap, -u, \"{{url}}/...\", --batch]")
	}
	if strings.ContainsAny(a.Command[0], "/\\") || strings.Contains(a.Command[0], "{{") {
		return fmt.Errorf("command %q: name a program on the PATH (like sqlmap), not a path", a.Command[0])
	}
	target := false
	for _, arg := range a.Command[1:] {
		rest := arg
		if strings.Contains(arg, "{{url}}") {
			target = true
			if i := strings.Index(arg, "{{url}}"); i > 0 && !strings.HasSuffix(arg[:i], "=") {
				return fmt.Errorf("argument %q: {{url}} must start the value", arg)
			}
			rest = strings.ReplaceAll(arg, "{{url}}", "")
		}
		if m := urlish.FindString(rest); m != "" {
			return fmt.Errorf("argument %q names %q: host.exec may only aim at the stack, written {{url}}", arg, m)
		}
		for _, o := range redirectingOptions {
			if arg == o || strings.HasPrefix(arg, o+"=") {
				return fmt.Errorf("option %s is not allowed: it sends traffic elsewhere or reads targets the scenario does not show", o)
			}
		}
	}
	if !target {
		return errors.New("command: aim it at the stack with {{url}} (the stack's 127.0.0.1 address)")
	}
	if a.Timeout < 0 || a.Timeout > maxExecTimeout {
		return fmt.Errorf("timeout %s: use up to %s", a.Timeout, maxExecTimeout)
	}
	if a.MaxOutput < 0 || a.MaxOutput > maxExecOutput {
		return fmt.Errorf("max_output %d: use up to %d bytes", a.MaxOutput, maxExecOutput)
	}
	if a.WantOutput != "" {
		if _, err := regexp.Compile(a.WantOutput); err != nil {
			return fmt.Errorf("want_output: %v", err)
		}
	}
	return nil
}

func (a *hostExec) Describe() string {
	return "run on the host: " + clip.Line(strings.Join(a.Command, " "), 200)
}

// stackURL is the stack's address, which must be on the loopback
// interface: host.exec never aims anywhere else.
func stackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return "", fmt.Errorf("the stack's URL %q is not http://127.0.0.1:PORT", raw)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || ip.To4() == nil || !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		return "", fmt.Errorf("the stack's URL %q is not on 127.0.0.1: host.exec only aims at a local stack", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// Run runs the command, bounded, and fails the step when the tool did
// not do what the attack needs (want_exit, want_output).
func (a *hostExec) Run(ctx context.Context, env *Env) error {
	if !ExecAllowed(ctx) {
		return errors.New("host.exec runs a program on this machine: pass --allow-exec to allow it")
	}
	base, err := stackURL(env.Target.URL())
	if err != nil {
		return err
	}
	args := make([]string, len(a.Command))
	for i, arg := range a.Command {
		args[i] = strings.ReplaceAll(env.Expand(arg), "{{url}}", base)
	}
	prog, err := exec.LookPath(args[0])
	if err != nil {
		return fmt.Errorf("%s is not installed on this machine: %w", args[0], err)
	}
	dir, err := os.MkdirTemp("", "breachdrill-exec-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	timeout := a.Timeout
	if timeout == 0 {
		timeout = defaultExecTimeout
	}
	limit := a.MaxOutput
	if limit == 0 {
		limit = defaultExecOutput
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, prog, args[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "TMPDIR=" + filepath.Join(dir)}
	cmd.Stdin = nil
	out := &boundedBuffer{limit: limit}
	cmd.Stdout, cmd.Stderr = out, out
	// The tool's children (sqlmap's threads are processes on some
	// versions) go with it when the time is up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		return fmt.Errorf("%s ran longer than %s and was stopped; last output: %s", args[0], timeout, tail(out.Bytes(), 300))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(runErr, &ee):
		code = ee.ExitCode()
	case runErr != nil:
		return fmt.Errorf("run %s: %w", args[0], runErr)
	}
	want := a.WantExit
	if len(want) == 0 {
		want = intList{0}
	}
	if !containsInt(want, code) {
		return fmt.Errorf("%s exited %d, the attack needs %v; last output: %s", args[0], code, []int(want), tail(out.Bytes(), 300))
	}
	if a.WantOutput != "" && !regexp.MustCompile(a.WantOutput).Match(out.Bytes()) {
		return fmt.Errorf("%s: the output does not show what the attack needs (%s); last output: %s", args[0], a.WantOutput, tail(out.Bytes(), 300))
	}
	if a.Leak != "" {
		env.Leaked(env.Expand(a.Leak), out.Bytes())
	}
	return nil
}

// boundedBuffer keeps the first limit bytes written and counts the rest.
type boundedBuffer struct {
	buf     bytes.Buffer
	limit   int
	dropped int64
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.limit - b.buf.Len()
	if room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	if len(p) > room {
		b.dropped += int64(len(p) - max(room, 0))
	}
	return len(p), nil
}

func (b *boundedBuffer) Bytes() []byte { return b.buf.Bytes() }

func tail(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.Join(strings.Fields(s), " ")
}
