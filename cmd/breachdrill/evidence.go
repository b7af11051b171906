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
	"time"

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
	cmd.AddCommand(newEvidenceVerifyCmd(), newEvidenceQuarterCmd(), newEvidenceKeyCmd(), newEvidenceApproveCmd())
	return cmd
}

// trustFlags choose whose signature a verification expects.
type trustFlags struct {
	trusted []string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.trusted, "trusted-key", nil, "require the signer to be this ed25519 key (PEM public or private key; repeatable)")
}

// options turns the flags into verify options: the keys the user pins.
// --trusted-key pins exactly the keys given. Without it, the trust file
// ($BREACHDRILL_TRUST_FILE, else trusted-keys.pem in the user's config
// directory) and the user's own signing key are pinned. A bundle signed by
// none of them is "integrity OK, signer not trusted".
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
	var opts []reports.VerifyOption
	if p, err := reports.TrustFilePath(); err == nil {
		keys, err := reports.ReadTrustFile(p)
		switch {
		case err == nil:
			opts = append(opts, reports.WithPinnedKeys("trust file "+p, keys...))
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, fault.Input(fmt.Errorf("trust file: %w", err))
		}
	}
	if p, err := reports.DefaultKeyPath(); err == nil {
		k, err := reports.ReadPublicKey(p)
		switch {
		case err == nil:
			opts = append(opts, reports.WithLocalKey(k))
		case !errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: cannot read your signing key to compare signers: %v\n", err)
		}
	}
	return opts, nil
}

func signerText(v reports.Verification) string {
	if v.Trust.Match {
		return "signed by " + v.Signer + " (pinned: " + v.Trust.Against + ")"
	}
	if v.Trust.Against == "" {
		return "signer " + v.Signer + " not trusted: no key is pinned (pass --trusted-key, or add the key to the trust file)"
	}
	return "signer " + v.Signer + " not trusted: not among the pinned keys (" + v.Trust.Against + ")"
}

func approvalsText(v reports.Verification) []string {
	var out []string
	for _, a := range v.Approvals {
		if !a.Valid {
			continue
		}
		pinned := "approver key not pinned"
		if a.Pinned {
			pinned = "approver key pinned"
		}
		out = append(out, fmt.Sprintf("approved by %s (%s) on %s, key %s, %s", a.Approver, a.Role, a.ApprovedAt.Format(time.DateOnly), a.Signer, pinned))
	}
	return out
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
intact bundle signed by a pinned key, and any approvals; exits 1 if any bundle
fails or its signer is not pinned.

A bundle re-signed by someone else after its public key was swapped is
self-consistent, so integrity alone proves little: the signer must be a key
you pinned. --trusted-key pins exactly the keys given; without it, the keys in
the trust file ($BREACHDRILL_TRUST_FILE, else trusted-keys.pem in your config
directory, e.g. ~/.config/breachdrill/trusted-keys.pem: PEM public keys one
after another, from 'breachdrill evidence key') and your own signing key are
pinned. An intact bundle from any other signer prints "integrity OK, signer
not trusted" and exits 1.`,
		Example: "  breachdrill evidence verify --trusted-key ci-signing.pub evidence/drill-2026-11-28-a1\n  breachdrill evidence verify --trusted-key ci-signing.pub evidence/*.zip",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := trust.options(cmd)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var results []reports.Verification
			failed, untrusted := 0, 0
			for _, p := range args {
				v, err := reports.Verify(cmd.Context(), p, opts...)
				if err != nil {
					if cmd.Context().Err() != nil {
						return err
					}
					return fault.Input(fmt.Errorf("BUNDLE %s: %w", p, err))
				}
				results = append(results, v)
				switch {
				case !v.OK():
					failed++
				case !v.Trust.Match:
					untrusted++
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
					verdict := "OK"
					if !v.Trust.Match {
						verdict = "integrity OK, signer not trusted"
					}
					fmt.Fprintf(out, "%s %s: %s, %d files%s, %s\n", verdict, p, what, v.Files, events, signerText(v))
					for _, a := range approvalsText(v) {
						fmt.Fprintf(out, "  %s\n", a)
					}
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
			switch {
			case failed > 0:
				return gapError{fmt.Sprintf("%d of %s failed verification", failed, nounCount(len(args), "bundle"))}
			case untrusted > 0:
				return gapError{fmt.Sprintf("%d of %s: integrity OK, signer not trusted", untrusted, nounCount(len(args), "bundle"))}
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
	var in, out, key, policyFile string
	var zip, force, allowUntrusted bool
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
			if policyFile != "" {
				pol, err := reports.LoadPolicy(policyFile)
				if err != nil {
					return fault.Input(fmt.Errorf("--policy %s: %w", policyFile, err))
				}
				opts = append(opts, reports.WithPolicy(pol))
			}
			if allowUntrusted {
				opts = append(opts, reports.WithAllowUntrusted())
			}
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
	cmd.Flags().StringVar(&policyFile, "policy", "", "YAML `FILE` setting what counts as a test of the plan (tabletop: incident_commander, min_participants, all_objectives_rated, hot_wash; drill: counts)")
	cmd.Flags().BoolVar(&allowUntrusted, "allow-untrusted", false, "also read bundles whose signer is not pinned (they are left out by default)")
	return cmd
}

func newEvidenceApproveCmd() *cobra.Command {
	var as, key string
	cmd := &cobra.Command{
		Use:   "approve BUNDLE --as \"Name, role\"",
		Short: "Add a named, signed approval to an evidence bundle",
		Long: `Sign an approval of BUNDLE (a bundle directory) as the named person in their
role: an in-toto statement naming the SHA-256 of the bundle's attestation and
manifest, in its own DSSE envelope under approvals/. The bundle's own signature
is untouched; 'evidence verify' checks and lists approvals. The approval is
signed with --key, or your own signing key.`,
		Example: "  breachdrill evidence approve evidence/drill-2026-11-28-a1 --as \"Dana Kim, Head of Security\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, role, err := reports.ParseApprover(as)
			if err != nil {
				return fault.Input(fmt.Errorf("--as %w", err))
			}
			var priv ed25519.PrivateKey
			if key != "" {
				if priv, err = reports.ReadPrivateKey(key); err != nil {
					return fault.Input(fmt.Errorf("--key %s: %w", key, err))
				}
			} else {
				p, err := reports.DefaultKeyPath()
				if err != nil {
					return fault.Infra(err)
				}
				if priv, _, err = reports.LoadOrCreateKey(p); err != nil {
					return fault.Infra(err)
				}
			}
			p, err := reports.Approve(cmd.Context(), args[0], name, role, priv, time.Now())
			switch {
			case errors.Is(err, reports.ErrApproveZip), errors.Is(err, fs.ErrNotExist), errors.Is(err, reports.ErrNotBundle):
				return fault.Input(fmt.Errorf("BUNDLE %s: %w", args[0], err))
			case err != nil:
				return gapError{err.Error()}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "approved %s as %s (%s): %s, signed by %s\n", args[0], name, role, p, reports.Fingerprint(priv.Public().(ed25519.PublicKey)))
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "who approves: \"Name, role\" (required)")
	cmd.Flags().StringVar(&key, "key", "", "sign the approval with this ed25519 key `FILE` (default: your signing key)")
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
