package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/spf13/cobra"
)

func newEvidenceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Verify evidence bundles and build quarterly readiness packs",
		Long: `Every drill, test and tabletop writes a signed evidence bundle (by default
./evidence/<exercise-id>/). These commands check bundles and summarise them
for auditors.`,
	}
	cmd.AddCommand(newEvidenceVerifyCmd(), newEvidenceQuarterCmd(), newEvidenceKeyCmd())
	return cmd
}

// trustFlags choose whose signature a verification expects.
type trustFlags struct {
	trusted []string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.trusted, "trusted-key", nil, "require the signer to be this ed25519 key (PEM public or private key; repeatable)")
}

// options turns the flags into verify options. Without --trusted-key, the
// user's own signing key (if there is one) is compared with the signer, for
// information only: bundles from CI are signed by CI's key.
func (f trustFlags) options(cmd *cobra.Command) ([]reports.VerifyOption, error) {
	var keys []ed25519.PublicKey
	for _, p := range f.trusted {
		k, err := reports.ReadPublicKey(p)
		if err != nil {
			return nil, fault.Input(fmt.Errorf("--trusted-key %s: %w", p, err))
		}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		return []reports.VerifyOption{reports.WithTrustedKeys(keys...)}, nil
	}
	p, err := reports.DefaultKeyPath()
	if err != nil {
		return nil, nil
	}
	k, err := reports.ReadPublicKey(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: cannot read your signing key to compare signers: %v\n", err)
		return nil, nil
	}
	return []reports.VerifyOption{reports.WithLocalKey(k)}, nil
}

func signerText(v reports.Verification) string {
	switch {
	case v.Trust.Against == "trusted key" && v.Trust.Match:
		return "signed by the trusted key " + v.Signer
	case v.Trust.Against == "trusted key":
		return "signed by " + v.Signer + ", NOT a trusted key"
	case v.Trust.Against == "local key" && v.Trust.Match:
		return "signed by your key " + v.Signer
	case v.Trust.Against == "local key":
		return "signed by " + v.Signer + ", not your local key (pass --trusted-key to require a signer)"
	}
	return "signed by " + v.Signer + " (no trusted or local key to compare with)"
}

func newEvidenceVerifyCmd() *cobra.Command {
	var trust trustFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify BUNDLE...",
		Short: "Check that evidence bundles are unchanged and signed",
		Long: `Check each bundle (a directory or its .zip): the SHA-256 of every file against
the signed attestation, the ed25519 signature (DSSE) against the bundled public
key, the manifest, and the hash chain of the timeline. Prints one OK line per
intact bundle, or each file and event that fails; exits 1 if any bundle fails.

A bundle re-signed by someone else after its public key was swapped is
self-consistent: pass --trusted-key with the key you expect to catch it.
Without --trusted-key, the signer is compared with your own signing key, if
you have one, and the result is printed.`,
		Example: "  breachdrill evidence verify evidence/drill-2026-11-28-a1\n  breachdrill evidence verify --trusted-key ci-signing.pub evidence/*.zip",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := trust.options(cmd)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var results []reports.Verification
			failed := 0
			for _, p := range args {
				v, err := reports.Verify(cmd.Context(), p, opts...)
				if err != nil {
					if cmd.Context().Err() != nil {
						return err
					}
					return fault.Input(fmt.Errorf("BUNDLE %s: %w", p, err))
				}
				results = append(results, v)
				if !v.OK() {
					failed++
				}
				if asJSON {
					continue
				}
				if v.OK() {
					what := v.ExerciseID
					if v.Bundle == reports.BundleQuarterly {
						what = "quarterly pack " + v.Quarter
					}
					events := ""
					if v.Events > 0 {
						events = fmt.Sprintf(", %d events chained", v.Events)
					}
					fmt.Fprintf(out, "OK %s: %s, %d files%s, %s\n", p, what, v.Files, events, signerText(v))
					continue
				}
				fmt.Fprintf(out, "FAIL %s: %s\n", p, nounCount(len(v.Problems), "problem"))
				for _, pr := range v.Problems {
					fmt.Fprintf(out, "  %s\n", pr)
				}
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			}
			if failed > 0 {
				return gapError{fmt.Sprintf("%d of %s failed verification", failed, nounCount(len(args), "bundle"))}
			}
			return nil
		},
	}
	trust.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the verification results as JSON")
	return cmd
}

