package graphql_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/harness/detect/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadSchema(tb testing.TB) *graphql.Schema {
	tb.Helper()
	sdl, err := os.ReadFile("../../../rules/graphql/woographql.graphql")
	require.NoError(tb, err)
	s, err := graphql.LoadSchema("woographql.graphql", string(sdl))
	require.NoError(tb, err, "the shipped schema must load")
	return s
}

func jsonBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

func aliasedHarvest(n, first int) string {
	var b strings.Builder
	b.WriteString("query Harvest {")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " c%d: customers(first: %d, after: \"%d\") { nodes { email billing { email phone } } }", i, first, i)
	}
	b.WriteString(" }")
	return b.String()
}

func TestAnalyze(t *testing.T) {
	s := loadSchema(t)
	tests := []struct {
		name  string
		req   graphql.Request
		check func(t *testing.T, a graphql.Analysis)
	}{
		{"introspection", graphql.Request{Body: jsonBody(`query IntrospectionQuery { __schema { queryType { name } types { name fields { name } } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.True(t, a.Introspection, "introspection: %+v", a)
				assert.Zero(t, a.PIIValues, "no personal data: %+v", a)
				assert.False(t, a.ParseFailed(), "parses: %+v", a)
			}},
		{"__typename is not introspection", graphql.Request{Body: jsonBody(`{ products { nodes { __typename name } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.False(t, a.Introspection, "__typename counted as introspection")
			}},
		{"aliased batched customers harvest", graphql.Request{Body: jsonBody(aliasedHarvest(10, 1000), nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.Equal(t, 10, a.Aliases, "aliases")
				assert.Equal(t, 10, a.MaxSameField, "aliases of the same field")
				assert.EqualValues(t, 1000, a.MaxFirst, "largest first:")
				assert.EqualValues(t, 10*1000*3, a.PIIValues, "pii values")
				assert.Equal(t, []string{"Customer.email", "CustomerAddress.email", "CustomerAddress.phone"}, a.PIIFields, "pii fields")
			}},
		{"benign product listing", graphql.Request{Body: jsonBody(`{ products(first: 20) { nodes { name price } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.Zero(t, a.PIIValues, "benign query flagged: %+v", a)
				assert.Zero(t, a.Aliases, "benign query flagged: %+v", a)
				assert.False(t, a.Introspection, "benign query flagged: %+v", a)
			}},
		{"own account", graphql.Request{Body: jsonBody(`{ customer { email billing { phone } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 2, a.PIIValues, "pii values")
			}},
		{"connection without first counts a default page", graphql.Request{Body: jsonBody(`{ users { nodes { email } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 10, a.PIIValues, "pii values")
			}},
		{"first from a variable", graphql.Request{Body: jsonBody(`query Q($n: Int) { customers(first: $n) { edges { node { email } } } }`, map[string]any{"n": 500})},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 500, a.PIIValues, "pii values")
				assert.EqualValues(t, 500, a.MaxFirst, "largest first:")
			}},
		{"nested lists multiply", graphql.Request{Body: jsonBody(`{ customers(first: 100) { nodes { orders(first: 5) { nodes { customerIpAddress } } } } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 500, a.PIIValues, "pii values")
			}},
		{"fields outside the schema judged by name", graphql.Request{Body: jsonBody(`{ shopMembers(first: 50) { email phoneNumber sku } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 100, a.PIIValues, "pii values")
			}},
		{"fragments and inline fragments", graphql.Request{Body: jsonBody(`query { customers(first: 30) { nodes { ...C } } } fragment C on Customer { email ... on Customer { lastName } }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 60, a.PIIValues, "pii values")
			}},
		{"fragment cycle ends", graphql.Request{Body: jsonBody(`query { ...A } fragment A on RootQuery { viewer { email } ...B } fragment B on RootQuery { ...A }`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 1, a.PIIValues, "pii values")
			}},
		{"JSON array batch", graphql.Request{Body: []byte(`[` + strings.Repeat(`{"query":"{ viewer { email } }"},`, 19) + `{"query":"{ viewer { email } }"}]`)},
			func(t *testing.T, a graphql.Analysis) {
				assert.Equal(t, 20, a.Batch, "batch")
				assert.Equal(t, 20, a.Operations, "operations")
				assert.EqualValues(t, 20, a.PIIValues, "pii values")
			}},
		{"query in the URL", graphql.Request{RawQuery: "query=%7B__schema%7BqueryType%7Bname%7D%7D%7D"},
			func(t *testing.T, a graphql.Analysis) {
				assert.True(t, a.Introspection, "introspection in the URL not seen: %+v", a)
			}},
		{"form body", graphql.Request{Body: []byte("query=" + strings.ReplaceAll(`{ customers(first: 7) { nodes { email } } }`, " ", "+"))},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 7, a.PIIValues, "pii values")
			}},
		{"raw shorthand query body", graphql.Request{Body: []byte(`{ viewer { email } }`)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 1, a.PIIValues, "pii values: %+v", a)
				assert.False(t, a.ParseFailed(), "parses: %+v", a)
			}},
		{"raw GraphQL document", graphql.Request{Body: []byte(`query { viewer { email } }`)},
			func(t *testing.T, a graphql.Analysis) {
				assert.EqualValues(t, 1, a.PIIValues, "pii values: %+v", a)
				assert.False(t, a.ParseFailed(), "parses: %+v", a)
			}},
		{"syntax error is reported", graphql.Request{Body: jsonBody(`{ customers(first: `, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.True(t, a.ParseFailed(), "no parse error for a broken query")
			}},
		{"partial document still analysed", graphql.Request{Body: jsonBody(`{ __schema { types { name } } } garbage (`, nil)},
			func(t *testing.T, a graphql.Analysis) {
				assert.True(t, a.ParseFailed(), "want a parse failure: %+v", a)
				assert.True(t, a.Introspection, "want introspection: %+v", a)
			}},
		{"invalid JSON", graphql.Request{Body: []byte(`{"query": "{ viewer`)},
			func(t *testing.T, a graphql.Analysis) {
				assert.True(t, a.ParseFailed(), "invalid JSON not reported")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, graphql.Analyze(s, tt.req, graphql.DefaultLimits()))
		})
	}
}

// TestAnalyzeBounded sends the shapes that blow up naive analysers and
// checks each finishes fast and reports the limit it hit.
func TestAnalyzeBounded(t *testing.T) {
	s := loadSchema(t)
	var bomb strings.Builder
	bomb.WriteString("query { ...F0 }")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&bomb, " fragment F%d on RootQuery { viewer { email } ...F%d ...F%d }", i, i+1, i+1)
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"deep nesting", jsonBody("{"+strings.Repeat("a{", 5000)+"b"+strings.Repeat("}", 5001), nil)},
		{"fragment bomb", jsonBody(bomb.String(), nil)},
		{"huge body", jsonBody(aliasedHarvest(5000, 10), nil)},
		{"token flood", jsonBody("{ a"+strings.Repeat(" b", 200000)+" }", nil)},
		{"wide batch", []byte("[" + strings.Repeat(`{"query":"{ viewer { email } }"},`, 5000) + `{"query":"{a}"}]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			a := graphql.Analyze(s, graphql.Request{Body: tt.body}, graphql.DefaultLimits())
			assert.Less(t, time.Since(start), 2*time.Second, "analysis time")
			assert.True(t, a.Truncated || a.ParseFailed(), "no limit reported for %d bytes: %+v", len(tt.body), a)
		})
	}
}

func TestLoadSchemaErrors(t *testing.T) {
	tests := []struct {
		name, sdl, want string
		line            int
	}{
		{"no directive", "type Query { a: String }", "no @pii directive", 1},
		{"bad category", "directive @pii(category: String!) on FIELD_DEFINITION\ntype Query {\n  a: String @pii(category: \"shoe size\")\n}", "category \"shoe size\"", 3},
		{"syntax", "directive @pii(category: String!) on FIELD_DEFINITION\ntype Query {\n  a: \n}", "Expected Name", 4},
		{"unknown type", "directive @pii(category: String!) on FIELD_DEFINITION\ntype Query {\n  a: Nope @pii(category: \"email\")\n}", "Undefined type Nope", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := graphql.LoadSchema("s.graphql", tt.sdl)
			se, ok := err.(*graphql.SchemaError)
			require.True(t, ok, "error %v (%T); want *SchemaError", err, err)
			assert.Contains(t, se.Msg, tt.want, "message")
			assert.Equal(t, tt.line, se.Line, "line of %v", se)
		})
	}
}

func FuzzAnalyze(f *testing.F) {
	s := loadSchema(f)
	seeds := [][]byte{
		jsonBody(aliasedHarvest(3, 1000), nil),
		jsonBody(`query IntrospectionQuery { __schema { types { name } } }`, nil),
		jsonBody(`query Q($n: Int) { customers(first: $n) { nodes { ...C } } } fragment C on Customer { email billing { phone } }`, map[string]any{"n": 5}),
		[]byte(`[{"query":"{ viewer { email } }"},{"query":"{ users(last: 3) { nodes { name } } }"}]`),
		[]byte(`query=%7Bviewer%7Bemail%7D%7D`),
		[]byte(`{ broken`),
		[]byte(`query { ...A } fragment A on RootQuery { ...A }`),
	}
	for _, sd := range seeds {
		f.Add(sd)
	}
	lim := graphql.DefaultLimits()
	f.Fuzz(func(t *testing.T, body []byte) {
		start := time.Now()
		a := graphql.Analyze(s, graphql.Request{Body: body, RawQuery: string(body)}, lim)
		assert.Less(t, time.Since(start), time.Second, "analysis of %d bytes", len(body))
		assert.GreaterOrEqual(t, a.PIIValues, int64(0), "out of range: %+v", a)
		assert.GreaterOrEqual(t, a.MaxFirst, int64(0), "out of range: %+v", a)
		assert.True(t, a.Depth >= 0 && a.Depth <= lim.MaxDepth+1, "depth out of range: %+v", a)
		if a.PIIValues > 0 {
			assert.NotEmpty(t, a.PIIFields, "personal data counted without a field: %+v", a)
		}
		_ = a.EventFields()
	})
}
