package scenarios

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func scenarioWith(step string) string {
	return strings.Replace(good, "  - wait: 1s\n", step, 1)
}

func TestHostExecValidation(t *testing.T) {
	tests := []struct {
		name, step string
		want       string // "" loads
	}{
		{"aimed at the stack", "  - host.exec: {command: [sqlmap, -u, \"{{url}}/?id=1\", --batch]}\n", ""},
		{"url as an option value", "  - host.exec: {command: [wapiti, \"--url={{url}}/\", --flush-session]}\n", ""},
		{"single want_exit", "  - host.exec: {command: [curl, -sS, \"{{url}}/\"], want_exit: 0, timeout: 30s}\n", ""},
		{"no target", "  - host.exec: {command: [sqlmap, --batch]}\n", "aim it at the stack with {{url}}"},
		{"another URL", "  - host.exec: {command: [sqlmap, -u, \"https://shop.example.com/?id=1\", --batch, \"{{url}}\"]}\n", `names "https://"`},
		{"an address", "  - host.exec: {command: [nmap, 10.0.0.1, \"{{url}}\"]}\n", `names "10.0.0.1"`},
		{"localhost by name", "  - host.exec: {command: [curl, \"http://localhost:80/\", \"{{url}}\"]}\n", `names "http://"`},
		{"host and port", "  - host.exec: {command: [curl, \"shop.example.com:8080\", \"{{url}}\"]}\n", `names "shop.example.com:8080"`},
		{"url inside a value", "  - host.exec: {command: [sqlmap, \"-u x{{url}}\"]}\n", "{{url}} must start the value"},
		{"proxy", "  - host.exec: {command: [sqlmap, -u, \"{{url}}/\", --proxy=http]}\n", "option --proxy is not allowed"},
		{"request file", "  - host.exec: {command: [sqlmap, -r, req.txt, -u, \"{{url}}/\"]}\n", "option -r is not allowed"},
		{"a path", "  - host.exec: {command: [/tmp/x/sqlmap, -u, \"{{url}}/\"]}\n", "name a program on the PATH"},
		{"too long", "  - host.exec: {command: [sqlmap, -u, \"{{url}}/\"], timeout: 2h}\n", "timeout 2h0m0s: use up to 30m0s"},
		{"too much output", "  - host.exec: {command: [sqlmap, -u, \"{{url}}/\"], max_output: 1000000000}\n", "max_output"},
		{"no command", "  - host.exec: {timeout: 1m}\n", `host.exec needs "command"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(scenarioWith(tt.step)))
			if tt.want == "" {
				require.NoError(t, err)
				assert.True(t, s.UsesHostExec())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "s.yaml:5:", "the refusal names the step's line")
		})
	}
}

// urlTarget is a Target with only an address: host.exec and http.request
// need nothing else. Anything more would panic, which the tests would show.
type urlTarget struct {
	Target
	url string
}

func (u urlTarget) URL() string         { return u.url }
func (u urlTarget) TablePrefix() string { return "wp_" }
func (u urlTarget) Credentials() containers.Credentials {
	return containers.Credentials{AdminUser: "drilladmin"}
}

func TestHostExecRuns(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI())
		io.WriteString(w, `[{"email":"ada@example.com"}]`)
	}))
	defer srv.Close()
	env := NewEnv(urlTarget{url: srv.URL}, nil)
	var leaked string
	env.Leaked = func(_ string, b []byte) { leaked = string(b) }
	allowed := WithExecAllowed(context.Background())

	tests := []struct {
		name    string
		a       hostExec
		ctx     context.Context
		wantErr string
	}{
		{"refused without --allow-exec", hostExec{Command: []string{"curl", "-sS", "{{url}}/x"}}, context.Background(), "pass --allow-exec"},
		{"runs with the stack's URL filled in", hostExec{Command: []string{"curl", "-sS", "{{url}}/wp-admin/admin-ajax.php?order=1"}, WantOutput: "@example\\.com", Leak: "dump"}, allowed, ""},
		{"want_output unmet", hostExec{Command: []string{"curl", "-sS", "{{url}}/x"}, WantOutput: "nothing-like-this"}, allowed, "does not show what the attack needs"},
		{"exit status", hostExec{Command: []string{"sh", "-c", "exit 3", "{{url}}"}}, allowed, "exited 3"},
		{"bounded in time", hostExec{Command: []string{"sh", "-c", "sleep 20", "{{url}}"}, Timeout: 300 * time.Millisecond}, allowed, "ran longer than 300ms"},
		{"not installed", hostExec{Command: []string{"no-such-tool-bd", "{{url}}"}}, allowed, "not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.a.validate())
			start := time.Now()
			err := tt.a.Run(tt.ctx, env)
			assert.Less(t, time.Since(start), 10*time.Second)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
	assert.Contains(t, got, "/wp-admin/admin-ajax.php?order=1")
	assert.Contains(t, leaked, "ada@example.com")

	t.Run("bounded in output", func(t *testing.T) {
		a := hostExec{Command: []string{"sh", "-c", "head -c 100000 /dev/zero", "{{url}}"}, MaxOutput: 1000, Leak: "x"}
		require.NoError(t, a.validate())
		require.NoError(t, a.Run(allowed, env))
		assert.Len(t, leaked, 1000)
	})
	t.Run("never a stack off the loopback", func(t *testing.T) {
		off := NewEnv(urlTarget{url: "http://192.168.1.20:8080"}, nil)
		a := hostExec{Command: []string{"curl", "{{url}}/"}}
		err := a.Run(allowed, off)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not on 127.0.0.1")
	})
}

func TestHTTPRequestSmallerThings(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI())
	}))
	defer srv.Close()
	env := NewEnv(urlTarget{url: srv.URL}, nil)

	s, err := Parse("s.yaml", []byte(scenarioWith("  - http.request: {path: /x, raw_query: \"file=../../etc/passwd&q='/\", want_status: 200}\n")))
	require.NoError(t, err)
	require.NoError(t, s.Inject[0].Do.Run(context.Background(), env))
	assert.Equal(t, []string{"/x?file=../../etc/passwd&q='/"}, got, "raw_query is sent as written")

	_, err = Parse("s.yaml", []byte(scenarioWith("  - http.request: {path: /x, raw_query: \"a=1\", query: {b: 2}}\n")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "give query or raw_query, not both")
	_, err = Parse("s.yaml", []byte(scenarioWith("  - http.request: {path: /x, want_status: ok}\n")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s.yaml:5:")
}
