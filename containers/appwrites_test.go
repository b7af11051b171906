package containers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// After a reset the stack keeps serving requests, and WooCommerce writes
// its logs: those declared writes pass the reset check, while every other
// change next to them, or of another kind, is still caught.
func (ss *stackSuite) TestVerifyResetToleratesOnlyDeclaredAppWrites() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	requireClean(t, ctx, s)

	tests := []struct {
		name    string
		file    string
		content string
		caught  bool
	}{
		{"WooCommerce log file", "wp-content/uploads/wc-logs/fetch-feed-2026-11-30-0123abcd.log", "", false},
		{"PHP file in the log folder", "wp-content/uploads/wc-logs/shell.php", "", true},
		{"htaccess in the log folder", "wp-content/uploads/wc-logs/.htaccess", "", true},
		{"WooCommerce's own htaccess in the log folder", "wp-content/uploads/wc-logs/.htaccess", "deny from all", false},
		{"WooCommerce's own index.html in the log folder", "wp-content/uploads/wc-logs/index.html", "-", false},
		{"a non-empty index.html in the log folder", "wp-content/uploads/wc-logs/index.html", "", true},
		{"log file outside the log folder", "wp-content/uploads/fetch-feed.log", "", true},
		{"log file in a subfolder of the log folder", "wp-content/uploads/wc-logs/x/y.log", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() {
				_, err := s.Reset(ctx)
				assert.NoError(t, err, "reset after the test")
			})
			// "" writes a log line, "-" an empty file.
			content := tt.content
			switch content {
			case "":
				content = "2026-11-30T00:00:00+00:00 ERROR Error getting data feed\n"
			case "-":
				content = ""
			}
			require.NoError(t, s.WriteFile(ctx, tt.file, []byte(content), 0o644))
			diffs, err := s.VerifyReset(ctx)
			require.NoError(t, err)
			if tt.caught {
				assert.NotEmpty(t, diffs, "writing %s must fail the reset check", tt.file)
			} else {
				assert.Empty(t, diffs, "writing %s is a declared WooCommerce write", tt.file)
			}
		})
	}
}
