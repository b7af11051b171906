package containers

import "embed"

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
