package bizlog

import (
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// Receipt is what a member keeps for an entry that concerns it: the entry,
// a checkpoint signed by the platform, and the proof that the entry is in
// that checkpoint's tree. It verifies offline with the platform's verifier
// key alone; the platform cannot later drop or change the entry without the
// receipt proving it.
type Receipt struct {
	Entry      Entry    `json:"entry"`
	Checkpoint string   `json:"checkpoint"` // the signed note
	Proof      [][]byte `json:"proof"`      // RFC 6962 inclusion proof, leaf to root
}

// Verify checks the receipt against the platform's verifier key.
func (r *Receipt) Verify(vkey string) error {
	c, err := OpenCheckpoint([]byte(r.Checkpoint), vkey)
	if err != nil {
		return err
	}
	if r.Entry.Seq < 0 || r.Entry.Seq >= c.Size {
		return fmt.Errorf("entry %d is not covered by the checkpoint of size %d", r.Entry.Seq, c.Size)
	}
	return proof.VerifyInclusion(Hasher, uint64(r.Entry.Seq), uint64(c.Size), LeafHash(r.Entry.Leaf()), r.Proof, c.Root)
}
