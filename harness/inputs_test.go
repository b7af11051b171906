package harness_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/breachdrill/breachdrill/internal/stacktest"
	"github.com/breachdrill/breachdrill/rules"
	"github.com/breachdrill/breachdrill/scenarios"
)

// drillInputs are the shipped scenarios with these ids, in the
// catalogue's order, and the shipped rule pack.
func drillInputs(t *testing.T, ids ...string) ([]*scenarios.Scenario, *detect.Pack) {
	t.Helper()
	cat, err := scenarios.Builtin()
	require.NoError(t, err, "the shipped catalogue loads")
	list, err := cat.Select(ids)
	require.NoError(t, err, "select %v", ids)
	pack, err := detect.LoadPack(rules.FS)
	require.NoError(t, err, "the shipped pack loads")
	return list, pack
}

// testShop is the stack the exercises of these tests provision: the
// debian images seeded with stacktest's dataset, whose warm snapshot the
// CLI's tests share.
func testShop() harness.ProvisionOptions {
	return harness.ProvisionOptions{Source: containers.SourceDebian, Customers: stacktest.Customers, Orders: stacktest.Orders, Seed: stacktest.Seed}
}
