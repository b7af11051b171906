package fakedata

import (
	"encoding/json"
	"fmt"
)

// GeneratorVersion changes whenever the same Spec would give different rows
// (a new field, a changed distribution, a bug fixed). Caches of seeded
// stacks (warm snapshots) are keyed by it, so bump it with any such change.
const GeneratorVersion = 1

// Key names the dataset s gives, defaults filled in: two specs with one
// key give the same rows.
func (s Spec) Key() string {
	b, err := json.Marshal(s.withDefaults())
	if err != nil {
		panic(fmt.Sprintf("fakedata: spec key: %v", err))
	}
	return fmt.Sprintf("fakedata/v%d %s", GeneratorVersion, b)
}
