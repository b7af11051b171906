package rules_test

import (
	"testing"

	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rule ids the cross-tenant and webhook-forgery scenarios expect, with
// the source each must read: renaming one, or moving it to another
// source, breaks the scenario.
func TestTenantAndWebhookRulesShipped(t *testing.T) {
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack loads")
	tests := []struct {
		scenario, rule string
		source         detect.Source
		kind           string
	}{
		{"shared-hosting-cross-tenant", "db-cross-schema-customer-read", detect.SourceDBAudit, "sigma"},
		{"payment-webhook-forgery", "web-payment-webhook-rejected", detect.SourceAccess, "sigma"},
		{"payment-webhook-forgery", "wc-order-paid-by-callback", detect.SourceAudit, "sigma"},
		{"payment-webhook-forgery", "order-paid-without-transaction", detect.SourceState, "sql"},
	}
	byID := map[string]detect.RuleInfo{}
	for _, r := range pack.Rules() {
		byID[r.ID] = r
	}
	for _, tt := range tests {
		r, ok := byID[tt.rule]
		if !assert.True(t, ok, "scenario %s expects rule %s, which the pack lacks", tt.scenario, tt.rule) {
			continue
		}
		assert.Equal(t, tt.source, r.Source, "%s reads the %s source", tt.rule, tt.source)
		assert.Equal(t, tt.kind, r.Kind, "%s is a %s rule", tt.rule, tt.kind)
	}
}
