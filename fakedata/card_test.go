package fakedata

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLuhn(t *testing.T) {
	for _, tc := range []struct {
		digits string
		want   bool
	}{
		{"4111111111111111", true},
		{"4242424242424242", true},
		{"5555555555554444", true},
		{"378282246310005", true},
		{"6011111111111117", true},
		{"79927398713", true},
		{"4111111111111112", false},
		{"79927398710", false},
		{"0", false}, // too short to carry a check digit
		{"", false},
		{"4111 1111 1111 1111", false}, // digits only
		{"41111111111111a1", false},
	} {
		assert.Equal(t, tc.want, Luhn(tc.digits), "Luhn(%q)", tc.digits)
	}
}

func TestLuhnComplete(t *testing.T) {
	for _, body := range []string{"411111111111111", "7992739871", "42424242424242", "0"} {
		n := luhnComplete(body)
		assert.True(t, Luhn(n), "luhnComplete(%q) = %q must pass Luhn", body, n)
		assert.True(t, strings.HasPrefix(n, body), "luhnComplete(%q) = %q must start with the body", body, n)
		assert.Len(t, n, len(body)+1, "luhnComplete(%q) = %q must add one check digit", body, n)
	}
}
