package harness

import (
	"testing"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckExposure(t *testing.T) {
	cat, err := scenarios.Builtin()
	require.NoError(t, err)
	backdoor, err := cat.Select([]string{"rogue-plugin-backdoor"})
	require.NoError(t, err)
	config, err := cat.Select([]string{"debug-log-exposure"})
	require.NoError(t, err)
	sealed := containers.Isolation{Enforced: true}
	exposed := containers.Isolation{Reason: "the engine is rootless"}
	tests := []struct {
		name    string
		iso     containers.Isolation
		list    []*scenarios.Scenario
		allow   bool
		refused bool
	}{
		{"sealed network, backdoor", sealed, backdoor, false, false},
		{"exposed network, backdoor", exposed, backdoor, false, true},
		{"exposed network, backdoor, allowed", exposed, backdoor, true, false},
		{"exposed network, configuration only", exposed, config, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkExposure(tc.iso, tc.list, tc.allow)
			if !tc.refused {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, fault.IsInput(err))
			assert.Contains(t, err.Error(), "--allow-exposed")
			assert.Contains(t, err.Error(), "rootless")
			assert.Contains(t, err.Error(), "rogue-plugin-backdoor")
		})
	}
}
