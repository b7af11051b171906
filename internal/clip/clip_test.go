package clip

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc…"},
		{"grüße", 3, "gr…"}, // ü is two bytes: never cut inside it
		{"", 0, ""},
	} {
		assert.Equal(t, tc.want, String(tc.in, tc.n), "String(%q, %d)", tc.in, tc.n)
	}
}

func TestLine(t *testing.T) {
	assert.Equal(t, "a b c", Line("a\n  b\tc\n", 10), "white space runs become one space")
	assert.Equal(t, "SELECT…", Line("SELECT\n  *\nFROM wp_users", 6), "then the line is shortened")
}
