package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

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
	msg := e.Stderr
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return fmt.Sprintf("%q exited %d: %s", e.Cmd, e.Code, bytes.TrimSpace([]byte(msg)))
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
	insp, err := s.cli.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return -1, fault.Infra(fmt.Errorf("exec in %s: %w", svc, err))
	}
	return insp.ExitCode, nil
}

func stdcopyAll(stdout, stderr io.Writer, r io.Reader) (int64, error) {
	return stdcopy.StdCopy(stdout, stderr, r)
}
