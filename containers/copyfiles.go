package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// withFiles copies files into a container once it is created, as
// testcontainers.WithFiles does, but stamped with the time of the copy.
// testcontainers' tar leaves every file at mtime 0, and PHP's opcache never
// caches a script with mtime 0: wp-config.php, the mu-plugin and the
// prepend file ran uncached on every request.
func withFiles(cli *client.Client, files ...testcontainers.ContainerFile) testcontainers.CustomizeRequestOption {
	return testcontainers.WithAdditionalLifecycleHooks(testcontainers.ContainerLifecycleHooks{
		PostCreates: []testcontainers.ContainerHook{func(ctx context.Context, c testcontainers.Container) error {
			content, err := tarFiles(time.Now(), files)
			if err != nil {
				return err
			}
			if _, err := cli.CopyToContainer(ctx, c.GetContainerID(), client.CopyToContainerOptions{DestinationPath: "/", Content: content}); err != nil {
				return fmt.Errorf("copy files into the container: %w", err)
			}
			return nil
		}},
	})
}

// tarFiles packs files (each given by a Reader) at their absolute paths.
func tarFiles(mtime time.Time, files []testcontainers.ContainerFile) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if f.Reader == nil {
			return nil, fmt.Errorf("copy %s: no content", f.ContainerFilePath)
		}
		b, err := io.ReadAll(f.Reader)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", f.ContainerFilePath, err)
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.ContainerFilePath, "/"), Mode: f.FileMode, Size: int64(len(b)), ModTime: mtime}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}
