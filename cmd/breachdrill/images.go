package main

import (
	"fmt"
	"github.com/breachdrill/breachdrill/containers"
	"github.com/spf13/cobra"
)

func newImagesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "images", Short: "Build or pull the stack's images"}
	var source string
	var rebuild bool
	build := &cobra.Command{
		Use:   "build",
		Short: "Build the stack image from Debian packages, or pull the official images",
		Long: `Build the images the stack runs on.

--source debian (default) bootstraps a Debian bookworm root file system with
mmdebstrap, installs MariaDB, Apache, PHP and WordPress from Debian's packages
(current with bookworm-updates and security) and imports it into Docker. It
needs root and mmdebstrap, works without any container registry, takes about a
minute, and is skipped when an image of the same recipe exists.

--source official pulls the public mariadb and wordpress images.`,
		Example: "  sudo breachdrill images build\n  breachdrill images build --source official",
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
			fmt.Fprintf(cmd.OutOrStdout(), "db image: %s\nwp image: %s\n", imgs.DB, imgs.WP)
			return nil
		},
	}
	build.Flags().StringVar(&source, "source", "debian", "where images come from: debian (built here, offline) or official (pulled)")
	build.Flags().BoolVar(&rebuild, "rebuild", false, "build even when an image of this recipe exists")
	cmd.AddCommand(build)
	return cmd
}
