package scenarios

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tenant, payment and notify steps refuse bad arguments at parse time,
// at the step's line, with a message that says what would be right.
func TestTenantPaymentNotifyArgumentErrors(t *testing.T) {
	// step puts one step at line 5 of a good file, in the warm-up or the
	// inject.
	step := func(stage, yaml string) string {
		if stage == "warmup" {
			return strings.Replace(good, "inject:\n", "warmup:\n  - "+yaml+"\ninject:\n", 1)
		}
		return strings.Replace(good, "  - wait: 1s\n", "  - "+yaml+"\n", 1)
	}
	tests := []struct {
		name, file, contains string
	}{
		{"tenant name with capitals", step("warmup", "tenant.create: {name: ShopB}"), "lower-case letters and digits"},
		{"tenant name that would reach another schema", step("inject", "tenant.isolate: \"shopb`.x\""), "lower-case letters and digits"},
		{"too many tenant customers", step("warmup", "tenant.create: {name: shopb, customers: 5000}"), "use 1 to 1000"},
		{"notify to an outside address", step("inject", "notify: {contact: Desk, path: \"https://desk.example.com/x\", message: hi}"), "never calls an outside address"},
		{"notify to a protocol-relative address", step("inject", "notify: {contact: Desk, path: //desk.example.com/x, message: hi}"), "never calls an outside address"},
		{"notify without a message", step("inject", "notify: {contact: Desk, path: /x}"), `notify needs "message"`},
		{"secret pattern without a group", step("inject", "webhook.forge: {path: /w, secret_from: /log, secret_pattern: 'whsec_\\w+', payment_method: acmepay}"), "put the secret in a group"},
		{"secret pattern that does not compile", step("inject", "webhook.forge: {path: /w, secret_from: /log, secret_pattern: '(whsec_', payment_method: acmepay}"), "secret_pattern:"},
		{"webhook from nowhere", step("inject", "webhook.forge: {path: /w, secret_from: /log, secret_pattern: '(x)', payment_method: acmepay, from: mars}"), "use host or peer"},
		{"paid order status", step("inject", "order.create: {payment_method: acmepay, status: processing}"), "an unpaid order"},
		{"rotate nothing", step("inject", "option.rotate: {name: woocommerce_acmepay_settings, keys: []}"), "list the secrets to rotate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.file))
			require.Error(t, err, "a broken step must be refused:\n%s", tt.file)
			var ps Problems
			require.True(t, errors.As(err, &ps), "error is %T, want Problems", err)
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, p.Error())
				if strings.Contains(p.Msg, tt.contains) {
					assert.Equal(t, 5, p.Line, "the problem is reported at the step's line: %v", p)
					return
				}
			}
			require.Failf(t, "a problem must mention the mistake", "no problem mentions %q: %v", tt.contains, msgs)
		})
	}
}

// A warm-up is read into its own list: it runs before the baseline window,
// never as part of the timed inject.
func TestWarmupIsNotInject(t *testing.T) {
	file := strings.Replace(good, "inject:\n", "warmup:\n  - tenant.create: {name: shopb}\n  - tenant.drop: shopb\ninject:\n", 1)
	s, err := Parse("x.yaml", []byte(file))
	require.NoError(t, err)
	require.Len(t, s.Warmup, 2, "both warm-up steps are read")
	assert.Equal(t, "tenant.create", s.Warmup[0].Action)
	assert.Equal(t, 5, s.Warmup[0].Line)
	require.Len(t, s.Inject, 1, "the inject keeps only its own steps")
	assert.Equal(t, "wait", s.Inject[0].Action)
}

