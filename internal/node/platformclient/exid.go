package platformclient

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
	"hulian/internal/rpc"
)

// ExIDTranslator is a translator at the platform's current epoch, signed
// by the node, verifying every answer against the key the platform
// publishes for it.
func (p *connectPlatform) ExIDTranslator(ctx context.Context, typ ident.Type) (*exid.Translator, error) {
	res, err := p.signed.ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{}))
	if err != nil {
		return nil, fromConnect(err)
	}
	for _, k := range res.Msg.Keys {
		if !k.Current {
			continue
		}
		var pk oprf.PublicKey
		if err := pk.UnmarshalBinary(k.Key); err != nil {
			return nil, errs.New(errs.Unavailable, "--platform", "平台公布的公钥无效", "the platform published an invalid key")
		}
		return &exid.Translator{Eval: rpc.Evaluator{Client: p.signed.ExID}, Epoch: int(k.Epoch), Key: pk, Type: typ}, nil
	}
	return nil, errs.New(errs.Unavailable, "--platform", "平台没有当前纪元的公钥", "the platform has no key for the current epoch")
}
