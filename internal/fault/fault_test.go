package fault

import (
	"errors"
	"fmt"
	"testing"
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
			if got := Code(tt.err); got != tt.want {
				t.Fatalf("Code(%v) = %d, want %d", tt.err, got, tt.want)
			}
			if tt.err != nil && !errors.Is(tt.err, base) {
				t.Fatalf("marking lost the wrapped error")
			}
		})
	}
	if Input(nil) != nil || Infra(nil) != nil {
		t.Fatal("marking nil must stay nil")
	}
}
