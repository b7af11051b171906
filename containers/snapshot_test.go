package containers_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshotKeyChangesWithEveryPart(t *testing.T) {
	spec := fakedata.Spec{Seed: 1, Customers: 300, Orders: 1000}
	base := []string{"sha256:db", "sha256:wp", "plugin:abc", "wp_", spec.Key(), containers.RuntimeDigest()}
	require.Len(t, containers.RuntimeDigest(), 64, "the runtime files have a sha256 digest")
	key := func(p []string) string { return containers.SnapshotKeyOf(p[0], p[1], p[2], p[3], p[4], p[5]) }
	with := func(i int, v string) []string {
		p := append([]string(nil), base...)
		p[i] = v
		return p
	}
	tests := []struct {
		name  string
		parts []string
	}{
		{"db image", with(0, "sha256:db2")},
		{"wp image", with(1, "sha256:wp2")},
		{"plugin", with(2, "plugin:abd")},
		{"schema mode", with(2, containers.WooSchema)},
		{"table prefix", with(3, "shop_")},
		{"seed", with(4, fakedata.Spec{Seed: 2, Customers: 300, Orders: 1000}.Key())},
		{"customers", with(4, fakedata.Spec{Seed: 1, Customers: 301, Orders: 1000}.Key())},
		{"orders", with(4, fakedata.Spec{Seed: 1, Customers: 300, Orders: 999}.Key())},
		{"no dataset", with(4, "")},
		{"runtime files (a new breachdrill)", with(5, "0000")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotEqual(t, key(base), key(tt.parts), "a snapshot of another %s must have another key", tt.name)
		})
	}
	assert.Equal(t, key(base), key(append([]string(nil), base...)), "the same parts must give the same key")
	assert.Equal(t, spec.Key(), fakedata.Spec{Seed: 1, Customers: 300, Orders: 1000, TablePrefix: "wp_"}.Key(),
		"a default spelled out is the same dataset")
	assert.Contains(t, spec.Key(), fmt.Sprintf("fakedata/v%d ", fakedata.GeneratorVersion), "the generator's version is part of the dataset's key")
}

