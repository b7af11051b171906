package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// DocRoot is WordPress's document root in both image sources.
const DocRoot = "/var/www/html"

// WebUser is the account Apache and PHP run as.
const WebUser = "www-data"

// DocPath resolves rel against the document root and refuses anything that
// would leave it.
func DocPath(rel string) (string, error) {
	if rel == "" || strings.HasPrefix(rel, "/") {
		return "", fault.Input(fmt.Errorf("path %q: give a path relative to the document root, such as wp-content/uploads/x.sql", rel))
	}
	clean := path.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fault.Input(fmt.Errorf("path %q leaves the document root", rel))
	}
	return path.Join(DocRoot, clean), nil
}

// WriteFile writes data to rel (relative to the document root) as the web
// server's user, creating parent folders, the way a PHP file write would.
func (s *Stack) WriteFile(ctx context.Context, rel string, data []byte, perm fs.FileMode) error {
	p, err := DocPath(rel)
	if err != nil {
		return err
	}
	_, err = s.Exec(ctx, ServiceWP,
		[]string{"sh", "-c", `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"`, "sh", p, fmt.Sprintf("%o", perm.Perm())},
		AsUser(WebUser), WithStdin(bytes.NewReader(data)))
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}

// AppendFile appends data to rel as the web server's user.
func (s *Stack) AppendFile(ctx context.Context, rel string, data []byte) error {
	p, err := DocPath(rel)
	if err != nil {
		return err
	}
	_, err = s.Exec(ctx, ServiceWP,
		[]string{"sh", "-c", `mkdir -p "$(dirname "$1")" && cat >> "$1"`, "sh", p},
		AsUser(WebUser), WithStdin(bytes.NewReader(data)))
	if err != nil {
		return fmt.Errorf("append %s: %w", rel, err)
	}
	return nil
}

// ErrNotExist is returned (wrapped) by ReadFile for a missing file.
var ErrNotExist = fs.ErrNotExist

// ReadFile reads rel from the document root.
func (s *Stack) ReadFile(ctx context.Context, rel string) ([]byte, error) {
	p, err := DocPath(rel)
	if err != nil {
		return nil, err
	}
	res, err := s.Exec(ctx, ServiceWP, []string{"sh", "-c", `test -f "$1" || exit 44; cat "$1"`, "sh", p})
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == 44 {
		return nil, fmt.Errorf("read %s: %w", rel, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return res.Stdout, nil
}

// RemoveFile removes rel (a file or a whole folder) as the web server's
// user; a missing path is not an error.
func (s *Stack) RemoveFile(ctx context.Context, rel string) error {
	p, err := DocPath(rel)
	if err != nil {
		return err
	}
	if p == DocRoot {
		return fault.Input(errors.New("refusing to remove the document root"))
	}
	if _, err := s.Exec(ctx, ServiceWP, []string{"rm", "-rf", "--", p}, AsUser(WebUser)); err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}
