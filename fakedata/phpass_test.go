package fakedata

import "testing"

func TestPortableHash(t *testing.T) {
	// phpass's own test vector: a portable hash of "test12345".
	const vector = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"
	if !CheckPortableHash("test12345", vector) {
		t.Errorf("phpass's test vector does not verify")
	}
	if CheckPortableHash("test12346", vector) {
		t.Errorf("a wrong password verifies against phpass's test vector")
	}

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
		if len(h) != 34 || h[:4] != tc.prefix {
			t.Errorf("PortableHash(%q, cost %d) = %q, want 34 characters starting %s", tc.password, tc.cost, h, tc.prefix)
		}
		if !CheckPortableHash(tc.password, h) || CheckPortableHash(tc.password+"x", h) {
			t.Errorf("PortableHash(%q) = %q does not check out", tc.password, h)
		}
	}
	if CheckPortableHash("x", "$P$3IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0") {
		t.Error("a hash with a cost below phpass's minimum verifies")
	}
}
