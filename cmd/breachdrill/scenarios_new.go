package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/spf13/cobra"
)

func newScenarioNewCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "new ID",
		Short: "Write a commented skeleton for a new scenario",
		Long: `Write DIR/ID/scenario.yaml: a scenario that validates and runs as it is (it
plants a PHP file in the uploads folder, which the shipped rules detect), with
every key explained in comments, ready to be turned into your breach. Also
writes DIR/scenario.schema.json, the JSON Schema the file's first line points
editors at (completion and checking with the YAML language server), unless it
is there already. Nothing is overwritten.

Then: breachdrill scenarios validate DIR, and
breachdrill test --scenarios DIR --scenario ID.`,
		Example: "  breachdrill scenarios new card-skimmer --dir ./my-scenarios",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			data, err := scenarios.Skeleton(id, "../scenario.schema.json")
			if err != nil {
				return fault.Input(fmt.Errorf("argument ID: %w", err))
			}
			file := filepath.Join(dir, id, "scenario.yaml")
			if _, err := os.Stat(file); err == nil {
				return fault.Input(fmt.Errorf("%s already exists: choose another ID or edit that file", file))
			}
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return fault.Input(fmt.Errorf("--dir %s: %w", dir, err))
			}
			if err := os.WriteFile(file, data, 0o644); err != nil {
				return fault.Input(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %s\n", file)
			schemaFile := filepath.Join(dir, "scenario.schema.json")
			if _, err := os.Stat(schemaFile); errors.Is(err, fs.ErrNotExist) {
				schema, err := scenarios.JSONSchema()
				if err != nil {
					return err
				}
				if err := os.WriteFile(schemaFile, schema, 0o644); err != nil {
					return fault.Input(err)
				}
				fmt.Fprintf(out, "wrote %s\n", schemaFile)
			}
			fmt.Fprintf(out, "\nnext:\n  breachdrill scenarios validate %s\n  breachdrill test --scenarios %s --scenario %s\n", dir, dir, id)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "write the scenario under `DIR` (the folder you pass to --scenarios)")
	return cmd
}

func newScenarioSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files",
		Long: `Print the JSON Schema (draft-07) of scenario files, generated from the
actions and checks this binary knows. Point your editor at it with a first
line '# yaml-language-server: $schema=PATH' in the scenario file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := scenarios.JSONSchema()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
}