// The shipped scenarios of issue 11 use what they need, in the stage it
// belongs to.
func TestTenantAndWebhookScenariosShape(t *testing.T) {
	cat, err := Builtin()
	require.NoError(t, err)
	actions := func(steps []Step) []string {
		var out []string
		for _, st := range steps {
			out = append(out, st.Action)
		}
		return out
	}
	tests := []struct {
		id                      string
		warmup, respond, revert []string
		checks                  []string
		preconditionsContain    string
		personalData            bool
	}{
		{id: "shared-hosting-cross-tenant",
			warmup:  []string{"tenant.create", "plugin.install", "plugin.activate"},
			respond: []string{"tenant.isolate", "db.rotate_password"},
			revert:  []string{"tenant.drop", "db.restore_password"},
			checks:  []string{"tenant.isolated", "http.absent"}, preconditionsContain: "seeded", personalData: true},
		{id: "payment-webhook-forgery",
			warmup:  []string{"plugin.install", "plugin.activate", "plugin.install", "plugin.activate"},
			respond: []string{"option.rotate", "file.delete", "file.write", "orders.hold", "notify"},
			checks:  []string{"webhook.replay", "sql.none", "http.status"}, preconditionsContain: "peer"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s, ok := cat.Get(tt.id)
			require.True(t, ok, "%s is in the catalogue", tt.id)
			assert.Equal(t, tt.warmup, actions(s.Warmup))
			assert.Equal(t, tt.respond, actions(s.Respond))
			assert.Equal(t, tt.revert, actions(s.Revert))
			var checks []string
			for _, c := range s.Verify {
				checks = append(checks, c.Kind)
			}
			assert.Equal(t, tt.checks, checks)
			assert.Contains(t, s.Preconditions, tt.preconditionsContain)
			assert.Equal(t, tt.personalData, s.PersonalData(), "personal data at risk starts the notification clocks")
			assert.NotEmpty(t, s.Tabletop, "a tabletop for the room")
			for _, st := range s.Inject {
				assert.NotEqual(t, "tenant.create", st.Action, "set-up is warm-up, not the attack")
			}
		})
	}
}

// The signature is Stripe's scheme: the header's t is the signing time and
// v1 changes with the secret, the time and every byte of the body.
func TestSignWebhook(t *testing.T) {
	at := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	base := signWebhook("whsec_a", at, []byte(`{"id":1}`))
	prefix := "t=" + strconv.FormatInt(at.Unix(), 10) + ",v1="
	require.True(t, strings.HasPrefix(base, prefix), "t is the unix time: %s", base)
	assert.Regexp(t, "^[0-9a-f]{64}$", strings.TrimPrefix(base, prefix), "v1 is a hex SHA-256")
	for name, other := range map[string]string{
		"another secret": signWebhook("whsec_b", at, []byte(`{"id":1}`)),
		"another body":   signWebhook("whsec_a", at, []byte(`{"id":2}`)),
		"another time":   signWebhook("whsec_a", at.Add(time.Second), []byte(`{"id":1}`)),
	} {
		assert.NotEqual(t, base, other, "%s must change the signature", name)
	}
	assert.Equal(t, base, signWebhook("whsec_a", at, []byte(`{"id":1}`)), "signing is deterministic")
}

func TestRehomeKeepsTheCanaryMarker(t *testing.T) {
	tests := []struct{ in, want string }{
		{"canary-0a1b2c3d4e5f@example.org", "canary-0a1b2c3d4e5f@shopb.example.net"},
		{"jane.doe@example.com", "jane.doe@shopb.example.net"},
		{"no-at-sign", "no-at-sign"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rehome(tt.in, tenantDomain("shopb")), "rehome(%q)", tt.in)
	}
}

// A plugin installed by the warm-up is code on the stack like one the
// inject installs: the scenario needs a sealed network or --allow-exposed.
func TestWarmupPluginsPlantCode(t *testing.T) {
	cat, err := Builtin()
	require.NoError(t, err)
	for _, id := range []string{"shared-hosting-cross-tenant", "payment-webhook-forgery"} {
		s, ok := cat.Get(id)
		require.True(t, ok, id)
		assert.True(t, s.PlantsCode(), "%s installs plugins in its warm-up", id)
	}
	s, err := Parse("x.yaml", []byte(strings.Replace(good, "inject:\n", "warmup:\n  - tenant.create: {name: shopb}\ninject:\n", 1)))
	require.NoError(t, err)
	assert.False(t, s.PlantsCode(), "a tenant's database is no code")
}
