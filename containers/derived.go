package containers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// labelWooDigest on a derived image names the plugin content baked into it.
const labelWooDigest = "org.breachdrill.woocommerce"

// wooImageRef is the tag of base with the plugin of the given digest baked
// in: content-addressed, so the same plugin on the same base is built once.
// The "2" is the recipe: images baked before the plugin's files kept their
// release times (mtime 0 kept opcache from caching them) are not reused.
func wooImageRef(base, digest string) string {
	return base + "-wc2-" + digest[:12]
}

// BakeWooCommerce derives, from the debian image, one with the WooCommerce
// plugin at path already in the docroot (and in the reset point's copy of
// it), so that stacks given the same plugin skip copying 60 MB at every
// start. It returns the images to run; an existing derived image is reused.
func BakeWooCommerce(ctx context.Context, base Images, path string, progress io.Writer) (Images, error) {
	if base.Source != SourceDebian {
		return Images{}, fault.Input(fmt.Errorf("--woocommerce with images build: only --source debian images can have the plugin baked in"))
	}
	woo, err := loadWooPlugin(path)
	if err != nil {
		return Images{}, err
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return Images{}, err
	}
	defer cli.Close()
	out := base
	out.WP = wooImageRef(base.WP, woo.digest())
	if imageExists(ctx, cli, out.WP) {
		fmt.Fprintf(progress, "image %s (WooCommerce %s) is present, not rebuilding\n", out.WP, woo.version)
		return out, nil
	}
	fmt.Fprintf(progress, "baking WooCommerce %s into %s\n", woo.version, out.WP)
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: base.WP, Entrypoint: []string{"/bin/true"}, Labels: withRole(runLabels(NewRunID(), false, time.Now()), "bake")},
	})
	if err != nil {
		return Images{}, fault.Infra(fmt.Errorf("bake WooCommerce: %w", err))
	}
	defer cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	for _, dst := range []string{DocRoot + "/wp-content/plugins", snapshotFolder + "/wp-content/plugins"} {
		if _, err := cli.CopyToContainer(ctx, created.ID, client.CopyToContainerOptions{
			DestinationPath: dst, Content: woo.tar(), CopyUIDGID: true,
		}); err != nil {
			return Images{}, fault.Infra(fmt.Errorf("bake WooCommerce into %s: %w", dst, err))
		}
	}
	// The entrypoint set above only keeps the container from doing
	// anything; the image keeps the base's.
	_, err = cli.ContainerCommit(ctx, created.ID, client.ContainerCommitOptions{
		Reference: out.WP,
		Comment:   "breachdrill stack image with WooCommerce " + woo.version,
		Changes: []string{
			`ENTRYPOINT ["/usr/bin/tini", "--"]`,
			`CMD ["/usr/local/bin/bd-wp"]`,
			"LABEL " + labelWooDigest + "=" + woo.digest(),
			"LABEL org.breachdrill.woocommerce-version=" + woo.version,
		},
	})
	if err != nil {
		return Images{}, fault.Infra(fmt.Errorf("bake WooCommerce: commit: %w", err))
	}
	return out, nil
}

// bakedWooCommerce reports whether image already holds the plugin woo.
func bakedWooCommerce(ctx context.Context, cli *client.Client, image string, woo *wooPlugin) bool {
	insp, err := cli.ImageInspect(ctx, image)
	if err != nil || insp.Config == nil {
		return false
	}
	return insp.Config.Labels[labelWooDigest] == woo.digest()
}

// isDebianImage tells the debian image (and images derived from it) from
// the official ones.
func isDebianImage(ref string) bool { return strings.HasPrefix(ref, imageRepo+":") }
