package fakedata

// Internals for the integration tests and benchmarks, which live in
// package fakedata_test because internal/stacktest imports this package.
var (
	RemoveDataset       = removeDataset
	DeleteManifest      = deleteManifest
	EnsureManifestStore = ensureManifestStore
	RequiredTables      = requiredTables
)

const (
	CustomersPerChunk = customersPerChunk
	FirstUserID       = firstUserID
	FirstOrderID      = firstOrderID
)

// PendingManifest is the manifest a load of d writes before its first row.
func (d *Dataset) PendingManifest(database string) Manifest { return d.manifest(database) }

// TableColumns maps each table (without prefix) to the columns its rows fill.
func TableColumns() map[string]string {
	out := map[string]string{}
	for _, t := range tableDefs {
		out[t.name] = t.columns
	}
	return out
}
