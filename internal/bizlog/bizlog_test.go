package bizlog_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/bizlog"
	"hulian/internal/sig"
)

// TestTreeVectors checks roots against RFC 6962 test vectors as published
// in the Certificate Transparency reference implementation's merkle tree
// tests (leaves "", 00, 10, 2021, 3031, 40414243, …).
func TestTreeVectors(t *testing.T) {
	t.Parallel()
	leaves := [][]byte{{}, {0x00}, {0x10}, {0x20, 0x21}, {0x30, 0x31}, {0x40, 0x41, 0x42, 0x43}, {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57}, {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}}
	roots := []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	tree, _ := bizlog.NewTree(0, nil)
	for i, l := range leaves {
		tree.Append(bizlog.Hasher.HashLeaf(l))
		if got := hexs(tree.Root()); got != roots[i] {
			t.Errorf("root of %d leaves = %s, want %s", i+1, got, roots[i])
		}
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestTreeNodes checks that what each append returns are the hashes of the
// nodes NodeRow says its row keeps.
func TestTreeNodes(t *testing.T) {
	t.Parallel()
	tree, _ := bizlog.NewTree(0, nil)
	all := map[compact.NodeID][]byte{}
	r := bizlog.Ranges.NewEmptyRange(0)
	for i := int64(0); i < 300; i++ {
		leaf := bizlog.LeafHash([]byte{byte(i), byte(i >> 8)})
		nodes, _ := tree.Append(leaf)
		if len(nodes) != bizlog.NodesCompleted(i)*bizlog.HashSize {
			t.Fatalf("leaf %d completed %d bytes of nodes", i, len(nodes))
		}
		for lvl := 1; lvl*bizlog.HashSize <= len(nodes); lvl++ {
			id := compact.NewNodeID(uint(lvl), uint64((i+1)>>lvl)-1)
			seq, off := bizlog.NodeRow(id)
			if seq != i || off != (lvl-1)*bizlog.HashSize {
				t.Fatalf("NodeRow(%v) = %d,%d", id, seq, off)
			}
			all[id] = append([]byte(nil), nodes[off:off+bizlog.HashSize]...)
		}
		r.Append(leaf, func(id compact.NodeID, h []byte) {
			if id.Level > 0 && !bytes.Equal(all[id], h) {
				t.Fatalf("node %v differs", id)
			}
		})
	}
	edge, err := bizlog.SplitEdge(tree.Size(), tree.Edge())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := bizlog.NewTree(tree.Size(), edge)
	if !bytes.Equal(again.Root(), tree.Root()) {
		t.Error("tree from its edge has another root")
	}
}

func TestCheckpointAndKeys(t *testing.T) {
	t.Parallel()
	skey, vkey, err := bizlog.GenerateKey(sig.Ed25519, "hulian.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := bizlog.Signer(skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	_, vkey2, _ := bizlog.GenerateKey(sig.Ed25519, "hulian.test/log")
	if _, err := bizlog.Signer(skey, vkey2); err == nil {
		t.Error("signer accepted with another verifier key")
	}
	if bytes.Equal(bizlog.KeyAD(vkey), bizlog.KeyAD(vkey2)) {
		t.Error("sealing context does not depend on the verifier key")
	}
	c := bizlog.Checkpoint{Origin: signer.Name(), Size: 42, Root: bytes.Repeat([]byte{7}, 32)}
	msg, err := c.Sign(signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bizlog.OpenCheckpoint(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&c, got); diff != "" {
		t.Error(diff)
	}
	if _, err := bizlog.OpenCheckpoint(msg, vkey2); err == nil {
		t.Error("checkpoint opens with another key")
	}
	if _, err := bizlog.OpenCheckpoint(bytes.Replace(msg, []byte("\n42\n"), []byte("\n43\n"), 1), vkey); err == nil {
		t.Error("changed checkpoint opens")
	}
	// A key signing for another origin is refused.
	s3, v3, _ := bizlog.GenerateKey(sig.Ed25519, "elsewhere")
	n3, _ := note.NewSigner(s3)
	m3, _ := bizlog.Checkpoint{Origin: "hulian.test/log", Size: 1, Root: c.Root}.Sign(n3)
	if _, err := bizlog.OpenCheckpoint(m3, v3); err == nil {
		t.Error("origin not bound to the key")
	}
}

func TestParseCheckpoint(t *testing.T) {
	t.Parallel()
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"o\n1\n" + root + "\n", true},
		{"o\n1\n" + root + "\next\n", true},
		{"o\n01\n" + root + "\n", false},
		{"o\n-1\n" + root + "\n", false},
		{"\n1\n" + root + "\n", false},
		{"o\n1\nAAAA\n", false},
		{"o\n1\n" + root, false},
	} {
		_, err := bizlog.ParseCheckpoint(tc.text)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v", tc.text, err)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n")
	f.Add("o\n\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := bizlog.ParseCheckpoint(s)
		if err != nil {
			return
		}
		again, err := bizlog.ParseCheckpoint(c.Body())
		if err != nil || !cmp.Equal(c, again) {
			t.Fatalf("%q does not round-trip: %v", s, err)
		}
	})
}

func FuzzVerifyBundle(f *testing.F) {
	_, vkey, _ := bizlog.GenerateKey(sig.Ed25519, "hulian.test/log")
	var b bytes.Buffer
	bw, _ := bizlog.NewBundleWriter(&b, bizlog.BundleHeader{VerifierKey: vkey, To: 1})
	bw.Entry(&bizlog.Entry{At: time.Unix(0, 0)}, nil)
	bw.Close()
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		bizlog.VerifyBundle(bytes.NewReader(data), vkey) // must not panic
	})
}

