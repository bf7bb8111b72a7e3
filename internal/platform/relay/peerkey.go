package relay

import (
	"bytes"
	"context"
	"sync"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/peerkey"
)

// keyReceipts caches each member's key receipt: a receipt against one
// checkpoint stays valid for good, so it is built once per registered key,
// not once per delivery.
type keyReceipts struct {
	mu sync.Mutex
	m  map[string]keyReceipt
}

type keyReceipt struct {
	key     []byte
	receipt []byte
}

// keyReceipt is the receipt of member's registration of x25519 in the
// business log (package peerkey), which the other party's node checks
// before it uses the key. The platform gives no key it has not logged.
func (r *Relay) keyReceipt(ctx context.Context, member string, x25519 []byte) ([]byte, error) {
	r.receipts.mu.Lock()
	c, ok := r.receipts.m[member]
	r.receipts.mu.Unlock()
	if ok && bytes.Equal(c.key, x25519) {
		return c.receipt, nil
	}
	// The registration concerns the peer, not the caller: the lookup is
	// the platform's own.
	sys := auth.WithActor(ctx, auth.System)
	var entry *bizlog.Entry
	for from := int64(0); ; {
		es, err := r.Log.Entries(sys, store.LogFilter{Member: member, Kind: bizlog.KindMemberOpened, From: from, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for i := range es {
			if _, err := peerkey.CheckEntry(&es[i], member, x25519); err == nil {
				entry = &es[i]
			}
		}
		if len(es) < 1000 {
			break
		}
		from = es[len(es)-1].Seq + 1
	}
	if entry == nil {
		return nil, errs.New(errs.FailedPrecondition, "peer", "成员 "+member+" 的节点公钥没有登记在业务日志中", "member "+member+"'s node key is not registered in the business log")
	}
	cp, err := r.Log.LatestCheckpoint(sys)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if cp == nil || cp.Size <= entry.Seq {
		// The registration is newer than the last checkpoint: sign one
		// now rather than make the node wait for the next.
		if cp, err = r.Log.Checkpoint(sys); err != nil {
			return nil, err
		}
	}
	_, proof, err := r.Log.InclusionProof(sys, entry.Seq, cp.Size)
	if err != nil {
		return nil, err
	}
	receipt, err := peerkey.Receipt(&bizlog.Receipt{Entry: *entry, Checkpoint: string(cp.Note), Proof: proof})
	if err != nil {
		return nil, err
	}
	r.receipts.mu.Lock()
	if r.receipts.m == nil {
		r.receipts.m = map[string]keyReceipt{}
	}
	r.receipts.m[member] = keyReceipt{key: bytes.Clone(x25519), receipt: receipt}
	r.receipts.mu.Unlock()
	return receipt, nil
}
