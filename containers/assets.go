package containers

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

// assets holds what goes into the stack: the image recipe (baked into the
// debian image) and the runtime files copied into every container at
// creation, whichever image source is used.
//
//go:embed assets
var assets embed.FS

func asset(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		// The names are constants of this package; a miss is a build bug.
		panic("containers: missing embedded asset " + name)
	}
	return b
}

// runtimeDigest is a digest of the runtime files (names and contents).
func runtimeDigest() string {
	h := sha256.New()
	err := fs.WalkDir(assets, "assets/runtime", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(name)
		h.Write([]byte(name + "\x00"))
		h.Write(b)
		return err
	})
	if err != nil {
		panic("containers: embedded runtime files: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}
