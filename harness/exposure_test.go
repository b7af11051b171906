package harness

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/breachdrill/breachdrill/fakedata"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExposureCountsSeededCustomers counts people in what left the stack
// the ways attack responses carry them, against a real synthetic dataset.
func TestExposureCountsSeededCustomers(t *testing.T) {
	ds, err := fakedata.New(fakedata.Spec{Seed: 7, Customers: 50, Orders: 0})
	require.NoError(t, err)
	ix := customerIndex{}
	var emails []string
	for i := range 50 {
		e := ds.Customer(i).Email
		ix[strings.ToLower(e)] = i
		emails = append(emails, e)
	}
	// A dump row per customer, some customers twice (orders), and a
	// stranger who is not in the dataset.
	var dump strings.Builder
	for i, e := range emails[:30] {
		fmt.Fprintf(&dump, "INSERT INTO wp_users VALUES (%d,'%s');\n", i, e)
	}
	for _, e := range emails[:10] {
		fmt.Fprintf(&dump, "INSERT INTO wp_wc_orders VALUES ('%s');\n", strings.ToUpper(e))
	}
	dump.WriteString("INSERT INTO wp_users VALUES (999,'someone@elsewhere.example');\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write([]byte(dump.String()))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	jsonBody := `{"data":[` + `{"email":"` + strings.ReplaceAll(emails[40], "@", `\u0040`) + `"},{"email":"` + emails[41] + `"}]}`

	tests := []struct {
		name string
		body []byte
		want int
	}{
		{"plain dump: distinct customers, not rows", []byte(dump.String()), 30},
		{"gzipped dump", gz.Bytes(), 30},
		{"URL-encoded in a reflected query", []byte("q=" + url.QueryEscape(emails[45]) + "&x=" + url.QueryEscape(emails[46])), 2},
		{"JSON-escaped API response", []byte(jsonBody), 2},
		{"HTML-escaped page", []byte(strings.ReplaceAll(emails[49], "@", "&#64;")), 1},
		{"nothing of ours", []byte("admin@elsewhere.example 4111111111111111"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.found(tt.body)
			assert.Len(t, got, tt.want)
			for k := 1; k < len(got); k++ {
				assert.Less(t, got[k-1], got[k], "each customer once, in order")
			}
		})
	}
}
