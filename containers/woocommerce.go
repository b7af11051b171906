package containers

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

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
	files   map[string]wooFile // path below woocommerce/ → the file
}

// wooFile is one file of the plugin as released.
type wooFile struct {
	data  []byte
	mode  fs.FileMode
	mtime time.Time // zero where the source gave none
}

// fileTime is the modification time a copied file gets. PHP's opcache
// never caches a script whose mtime is 0 (it reads 0 as "could not stat"):
// a plugin copied with the tar default of 1970-01-01 was compiled afresh on
// every request, which made each WooCommerce page several times slower.
func fileTime(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return filesEpoch
	}
	return t
}

// filesEpoch stands in for a missing time; fixed, so a derived image is
// the same for the same plugin.
var filesEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// wooWanted is the fix every refusal of --woocommerce names.
const wooWanted = "pass the WooCommerce plugin folder (the one holding woocommerce.php) or its release zip (woocommerce.10.0.2.zip)"

// What the debian image runs; a plugin that needs more is refused before
// any container starts. The official images are pinned to the same pair.
const (
	stackWordPress = "6.8"
	stackPHP       = "8.4"
)

var pluginHeader = regexp.MustCompile(`(?m)^[ \t/*#@]*([A-Za-z ]+):[ \t]*(.+?)[ \t]*$`)

// loadWooPlugin reads a plugin directory or zip and refuses anything that is
// not WooCommerce, or not runnable on the stack, with a message that says
// what was expected. woocommerce.php may sit at the first level or one
// below (release zips hold woocommerce/, others any folder name).
func loadWooPlugin(p string) (*wooPlugin, error) {
	refuse := func(format string, a ...any) error {
		return fault.Input(fmt.Errorf("--woocommerce %s: %s: %s", p, fmt.Sprintf(format, a...), wooWanted))
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, refuse("no such file or folder")
	}
	if err != nil {
		return nil, refuse("%v", err)
	}
	var wp *wooPlugin
	if st.IsDir() {
		wp, err = readWooDir(p)
	} else {
		wp, err = readWooZip(p)
	}
	if err != nil {
		return nil, refuse("%v", err)
	}
	headers := readPluginHeaders(wp.files["woocommerce.php"].data)
	if headers["Plugin Name"] != "WooCommerce" {
		return nil, refuse("woocommerce.php names plugin %q, not WooCommerce", headers["Plugin Name"])
	}
	wp.version = headers["Version"]
	if req := headers["Requires at least"]; req != "" && versionLess(stackWordPress, req) {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: WooCommerce %s requires WordPress %s, the stack runs %s: use a WooCommerce release that supports WordPress %s", p, wp.version, req, stackWordPress, stackWordPress))
	}
	if req := headers["Requires PHP"]; req != "" && versionLess(stackPHP, req) {
		return nil, fault.Input(fmt.Errorf("--woocommerce %s: WooCommerce %s requires PHP %s, the stack runs %s", p, wp.version, req, stackPHP))
	}
	return wp, nil
}

// CheckWooCommerce reads the plugin at path as a stack would and returns
// its version, or the bad-input error a stack start would give: callers
// check --woocommerce before anything starts.
func CheckWooCommerce(path string) (version string, err error) {
	wp, err := loadWooPlugin(path)
	if err != nil {
		return "", err
	}
	return wp.version, nil
}

func newWooPlugin() *wooPlugin {
	return &wooPlugin{files: map[string]wooFile{}}
}

// readWooDir reads the plugin folder p, or the one folder below p that
// holds woocommerce.php. It looks before reading, so that a wrong folder (a
// home directory, say) is refused at once rather than read whole.
func readWooDir(p string) (*wooPlugin, error) {
	root := ""
	if _, err := os.Stat(filepath.Join(p, "woocommerce.php")); err == nil {
		root = p
	} else {
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(p, e.Name(), "woocommerce.php")); e.IsDir() && err == nil {
				root = filepath.Join(p, e.Name())
				break
			}
		}
	}
	if root == "" {
		return nil, errors.New("no woocommerce.php in the folder or one level below")
	}
	wp := newWooPlugin()
	err := filepath.WalkDir(root, func(file string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, file)
		wp.files[filepath.ToSlash(rel)] = wooFile{data: b, mode: info.Mode().Perm(), mtime: info.ModTime()}
		return nil
	})
	return wp, err
}

// readWooZip reads the plugin from a zip whose woocommerce.php is at the
// top or inside one folder, whatever that folder is called.
func readWooZip(p string) (*wooPlugin, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("not a plugin folder or a readable zip (%v)", err)
	}
	defer zr.Close()
	base, found := "", false
	for _, f := range zr.File {
		name := path.Clean(f.Name)
		if name == "woocommerce.php" || (path.Base(name) == "woocommerce.php" && strings.Count(name, "/") == 1) {
			base, found = strings.TrimSuffix(name, "woocommerce.php"), true
			break
		}
	}
	if !found {
		return nil, errors.New("no woocommerce.php at the zip's first level or one folder below")
	}
	wp := newWooPlugin()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rel, ok := strings.CutPrefix(path.Clean(f.Name), base)
		if !ok || rel == "" || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w (a corrupt zip?)", f.Name, err)
		}
		wp.files[rel] = wooFile{data: b, mode: 0o644, mtime: f.Modified}
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

