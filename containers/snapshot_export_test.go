package containers

// WithBuilderHook lets a test see the stack a warm snapshot is made from,
// just before it is scrubbed and saved.
func WithBuilderHook(f func(*Stack)) Option { return func(c *config) { c.builderHook = f } }

// SnapshotKeyOf is the key of a snapshot of the given parts.
func SnapshotKeyOf(dbImageID, wpImageID, woocommerce, prefix, dataset, runtime string) string {
	return snapshotKey(warmMeta{DBImageID: dbImageID, WPImageID: wpImageID, WooCommerce: woocommerce, TablePrefix: prefix, Dataset: dataset, Runtime: runtime})
}

// RuntimeDigest is the digest of the runtime files a snapshot's key holds.
func RuntimeDigest() string {
	return runtimeDigest()
}

// SnapshotFiles are the parts of a saved snapshot: its database archive
// and its image, by tag.
func SnapshotFiles(dir, key string) (dbArchive, image string) {
	return dir + "/" + key + "/" + snapshotDBFile, snapshotRepo + ":" + key[:16]
}

// BuilderAdminPassword is every snapshot builder's (public) admin password.
const BuilderAdminPassword = builderAdminPassword
