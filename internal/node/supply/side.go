// Package supply is the supplier's side of a member node: its datasets,
// imported and gate-checked at home (X-E8, X-F*), their exclusions, the
// signed gate reports its listings carry, and the answers to the requests
// the platform relays (DESIGN.md protocol step 4): the order's token index
// looked up, the matches sealed to the demander's node and the answer
// signed.
package supply

import "hulian/internal/node"

// Side is the supplier's side of the node it embeds. One node has one
// Side: it holds the node's answering caches (datasets in memory, token
// indexes, recent answers), released when the node closes.
type Side struct {
	*node.Node
	cache *supplier
}

// New returns the supplier's side of n.
func New(n *node.Node) *Side {
	s := &Side{Node: n, cache: newSupplier()}
	n.OnClose(s.cache.close)
	return s
}
