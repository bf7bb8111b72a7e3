// Package demand is the demander's side of a member node: queries on an
// order, one batch or a whole file, resumable (DESIGN.md protocol steps 3
// and 5: tokens made at home, answers opened at home), and the deliveries
// received, kept until their retention date, destroyed and attested to the
// platform (X-P12).
package demand

import (
	"sync"

	"hulian/internal/node"
)

// Side is the demander's side of the node it embeds. One node has one
// Side: it caches the orders' peers it has looked up.
type Side struct {
	*node.Node
	peers peers
	// applyMu serialises runs of ApplyRectifications: two would rewrite
	// the same files.
	applyMu sync.Mutex
}

// New returns the demander's side of n.
func New(n *node.Node) *Side { return &Side{Node: n} }
