package reports

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadPolicy(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr string
		check   func(t *testing.T, p Policy)
	}{
		{"empty file keeps the defaults", "", "", func(t *testing.T, p Policy) { assert.Equal(t, DefaultPolicy(), p) }},
		{"fields left out keep their defaults", "tabletop:\n  min_participants: 5\n", "", func(t *testing.T, p Policy) {
			assert.Equal(t, 5, p.Tabletop.MinParticipants)
			assert.True(t, p.Tabletop.IncidentCommander)
			assert.True(t, p.Drill.Counts)
		}},
		{"drills can be excluded", "drill:\n  counts: false\n", "", func(t *testing.T, p Policy) { assert.False(t, p.Drill.Counts) }},
		{"a typo is an error, not a looser policy", "tabletop:\n  min_participant: 1\n", "min_participant", nil},
		{"negative participants", "tabletop:\n  min_participants: -1\n", "want 0 or more", nil},
		{"not YAML", "tabletop: [", "policy.yaml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "policy.yaml")
			require.NoError(t, os.WriteFile(p, []byte(tt.text), 0o644))
			pol, err := LoadPolicy(p)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, pol)
		})
	}
}

func TestValidateDue(t *testing.T) {
	today := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		due     string
		wantErr string
	}{
		{"2026-12-31", ""},
		{"2026-11-30", ""},
		{"2026-11-29", "in the past"},
		{"31/12/2026", "YYYY-MM-DD"},
		{"", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.due, func(t *testing.T) {
			err := ValidateDue(tt.due, today)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