func TestReceiptAndLeaf(t *testing.T) {
	t.Parallel()
	skey, vkey, _ := bizlog.GenerateKey(sig.Ed25519, "hulian.test/log")
	signer, _ := note.NewSigner(skey)
	tree, _ := bizlog.NewTree(0, nil)
	var entries []bizlog.Entry
	var leaves [][]byte
	for i := int64(0); i < 11; i++ {
		p, _ := bizlog.P{"n": i, "ok": true, "s": "值"}.Encode()
		e := bizlog.Entry{Seq: i, At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), Actor: "system", Member: "mem_a", Kind: "k", Object: "o", Payload: p}
		entries = append(entries, e)
		leaves = append(leaves, bizlog.LeafHash(e.Leaf()))
		tree.Append(leaves[i])
	}
	msg, _ := bizlog.Checkpoint{Origin: signer.Name(), Size: 11, Root: tree.Root()}.Sign(signer)
	// Proofs computed from the leaves with the library, as the store does
	// from stored nodes.
	for i, e := range entries {
		nodes, _ := proof.Inclusion(uint64(i), 11)
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
		r := bizlog.Receipt{Entry: e, Checkpoint: string(msg), Proof: p}
		if err := r.Verify(vkey); err != nil {
			t.Errorf("receipt %d: %v", i, err)
		}
	}
	if _, err := (bizlog.P{"f": 1.5}).Encode(); err == nil {
		t.Error("float payload accepted")
	}
	want := `{"seq":0,"at":"2026-01-02T03:04:05.000006Z","actor":"system","member":"mem_a","kind":"k","object":"o","payload":{"n":0,"ok":true,"s":"值"}}`
	if got := string(entries[0].Leaf()); got != want {
		t.Errorf("leaf encoding\n got %s\nwant %s", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	_, vkey, err := bizlog.GenerateKey(sig.Ed25519, "log.test")
	if err != nil {
		t.Fatal(err)
	}
	f := bizlog.Fingerprint(vkey)
	if len(f) != 39 || strings.Count(f, " ") != 7 || f != bizlog.Fingerprint(vkey) {
		t.Errorf("fingerprint %q", f)
	}
	if _, other, _ := bizlog.GenerateKey(sig.Ed25519, "log.test"); bizlog.Fingerprint(other) == f {
		t.Error("two keys share a fingerprint")
	}
}
