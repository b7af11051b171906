package fakedata

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPortableHash(t *testing.T) {
	// phpass's own test vector: a portable hash of "test12345".
	const vector = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"
	assert.True(t, CheckPortableHash("test12345", vector), "phpass's test vector must verify")
	assert.False(t, CheckPortableHash("test12346", vector), "a wrong password must not verify against phpass's test vector")

	for _, tc := range []struct {
		password string
		salt     [6]byte
		cost     int
		prefix   string
	}{
		{"amber-willow42", [6]byte{1, 2, 3, 4, 5, 6}, 8, "$P$6"},
		{"", [6]byte{}, 7, "$P$5"},
		{"ünïcode päss", [6]byte{255, 254, 253, 0, 1, 2}, 13, "$P$B"}, // WordPress's own cost
	} {
		h := PortableHash(tc.password, tc.salt, tc.cost)
		if assert.Len(t, h, 34, "PortableHash(%q, cost %d) = %q, want 34 characters", tc.password, tc.cost, h) {
			assert.Equal(t, tc.prefix, h[:4], "PortableHash(%q, cost %d) = %q, want it to start %s", tc.password, tc.cost, h, tc.prefix)
		}
		assert.True(t, CheckPortableHash(tc.password, h), "PortableHash(%q) = %q must verify", tc.password, h)
		assert.False(t, CheckPortableHash(tc.password+"x", h), "PortableHash(%q) = %q must not verify another password", tc.password, h)
	}
	assert.False(t, CheckPortableHash("x", "$P$3IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"), "a hash with a cost below phpass's minimum must not verify")
}
