package containers

import (
	"path"
	"slices"
	"strings"
)

// AppWrite is a change the shop makes to its own files during ordinary use.
// Between a reset and the check that follows it the stack keeps serving
// requests (detection probes, shoppers), and WooCommerce writes log files
// as it goes: those changes say nothing about whether a breach was put
// right. Only what is declared here is tolerated, and only in the form
// described: anything else in the docroot, including a PHP file or a
// changed .htaccess in the same folder, still fails the check.
type AppWrite struct {
	// Pattern is a path.Match pattern relative to the docroot; a trailing
	// "/" names a directory.
	Pattern string
	// Changes are the rsync change kinds tolerated: "created" (present in
	// the stack, not at the reset point) and "modified".
	Changes []string
	// Content, when not nil, is the only content the file may have.
	Content []byte
	Why     string
}

// AppWrites are the declared changes. Add to them only with a reason a
// reviewer can check against the application's source.
var AppWrites = []AppWrite{
	{
		Pattern: "wp-content/uploads/wc-logs/",
		Changes: []string{"created"},
		Why:     "WooCommerce's file logger creates its log folder on the first message",
	},
	{
		Pattern: "wp-content/uploads/wc-logs/*.log",
		Changes: []string{"created", "modified"},
		Why:     "WooCommerce's file logger writes one file per source and day, e.g. 'Error getting data feed' for every phone-home the stack blocks (payment-gateway suggestions, marketplace, inbox); .log files are never executed",
	},
	{
		Pattern: "wp-content/uploads/wc-logs/index.html",
		Changes: []string{"created"},
		Content: []byte{},
		Why:     "WooCommerce protects its log folder with an empty index.html when it creates it (Internal\\Admin\\Logging\\Settings::get_log_directory)",
	},
	{
		Pattern: "wp-content/uploads/wc-logs/.htaccess",
		Changes: []string{"created"},
		Content: []byte("deny from all"),
		Why:     "WooCommerce protects its log folder with a 'deny from all' .htaccess when it creates it (Internal\\Admin\\Logging\\Settings::get_log_directory); only this folder's, only created, and only with that content",
	},
}

// appWrite returns the declaration that tolerates one line of rsync's
// --itemize-changes output (reset point → live docroot), if any, and the
// file's name.
func appWrite(line string) (AppWrite, string, bool) {
	var change, name string
	switch {
	case strings.HasPrefix(line, "*deleting "):
		// In the live docroot, not at the reset point: the shop created it.
		change, name = "created", strings.TrimSpace(strings.TrimPrefix(line, "*deleting "))
	case len(line) > 12 && strings.HasPrefix(line, ">f") && line[2] != '+':
		// A file at the reset point whose content or size differs now.
		change, name = "modified", strings.TrimSpace(line[12:])
	default:
		return AppWrite{}, "", false
	}
	if strings.Contains(name, "..") {
		return AppWrite{}, "", false
	}
	for _, w := range AppWrites {
		if !slices.Contains(w.Changes, change) {
			continue
		}
		dir := strings.HasSuffix(w.Pattern, "/")
		if dir != strings.HasSuffix(name, "/") {
			continue
		}
		if ok, _ := path.Match(strings.TrimSuffix(w.Pattern, "/"), strings.TrimSuffix(name, "/")); ok {
			return w, name, true
		}
	}
	return AppWrite{}, "", false
}
