package containers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real WooCommerce 10 on the stack is a shop a customer can use from
// the first request: HPOS authoritative and "coming soon" off, and still so
// after an administrator's first visit (WooCommerce 10 flips both on its
// first admin_init); the stack names the plugin it runs with a digest of
// its files; ordinary use logs no PHP error; and what WooCommerce writes on
// its own (wc-logs) does not fail the reset check.
func TestRealWooCommerce(t *testing.T) {
	s := stacktest.Start(t, containers.WithWooCommerce(stacktest.WooCommerce(t)))
	ctx := testContext(t)
	info := s.Info()
	assert.Equal(t, containers.WooPlugin, info.WooCommerceMode)
	assert.True(t, strings.HasPrefix(info.WooCommerceVersion, "10."), "WooCommerce version %q", info.WooCommerceVersion)
	assert.True(t, strings.HasPrefix(info.WordPressVersion, "6.8"), "WordPress %q", info.WordPressVersion)
	assert.True(t, strings.HasPrefix(info.PHPVersion, "8.4"), "PHP %q", info.PHPVersion)
	assert.Contains(t, info.MariaDBVersion, "11.8")
	assert.Contains(t, info.ApacheVersion, "Apache/2.4")
	assert.True(t, strings.HasPrefix(info.ModSecurityVersion, "2.9"), "ModSecurity %q", info.ModSecurityVersion)
	assert.True(t, strings.HasPrefix(info.CRSVersion, "3.3"), "CRS %q", info.CRSVersion)
	var woo *containers.Plugin
	for i, p := range info.Plugins {
		if p.File == "woocommerce/woocommerce.php" {
			woo = &info.Plugins[i]
		}
	}
	require.NotNil(t, woo, "active plugins %v name WooCommerce", info.Plugins)
	assert.Equal(t, info.WooCommerceVersion, woo.Version)
	assert.Regexp(t, `^[0-9a-f]{64}$`, woo.SHA256)

	option := func(name string) string {
		var v string
		require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT option_value FROM "+s.TablePrefix()+"options WHERE option_name = ?", name).Scan(&v), "option %s", name)
		return v
	}
	shopOpen := func(when string) {
		assert.Equal(t, "yes", option("woocommerce_custom_orders_table_enabled"), "HPOS authoritative %s", when)
		assert.Equal(t, "no", option("woocommerce_coming_soon"), "coming soon off %s", when)
		resp, body := fetch(t, webClient(t), http.MethodGet, s.URL()+"/", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "home page %s", when)
		assert.NotContains(t, strings.ToLower(body), "coming soon", "guests see the shop %s", when)
		resp, _ = fetch(t, webClient(t), http.MethodGet, s.URL()+"/wp-json/wc/store/v1/products", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "Store API %s", when)
	}
	shopOpen("before any administrator visit")

	c := webClient(t)
	resp, _ := logIn(t, s, c, s.Credentials().AdminUser, s.Credentials().AdminPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode, "administrator login")
	for _, p := range []string{"/wp-admin/", "/wp-admin/admin.php?page=wc-admin", "/wp-admin/admin.php?page=wc-orders", "/wp-admin/plugins.php"} {
		resp, _ := fetch(t, c, http.MethodGet, s.URL()+p, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s (to %s)", p, resp.Header.Get("Location"))
	}
	shopOpen("after the administrator's first visit")

	errs, err := s.Exec(ctx, containers.ServiceWP, []string{"cat", "/var/log/breachdrill/php-error.log"})
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(string(errs.Stdout)), "ordinary use logs no PHP error")

	// The administrator's visit makes WooCommerce log blocked phone-homes;
	// after a reset the same traffic again must not fail the check.
	_, err = s.Reset(ctx)
	require.NoError(t, err)
	// The reset took the administrator's session back out with usermeta.
	c = webClient(t)
	resp, _ = logIn(t, s, c, s.Credentials().AdminUser, s.Credentials().AdminPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode, "administrator login after the reset")
	resp, _ = fetch(t, c, http.MethodGet, s.URL()+"/wp-admin/admin.php?page=wc-admin", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	diffs, err := s.VerifyReset(ctx)
	require.NoError(t, err)
	for _, d := range diffs {
		assert.NotContains(t, d, "wc-logs", "WooCommerce's own logs are a declared application write")
	}
}
