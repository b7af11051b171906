package containers_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ModSecurity with the Core Rule Set in each mode: off lets an SQL
// injection through unlogged; detect lets it through and logs the CRS rules
// that matched; block answers 403. In every mode a shop's ordinary traffic,
// an administrator's included, is neither blocked nor logged.
func (ss *stackSuite) TestWAFModes() {
	t, s := ss.T(), ss.Stack
	ctx := testContext(t)
	t.Cleanup(func() { assert.NoError(t, s.SetWAF(ctx, containers.WAFOff), "WAF back off for the other tests") })
	attack := "/?s=" + url.QueryEscape("1' UNION SELECT user_pass FROM wp_users-- ")
	ordinary := []string{"/", "/?s=blue+shoes", "/wp-login.php", "/wp-json/", "/?p=1"}
	admin := []string{"/wp-admin/", "/wp-admin/edit.php", "/wp-admin/options-general.php", "/wp-admin/users.php"}

	tests := []struct {
		mode       containers.WAFMode
		wantAttack int
		wantLogged bool
	}{
		{containers.WAFOff, http.StatusOK, false},
		{containers.WAFDetect, http.StatusOK, true},
		{containers.WAFBlock, http.StatusForbidden, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			require.NoError(t, s.SetWAF(ctx, tt.mode))
			assert.Equal(t, tt.mode, s.Info().WAFMode)
			rc, err := s.Follow(ctx, containers.LogWAF)
			require.NoError(t, err)
			defer rc.Close()
			entries := make(chan string, 64)
			go func() {
				sc := bufio.NewScanner(rc)
				sc.Buffer(make([]byte, 1<<20), 8<<20)
				for sc.Scan() {
					entries <- sc.Text()
				}
				close(entries)
			}()

			c := webClient(t)
			for _, p := range ordinary {
				resp, _ := fetch(t, c, http.MethodGet, s.URL()+p, nil)
				assert.NotEqual(t, http.StatusForbidden, resp.StatusCode, "GET %s is ordinary traffic", p)
			}
			resp, _ := logIn(t, s, c, s.Credentials().AdminUser, s.Credentials().AdminPassword)
			assert.Equal(t, http.StatusFound, resp.StatusCode, "an administrator logs in")
			for _, p := range admin {
				resp, _ := fetch(t, c, http.MethodGet, s.URL()+p, nil)
				assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s as the administrator", p)
			}
			select {
			case e := <-entries:
				require.Failf(t, "ordinary traffic wrote a WAF audit entry", "%s", wafEntrySummary(e))
			case <-time.After(time.Second):
			}

			resp, _ = fetch(t, webClient(t), http.MethodGet, s.URL()+attack, nil)
			assert.Equal(t, tt.wantAttack, resp.StatusCode, "the SQL injection in %s mode", tt.mode)
			select {
			case e, ok := <-entries:
				require.True(t, ok && tt.wantLogged, "audit entry in %s mode: %.600s", tt.mode, e)
				var entry struct {
					Request struct {
						RequestLine string `json:"request_line"`
					} `json:"request"`
					AuditData struct {
						Messages []string `json:"messages"`
					} `json:"audit_data"`
				}
				require.NoError(t, json.Unmarshal([]byte(e), &entry), "the audit log is JSON")
				assert.Contains(t, entry.Request.RequestLine, "UNION")
				assert.Contains(t, strings.Join(entry.AuditData.Messages, "\n"), `[id "942`, "CRS SQL-injection rules matched")
			case <-time.After(10 * time.Second):
				assert.False(t, tt.wantLogged, "no audit entry for the attack in %s mode", tt.mode)
			}
		})
	}
}

// wafEntrySummary is an audit entry's request line and rule messages.
func wafEntrySummary(line string) string {
	var e struct {
		Request struct {
			RequestLine string `json:"request_line"`
		} `json:"request"`
		AuditData struct {
			Messages []string `json:"messages"`
		} `json:"audit_data"`
	}
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		return line
	}
	return e.Request.RequestLine + "\n" + strings.Join(e.AuditData.Messages, "\n")
}
