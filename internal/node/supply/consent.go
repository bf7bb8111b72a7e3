package supply

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"hulian/internal/errs"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// A node that runs its consent ledger answers an order only for subjects
// whose consent, at the request's time, covers provision to a third party
// for the purpose the order is bound to (X-P1, PIPL Art. 23). Per dataset
// version in memory and per purpose, a bitset marks the rows it may
// provide; it follows the ledger's head: a request that finds the head
// moved reads only the histories the new events touched, so a withdrawal
// is honoured from the next request on, however large the dataset.

// consentView is one purpose's provable rows of a dataset version.
type consentView struct {
	mu   sync.Mutex // serialises refreshes
	snap atomic.Pointer[consentSnap]
}

// consentSnap is a view as of one ledger head, replaced as a whole.
type consentSnap struct {
	seq     int64 // the ledger head it reflects
	bits    *bitset
	counts  gateCounts // allowed subjects per tag value
	failing string     // a value below K, if any (consentgate.go)
}

func (d *datasetData) consentFor(purpose string) *consentView {
	d.consentMu.Lock()
	defer d.consentMu.Unlock()
	if d.consents == nil {
		d.consents = map[string]*consentView{}
	}
	v := d.consents[purpose]
	if v == nil {
		v = &consentView{}
		d.consents[purpose] = v
	}
	return v
}

// row returns id's row, if the version has it.
func (d *datasetData) row(id exid.ExID) (int, bool) {
	return d.Find(id)
}

func provable(s *nodestore.ConsentState) bool {
	return s.State == consent.StateActive && s.ThirdParty
}

// allowedRows returns the rows of d the ledger at head gen lets the node
// provide for purpose, or an error when a tag value of them points to
// fewer than K people.
func (n *Side) allowedRows(ctx context.Context, d *datasetData, purpose string, gen int64) (*bitset, error) {
	snap, err := n.allowedSnap(ctx, d, purpose, gen)
	if err != nil {
		return nil, err
	}
	return snap.bits, nil
}

// allowedSnap is allowedRows's view itself, for the exclusions' gate.
func (n *Side) allowedSnap(ctx context.Context, d *datasetData, purpose string, gen int64) (*consentSnap, error) {
	snap, err := n.consentSnap(ctx, d, purpose, gen)
	if err != nil {
		return nil, err
	}
	if snap.failing != "" {
		g, _ := d.consentGate()
		return nil, errBelowK(g.k, snap.failing)
	}
	return snap, nil
}

func (n *Side) consentSnap(ctx context.Context, d *datasetData, purpose string, gen int64) (*consentSnap, error) {
	v := d.consentFor(purpose)
	if s := v.snap.Load(); s != nil && s.seq >= gen {
		return s, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	old := v.snap.Load()
	if old != nil && old.seq >= gen {
		return old, nil
	}
	g, err := d.consentGate()
	if err != nil {
		return nil, err
	}
	if old == nil {
		s, err := n.buildConsent(ctx, d, g, purpose)
		if err != nil {
			return nil, err
		}
		v.snap.Store(s)
		return s, nil
	}
	// The events since the head the snapshot reflects name the histories
	// to read again; their states are read in the same snapshot as the
	// new head.
	var head int64
	touched := map[string][]byte{}
	var states map[string]*nodestore.ConsentState
	err = n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		var err error
		if head, err = tx.ConsentGen(ctx); err != nil {
			return err
		}
		for from := old.seq + 1; from <= head; {
			evs, err := tx.ConsentEvents(ctx, nil, from, 10000)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				if e.Purpose == purpose {
					touched[string(e.ExID)] = e.ExID
				}
			}
			from = evs[len(evs)-1].Seq + 1
		}
		ids := make([][]byte, 0, len(touched))
		for _, id := range touched {
			ids = append(ids, id)
		}
		states, err = tx.ConsentStates(ctx, purpose, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	s := &consentSnap{seq: head, bits: &bitset{words: slices.Clone(old.bits.words)}, counts: old.counts.clone()}
	for k, raw := range touched {
		if len(raw) != exid.Size {
			continue
		}
		i, ok := d.row(exid.ExID(raw))
		if !ok {
			continue
		}
		was := s.bits.has(uint32(i))
		now := states[k] != nil && provable(states[k])
		switch {
		case now && !was:
			s.bits.words[i>>6] |= 1 << (uint(i) & 63)
			g.add(s.counts, d, i, 1)
		case was && !now:
			s.bits.words[i>>6] &^= 1 << (uint(i) & 63)
			g.add(s.counts, d, i, -1)
		}
	}
	s.failing = g.failing(s.counts)
	v.snap.Store(s)
	return s, nil
}

// buildConsent reads every history of purpose in force, in one snapshot
// with the ledger's head, and counts the allowed subjects per tag value.
func (n *Side) buildConsent(ctx context.Context, d *datasetData, g *consentGate, purpose string) (*consentSnap, error) {
	s := &consentSnap{bits: &bitset{words: make([]uint64, (len(d.IDs)+63)/64)}, counts: g.newCounts()}
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		var err error
		if s.seq, err = tx.ConsentGen(ctx); err != nil {
			return err
		}
		return tx.EachConsentState(ctx, purpose, consent.StateActive, func(st *nodestore.ConsentState) error {
			if !provable(st) || len(st.ExID) != exid.Size {
				return nil
			}
			if i, ok := d.row(exid.ExID(st.ExID)); ok && !s.bits.has(uint32(i)) {
				s.bits.words[i>>6] |= 1 << (uint(i) & 63)
				g.add(s.counts, d, i, 1)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.failing = g.failing(s.counts)
	return s, nil
}

// errUnbound is the answer for an order the node has not bound to a
// purpose of its notice.
func errUnbound(order string) error {
	return errs.New(errs.FailedPrecondition, "order", "供应方节点实行同意台账，但订单 "+order+" 尚未对应隐私告知中的目的（hulian node consent bind）",
		"the supplier's node runs its consent ledger and order "+order+" is not bound to a purpose of its notice (hulian node consent bind)")
}
