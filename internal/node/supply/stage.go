package supply

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"encoding/binary"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// StageTTL is how long the exIDs an interrupted import translated are kept
// for it to resume: after that the node's maintenance drops them.
const StageTTL = 7 * 24 * time.Hour

// stager resumes an import that translates raw IDs: translating is the
// costly part (a round trip to the platform, and issuance is metered), so
// each batch's exIDs are committed as they arrive (nodestore.ImportStage)
// and a later import of the same dataset takes them instead of asking
// again, batch by batch, wherever its raw IDs are the same. Parsing,
// scanning and the gate run again over every row: they are local and
// cheap, and the gate's counts must cover the whole input.
//
// A stage is found by its batch's first row and taken only if an HMAC of
// the batch's raw IDs under a key of the node's own matches; the raw IDs
// are not kept, and the key keeps their digest from being tried against a
// guessed list of phone numbers.
type stager struct {
	n       *Side
	dataset string
	key     []byte
	resumed int64
	none    bool // no earlier import left a stage: nothing to look up
}

func (n *Side) newStager(ctx context.Context, dataset string) (*stager, error) {
	alg := n.Digest()
	key, err := hkdf.Key(alg.New, n.Keys.X25519.Bytes(), nil, "hulian import stage v1", 32)
	if err != nil {
		return nil, err
	}
	s := &stager{n: n, dataset: dataset, key: key}
	err = n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		some, err := tx.HasImportStages(ctx, dataset)
		s.none = !some
		return err
	})
	return s, err
}

func (s *stager) digest(column string, firstRow int, raw []string) []byte {
	m := s.n.Digest().HMAC(s.key)
	var l [8]byte
	for _, f := range append([]string{column, s.dataset}, raw...) {
		binary.BigEndian.PutUint64(l[:], uint64(len(f)))
		m.Write(l[:])
		m.Write([]byte(f))
	}
	binary.BigEndian.PutUint64(l[:], uint64(firstRow))
	m.Write(l[:])
	return m.Sum(nil)
}

// translate returns the exIDs of a batch of raw IDs starting at firstRow:
// from its stage if one matches, or through fn, staged before it returns.
func (s *stager) translate(ctx context.Context, column string, firstRow int, raw []string, fn func() ([]exid.ExID, error)) ([]exid.ExID, error) {
	d := s.digest(column, firstRow, raw)
	var st *nodestore.ImportStage
	if !s.none {
		err := s.n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
			st, err = tx.ImportStage(ctx, s.dataset, firstRow)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if st != nil && hmac.Equal(st.Digest, d) && len(st.IDs) == len(raw)*exid.Size {
		ids := make([]exid.ExID, len(raw))
		for i := range ids {
			copy(ids[i][:], st.IDs[i*exid.Size:])
			if ids[i].Epoch() == 0 {
				return nil, errs.New(errs.Internal, "", "导入暂存的 exID 已损坏", "a staged exID of the import is damaged")
			}
		}
		s.resumed += int64(len(ids))
		return ids, nil
	}
	ids, err := fn()
	if err != nil {
		return nil, err
	}
	blob := make([]byte, 0, len(ids)*exid.Size)
	for _, id := range ids {
		blob = append(blob, id[:]...)
	}
	err = s.n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.StageImport(ctx, &nodestore.ImportStage{Dataset: s.dataset, FirstRow: firstRow, Digest: d, IDs: blob})
	})
	return ids, err
}

// DropStaleStages removes what interrupted imports staged more than
// StageTTL ago and were not taken up again; it returns how many batches.
func (n *Side) DropStaleStages(ctx context.Context) (int64, error) {
	var dropped int64
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		dropped, err = tx.DropImportStagesBefore(ctx, n.Now().Add(-StageTTL))
		return err
	})
	return dropped, err
}
