package main

import (
	"fmt"
	"os"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/spf13/cobra"
)

func newImagesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "images", Short: "Build or pull the stack's images"}
	var source, woocommerce string
	var rebuild bool
	build := &cobra.Command{
		Use:   "build",
		Short: "Build the stack image from Debian packages, or pull the official images",
		Long: `Build the images the stack runs on.

--source debian (default) bootstraps a Debian 13 (trixie) root file system with
mmdebstrap, installs MariaDB 11.8, Apache 2.4 with ModSecurity and the OWASP
Core Rule Set, PHP 8.4 and WordPress 6.8 from Debian's packages (current with
trixie-updates and trixie-security) and imports it into Docker. It needs root
and mmdebstrap, works without any container registry, takes one to four
minutes, and is skipped when an image of the same recipe exists.

--woocommerce ZIP|DIR also derives an image with that WooCommerce release
baked in (tagged by the plugin's content), which every later stack given the
same plugin uses instead of copying it in at start.

--source official pulls the public mariadb and wordpress images.`,
		Example: "  sudo breachdrill images build\n  sudo breachdrill images build --woocommerce ./woocommerce.10.0.2.zip\n  breachdrill images build --source official",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := containers.ParseSource(source)
			if err != nil {
				return err
			}
			opts := []containers.BuildOption{containers.WithBuildProgress(cmd.ErrOrStderr())}
			if rebuild {
				opts = append(opts, containers.WithRebuild())
			}
			imgs, err := containers.EnsureImages(cmd.Context(), src, opts...)
			if err != nil {
				return err
			}
			if woocommerce != "" {
				if imgs, err = containers.BakeWooCommerce(cmd.Context(), imgs, woocommerce, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "db image: %s\nwp image: %s\n", imgs.DB, imgs.WP)
			return nil
		},
	}
	build.Flags().StringVar(&source, "source", "debian", "where images come from: debian (built here, offline) or official (pulled)")
	build.Flags().BoolVar(&rebuild, "rebuild", false, "build even when an image of this recipe exists")
	build.Flags().StringVar(&woocommerce, "woocommerce", os.Getenv(wooEnv), "also bake this WooCommerce plugin `ZIP|DIR` into a derived image (default $"+wooEnv+")")
	cmd.AddCommand(build)
	return cmd
}
