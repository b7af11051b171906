package containers

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// WooCommerce modes a stack reports.
const (
	WooPlugin = "plugin" // a real WooCommerce plugin, activated, HPOS on
	WooSchema = "schema" // WooCommerce's tables only, created by the stack
)

// wooPlugin is a WooCommerce plugin given with --woocommerce, checked and
// read into memory as the files of wp-content/plugins/woocommerce.
type wooPlugin struct {
	version string
	files   map[string][]byte // path below woocommerce/ → content
	modes   map[string]fs.FileMode
}

// wooWanted is the fix every refusal of --woocommerce names.
const wooWanted = "pass the WooCommerce plugin folder (the one holding woocommerce.php) or its release zip (woocommerce.7.9.0.zip)"

var pluginHeader = regexp.MustCompile(`(?m)^[ \t/*#@]*([A-Za-z ]+):[ \t]*(.+?)[ \t]*$`)

// loadWooPlugin reads a plugin directory or zip and refuses anything that is
// not WooCommerce, with a message that says what was expected.
func loadWooPlugin(p string) (*wooPlugin, error) {
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: no such file or folder: %s", p, wooWanted))
	}
	if err != nil {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: %v: %s", p, err, wooWanted))
	}
	wp := &wooPlugin{files: map[string][]byte{}, modes: map[string]fs.FileMode{}}
	if st.IsDir() {
		// Looked for before reading anything, so that a wrong folder (a
		// home directory, say) is refused at once rather than read whole.
		var root string
		for _, r := range []string{p, filepath.Join(p, "woocommerce")} {
			if _, err := os.Stat(filepath.Join(r, "woocommerce.php")); err == nil {
				root = r
				break
			}
		}
		if root == "" {
			return nil, fault.Input(fmt.Errorf("--woocommerce %s: no woocommerce.php found: %s", p, wooWanted))
		}
		err = filepath.WalkDir(root, func(file string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, file)
			info, err := d.Info()
			if err != nil {
				return err
			}
			if !info.Mode().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			wp.files[filepath.ToSlash(rel)] = b
			wp.modes[filepath.ToSlash(rel)] = info.Mode().Perm()
			return nil
		})
		if err != nil {
			return nil, fault.Input(fmt.Errorf("--woocommerce %s: %w", p, err))
		}
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, fault.Input(fmt.Errorf("--woocommerce %s: not a plugin folder or zip (%v): %s", p, err, wooWanted))
		}
		defer zr.Close()
		if !slices.ContainsFunc(zr.File, func(f *zip.File) bool { return path.Clean(f.Name) == "woocommerce/woocommerce.php" }) {
			return nil, fault.Input(fmt.Errorf("--woocommerce %s: no woocommerce/woocommerce.php in the zip: %s", p, wooWanted))
		}
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			name := path.Clean(f.Name)
			rel, ok := strings.CutPrefix(name, "woocommerce/")
			if !ok || strings.HasPrefix(rel, "../") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fault.Input(fmt.Errorf("--woocommerce %s: %s: %w", p, f.Name, err))
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, fault.Input(fmt.Errorf("--woocommerce %s: %s: %w", p, f.Name, err))
			}
			wp.files[rel] = b
			wp.modes[rel] = 0o644
		}
	}
	main, ok := wp.files["woocommerce.php"]
	if !ok {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: no woocommerce.php found: %s", p, wooWanted))
	}
	headers := readPluginHeaders(main)
	if headers["Plugin Name"] != "WooCommerce" {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: woocommerce.php names plugin %q, not WooCommerce: %s", p, headers["Plugin Name"], wooWanted))
	}
	wp.version = headers["Version"]
	if req := headers["Requires at least"]; req != "" && versionLess("6.1", req) {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: WooCommerce %s requires WordPress %s, the stack runs 6.1: use WooCommerce 7.9.x", p, wp.version, req))
	}
	return wp, nil
}

func readPluginHeaders(php []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(php[:min(len(php), 8192)]))
	for sc.Scan() {
		if m := pluginHeader.FindStringSubmatch(sc.Text()); m != nil {
			k := strings.TrimSpace(m[1])
			if _, seen := out[k]; !seen {
				out[k] = m[2]
			}
		}
	}
	return out
}

// versionLess compares dotted numeric versions.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// tar returns the plugin as a tar of woocommerce/..., owned by the web
// server's user (uid/gid 33 in Debian and in the official image).
func (w *wooPlugin) tar() io.Reader {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for name, b := range w.files {
		full := path.Join("woocommerce", name)
		for d := path.Dir(full); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, Uid: 33, Gid: 33})
		}
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: full, Mode: int64(w.modes[name]), Size: int64(len(b)), Uid: 33, Gid: 33})
		_, _ = tw.Write(b)
	}
	_ = tw.Close()
	return &buf
}

// createWooSchema creates WooCommerce's tables without the plugin and sets
// the options that say orders live in HPOS tables with posts kept in sync.
func (s *Stack) createWooSchema(ctx context.Context) error {
	ddl := strings.ReplaceAll(string(asset("runtime/woocommerce.sql")), "{{prefix}}", s.prefix)
	if _, err := s.toolDB.ExecContext(ctx, ddl); err != nil {
		return fault.Infra(fmt.Errorf("create WooCommerce tables: %w", err))
	}
	opts := map[string]string{
		"woocommerce_custom_orders_table_enabled":           "yes",
		"woocommerce_custom_orders_table_data_sync_enabled": "yes",
		"woocommerce_feature_custom_order_tables_enabled":   "yes",
		"woocommerce_currency":                              "EUR",
		"breachdrill_woocommerce_mode":                      WooSchema,
	}
	var roles struct{}
	if err := s.installStep(ctx, "roles", &roles); err != nil {
		return err
	}
	for k, v := range opts {
		_, err := s.toolDB.ExecContext(ctx,
			"INSERT INTO `"+s.prefix+"options` (option_name, option_value, autoload) VALUES (?, ?, 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", k, v)
		if err != nil {
			return fault.Infra(fmt.Errorf("set option %s: %w", k, err))
		}
	}
	return nil
}

// WooTables lists the WooCommerce tables every stack has, in either mode.
var WooTables = []string{
	"wc_orders", "wc_order_addresses", "wc_order_operational_data", "wc_orders_meta",
	"woocommerce_order_items", "woocommerce_order_itemmeta",
	"woocommerce_payment_tokens", "woocommerce_payment_tokenmeta",
	"woocommerce_sessions", "woocommerce_api_keys", "wc_customer_lookup",
}