// digest identifies the plugin's content: paths and bytes, whatever the
// folder or zip it came from.
func (w *wooPlugin) digest() string {
	names := make([]string, 0, len(w.files))
	for n := range w.files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(w.files[n].data))
		h.Write(w.files[n].data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// tar returns the plugin as a tar of woocommerce/..., owned by the web
// server's user (uid/gid 33 in Debian and in the official image).
func (w *wooPlugin) tar() io.Reader {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for name, f := range w.files {
		full := path.Join("woocommerce", name)
		for d := path.Dir(full); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, Uid: 33, Gid: 33, ModTime: filesEpoch})
		}
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: full, Mode: int64(f.mode), Size: int64(len(f.data)), Uid: 33, Gid: 33,
			ModTime: fileTime(f.mtime)})
		_, _ = tw.Write(f.data)
	}
	_ = tw.Close()
	return &buf
}

// createWooSchema creates WooCommerce's tables without the plugin, exactly
// as WooCommerce 10.0.2 creates them (runtime/woocommerce.sql is its SHOW
// CREATE TABLE output), adds the terms and rows its installer adds, and
// sets the options that say orders live in HPOS tables with posts kept in
// sync.
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
	defaultCat, err := s.createWooTerms(ctx)
	if err != nil {
		return err
	}
	opts["default_product_cat"] = strconv.FormatInt(defaultCat, 10)
	for k, v := range opts {
		_, err := s.toolDB.ExecContext(ctx,
			"INSERT INTO `"+s.prefix+"options` (option_name, option_value, autoload) VALUES (?, ?, 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", k, v)
		if err != nil {
			return fault.Infra(fmt.Errorf("set option %s: %w", k, err))
		}
	}
	return nil
}

// wooTerms are the terms WC_Install::create_terms() makes, in its order, so
// that term ids match a plugin stack's. Products need their product_type
// term: wc_get_products() selects by it, and a product without one is not
// listed.
var wooTerms = []struct{ taxonomy, name, slug string }{
	{"product_type", "simple", "simple"},
	{"product_type", "grouped", "grouped"},
	{"product_type", "variable", "variable"},
	{"product_type", "external", "external"},
	{"product_visibility", "exclude-from-search", "exclude-from-search"},
	{"product_visibility", "exclude-from-catalog", "exclude-from-catalog"},
	{"product_visibility", "featured", "featured"},
	{"product_visibility", "outofstock", "outofstock"},
	{"product_visibility", "rated-1", "rated-1"},
	{"product_visibility", "rated-2", "rated-2"},
	{"product_visibility", "rated-3", "rated-3"},
	{"product_visibility", "rated-4", "rated-4"},
	{"product_visibility", "rated-5", "rated-5"},
	{"product_cat", "Uncategorized", "uncategorized"},
}

// createWooTerms adds the terms WooCommerce's installer adds (those
// already there are kept) and returns the term id of the default product
// category, which WooCommerce keeps in the option default_product_cat.
func (s *Stack) createWooTerms(ctx context.Context) (int64, error) {
	var defaultCat int64
	for _, t := range wooTerms {
		var id int64
		err := s.toolDB.QueryRowContext(ctx, "SELECT t.term_id FROM `"+s.prefix+"terms` t JOIN `"+s.prefix+"term_taxonomy` tt ON tt.term_id = t.term_id WHERE tt.taxonomy = ? AND t.slug = ?",
			t.taxonomy, t.slug).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			id, err = s.insertTerm(ctx, t.taxonomy, t.name, t.slug)
		}
		if err != nil {
			return 0, fault.Infra(fmt.Errorf("create WooCommerce term %s %s: %w", t.taxonomy, t.slug, err))
		}
		if t.taxonomy == "product_cat" {
			defaultCat = id
		}
	}
	return defaultCat, nil
}

func (s *Stack) insertTerm(ctx context.Context, taxonomy, name, slug string) (int64, error) {
	tx, err := s.toolDB.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "INSERT INTO `"+s.prefix+"terms` (name, slug, term_group) VALUES (?, ?, 0)", name, slug)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO `"+s.prefix+"term_taxonomy` (term_id, taxonomy, description, parent, count) VALUES (?, ?, '', 0, 0)", id, taxonomy); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// WooTables lists the WooCommerce tables every stack has, in either mode.
var WooTables = []string{
	"wc_orders", "wc_order_addresses", "wc_order_operational_data", "wc_orders_meta",
	"woocommerce_order_items", "woocommerce_order_itemmeta",
	"woocommerce_payment_tokens", "woocommerce_payment_tokenmeta",
	"woocommerce_sessions", "woocommerce_api_keys", "wc_customer_lookup",
}
