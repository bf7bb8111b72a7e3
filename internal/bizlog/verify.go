package bizlog

import (
	"bytes"
	"fmt"

	"hulian/internal/i18n"
)

// Failure is the first thing verification found wrong.
type Failure struct {
	Index      int64 // the first bad entry's index, -1 if the problem is not an entry
	Checkpoint int64 // the size of the checkpoint concerned, -1 if none
	Reason     i18n.Text
}

func (f *Failure) Error() string { return f.Text(i18n.EN) }

// Text renders the failure for a person.
func (f *Failure) Text(lang i18n.Lang) string {
	switch {
	case f.Index >= 0:
		return i18n.T(fmt.Sprintf("第 %d 条记录：", f.Index), fmt.Sprintf("entry %d: ", f.Index)).In(lang) + f.Reason.In(lang)
	case f.Checkpoint >= 0:
		return i18n.T(fmt.Sprintf("大小为 %d 的检查点：", f.Checkpoint), fmt.Sprintf("checkpoint of size %d: ", f.Checkpoint)).In(lang) + f.Reason.In(lang)
	}
	return f.Reason.In(lang)
}

func entryFailure(i int64, zh, en string) *Failure {
	return &Failure{Index: i, Checkpoint: -1, Reason: i18n.T(zh, en)}
}

// Report is the outcome of verifying a log or a bundle.
type Report struct {
	Entries     int64       // entries recomputed
	Checkpoints int         // checkpoints whose signature and root were verified
	Latest      *Checkpoint // the largest verified checkpoint
	Failure     *Failure    // nil if everything verified
}

// OK reports whether verification found nothing wrong.
func (r *Report) OK() bool { return r.Failure == nil }

// Verifier recomputes the tree from entries given in order and checks
// checkpoints against it. It holds O(log n) hashes: logs of any size stream
// through it.
type Verifier struct {
	tree   *Tree
	vkey   string
	intact int64 // size of the last checkpoint verified against the recomputed tree
	Report Report
}

// NewVerifier starts verifying at leaf start, given the compact range of
// [0, start) (nil when start is 0), with vkey the log's verifier key.
func NewVerifier(vkey string, start int64, edge [][]byte) (*Verifier, error) {
	t, err := NewTree(start, edge)
	if err != nil {
		return nil, err
	}
	return &Verifier{tree: t, vkey: vkey, intact: start}, nil
}

// Size is the number of leaves recomputed so far, counting the start.
func (v *Verifier) Size() int64 { return v.tree.Size() }

// Tree is the recomputed tree.
func (v *Verifier) Tree() *Tree { return v.tree }

// Entry checks the next entry: its index, its stored leaf hash and the
// stored hashes of the nodes it completes (either may be nil when not
// stored, as in a bundle without them).
func (v *Verifier) Entry(e *Entry, storedLeaf, storedNodes []byte) *Failure {
	next := v.tree.Size()
	switch {
	case e.Seq > next:
		return v.fail(entryFailure(next, "记录缺失（下一条记录的序号为 "+fmt.Sprint(e.Seq)+"）", fmt.Sprintf("missing (the next entry has index %d)", e.Seq)))
	case e.Seq < next:
		return v.fail(entryFailure(e.Seq, "序号重复或顺序错误", "duplicated or out of order"))
	}
	leaf := LeafHash(e.Leaf())
	if storedLeaf != nil && !bytes.Equal(leaf, storedLeaf) {
		return v.fail(entryFailure(next, "记录内容与其叶哈希不符（记录被修改）", "its content does not match its leaf hash (the entry was changed)"))
	}
	nodes, err := v.tree.Append(leaf)
	if err != nil {
		return v.fail(entryFailure(next, "无法计算树节点："+err.Error(), "cannot compute tree nodes: "+err.Error()))
	}
	if storedNodes != nil && !bytes.Equal(nodes, storedNodes) {
		return v.fail(entryFailure(next, "存储的树节点与重新计算的不符", "the stored tree nodes differ from the recomputed ones"))
	}
	v.Report.Entries++
	return nil
}

// Checkpoint checks a signed checkpoint of the current size: its signature,
// that its body agrees with the size and root stored beside it (root may be
// nil when not stored separately), and that its root is the recomputed
// tree's.
func (v *Verifier) Checkpoint(note []byte, size int64, root []byte) *Failure {
	bad := func(zh, en string) *Failure {
		return v.fail(&Failure{Index: -1, Checkpoint: size, Reason: i18n.T(zh, en)})
	}
	c, err := OpenCheckpoint(note, v.vkey)
	if err != nil {
		return bad("签名无效："+err.Error(), "invalid signature: "+err.Error())
	}
	if c.Size != size || (root != nil && !bytes.Equal(c.Root, root)) {
		return bad("已签名内容与存储的大小或根哈希不符", "its signed body does not match the stored size or root")
	}
	if size != v.tree.Size() {
		return v.fail(&Failure{Index: v.tree.Size(), Checkpoint: size, Reason: i18n.T(
			fmt.Sprintf("已签名检查点覆盖 %d 条记录，但日志只有 %d 条（记录被删除）", size, v.tree.Size()),
			fmt.Sprintf("a signed checkpoint covers %d entries but the log has %d (entries were deleted)", size, v.tree.Size()))})
	}
	if !bytes.Equal(c.Root, v.tree.Root()) {
		// The rows and their stored hashes agree with each other but not
		// with what the platform signed: entries after the last intact
		// checkpoint were rewritten together with their hashes.
		return v.fail(&Failure{Index: v.intact, Checkpoint: size, Reason: i18n.T(
			fmt.Sprintf("第 %d 至 %d 条记录与大小为 %d 的已签名检查点不符", v.intact, size-1, size),
			fmt.Sprintf("entries %d to %d do not match the signed checkpoint of size %d", v.intact, size-1, size))})
	}
	v.intact = size
	v.Report.Checkpoints++
	v.Report.Latest = c
	return nil
}

// Fail records a failure found by the caller (for example in the storage
// around the entries) unless one is recorded already, and returns the first.
func (v *Verifier) Fail(f *Failure) *Failure { return v.fail(f) }

func (v *Verifier) fail(f *Failure) *Failure {
	if v.Report.Failure == nil {
		v.Report.Failure = f
	}
	return v.Report.Failure
}