// TestWarmStart builds a warm snapshot of a seeded real-plugin stack, then
// restores it twice and starts one stack cold, and checks that restored
// stacks hold the same data as the cold one, each with its own secrets,
// and that the snapshot holds no secret of the builder or of a run.
func TestWarmStart(t *testing.T) {
	imgs := stacktest.Images(t)
	woo := stacktest.WooCommerce(t)
	dir := t.TempDir()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := containers.GCSnapshots(ctx, dir, true)
		assert.NoError(t, err, "remove the test's snapshots")
	})
	spec := fakedata.Spec{Seed: 7, Customers: 40, Orders: 90}
	ds, err := fakedata.New(spec)
	require.NoError(t, err)
	seed := containers.WithSeed(spec.Key(), func(ctx context.Context, s *containers.Stack) error {
		_, err := fakedata.Load(ctx, s.DB(), ds)
		return err
	})
	start := func(t *testing.T, opts ...containers.Option) *containers.Stack {
		return stacktest.Start(t, append([]containers.Option{containers.WithWooCommerce(woo), seed}, opts...)...)
	}

	var builder containers.Credentials
	var builderConfig string
	first := start(t, containers.WithWarmStarts(dir), containers.WithBuilderHook(func(b *containers.Stack) {
		builder = b.Credentials()
		cfg, err := b.ReadFile(testContext(t), "wp-config.php")
		require.NoError(t, err)
		builderConfig = string(cfg)
	}))
	require.NotEmpty(t, builder.DBPassword, "the first warm start had no snapshot: it must have built one")
	// InnoDB's logs keep the builder's admin hash after the scrub: its
	// password must be one that protects nothing, and no run's.
	assert.Equal(t, containers.BuilderAdminPassword, builder.AdminPassword, "the builder's admin password is the public one")
	require.NotEmpty(t, first.Info().WarmSnapshot, "the first warm start restores the snapshot it built")
	require.Contains(t, builderConfig, builder.Salts[0], "the builder's wp-config.php holds its salts (the scan below looks for them)")

	second := start(t, containers.WithWarmStarts(dir), containers.WithBuilderHook(func(*containers.Stack) {
		assert.Fail(t, "a second warm start with the same key must restore the snapshot, not build it again")
	}))
	assert.Equal(t, first.Info().WarmSnapshot, second.Info().WarmSnapshot, "both restored the same snapshot")
	assert.Equal(t, imgs.DB, second.Info().Images.DB, "the database image is the one asked for")

	cold := start(t)
	assert.Empty(t, cold.Info().WarmSnapshot, "a stack without warm starts says it started cold")

	t.Run("same data as cold", func(t *testing.T) {
		ctx := testContext(t)
		for _, q := range []string{
			"SELECT COUNT(*) FROM wp_users",
			"SELECT COUNT(*) FROM wp_usermeta",
			"SELECT COUNT(*) FROM wp_wc_orders",
			"SELECT COUNT(*) FROM wp_wc_order_addresses",
			"SELECT COUNT(*) FROM wp_woocommerce_order_items",
			"SELECT COUNT(*) FROM wp_wc_customer_lookup",
			"SELECT COUNT(*) FROM wp_woocommerce_payment_tokens",
			"SELECT COUNT(*) FROM wp_posts WHERE post_type = 'product'",
			"SELECT COUNT(*) FROM wp_options WHERE option_name NOT LIKE '%transient%'",
			"SELECT COALESCE(SUM(total_amount), 0) FROM wp_wc_orders",
		} {
			var want, got1, got2 string
			require.NoError(t, cold.DB().QueryRowContext(ctx, q).Scan(&want), q)
			require.NoError(t, first.DB().QueryRowContext(ctx, q).Scan(&got1), q)
			require.NoError(t, second.DB().QueryRowContext(ctx, q).Scan(&got2), q)
			assert.Equal(t, want, got1, "first warm start differs from cold: %s", q)
			assert.Equal(t, want, got2, "second warm start differs from cold: %s", q)
		}
		assert.Equal(t, cold.Info().WooCommerceVersion, second.Info().WooCommerceVersion, "WooCommerce version")
		assert.Equal(t, cold.Info().WordPressVersion, second.Info().WordPressVersion, "WordPress version")
		assert.Equal(t, containers.WooPlugin, second.Info().WooCommerceMode, "a restored real-plugin stack is in plugin mode")
		assert.Equal(t, cold.Info().Plugins, second.Info().Plugins, "the same plugins, file for file")
		m, err := fakedata.LoadManifest(ctx, second.DB())
		require.NoError(t, err, "the restored stack holds the dataset's manifest")
		assert.Equal(t, spec.Seed, m.Spec.Seed, "manifest seed")
	})

	t.Run("reset point", func(t *testing.T) {
		ctx := testContext(t)
		diffs, err := second.VerifyReset(ctx)
		require.NoError(t, err)
		assert.Empty(t, diffs, "a restored stack is at its reset point")
		require.NoError(t, second.WriteFile(ctx, "wp-content/uploads/warm-"+nonce()+".txt", []byte("x"), 0o644))
		_, err = second.DB().ExecContext(ctx, "DELETE FROM wp_wc_orders LIMIT 1")
		require.NoError(t, err)
		_, err = second.Reset(ctx)
		require.NoError(t, err)
		diffs, err = second.VerifyReset(ctx)
		require.NoError(t, err)
		assert.Empty(t, diffs, "Reset returns a restored stack to its reset point")
		resp, _ := logIn(t, second, webClient(t), second.Credentials().AdminUser, second.Credentials().AdminPassword)
		assert.Equal(t, http.StatusFound, resp.StatusCode, "after Reset the run's admin password still logs in (the reset point has it)")
	})

	t.Run("fresh secrets", func(t *testing.T) {
		ctx := testContext(t)
		c1, c2 := first.Credentials(), second.Credentials()
		for i := range c2.Salts {
			assert.NotEqual(t, c1.Salts[i], c2.Salts[i], "salt %d is the same in two restored stacks", i)
			assert.NotEqual(t, builder.Salts[i], c2.Salts[i], "salt %d is the builder's", i)
		}
		assert.NotEqual(t, c1.DBPassword, c2.DBPassword, "database passwords of two restored stacks")
		for _, rel := range []string{"wp-config.php"} {
			live, err := second.ReadFile(ctx, rel)
			require.NoError(t, err)
			saved, err := second.ReadBaselineFile(ctx, rel)
			require.NoError(t, err)
			assert.Contains(t, string(live), c2.Salts[0], "the live wp-config.php has the run's salts")
			assert.Contains(t, string(live), c2.DBPassword, "the live wp-config.php has the run's database password")
			assert.Equal(t, string(live), string(saved), "the reset point's wp-config.php is the run's")
		}

		tests := []struct {
			name, password string
			ok             bool
		}{
			{"this run's admin password", c2.AdminPassword, true},
			{"the other run's admin password", c1.AdminPassword, false},
			{"the builder's (public) admin password", builder.AdminPassword, false},
		}
		hashQuery := "SELECT user_pass FROM wp_users WHERE user_login = ?"
		var before string
		require.NoError(t, second.DB().QueryRowContext(ctx, hashQuery, c2.AdminUser).Scan(&before))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := logIn(t, second, webClient(t), c2.AdminUser, tt.password)
				if tt.ok {
					assert.Equal(t, http.StatusFound, resp.StatusCode, "the run's own admin password logs in")
					assert.Equal(t, second.URL()+"/wp-admin/", resp.Header.Get("Location"), "login redirects to the dashboard")
					var after string
					require.NoError(t, second.DB().QueryRowContext(ctx, hashQuery, c2.AdminUser).Scan(&after))
					assert.Equal(t, before, after, "WordPress must not rehash the restored admin password on login (it would if the hash were not what wp_hash_password writes)")
				} else {
					assert.Equal(t, http.StatusOK, resp.StatusCode, "a past password must not log in")
					assert.Contains(t, body, `id="loginform"`, "a past password gets the login form again")
				}
			})
		}

		dbTests := []struct {
			name, user, password string
			ok                   bool
		}{
			{"shop user, this run", c2.DBUser, c2.DBPassword, true},
			{"shop user, other run", c2.DBUser, c1.DBPassword, false},
			{"shop user, builder", c2.DBUser, builder.DBPassword, false},
			{"tool user, builder", builder.ToolUser, builder.ToolPassword, false},
		}
		for _, tt := range dbTests {
			t.Run(tt.name, func(t *testing.T) {
				cfg := mysql.NewConfig()
				cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = tt.user, tt.password, "tcp", second.Info().DBAddr, c2.DBName
				db := sql.OpenDB(must(mysql.NewConnector(cfg)))
				defer db.Close()
				err := db.PingContext(ctx)
				if tt.ok {
					assert.NoError(t, err, "the run's own database password works")
				} else {
					var me *mysql.MySQLError
					require.ErrorAs(t, err, &me, "a past database password must be refused by MariaDB")
					assert.Equal(t, uint16(1045), me.Number, "access denied")
				}
			})
		}
	})

	t.Run("snapshot holds no secret", func(t *testing.T) {
		archive, image := containers.SnapshotFiles(dir, first.Info().WarmSnapshot)
		ctx := testContext(t)
		secrets := map[string]string{}
		for name, c := range map[string]containers.Credentials{"builder": builder, "first run": first.Credentials(), "second run": second.Credentials()} {
			for i, v := range c.Secrets() {
				if v != builder.AdminPassword {
					secrets[fmt.Sprintf("%s secret %d", name, i)] = v
				}
			}
		}
		for name, s := range map[string]*containers.Stack{"first run": first, "second run": second} {
			var hash string
			require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT user_pass FROM wp_users WHERE user_login = ?", s.Credentials().AdminUser).Scan(&hash))
			secrets[name+"'s admin password hash"] = hash
		}
		f, err := os.Open(archive)
		require.NoError(t, err)
		defer f.Close()
		n, found := scanFor(t, f, secrets)
		assert.Greater(t, n, int64(1<<20), "the database archive was read whole")
		assert.Empty(t, found, "secrets in the snapshot's database archive")

		cmd := exec.Command("docker", "save", image)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		n, found = scanFor(t, out, secrets)
		require.NoError(t, cmd.Wait(), "docker save %s", image)
		assert.Greater(t, n, int64(1<<20), "the snapshot image was read whole")
		assert.Empty(t, found, "secrets in the snapshot's image")
	})

	t.Run("gc", func(t *testing.T) {
		ctx := testContext(t)
		removed, err := containers.GCSnapshots(ctx, dir, false)
		require.NoError(t, err)
		assert.Empty(t, removed, "gc keeps a snapshot that can still be restored")

		// A snapshot made from an image that is gone can never be restored.
		stale := dir + "/" + fmt.Sprintf("%064d", 0)
		require.NoError(t, os.MkdirAll(stale, 0o700))
		require.NoError(t, os.WriteFile(stale+"/snapshot.json", []byte(`{"format":1,"key":"`+fmt.Sprintf("%064d", 0)+`","db_image_id":"sha256:`+fmt.Sprintf("%064d", 1)+`"}`), 0o600))
		removed, err = containers.GCSnapshots(ctx, dir, false)
		require.NoError(t, err)
		require.Len(t, removed, 1, "gc removes exactly the snapshot whose image is gone")
		assert.Equal(t, fmt.Sprintf("%064d", 0), removed[0].Key)
		assert.NoDirExists(t, stale)
	})
}

// scanFor reads r through and returns how many bytes it read and the
// names of the secrets it found in them.
func scanFor(t *testing.T, r io.Reader, secrets map[string]string) (int64, []string) {
	t.Helper()
	longest := 0
	for _, v := range secrets {
		require.GreaterOrEqual(t, len(v), 16, "a secret too short to search for")
		longest = max(longest, len(v))
	}
	var n int64
	found := map[string]bool{}
	buf := make([]byte, 0, 4<<20)
	chunk := make([]byte, 4<<20)
	for {
		k, err := r.Read(chunk)
		n += int64(k)
		buf = append(buf, chunk[:k]...)
		for name, v := range secrets {
			if !found[name] && bytes.Contains(buf, []byte(v)) {
				found[name] = true
			}
		}
		if len(buf) > longest {
			buf = append(buf[:0], buf[len(buf)-longest:]...)
		}
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
	var names []string
	for name := range found {
		names = append(names, name)
	}
	return n, names
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
