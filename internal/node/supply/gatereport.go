package supply

import "hulian/internal/compliance/gate"

// SignGateReport signs a gate report with the node's Ed25519 key, the key
// registered with the platform at account opening, which is how the
// platform knows the counts come from this member's node. The private key
// does not leave the node.
func (n *Side) SignGateReport(r *gate.SignedReport) {
	r.Sign(n.Keys.Signer)
}