func newEvidenceQuarterCmd() *cobra.Command {
	var trust trustFlags
	var in, out, key string
	var zip, force bool
	cmd := &cobra.Command{
		Use:   "quarter QUARTER",
		Short: "Build the signed quarterly readiness pack from the bundles of a quarter",
		Long: `Find every evidence bundle (directory or .zip) under --in, verify each, and
write the quarterly readiness pack for QUARTER (like 2026-Q4): the scenarios
exercised and their outcomes, time-to-detect and time-to-contain trends over
the last four quarters, the improvement items still open, and the controls
covered this quarter and in the last 12 months (PCI DSS 12.10.2). Bundles
that fail verification are left out and named; the command then exits 1.
The pack is signed like a bundle: check it with 'breachdrill evidence verify'.`,
		Example: "  breachdrill evidence quarter 2026-Q4 --in evidence --out evidence/quarter-2026-Q4",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := reports.ParseQuarter(args[0])
			if err != nil {
				return fault.Input(fmt.Errorf("argument QUARTER: %w", err))
			}
			if st, err := os.Stat(in); err != nil || !st.IsDir() {
				if err == nil {
					err = errors.New("not a directory")
				}
				return fault.Input(fmt.Errorf("--in %s: %w", in, err))
			}
			if out == "" {
				out = filepath.Join("evidence", "quarter-"+q.String())
			}
			vopts, err := trust.options(cmd)
			if err != nil {
				return err
			}
			opts := []reports.Option{reports.WithVerifyOptions(vopts...), reports.WithToolVersion(version)}
			if key != "" {
				if _, err := reports.ReadPrivateKey(key); err != nil {
					return fault.Input(fmt.Errorf("--key %s: %w", key, err))
				}
				opts = append(opts, reports.WithKeyFile(key))
			}
			if zip {
				opts = append(opts, reports.WithZip())
			}
			if force {
				opts = append(opts, reports.WithReplace())
			}
			pack, err := reports.WriteQuarter(cmd.Context(), out, q, in, opts...)
			switch {
			case errors.Is(err, reports.ErrExists):
				return fault.Input(fmt.Errorf("--out %s already exists (pass --force to replace it)", out))
			case err != nil:
				return err
			}
			w := cmd.OutOrStdout()
			if pack.KeyCreated != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "created signing key %s (fingerprint %s)\n", pack.KeyCreated, pack.Signer)
			}
			fmt.Fprintf(w, "wrote %s: %s, %s this quarter, %d in the three quarters before; result %s; signed by %s\n",
				pack.Dir, q, nounCount(pack.Exercises, "exercise"), pack.Earlier, pack.Result, pack.Signer)
			if pack.Zip != "" {
				fmt.Fprintf(w, "wrote %s\n", pack.Zip)
			}
			if len(pack.Excluded) > 0 {
				fmt.Fprintf(w, "left out %s that failed verification:\n", nounCount(len(pack.Excluded), "bundle"))
				for _, e := range pack.Excluded {
					fmt.Fprintf(w, "  %s: %s\n", e.Path, strings.Join(e.Problems, "; "))
				}
				return gapError{nounCount(len(pack.Excluded), "bundle") + " failed verification"}
			}
			return nil
		},
	}
	trust.register(cmd)
	cmd.Flags().StringVar(&in, "in", "evidence", "directory searched (recursively) for evidence bundles")
	cmd.Flags().StringVar(&out, "out", "", "directory the pack is written to (default evidence/quarter-QUARTER)")
	cmd.Flags().StringVar(&key, "key", "", "ed25519 signing key, PKCS#8 PEM (default: your key, generated on first use)")
	cmd.Flags().BoolVar(&zip, "zip", false, "also write OUT.zip")
	cmd.Flags().BoolVar(&force, "force", false, "replace --out if it exists")
	return cmd
}

func newEvidenceKeyCmd() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Print the public half and fingerprint of the signing key",
		Long: `Print the PEM public key and SHA-256 fingerprint of the key that signs your
bundles (--key FILE, or your default key, created now if you have none). Give
the public key to auditors: 'evidence verify --trusted-key FILE' then fails
on any bundle signed by another key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var priv ed25519.PrivateKey
			var err error
			if key != "" {
				if priv, err = reports.ReadPrivateKey(key); err != nil {
					return fault.Input(fmt.Errorf("--key %s: %w", key, err))
				}
			} else {
				p, err := reports.DefaultKeyPath()
				if err != nil {
					return fault.Infra(err)
				}
				var created bool
				if priv, created, err = reports.LoadOrCreateKey(p); err != nil {
					return fault.Infra(err)
				}
				if created {
					fmt.Fprintf(cmd.ErrOrStderr(), "created signing key %s\n", p)
				}
			}
			pub := priv.Public().(ed25519.PublicKey)
			pemBytes, err := reports.MarshalPublicKey(pub)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# %s\n%s", reports.Fingerprint(pub), pemBytes)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "signing key file (default: your key in the user's config directory)")
	return cmd
}

func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
