package detect

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// touched names what a change to the writable layer stands for.
func TestTouched(t *testing.T) {
	base := layerScan{
		"wp-config.php":              "f/1",
		"wp-content":                 "d/2",
		"wp-content/plugins":         "d/3",
		"wp-content/plugins/a":       "d/4",
		"wp-content/plugins/a/a.php": "f/5",
	}
	with := func(change func(layerScan)) layerScan {
		s := layerScan{}
		for k, v := range base {
			s[k] = v
		}
		change(s)
		return s
	}
	tests := []struct {
		name string
		cur  layerScan
		want []string
	}{
		{"nothing", with(func(layerScan) {}), []string{}},
		{"file changed", with(func(s layerScan) { s["wp-config.php"] = "f/9" }), []string{"wp-config.php"}},
		{"file added", with(func(s layerScan) { s["wp-content/x.php"] = "f/9" }), []string{"wp-content/x.php"}},
		{"file of the layer removed", with(func(s layerScan) { delete(s, "wp-content/plugins/a/a.php") }), []string{"wp-content/plugins/a/a.php"}},
		{"whiteout as a device", with(func(s layerScan) { s["wp-content/readme.txt"] = "20000/0/0" }), []string{"wp-content/readme.txt"}},
		{"whiteout as a name", with(func(s layerScan) { s["wp-content/.wh.readme.txt"] = "f/9" }), []string{"wp-content/readme.txt"}},
		{"opaque marker", with(func(s layerScan) { s["wp-content/plugins/a/.wh..wh..opq"] = "f/9" }), []string{"wp-content/plugins/a"}},
		{"folder made", with(func(s layerScan) { s["wp-content/themes"] = "d/9" }), []string{"wp-content/themes"}},
		{"folder replaced", with(func(s layerScan) { s["wp-content/plugins/a"] = "d/9" }), []string{"wp-content/plugins/a"}},
		{"folder covers what is in it", with(func(s layerScan) {
			s["wp-content/plugins/a"] = "d/9"
			s["wp-content/plugins/a/a.php"] = "f/9"
			s["wp-content/plugins/ab.php"] = "f/9"
		}), []string{"wp-content/plugins/a", "wp-content/plugins/ab.php"}},
		{"docroot opaque", with(func(s layerScan) { s[".wh..wh..opq"] = "f/9" }), []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := touched(base, tt.cur)
			if got == nil {
				got = []string{}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// underAny matches a path and everything in a folder, not names that only
// begin the same.
func TestUnderAny(t *testing.T) {
	paths := map[string]bool{"wp-content/plugins/a": true, "x.php": true}
	for name, want := range map[string]bool{
		"wp-content/plugins/a":      true,
		"wp-content/plugins/a/b/c":  true,
		"wp-content/plugins/ab.php": false,
		"wp-content/plugins":        false,
		"x.php":                     true,
		"x.php5":                    false,
	} {
		assert.Equal(t, want, underAny(name, paths), name)
	}
}
