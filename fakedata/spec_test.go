package fakedata

import (
	"math"
	"testing"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeRefusesBadSpecs(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want string // in the error
	}{
		{"negative customers", Spec{Customers: -1}, "customers -1"},
		{"negative orders", Spec{Customers: 1, Orders: -5}, "orders -5"},
		{"absurd orders", Spec{Customers: 10, Orders: MaxOrders + 1}, "not a drill dataset"},
		{"absurd customers", Spec{Customers: MaxCustomers + 1}, "not a drill dataset"},
		{"orders without customers", Spec{Orders: 3}, "no customers"},
		{"too many products", Spec{Customers: 1, Products: MaxProducts + 1}, "products"},
		{"negative products", Spec{Customers: 1, Products: -1}, "products"},
		{"canary share above one", Spec{Customers: 10, CanaryShare: 1.5}, "canary share"},
		{"canary share NaN", Spec{Customers: 10, CanaryShare: math.NaN()}, "canary share"},
		{"more canaries than phone numbers", Spec{Customers: 100_000, CanaryShare: 0.5}, "canaries"},
		{"password cost too low", Spec{Customers: 1, PasswordCost: 6}, "password cost"},
		{"password cost too high", Spec{Customers: 1, PasswordCost: 20}, "password cost"},
		{"anchor in antiquity", Spec{Customers: 1, Anchor: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}, "anchor"},
		{"prefix with a quote", Spec{Customers: 1, TablePrefix: "wp'"}, "prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.spec)
			require.Error(t, err, "New(%+v) must refuse the spec", tc.spec)
			assert.True(t, fault.IsInput(err), "New(%+v) = %v, want an input error", tc.spec, err)
			assert.ErrorContains(t, err, tc.want, "New(%+v): the error must say what is wrong", tc.spec)
		})
	}
}

func TestNormalizeDefaults(t *testing.T) {
	s, err := Spec{Customers: 10}.Normalize()
	require.NoError(t, err, "a spec with only customers must normalise")
	anchor, _ := time.Parse(time.RFC3339, DefaultAnchor)
	assert.Equal(t, DefaultProducts, s.Products, "default products")
	assert.Equal(t, DefaultCanaryShare, s.CanaryShare, "default canary share")
	assert.True(t, s.Anchor.Equal(anchor), "default anchor: got %s, want %s", s.Anchor, anchor)
	assert.Equal(t, DefaultPasswordCost, s.PasswordCost, "default password cost")
	assert.Equal(t, "wp_", s.TablePrefix, "default table prefix")
}

func TestCanaryCount(t *testing.T) {
	for _, tc := range []struct {
		customers int
		share     float64
		want      int
	}{
		{0, 0.02, 0},
		{1, 0.02, 1},
		{10, 0.02, 1}, // never none
		{100, 0.02, 2},
		{20_000, 0.02, 400},
		{10, 1, 10},
	} {
		assert.Equal(t, tc.want, canaryCount(tc.customers, tc.share), "canaryCount(%d, %v)", tc.customers, tc.share)
	}
}
