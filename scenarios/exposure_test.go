package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlantsCode(t *testing.T) {
	cat, err := Builtin()
	require.NoError(t, err)
	tests := []struct {
		id   string
		want bool
	}{
		{"rogue-plugin-backdoor", true},  // plugin.install of a web shell
		{"tampered-plugin-update", true}, // file.append to a plugin's PHP
		{"debug-log-exposure", false},    // configuration only
		{"ajax-sqli-exfiltration", true}, // a vulnerable plugin
		{"rest-user-enumeration", false}, // requests only
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			list, err := cat.Select([]string{tc.id})
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.Equal(t, tc.want, list[0].PlantsCode())
		})
	}
}
