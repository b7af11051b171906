package fakedata

import (
	"strings"
	"testing"
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
		if got := Luhn(tc.digits); got != tc.want {
			t.Errorf("Luhn(%q) = %v, want %v", tc.digits, got, tc.want)
		}
	}
}

func TestLuhnComplete(t *testing.T) {
	for _, body := range []string{"411111111111111", "7992739871", "42424242424242", "0"} {
		if n := luhnComplete(body); !Luhn(n) || !strings.HasPrefix(n, body) || len(n) != len(body)+1 {
			t.Errorf("luhnComplete(%q) = %q", body, n)
		}
	}
}
