package reports

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApprovalKeepsTheSignatureAndIsVerified(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	_, err := WriteBundle(context.Background(), dir, drillInput(t), WithKey(testKey(1)), WithZip())
	require.NoError(t, err)
	approver := testKey(3)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p, err := Approve(context.Background(), dir, "Dana Kim", "Head of Security", approver, at)
	require.NoError(t, err)
	assert.FileExists(t, p)

	pinApprover := WithPinnedKeys("trust file", approver.Public().(ed25519.PublicKey))
	v, err := Verify(context.Background(), dir, WithTrustedKeys(testKey(1).Public().(ed25519.PublicKey)), pinApprover)
	require.NoError(t, err)
	require.True(t, v.OK(), "the approval must not break the bundle: %v", v.Problems)
	assert.True(t, v.Trusted())
	require.Len(t, v.Approvals, 1)
	a := v.Approvals[0]
	assert.True(t, a.Valid)
	assert.True(t, a.Pinned)
	assert.Equal(t, "Dana Kim", a.Approver)
	assert.Equal(t, "Head of Security", a.Role)
	assert.Equal(t, at, a.ApprovedAt)

	t.Run("a changed result breaks the bundle and the approval", func(t *testing.T) {
		copyDir := filepath.Join(t.TempDir(), "b")
		require.NoError(t, os.CopyFS(copyDir, os.DirFS(dir)))
		require.NoError(t, os.WriteFile(filepath.Join(copyDir, ManifestFile), []byte("{}\n"), 0o644))
		v, err := Verify(context.Background(), copyDir)
		require.NoError(t, err)
		assert.True(t, hasProblem(v, filepath.ToSlash(filepath.Join(ApprovalDir, filepath.Base(p))), "approves a different manifest.json"), "%v", v.Problems)
	})
	t.Run("an edited approval is a problem", func(t *testing.T) {
		copyDir := filepath.Join(t.TempDir(), "b")
		require.NoError(t, os.CopyFS(copyDir, os.DirFS(dir)))
		name := filepath.Join(copyDir, ApprovalDir, filepath.Base(p))
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		b[len(b)/2] ^= 1
		require.NoError(t, os.WriteFile(name, b, 0o644))
		v, err := Verify(context.Background(), copyDir)
		require.NoError(t, err)
		assert.False(t, v.OK())
	})
	t.Run("a zip is refused", func(t *testing.T) {
		_, err := Approve(context.Background(), dir+".zip", "Dana Kim", "Head of Security", approver, at)
		assert.ErrorIs(t, err, ErrApproveZip)
	})
}

func TestParseApprover(t *testing.T) {
	tests := []struct {
		in, name, role string
		ok             bool
	}{
		{"Dana Kim, Head of Security", "Dana Kim", "Head of Security", true},
		{"  Ana Ruiz ,  CISO ", "Ana Ruiz", "CISO", true},
		{"Dana Kim", "", "", false},
		{", CISO", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, role, err := ParseApprover(tt.in)
			if !tt.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.role, role)
		})
	}
}
