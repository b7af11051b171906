package containers

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// DocRootLayer returns the host folder that holds what the web container
// has written over its image under the docroot: the docroot's part of the
// container's writable (upper) overlay layer. Every file created,
// changed or deleted in the docroot since the container started shows
// there, as a file or an overlay whiteout, while the image's layers never
// change. So the docroot can be watched from this host without a process
// in the container. On this machine a listing inside the container cost
// about 0.33 s of CPU (a docker exec and 8,000 stats through
// fuse-overlayfs), a scan of the layer about 5 ms.
//
// It is available only where the engine keeps the container as an overlay
// on this host and this process may read it (a local engine, run as
// root). Otherwise it returns an error, and callers list the docroot
// inside the container instead.
func (s *Stack) DocRootLayer(ctx context.Context) (string, error) {
	insp, err := s.cli.ContainerInspect(ctx, s.wpID, client.ContainerInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect the web container: %w", err)
	}
	c := insp.Container
	if c.GraphDriver == nil {
		return "", fmt.Errorf("the engine reports no storage driver for the web container")
	}
	switch c.GraphDriver.Name {
	case "overlay2", "fuse-overlayfs":
	default:
		return "", fmt.Errorf("storage driver %q: the writable layer is read only with overlay2 or fuse-overlayfs", c.GraphDriver.Name)
	}
	upper := c.GraphDriver.Data["UpperDir"]
	if upper == "" || !filepath.IsAbs(upper) {
		return "", fmt.Errorf("storage driver %s reports no upper layer", c.GraphDriver.Name)
	}
	// A volume or bind mount over the docroot (or above it) takes its
	// writes away from the layer.
	for _, m := range c.Mounts {
		d := path.Clean(m.Destination)
		if d == DocRoot || strings.HasPrefix(DocRoot, d+"/") || strings.HasPrefix(d, DocRoot+"/") {
			return "", fmt.Errorf("%s is mounted at %s, so its writes are not in the container's layer", m.Type, m.Destination)
		}
	}
	dir := filepath.Join(upper, filepath.FromSlash(DocRoot))
	// wp-config.php is copied into every stack's docroot when its
	// container is created: finding it proves this is the live layer of
	// this container and that this process can read it.
	if _, err := os.Stat(filepath.Join(dir, "wp-config.php")); err != nil {
		return "", fmt.Errorf("the web container's writable layer is not readable here: %w", err)
	}
	return dir, nil
}
