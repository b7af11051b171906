// Package rules is breachdrill's shipped detection rule pack, as data:
// Sigma rules over the stack's logs and file events (sigma/), state checks
// of ours (checks/), and the GraphQL schema subset whose @pii markings the
// GraphQL analysis counts (graphql/). Load it with detect.LoadPack(rules.FS);
// `breachdrill rules list` shows it. README.md describes both formats.
package rules

import "embed"

// FS holds the pack's files.
//
//go:embed sigma checks graphql README.md
var FS embed.FS
