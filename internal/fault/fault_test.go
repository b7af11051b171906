package fault

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCode(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", base, ExitGap},
		{"input", Input(base), ExitInput},
		{"wrapped input", fmt.Errorf("flag --source: %w", Input(base)), ExitInput},
		{"infra", Infra(base), ExitInfra},
		{"infra beats input", Infra(Input(base)), ExitInfra},
		{"input around infra", Input(fmt.Errorf("x: %w", Infra(base))), ExitInfra},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Code(tt.err), "Code(%v)", tt.err)
			if tt.err != nil {
				require.ErrorIs(t, tt.err, base, "marking must keep the wrapped error")
			}
		})
	}
	assert.NoError(t, Input(nil), "marking nil must stay nil")
	assert.NoError(t, Infra(nil), "marking nil must stay nil")
}
