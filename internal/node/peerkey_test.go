package node_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/protocol/peerkey"
	"hulian/internal/sig"
)

// registrations is a log of n entries in which entry i registers keys[i]
// for member mem_peer, signed with a checkpoint over all of them; it
// returns the log's verifier key and each entry's receipt.
func registrations(t *testing.T, keys [][]byte) (string, [][]byte) {
	t.Helper()
	skey, vkey, _ := bizlog.GenerateKey(sig.Ed25519, "hulian.test/log")
	signer, _ := note.NewSigner(skey)
	tree, _ := bizlog.NewTree(0, nil)
	var entries []bizlog.Entry
	var leaves [][]byte
	for i, k := range keys {
		p, _ := bizlog.P{"x25519_public_sha256": bizlog.Commit(k)}.Encode()
		e := bizlog.Entry{Seq: int64(i), At: time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC), Actor: "member:mem_peer", Member: "mem_peer", Kind: bizlog.KindMemberOpened, Object: "mem_peer", Payload: p}
		entries = append(entries, e)
		leaves = append(leaves, bizlog.LeafHash(e.Leaf()))
		tree.Append(leaves[i])
	}
	size := uint64(len(keys))
	cp, _ := bizlog.Checkpoint{Origin: signer.Name(), Size: int64(size), Root: tree.Root()}.Sign(signer)
	var receipts [][]byte
	for i, e := range entries {
		nodes, _ := proof.Inclusion(uint64(i), size)
		hashes := make([][]byte, len(nodes.IDs))
		for j, id := range nodes.IDs {
			begin, end := id.Coverage()
			sub, _ := bizlog.NewTree(0, nil)
			for _, l := range leaves[begin:end] {
				sub.Append(l)
			}
			hashes[j] = sub.Root()
		}
		p, err := nodes.Rehash(hashes, bizlog.Hasher.HashChildren)
		if err != nil {
			t.Fatal(err)
		}
		r, err := peerkey.Receipt(&bizlog.Receipt{Entry: e, Checkpoint: string(cp), Proof: p})
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r)
	}
	return vkey, receipts
}

// TestPeerKeyNewest: once a node has verified a member's later key
// registration, an earlier one is refused — after a restart too.
func TestPeerKeyNewest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)}
	vkey, receipts := registrations(t, keys)
	dsn, kek := "sqlite://"+filepath.Join(t.TempDir(), "node.db"), keyring.NewKEKText()
	n := open(t, node.Config{DB: dsn, KEKEnv: kek})
	if err := n.PinVerifierKey(ctx, vkey); err != nil {
		t.Fatal(err)
	}
	if err := n.CheckPeerKey(ctx, receipts[0], "mem_peer", keys[0]); err != nil {
		t.Fatalf("the first registration: %v", err)
	}
	if err := n.CheckPeerKey(ctx, receipts[1], "mem_peer", keys[1]); err != nil {
		t.Fatalf("a later registration: %v", err)
	}
	if err := n.CheckPeerKey(ctx, receipts[0], "mem_peer", keys[0]); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("the earlier key again: %v", err)
	}
	if err := n.CheckPeerKey(ctx, receipts[1], "mem_peer", keys[0]); err == nil {
		t.Error("a receipt for another key was accepted")
	}
	n.Close()
	n = open(t, node.Config{DB: dsn, KEKEnv: kek})
	defer n.Close()
	if err := n.CheckPeerKey(ctx, receipts[0], "mem_peer", keys[0]); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("the earlier key after a restart: %v", err)
	}
	if err := n.CheckPeerKey(ctx, receipts[2], "mem_peer", keys[2]); err != nil {
		t.Errorf("the newest after a restart: %v", err)
	}
}
