package containers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/client"
)

// buildDebian bootstraps a Debian 13 (trixie) root file system with mmdebstrap,
// streams it as a tar straight into `docker import`, and tags the result
// only when every step succeeded, so a failed build leaves no tagged image.
func buildDebian(ctx context.Context, cli *client.Client, ref string, progress io.Writer) error {
	if os.Geteuid() != 0 {
		return fault.Infra(errors.New("building the debian image needs root (mmdebstrap runs package scripts in a chroot): run as root, or use --source official where images can be pulled"))
	}
	mm, err := exec.LookPath("mmdebstrap")
	if err != nil {
		return fault.Infra(errors.New("mmdebstrap not found: install it with `apt-get install mmdebstrap`, or use --source official where images can be pulled"))
	}

	overlay, err := os.MkdirTemp("", "breachdrill-overlay-")
	if err != nil {
		return fault.Infra(fmt.Errorf("build image: %w", err))
	}
	defer os.RemoveAll(overlay)
	// sync-in copies the folder's own mode onto the root's "/": a 0700
	// temp folder would lock every non-root user out of the file system.
	if err := os.Chmod(overlay, 0o755); err != nil {
		return fault.Infra(fmt.Errorf("build image: %w", err))
	}
	files := []struct {
		asset, path string
		mode        os.FileMode
	}{
		{"image/bd-db", "usr/local/bin/bd-db", 0o755},
		{"image/bd-wp", "usr/local/bin/bd-wp", 0o755},
		{"image/setup.sh", "usr/local/share/breachdrill/setup.sh", 0o755},
		{"runtime/mariadb.cnf", "etc/mysql/mariadb.conf.d/90-breachdrill.cnf", 0o644},
	}
	for _, f := range files {
		p := filepath.Join(overlay, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fault.Infra(fmt.Errorf("build image: %w", err))
		}
		if err := os.WriteFile(p, asset(f.asset), f.mode); err != nil {
			return fault.Infra(fmt.Errorf("build image: %w", err))
		}
	}

	args := []string{
		"--variant=minbase", "--mode=root", "--format=tar",
		`--aptopt=APT::Install-Recommends "false"`,
		"--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-include=/usr/share/locale/locale.alias",
		"--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright",
		"--include=" + strings.Join(debianPackages, ","),
		"--customize-hook=sync-in " + overlay + " /",
		`--customize-hook=chroot "$1" /usr/local/share/breachdrill/setup.sh`,
		debianSuite, "-",
	}
	args = append(args, debianMirrors...)
	cmd := exec.CommandContext(ctx, mm, args...)
	cmd.Stdin = nil
	// On cancel, ask mmdebstrap to stop: it then unmounts /proc and /sys
	// from its chroot and removes its temporary root, which a SIGKILL
	// would leave behind.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fault.Infra(fmt.Errorf("build image: %w", err))
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fault.Infra(fmt.Errorf("build image: %w", err))
	}
	var tail lastLines
	start := time.Now()
	fmt.Fprintf(progress, "building %s from Debian %s packages (about a minute)\n", ref, debianSuite)
	if err := cmd.Start(); err != nil {
		return fault.Infra(fmt.Errorf("start mmdebstrap: %w", err))
	}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			tail.add(line)
			if strings.HasPrefix(line, "I: ") {
				fmt.Fprintf(progress, "  %5.1fs %s\n", time.Since(start).Seconds(), strings.TrimPrefix(line, "I: "))
			}
		}
	}()

	id, importErr := importTar(ctx, cli, stdout, ref)
	// Drain whatever import left unread so mmdebstrap is not blocked on a
	// full pipe and can report its own error.
	_, _ = io.Copy(io.Discard, stdout)
	<-logged
	waitErr := cmd.Wait()
	if waitErr != nil || importErr != nil {
		if id != "" {
			_, _ = cli.ImageRemove(context.WithoutCancel(ctx), id, client.ImageRemoveOptions{Force: true})
		}
		if ctx.Err() != nil {
			return fault.Infra(fmt.Errorf("build image: %w", ctx.Err()))
		}
		if waitErr != nil {
			return fault.Infra(fmt.Errorf("mmdebstrap failed: %w\n%s", waitErr, tail.String()))
		}
		return fault.Infra(fmt.Errorf("docker import: %w", importErr))
	}
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: id, Target: ref}); err != nil {
		_, _ = cli.ImageRemove(context.WithoutCancel(ctx), id, client.ImageRemoveOptions{Force: true})
		return fault.Infra(fmt.Errorf("tag %s: %w", ref, err))
	}
	fmt.Fprintf(progress, "built %s in %.0fs\n", ref, time.Since(start).Seconds())
	return nil
}

// importTar imports a root file system tar as an untagged image and returns
// its id; tagging is the caller's last step.
func importTar(ctx context.Context, cli *client.Client, tar io.Reader, ref string) (string, error) {
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: tar, SourceName: "-"}, "", client.ImageImportOptions{
		Message: "breachdrill stack image " + ref,
		Changes: []string{
			`ENTRYPOINT ["/usr/bin/tini", "--"]`,
			`CMD ["/usr/local/bin/bd-wp"]`,
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"ENV LANG=C.UTF-8",
			"EXPOSE 80 3306",
			"LABEL org.breachdrill.image=" + ref,
		},
	})
	if err != nil {
		return "", err
	}
	defer res.Close()
	var id string
	dec := json.NewDecoder(res)
	for {
		var msg struct {
			Status string `json:"status"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			return id, err
		}
		if msg.Error != "" {
			return id, errors.New(msg.Error)
		}
		if strings.HasPrefix(msg.Status, "sha256:") {
			id = strings.TrimSpace(msg.Status)
		}
	}
	if id == "" {
		return "", errors.New("the engine reported no image id")
	}
	return id, nil
}

// lastLines keeps the end of a tool's output for an error message.
type lastLines struct{ lines []string }

func (l *lastLines) add(s string) {
	l.lines = append(l.lines, s)
	if len(l.lines) > 15 {
		l.lines = l.lines[1:]
	}
}

func (l *lastLines) String() string { return strings.Join(l.lines, "\n") }
