package detect

import (
	"testing"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventOf parses one log line as its source's reader does.
func eventOf(t *testing.T, src Source, line string) *Event {
	t.Helper()
	switch src {
	case SourceAccess:
		rec, err := containers.ParseAccessRecord([]byte(line))
		require.NoError(t, err, "access log line")
		return accessEvent(rec, line)
	case SourceAudit:
		ev, err := auditEvent([]byte(line))
		require.NoError(t, err, "audit log line")
		return ev
	case SourceDBAudit:
		ev, err := dbAuditEvent(line)
		require.NoError(t, err, "server_audit line")
		return ev
	}
	t.Fatalf("no parser for source %s", src)
	return nil
}

// The rules of the cross-tenant and webhook-forgery scenarios, on log
// lines of their own sources: the attack's lines fire them, the shop's
// own traffic of the same shape does not. Lines with 192.168.144.x
// addresses are as the real stack wrote them in a drill of the two
// scenarios (WooCommerce 10.0.2); the others (a PayPal IPN, a Store API
// checkout, an admin's order edit, a UNION dump) follow the same formats
// for traffic those drills do not make.
func TestTenantAndWebhookRules(t *testing.T) {
	pack := shippedPack(t)
	tests := []struct {
		name  string
		src   Source
		line  string
		rule  string
		fires bool
	}{
		// db-cross-schema-customer-read (database audit)
		{"the sync plugin reads tenant B's customers", SourceDBAudit,
			"20261130 05:07:47,f17fc176c8bc,wordpress,192.168.144.3,214,9461,QUERY,wordpress,'SELECT customer_id, first_name, last_name, email, city, country FROM `tenant_shopb`.`wp_wc_customer_lookup` ORDER BY customer_id LIMIT 500',0",
			"db-cross-schema-customer-read", true},
		{"a UNION dump naming the shop's database", SourceDBAudit,
			"20261130 04:50:12,5c2d8f1e9a01,wordpress,172.18.0.3,31,2715,QUERY,wordpress,'SELECT id FROM wp_wc_orders WHERE id = 1 UNION ALL SELECT CONCAT(email) FROM wordpress.wp_wc_order_addresses-- -',0",
			"db-cross-schema-customer-read", true},
		{"the same read, denied after isolation", SourceDBAudit,
			"20261130 05:07:57,f17fc176c8bc,wordpress,192.168.144.3,256,10654,QUERY,wordpress,'SELECT customer_id, first_name, last_name, email, city, country FROM `tenant_shopb`.`wp_wc_customer_lookup` ORDER BY customer_id LIMIT 500',1142",
			"db-cross-schema-customer-read", false},
		{"the sync plugin reads its own shop", SourceDBAudit,
			"20261130 05:07:44,f17fc176c8bc,wordpress,192.168.144.3,206,9166,QUERY,wordpress,'SELECT customer_id, first_name, last_name, email, city, country FROM wp_wc_customer_lookup ORDER BY customer_id LIMIT 500',0",
			"db-cross-schema-customer-read", false},
		{"the hosting's root grants the shared user", SourceDBAudit,
			"20261130 05:06:42,f17fc176c8bc,root,localhost,43,4003,QUERY,mysql,'GRANT SELECT, INSERT, UPDATE, DELETE ON `tenant_shopb`.* TO \\'wordpress\\'@\\'%\\'',0",
			"db-cross-schema-customer-read", false},
		{"WooCommerce reads its own customer lookup", SourceDBAudit,
			"20261130 05:05:56,f17fc176c8bc,wordpress,192.168.144.3,7,1150,QUERY,wordpress,'SHOW INDEX FROM wp_wc_customer_lookup',0",
			"db-cross-schema-customer-read", false},
		{"WordPress asks information_schema about its tables", SourceDBAudit,
			"20261130 04:49:58,5c2d8f1e9a01,wordpress,172.18.0.3,27,2302,QUERY,wordpress,'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = \\'wordpress\\' AND TABLE_NAME = \\'wp_wc_orders\\'',0",
			"db-cross-schema-customer-read", false},
		{"a table event of the read carries no query", SourceDBAudit,
			"20261130 05:07:47,f17fc176c8bc,wordpress,192.168.144.3,214,9461,READ,tenant_shopb,wp_wc_customer_lookup,",
			"db-cross-schema-customer-read", false},

		// web-payment-webhook-rejected (access log)
		{"a webhook signed with a guessed secret", SourceAccess,
			`{"time":"2026-11-30T05:10:07.337018+0000","client_ip":"192.168.144.2","method":"POST","path":"/wp-json/acme-pay/v1/webhook","query":"","request":"POST /wp-json/acme-pay/v1/webhook HTTP/1.1","protocol":"HTTP/1.1","status":401,"bytes_out":29,"bytes_in":512,"duration_us":7834954,"host":"wp","user_agent":"AcmePay/1.0 (+https://acme-pay.example.com/docs/webhooks)","referer":"-","content_type":"application/json","user":"-","body":"-"}`,
			"web-payment-webhook-rejected", true},
		{"a PayPal IPN callback refused", SourceAccess,
			`{"time":"2026-11-30T04:55:04.000001+0000","client_ip":"172.18.0.2","method":"POST","path":"/","query":"?wc-api=WC_Gateway_Paypal","request":"POST /?wc-api=WC_Gateway_Paypal HTTP/1.1","protocol":"HTTP/1.1","status":400,"bytes_out":0,"bytes_in":812,"duration_us":40211,"host":"wp","user_agent":"PayPal IPN ( https://www.paypal.com/ipn )","referer":"-","content_type":"application/x-www-form-urlencoded","user":"-","body":"-"}`,
			"web-payment-webhook-rejected", true},
		{"a webhook that verified", SourceAccess,
			`{"time":"2026-11-30T05:10:18.185613+0000","client_ip":"192.168.144.2","method":"POST","path":"/wp-json/acme-pay/v1/webhook","query":"","request":"POST /wp-json/acme-pay/v1/webhook HTTP/1.1","protocol":"HTTP/1.1","status":200,"bytes_out":17,"bytes_in":512,"duration_us":6370021,"host":"wp","user_agent":"AcmePay/1.0 (+https://acme-pay.example.com/docs/webhooks)","referer":"-","content_type":"application/json","user":"-","body":"-"}`,
			"web-payment-webhook-rejected", false},
		{"a checkout the Store API refused", SourceAccess,
			`{"time":"2026-11-30T04:48:10.554102+0000","client_ip":"172.18.0.1","method":"POST","path":"/wp-json/wc/store/v1/checkout","query":"","request":"POST /wp-json/wc/store/v1/checkout HTTP/1.1","protocol":"HTTP/1.1","status":400,"bytes_out":233,"bytes_in":1190,"duration_us":301223,"host":"127.0.0.1:32811","user_agent":"Mozilla/5.0 (X11; Linux x86_64) breachdrill-shopper","referer":"-","content_type":"application/json","user":"-","body":"-"}`,
			"web-payment-webhook-rejected", false},
		{"a scanner probing the webhook with GET", SourceAccess,
			`{"time":"2026-11-30T04:48:11.000002+0000","client_ip":"172.18.0.1","method":"GET","path":"/wp-json/acme-pay/v1/webhook","query":"","request":"GET /wp-json/acme-pay/v1/webhook HTTP/1.1","protocol":"HTTP/1.1","status":404,"bytes_out":120,"bytes_in":0,"duration_us":90112,"host":"127.0.0.1:32811","user_agent":"Mozilla/5.0","referer":"-","content_type":"-","user":"-","body":"-"}`,
			"web-payment-webhook-rejected", false},

		// wc-order-paid-by-callback (WordPress audit log)
		{"a forged intent marks an order paid", SourceAudit,
			`{"time":"2026-11-30T05:10:24.516807Z","event":"woocommerce_order_status_changed","actor":null,"ip":"192.168.144.2","user_agent":"AcmePay/1.0 (+https://acme-pay.example.com/docs/webhooks)","method":"POST","uri":"/wp-json/acme-pay/v1/webhook","object":{"order_id":11001,"from":"pending","to":"processing"}}`,
			"wc-order-paid-by-callback", true},
		{"a guest's cash-on-delivery checkout", SourceAudit,
			`{"time":"2026-11-30T04:48:10.912331Z","event":"woocommerce_order_status_changed","actor":null,"ip":"172.18.0.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) breachdrill-shopper","method":"POST","uri":"/wp-json/wc/store/v1/checkout","object":{"order_id":1010,"from":"pending","to":"processing"}}`,
			"wc-order-paid-by-callback", false},
		{"a shop manager completes an order", SourceAudit,
			`{"time":"2026-11-30T04:48:30.120001Z","event":"woocommerce_order_status_changed","actor":{"id":1,"login":"drilladmin","roles":["administrator"]},"ip":"172.18.0.1","user_agent":"Mozilla/5.0","method":"POST","uri":"/wp-admin/admin.php?page=wc-orders&action=edit&id=1005","object":{"order_id":1005,"from":"processing","to":"completed"}}`,
			"wc-order-paid-by-callback", false},
		{"the response holds a forged order", SourceAudit,
			`{"time":"2026-11-30T05:11:04.623339Z","event":"woocommerce_order_status_changed","actor":null,"ip":"","user_agent":"","method":"CLI","uri":"","object":{"order_id":11003,"from":"processing","to":"on-hold"}}`,
			"wc-order-paid-by-callback", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, pack.Has(tt.rule), "the shipped pack has %s", tt.rule)
			fired := firedOn(pack, eventOf(t, tt.src, tt.line))
			if tt.fires {
				assert.True(t, fired[tt.rule], "%s should fire on this line; fired %v", tt.rule, fired)
			} else {
				assert.False(t, fired[tt.rule], "%s should stay quiet on this line", tt.rule)
			}
		})
	}
}
