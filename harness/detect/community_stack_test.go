package detect_test

import (
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Community rules on a real stack: a product: apache rule reads Apache's
// error log, and a webserver rule written the SigmaHQ way (no name, a
// null filter, keywords) fires on the raw request as logged.
func (s *stackSuite) TestCommunityRulesOnARealStack() {
	t := s.T()
	dir := t.TempDir()
	files := map[string]string{
		"apache_client_denied.yml": "title: Apache Denied Access To A Protected File\nid: 6b0c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d\nstatus: test\n" +
			"logsource:\n    product: apache\n    definition: 'Requirements: the Apache error log'\ndetection:\n    keywords:\n        - 'client denied by server configuration'\n    condition: keywords\nlevel: medium\n",
		"web_traversal_raw.yml": "title: Encoded Traversal In URI\nid: 7c1d2b3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e\nstatus: test\n" +
			"logsource:\n    category: webserver\ndetection:\n    keywords:\n        - '..%2F..%2F'\n    selection:\n        cs-uri|contains: '..%2F..%2F'\n    filter_optional_no_query:\n        cs-uri-query: null\n    condition: keywords and selection and not 1 of filter_optional_*\nlevel: high\n",
	}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	pack := shippedPack(t)
	mine, err := detect.LoadDir(dir)
	require.NoError(t, err)
	pack.Override(mine)

	_, tl := s.run(pack)
	for _, target := range []string{"/.htaccess", "/?page=..%2F..%2F..%2Fetc%2Fpasswd"} {
		resp, err := http.Get(s.Stack.URL() + target)
		require.NoError(t, err)
		resp.Body.Close()
	}
	got := waitAlerts(t, tl, 20*time.Second, "apache-client-denied", "web-traversal-raw", "web-path-traversal")
	assert.Equal(t, "apache-error", got["apache-client-denied"].Source)
	assert.Contains(t, got["web-traversal-raw"].Matched[0], "etc%2Fpasswd")
}
