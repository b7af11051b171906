package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Service names one container of a stack.
type Service string

const (
	ServiceDB Service = "db"
	ServiceWP Service = "wp"
)

// ExecOption changes how a command runs inside a container.
type ExecOption func(*execConfig)

type execConfig struct {
	user  string
	env   []string
	stdin io.Reader
	dir   string
}

// AsUser runs the command as user (default root).
func AsUser(user string) ExecOption { return func(c *execConfig) { c.user = user } }

// WithEnv adds KEY=VALUE pairs to the command's environment.
func WithEnv(kv ...string) ExecOption { return func(c *execConfig) { c.env = append(c.env, kv...) } }

// WithStdin feeds r to the command's standard input.
func WithStdin(r io.Reader) ExecOption { return func(c *execConfig) { c.stdin = r } }

// InDir runs the command in dir.
func InDir(dir string) ExecOption { return func(c *execConfig) { c.dir = dir } }

// ExecResult is what a finished command left behind.
type ExecResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// ExitError is returned when a command ran but exited non-zero.
type ExitError struct {
	Cmd    []string
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	if msg == "" {
		msg = "no error output"
	}
	return fmt.Sprintf("%s exited %d: %s", commandName(e.Cmd), e.Code, msg)
}

// commandName names a command for a message without its arguments, which
// may be long scripts.
func commandName(cmd []string) string {
	if len(cmd) == 0 {
		return "command"
	}
	if (cmd[0] == "sh" || cmd[0] == "bash") && len(cmd) > 2 && cmd[1] == "-c" {
		script := strings.Fields(cmd[2])
		if len(script) > 4 {
			script = append(script[:4], "…")
		}
		return cmd[0] + " -c '" + strings.Join(script, " ") + "'"
	}
	return cmd[0]
}

// Exec runs cmd in the service's container and waits for it. A non-zero
// exit is an *ExitError (with the result still filled in); a failure to run
// at all is an infrastructure error.
func (s *Stack) Exec(ctx context.Context, svc Service, cmd []string, opts ...ExecOption) (ExecResult, error) {
	var stdout, stderr bytes.Buffer
	code, err := s.execStream(ctx, svc, cmd, &stdout, &stderr, opts...)
	res := ExecResult{ExitCode: code, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err != nil {
		return res, err
	}
	if code != 0 {
		return res, &ExitError{Cmd: cmd, Code: code, Stderr: stderr.String()}
	}
	return res, nil
}

func (s *Stack) containerID(svc Service) (string, error) {
	switch svc {
	case ServiceDB:
		return s.dbID, nil
	case ServiceWP:
		return s.wpID, nil
	}
	return "", fmt.Errorf("unknown service %q", svc)
}

// execStream runs cmd, copying its output to stdout and stderr as it comes,
// and returns its exit code once it ends or ctx is done.
func (s *Stack) execStream(ctx context.Context, svc Service, cmd []string, stdout, stderr io.Writer, opts ...ExecOption) (int, error) {
	var cfg execConfig
	for _, o := range opts {
		o(&cfg)
	}
	id, err := s.containerID(svc)
	if err != nil {
		return -1, err
	}
	created, err := s.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		User:         cfg.user,
		Env:          cfg.env,
		WorkingDir:   cfg.dir,
		Cmd:          cmd,
		AttachStdin:  cfg.stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return -1, fault.Infra(fmt.Errorf("exec in %s: %w", svc, err))
	}
	att, err := s.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return -1, fault.Infra(fmt.Errorf("exec in %s: %w", svc, err))
	}
	defer att.Close()

	if cfg.stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, cfg.stdin)
			_ = att.CloseWrite()
		}()
	}
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		copied <- err
	}()
	select {
	case err = <-copied:
	case <-ctx.Done():
		att.Close()
		<-copied
		return -1, ctx.Err()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return -1, fault.Infra(fmt.Errorf("exec in %s: reading output: %w", svc, err))
	}
	// The engine closes the stream before it records the exit: until then
	// the exec inspects as running with code 0, which would turn a failed
	// command into a success.
	for {
		insp, err := s.cli.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
		if err != nil {
			return -1, fault.Infra(fmt.Errorf("exec in %s: %w", svc, err))
		}
		if !insp.Running {
			return insp.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func stdcopyAll(stdout, stderr io.Writer, r io.Reader) (int64, error) {
	return stdcopy.StdCopy(stdout, stderr, r)
}
