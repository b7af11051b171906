package containers_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
)

// Lines as Apache 2.4.71 of the stack image wrote them (see TestAccessLog
// for the same requests made for real).
func TestParseAccessRecord(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    containers.AccessRecord
		wantErr bool
	}{
		{
			name: "plain request",
			line: `{"time":"2026-11-28T00:57:40.384446+0000","client_ip":"172.27.0.1","method":"GET","path":"/wp-login.php","query":"","protocol":"HTTP/1.1","status":200,"bytes_out":5044,"bytes_in":91,"duration_us":88030,"host":"127.0.0.1:32791","user_agent":"curl/7.88.1","referer":"-","content_type":"-","user":"-","body":"-"}`,
			want: containers.AccessRecord{
				Time: time.Date(2026, 11, 28, 0, 57, 40, 384446000, time.UTC), ClientIP: "172.27.0.1", Method: "GET", Path: "/wp-login.php",
				Protocol: "HTTP/1.1", Status: 200, BytesOut: 5044, BytesIn: 91, DurationUS: 88030, Host: "127.0.0.1:32791", UserAgent: "curl/7.88.1",
			},
		},
		{
			name: "UTF-8 as \\xHH in path, query and header; quote, backslash and vertical tab in the path",
			line: `{"time":"2026-11-28T01:00:22.041286+0000","client_ip":"172.30.0.1","method":"GET","path":"/caf\xc3\xa9/x\vy\"z\\","query":"?q=%C3%BC&r=\xc3\xa9\xe2\x9c\x93","protocol":"HTTP/1.1","status":404,"bytes_out":41471,"bytes_in":118,"duration_us":80223,"host":"127.0.0.1:32797","user_agent":"t\xc3\xa9st","referer":"-","content_type":"-","user":"-","body":"-"}`,
			want: containers.AccessRecord{
				Time: time.Date(2026, 11, 28, 1, 0, 22, 41286000, time.UTC), ClientIP: "172.30.0.1", Method: "GET",
				Path: "/café/x\vy\"z\\", Query: "q=%C3%BC&r=é✓", Protocol: "HTTP/1.1", Status: 404, BytesOut: 41471, BytesIn: 118,
				DurationUS: 80223, Host: "127.0.0.1:32797", UserAgent: "tést",
			},
		},
		{
			name: "control bytes and a POST body",
			line: `{"time":"2026-11-28T01:00:20.087610+0100","client_ip":"172.30.0.1","method":"POST","path":"/wp-admin/admin-ajax.php","query":"","protocol":"HTTP/1.1","status":200,"bytes_out":48,"bytes_in":206,"duration_us":133867,"host":"h","user_agent":"a\x01b\tc","referer":"-","content_type":"application/x-www-form-urlencoded","user":"drilladmin","body":"action=heartbeat&x=\"q\"\nz"}`,
			want: containers.AccessRecord{
				Time: time.Date(2026, 11, 28, 0, 0, 20, 87610000, time.UTC), ClientIP: "172.30.0.1", Method: "POST", Path: "/wp-admin/admin-ajax.php",
				Protocol: "HTTP/1.1", Status: 200, BytesOut: 48, BytesIn: 206, DurationUS: 133867, Host: "h", UserAgent: "a\x01b\tc",
				ContentType: "application/x-www-form-urlencoded", User: "drilladmin", Body: "action=heartbeat&x=\"q\"\nz",
			},
		},
		{name: "not JSON", line: `GET / HTTP/1.1`, wantErr: true},
		{name: "bad time", line: `{"time":"yesterday","status":200}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := containers.ParseAccessRecord([]byte(tt.line))
			if tt.wantErr {
				require.Error(t, err, "want an error, got %+v", got)
				return
			}
			require.NoError(t, err, "ParseAccessRecord")
			require.Equal(t, tt.want, got, "the parsed record")
		})
	}
}

func TestDocPath(t *testing.T) {
	tests := []struct {
		rel, want string
		input     bool
	}{
		{rel: "wp-config.php", want: "/var/www/html/wp-config.php"},
		{rel: "wp-content/uploads/../debug.log", want: "/var/www/html/wp-content/debug.log"},
		{rel: "../etc/passwd", input: true},
		{rel: "wp-content/../../etc/passwd", input: true},
		{rel: "/etc/passwd", input: true},
		{rel: "", input: true},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			got, err := containers.DocPath(tt.rel)
			if tt.input {
				require.True(t, fault.IsInput(err), "DocPath(%q) = %q, %v; want a bad-input error", tt.rel, got, err)
				return
			}
			require.NoError(t, err, "DocPath(%q)", tt.rel)
			require.Equal(t, tt.want, got, "DocPath(%q)", tt.rel)
		})
	}
}

func TestParseSource(t *testing.T) {
	for _, s := range []string{"debian", "official"} {
		got, err := containers.ParseSource(s)
		if assert.NoError(t, err, "ParseSource(%q)", s) {
			assert.Equal(t, s, string(got), "ParseSource(%q)", s)
		}
	}
	_, err := containers.ParseSource("docker-hub")
	require.True(t, fault.IsInput(err), "unknown source: %v; want a bad-input error", err)
	require.ErrorContains(t, err, "--source debian", "the error for an unknown source must name the choices")
}

// A --woocommerce that is not WooCommerce, or not runnable on the stack, is
// refused before anything is started (no Docker needed to prove it); a
// release in any folder layout is taken.
func TestCheckWooCommerce(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	zipOf := func(name string, files map[string]string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		require.NoError(t, err)
		defer f.Close()
		zw := zip.NewWriter(f)
		for n, c := range files {
			w, err := zw.Create(n)
			require.NoError(t, err)
			_, err = w.Write([]byte(c))
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		return p
	}
	header := func(version, wp, php string) string {
		return "<?php\n/**\n * Plugin Name: WooCommerce\n * Version: " + version + "\n * Requires at least: " + wp + "\n * Requires PHP: " + php + "\n */\n"
	}
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	corrupt := zipOf("corrupt.zip", map[string]string{"woocommerce/woocommerce.php": header("10.0.2", "6.7", "7.4")})
	b, err := os.ReadFile(corrupt)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(corrupt, b[:len(b)/2], 0o644))

	refused := []struct {
		name, path, want string
	}{
		{"missing path", filepath.Join(dir, "nope"), "no such file or folder"},
		{"empty folder", empty, "no woocommerce.php"},
		{"random file", write("random.bin", "\x00\x01not a zip at all"), "not a plugin folder or a readable zip"},
		{"corrupt zip", corrupt, "not a plugin folder or a readable zip"},
		{"zip without woocommerce.php", zipOf("other.zip", map[string]string{"akismet/akismet.php": "<?php"}), "no woocommerce.php at the zip's first level or one folder below"},
		{"zip with woocommerce.php two folders down", zipOf("deep.zip", map[string]string{"a/b/woocommerce.php": header("10.0.2", "6.7", "7.4")}), "no woocommerce.php at the zip's first level"},
		{"another plugin named woocommerce.php", filepath.Dir(write("fake/woocommerce.php", "<?php\n/**\n * Plugin Name: Totally Not A Shell\n */\n")), "not WooCommerce"},
		{"WooCommerce too new for WordPress 6.8", filepath.Dir(filepath.Dir(write("new/woocommerce/woocommerce.php", header("11.0.0", "6.9", "7.4")))), "requires WordPress 6.9, the stack runs 6.8"},
		{"WooCommerce too new for PHP 8.4", zipOf("php.zip", map[string]string{"woocommerce/woocommerce.php": header("12.0.0", "6.7", "8.5")}), "requires PHP 8.5, the stack runs 8.4"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := containers.CheckWooCommerce(tt.path)
			require.Error(t, err, "the plugin must be refused")
			assert.True(t, fault.IsInput(err) && !fault.IsInfra(err), "want a bad-input error, got %v", err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), tt.path, "the error names the file")
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Less(t, time.Since(start), 2*time.Second, "refused at once")
		})
	}

	accepted := []struct {
		name, path string
	}{
		{"release zip", zipOf("woocommerce.10.0.2.zip", map[string]string{"woocommerce/woocommerce.php": header("10.0.2", "6.7", "7.4"), "woocommerce/readme.txt": "x"})},
		{"zip with another folder name", zipOf("wc-build.zip", map[string]string{"woocommerce-10.0.2/woocommerce.php": header("10.0.2", "6.7", "7.4")})},
		{"zip with the plugin at its top", zipOf("flat.zip", map[string]string{"woocommerce.php": header("10.0.2", "6.7", "7.4")})},
		{"plugin folder", filepath.Dir(write("plain/woocommerce.php", header("10.0.2", "6.7", "7.4")))},
		{"folder holding the plugin folder", filepath.Dir(filepath.Dir(write("outer/any-name/woocommerce.php", header("10.0.2", "6.7", "7.4"))))},
		{"WooCommerce 7.9", zipOf("woocommerce.7.9.0.zip", map[string]string{"woocommerce/woocommerce.php": header("7.9.0", "6.1", "7.3")})},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			v, err := containers.CheckWooCommerce(tt.path)
			require.NoError(t, err)
			assert.NotEmpty(t, v, "the version is read from the plugin header")
		})
	}
}
