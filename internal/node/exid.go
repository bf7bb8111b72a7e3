package node

import (
	"context"

	"hulian/internal/errs"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// ExIDPlatform is a platform client that evaluates exIDs for the node (the
// member's half of the protocol runs here; the platform sees blinded
// elements only).
type ExIDPlatform interface {
	// ExIDTranslator returns a translator for typ at the platform's current
	// epoch, verifying every answer against its published key.
	ExIDTranslator(ctx context.Context, typ ident.Type) (*exid.Translator, error)
}

// ExIDOf is the exID of one raw identifier of typ: for a person who proves
// control of their number in the privacy centre. Invalid input is an
// Invalid error from normalisation.
func (n *Node) ExIDOf(ctx context.Context, typ ident.Type, raw string) (exid.ExID, error) {
	t, err := n.ExIDTranslator(ctx, typ)
	if err != nil {
		return exid.ExID{}, err
	}
	res, err := t.Translate(ctx, []string{raw})
	if err != nil {
		return exid.ExID{}, err
	}
	return res[0].ExID, res[0].Err
}

// ExIDTranslator returns a translator of raw identifiers of typ through
// the platform, with requests signed by the node.
func (n *Node) ExIDTranslator(ctx context.Context, typ ident.Type) (*exid.Translator, error) {
	if n.platform == nil {
		return nil, errNotConfigured()
	}
	ep, ok := n.platform.(ExIDPlatform)
	if !ok {
		return nil, errs.New(errs.FailedPrecondition, "--platform", "平台客户端不支持生成 exID", "the platform client cannot make exIDs")
	}
	return ep.ExIDTranslator(ctx, typ)
}
