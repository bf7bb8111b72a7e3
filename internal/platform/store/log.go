package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/storage/sqlcol"
)

// logTx is the log's state within a transaction that appends: read and
// locked once, by the first Append, and written back once, before commit.
// Batched appends therefore cost one INSERT each.
type logTx struct {
	tree  *bizlog.Tree
	dirty bool
}

// Append writes a business-log entry for a change made in this transaction.
// The entry's sequence number is taken under the lock on log_head, the one
// serialised append point: entries are gap-free and in commit order, and a
// rolled-back change leaves no entry. The entry's row also keeps the hashes
// of the tree nodes its leaf completes, so the tree is never recomputed.
func (tx *Tx) Append(ctx context.Context, member, kind, object string, p bizlog.P) (*bizlog.Entry, error) {
	es, err := tx.appendEntries(ctx, []pendingEntry{{ctx, member, kind, object, p}})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// pendingEntry is a log entry to append, with the context of its actor.
type pendingEntry struct {
	ctx                  context.Context
	member, kind, object string
	p                    bizlog.P
}

var logColumns = sqlcol.Of("seq bigint", "at timestamptz", "actor text", "member_id text", "kind text", "object text", "payload bytea", "leaf_hash bytea", "nodes bytea")

// appendEntries appends entries as Append does one, in order, with one
// multi-row INSERT: a group of deductions costs one statement for its log
// entries, not one each.
func (tx *Tx) appendEntries(ctx context.Context, entries []pendingEntry) ([]*bizlog.Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	st, err := tx.logState(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([][]any, 0, len(entries))
	out := make([]*bizlog.Entry, 0, len(entries))
	for _, pe := range entries {
		payload, err := pe.p.Encode()
		if err != nil {
			return nil, err
		}
		e := &bizlog.Entry{Seq: st.tree.Size(), At: tx.Now(), Actor: auth.ActorFrom(pe.ctx).Ref(), Member: pe.member, Kind: pe.kind, Object: pe.object, Payload: payload}
		leaf := bizlog.LeafHash(e.Leaf())
		// The tree returns its own buffer: the row keeps a copy.
		nodes, err := st.tree.Append(leaf)
		if err != nil {
			return nil, err
		}
		rows = append(rows, []any{e.Seq, e.At, e.Actor, e.Member, e.Kind, e.Object, []byte(e.Payload), leaf, bytes.Clone(nodes)})
		out = append(out, e)
	}
	st.dirty = true
	q, args := tx.Eng.InsertRows("log_entries", logColumns, rows)
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("append log entries: %w", err)
	}
	return out, nil
}

// logState locks the log head and loads the compact range of the tree, once
// per transaction.
func (tx *Tx) logState(ctx context.Context) (*logTx, error) {
	if tx.log != nil {
		return tx.log, nil
	}
	var size int64
	var edge []byte
	if err := tx.queryRow(ctx, `SELECT size, edge FROM log_head WHERE id = 1`+tx.Eng.ForUpdate()).Scan(&size, &edge); err != nil {
		return nil, fmt.Errorf("log head: %w", err)
	}
	hashes, err := bizlog.SplitEdge(size, edge)
	if err != nil {
		// The edge is derived data: rebuild it from the nodes kept in the
		// rows (or, for a log written before the tree was kept, from the
		// entries themselves).
		if hashes, err = tx.deriveEdge(ctx, size); err != nil {
			return nil, err
		}
	}
	tree, err := bizlog.NewTree(size, hashes)
	if err != nil {
		return nil, err
	}
	tx.log = &logTx{tree: tree, dirty: edge == nil && size > 0}
	return tx.log, nil
}

// flushLog writes the log head back before commit.
func (tx *Tx) flushLog(ctx context.Context) error {
	if tx.log == nil || !tx.log.dirty {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE log_head SET size = $1, edge = $2 WHERE id = 1`, tx.log.tree.Size(), tx.log.tree.Edge())
	return err
}

func (tx *Tx) deriveEdge(ctx context.Context, size int64) ([][]byte, error) {
	hashes, err := tx.nodeHashes(ctx, bizlog.EdgeIDs(size))
	if err == nil {
		return hashes, nil
	}
	if err := tx.rebuildTree(ctx, size); err != nil {
		return nil, err
	}
	return tx.nodeHashes(ctx, bizlog.EdgeIDs(size))
}

// rebuildTree fills the nodes of every row from the stored leaf hashes, a
// page at a time: a log written before the tree was kept gets it on its
// first append.
func (tx *Tx) rebuildTree(ctx context.Context, size int64) error {
	tree, _ := bizlog.NewTree(0, nil)
	for tree.Size() < size {
		rows, err := tx.scanPage(ctx, tree.Size(), size, 1024)
		if err != nil {
			return err
		}
		if len(rows) == 0 || rows[0].Entry.Seq != tree.Size() {
			return fmt.Errorf("log entry %d is missing", tree.Size())
		}
		for _, r := range rows {
			if r.Entry.Seq != tree.Size() {
				return fmt.Errorf("log entry %d is missing", tree.Size())
			}
			nodes, err := tree.Append(r.LeafHash)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE log_entries SET nodes = $1 WHERE seq = $2`, nodes, r.Entry.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// nodeHashes reads the hashes of complete tree nodes: O(len(ids)) point
// reads by primary key, in one query.
func (tx *Tx) nodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	seqs := make([]any, 0, len(ids))
	marks := make([]string, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		seq, _ := bizlog.NodeRow(id)
		if !seen[seq] {
			seen[seq] = true
			seqs = append(seqs, seq)
			marks = append(marks, "$"+itoa(len(seqs)))
		}
	}
	rows, err := tx.query(ctx, `SELECT seq, leaf_hash, nodes FROM log_entries WHERE seq IN (`+strings.Join(marks, ",")+`)`, seqs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type kept struct{ leaf, nodes []byte }
	got := make(map[int64]kept, len(seqs))
	for rows.Next() {
		var seq int64
		var k kept
		if err := rows.Scan(&seq, &k.leaf, &k.nodes); err != nil {
			return nil, err
		}
		got[seq] = k
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		seq, off := bizlog.NodeRow(id)
		k, ok := got[seq]
		switch {
		case !ok:
			return nil, fmt.Errorf("log tree node %d/%d: entry %d is missing", id.Level, id.Index, seq)
		case id.Level == 0:
			out[i] = k.leaf
		case len(k.nodes) < off+bizlog.HashSize:
			return nil, fmt.Errorf("log tree node %d/%d is not stored", id.Level, id.Index)
		default:
			out[i] = k.nodes[off : off+bizlog.HashSize]
		}
	}
	return out, nil
}

// checkSize reports an invalid tree size argument.
func (tx *Tx) checkSize(ctx context.Context, field string, size int64) error {
	n, err := tx.LogSize(ctx)
	if err != nil {
		return err
	}
	if size < 0 || size > n {
		return errs.Invalidf(field, fmt.Sprintf("树大小须在 0 至 %d 之间", n), fmt.Sprintf("the tree size must be between 0 and %d", n))
	}
	return nil
}

// RootAt is the root hash of the tree of the log's first size entries.
func (tx *Tx) RootAt(ctx context.Context, size int64) ([]byte, error) {
	if err := tx.checkSize(ctx, "size", size); err != nil {
		return nil, err
	}
	hashes, err := tx.nodeHashes(ctx, bizlog.EdgeIDs(size))
	if err != nil {
		return nil, err
	}
	t, err := bizlog.NewTree(size, hashes)
	if err != nil {
		return nil, err
	}
	return t.Root(), nil
}

// InclusionProof proves that entry index is in the tree of size entries
// (RFC 6962 §2.1.1). Proofs hold hashes only; callers check who may see the
// entry itself.
func (tx *Tx) InclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	if err := tx.checkSize(ctx, "size", size); err != nil {
		return nil, err
	}
	if index < 0 || index >= size {
		return nil, errs.Invalidf("index", "记录序号须小于树大小", "the entry index must be below the tree size")
	}
	nodes, err := proof.Inclusion(uint64(index), uint64(size))
	if err != nil {
		return nil, err
	}
	return tx.rehash(ctx, nodes)
}

// ConsistencyProof proves that the tree of size1 entries is a prefix of the
// tree of size2 (RFC 6962 §2.1.2).
func (tx *Tx) ConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	if err := tx.checkSize(ctx, "to", size2); err != nil {
		return nil, err
	}
	if size1 < 0 || size1 > size2 {
		return nil, errs.Invalidf("from", "起始大小须不大于终止大小", "the first size must not exceed the second")
	}
	nodes, err := proof.Consistency(uint64(size1), uint64(size2))
	if err != nil {
		return nil, err
	}
	return tx.rehash(ctx, nodes)
}

func (tx *Tx) rehash(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := tx.nodeHashes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, bizlog.Hasher.HashChildren)
}

// RangeEdge is the compact range [begin, end) of the tree: what a verifier
// holding entries [from, to) needs on either side to recompute a root.
func (tx *Tx) RangeEdge(ctx context.Context, begin, end int64) ([][]byte, error) {
	return tx.nodeHashes(ctx, compact.RangeNodes(uint64(begin), uint64(end), nil))
}

// LogFilter narrows LogEntries.
type LogFilter struct {
	Member string // only entries concerning this member
	Kind   string
	Object string    // only entries about this object, if set
	From   int64     // first sequence number
	To     int64     // last sequence number, if set
	Since  time.Time // entries at or after, if set
	Until  time.Time // entries before, if set
	Limit  int       // default 100, at most 1000
}

// LogEntries returns entries in sequence order. A member sees only entries
// that concern it; platform staff see all.
func (tx *Tx) LogEntries(ctx context.Context, f LogFilter) ([]bizlog.Entry, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		f.Member = own
	}
	q := `SELECT seq, at, actor, member_id, kind, object, payload FROM log_entries WHERE seq >= $1`
	args := []any{f.From}
	if f.Member != "" {
		args = append(args, f.Member)
		q += " AND member_id = $" + itoa(len(args))
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		q += " AND kind = $" + itoa(len(args))
	}
	if f.Object != "" {
		args = append(args, f.Object)
		q += " AND object = $" + itoa(len(args))
	}
	if f.To > 0 {
		args = append(args, f.To)
		q += " AND seq <= $" + itoa(len(args))
	}
	if !f.Since.IsZero() {
		args = append(args, f.Since.UTC())
		q += " AND at >= $" + itoa(len(args))
	}
	if !f.Until.IsZero() {
		args = append(args, f.Until.UTC())
		q += " AND at < $" + itoa(len(args))
	}
	f.Limit = pageSize(f.Limit)
	args = append(args, f.Limit)
	q += " ORDER BY seq LIMIT $" + itoa(len(args))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bizlog.Entry
	for rows.Next() {
		var e bizlog.Entry
		var payload []byte
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Member, &e.Kind, &e.Object, &payload); err != nil {
			return nil, err
		}
		e.At, e.Payload = e.At.UTC(), json.RawMessage(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// EachLogEntry streams the entries of kind appended in [since, until), in
// sequence order, to fn, with one query: for long reads that paging would
// make into thousands of queries. The entry passed to fn is reused; fn
// must copy what it keeps; it carries the index, object and payload (see
// EachLogEntryIn). Platform staff and the system only.
func (tx *Tx) EachLogEntry(ctx context.Context, kind string, since, until time.Time, fn func(*bizlog.Entry) error) error {
	from, to, err := tx.LogSeqRange(ctx, since, until)
	if err != nil {
		return err
	}
	return tx.EachLogEntryIn(ctx, kind, from, to, since, until, fn)
}

// LogSeqRange is a range [from, to) of sequence numbers that holds every
// entry appended in [since, until). Entries are appended in time order,
// but for the skew between replicas' clocks and transactions that took
// their time before appending, which seqMargin covers: bounding the range
// keeps a month's read from walking every earlier month's entries, and
// lets readers split it.
func (tx *Tx) LogSeqRange(ctx context.Context, since, until time.Time) (from, to int64, err error) {
	if err := canSee(ctx, ""); err != nil {
		return 0, 0, err
	}
	if from, err = tx.firstSeqAt(ctx, since.Add(-seqMargin)); err != nil {
		return 0, 0, err
	}
	to, err = tx.firstSeqAt(ctx, until.Add(seqMargin))
	return from, to, err
}

// EachLogEntryIn streams the entries of kind with sequence numbers in
// [from, to) appended in [since, until), in sequence order, to fn. Only
// the entries' index, object and payload are read: a caller reading a
// month knows its time well enough, and parsing each entry's time is a
// good part of a month's read.
func (tx *Tx) EachLogEntryIn(ctx context.Context, kind string, from, to int64, since, until time.Time, fn func(*bizlog.Entry) error) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	rows, err := tx.query(ctx, `SELECT seq, object, payload FROM log_entries WHERE kind = $1 AND seq >= $2 AND seq < $3 AND at >= $4 AND at < $5 ORDER BY seq`,
		kind, from, to, since.UTC(), until.UTC())
	if err != nil {
		return err
	}
	defer rows.Close()
	e := bizlog.Entry{Kind: kind}
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &e.Object, &payload); err != nil {
			return err
		}
		e.Payload = payload
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// seqMargin is how far out of time order an entry may be appended and
// still be found by EachLogEntry: far beyond any clock skew or
// transaction a healthy deployment has.
const seqMargin = 24 * time.Hour

// firstSeqAt is the lowest sequence number of an entry at or after t (one
// past the last entry if none is), by binary search over the primary key.
func (tx *Tx) firstSeqAt(ctx context.Context, t time.Time) (int64, error) {
	var lo, hi int64 // lo: the first entry; hi: one past the last
	if err := tx.queryRow(ctx, `SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), -1) + 1 FROM log_entries`).Scan(&lo, &hi); err != nil {
		return 0, err
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		var at time.Time
		var seq int64
		err := tx.queryRow(ctx, `SELECT seq, at FROM log_entries WHERE seq >= $1 ORDER BY seq LIMIT 1`, mid).Scan(&seq, &at)
		if err != nil {
			return 0, err
		}
		if at.Before(t) {
			lo = seq + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// EachLogEntryOf streams the entries of any of kinds, in sequence order,
// to fn, with one query: for reading the whole book (package ledger).
func (tx *Tx) EachLogEntryOf(ctx context.Context, kinds []string, fn func(*bizlog.Entry) error) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	args := make([]any, len(kinds))
	ph := make([]string, len(kinds))
	for i, k := range kinds {
		args[i], ph[i] = k, "$"+itoa(i+1)
	}
	rows, err := tx.query(ctx, `SELECT seq, at, member_id, kind, object, payload FROM log_entries WHERE kind IN (`+strings.Join(ph, ",")+`) ORDER BY seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var e bizlog.Entry
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &e.At, &e.Member, &e.Kind, &e.Object, &payload); err != nil {
			return err
		}
		e.At, e.Payload = e.At.UTC(), payload
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LogSize is the number of entries in the log.
func (tx *Tx) LogSize(ctx context.Context) (int64, error) {
	if tx.log != nil {
		return tx.log.tree.Size(), nil
	}
	var n int64
	err := tx.queryRow(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&n)
	return n, err
}

// LogHead is the log head as stored: its size and edge.
func (tx *Tx) LogHead(ctx context.Context) (size int64, edge []byte, err error) {
	err = tx.queryRow(ctx, `SELECT size, edge FROM log_head WHERE id = 1`).Scan(&size, &edge)
	return size, edge, err
}

// LogRow is an entry row exactly as stored, for verification and export.
type LogRow struct {
	Entry    bizlog.Entry
	LeafHash []byte
	Nodes    []byte
}

// ScanLog calls fn for every stored entry row with from <= seq < to, in
// sequence order, a page at a time so that memory stays constant. It reads
// the rows as stored, without tenant scoping: it serves verification and
// the regulator's export, whose callers are entitled to the whole log.
func (tx *Tx) ScanLog(ctx context.Context, from, to int64, fn func(*LogRow) error) error {
	for {
		rows, err := tx.scanPage(ctx, from, to, 2048)
		if err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < 2048 {
			return nil
		}
		from = rows[len(rows)-1].Entry.Seq + 1
	}
}

func (tx *Tx) scanPage(ctx context.Context, from, to int64, limit int) ([]LogRow, error) {
	rows, err := tx.query(ctx, `SELECT seq, at, actor, member_id, kind, object, payload, leaf_hash, nodes FROM log_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3`, from, to, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]LogRow, 0, 64)
	for rows.Next() {
		var r LogRow
		var payload []byte
		e := &r.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Member, &e.Kind, &e.Object, &payload, &r.LeafHash, &r.Nodes); err != nil {
			return nil, err
		}
		e.At, e.Payload = e.At.UTC(), json.RawMessage(payload)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Checkpoint is a stored signed checkpoint.
type Checkpoint struct {
	Size int64
	Root []byte
	At   time.Time
	Note []byte // the signed note
}

// AddCheckpoint stores a checkpoint; storing one of a size already stored
// is a Conflict.
func (tx *Tx) AddCheckpoint(ctx context.Context, c *Checkpoint) error {
	_, err := tx.exec(ctx, `INSERT INTO log_checkpoints (size, root, at, note) VALUES ($1,$2,$3,$4)`, c.Size, c.Root, c.At.UTC(), string(c.Note))
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "size", "该大小的检查点已存在", "a checkpoint of this size exists")
	}
	return err
}

// LatestCheckpoint is the largest stored checkpoint, NotFound if none.
func (tx *Tx) LatestCheckpoint(ctx context.Context) (*Checkpoint, error) {
	return tx.oneCheckpoint(ctx, `SELECT size, root, at, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`)
}

// CheckpointAt is the stored checkpoint of exactly size entries.
func (tx *Tx) CheckpointAt(ctx context.Context, size int64) (*Checkpoint, error) {
	return tx.oneCheckpoint(ctx, `SELECT size, root, at, note FROM log_checkpoints WHERE size = $1`, size)
}

// CheckpointCovering is the smallest stored checkpoint that includes entry
// seq.
func (tx *Tx) CheckpointCovering(ctx context.Context, seq int64) (*Checkpoint, error) {
	return tx.oneCheckpoint(ctx, `SELECT size, root, at, note FROM log_checkpoints WHERE size > $1 ORDER BY size LIMIT 1`, seq)
}

func (tx *Tx) oneCheckpoint(ctx context.Context, q string, args ...any) (*Checkpoint, error) {
	var c Checkpoint
	var note string
	err := tx.queryRow(ctx, q, args...).Scan(&c.Size, &c.Root, &c.At, &note)
	if err != nil {
		return nil, notFound(err, "checkpoint", "尚无检查点", "no checkpoint yet")
	}
	c.At, c.Note = c.At.UTC(), []byte(note)
	return &c, nil
}

// Checkpoints returns up to limit stored checkpoints with from <= size <= to
// in size order.
func (tx *Tx) Checkpoints(ctx context.Context, from, to int64, limit int) ([]Checkpoint, error) {
	rows, err := tx.query(ctx, `SELECT size, root, at, note FROM log_checkpoints WHERE size >= $1 AND size <= $2 ORDER BY size LIMIT $3`, from, to, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var note string
		if err := rows.Scan(&c.Size, &c.Root, &c.At, &note); err != nil {
			return nil, err
		}
		c.At, c.Note = c.At.UTC(), []byte(note)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LogKey is the log signing key as stored: the verifier key and the sealed
// signer key.
type LogKey struct {
	Verifier string
	Sealed   []byte
	Created  time.Time
}

// LogKey returns the stored log key, NotFound if none was made yet.
func (tx *Tx) LogKey(ctx context.Context) (*LogKey, error) {
	var k LogKey
	err := tx.queryRow(ctx, `SELECT verifier, sealed, created_at FROM log_keys WHERE id = 1`).Scan(&k.Verifier, &k.Sealed, &k.Created)
	if err != nil {
		return nil, notFound(err, "log_key", "尚无日志签名密钥", "no log signing key yet")
	}
	k.Created = k.Created.UTC()
	return &k, nil
}

// CreateLogKey stores the log key; there is only ever one, so a second is a
// Conflict.
func (tx *Tx) CreateLogKey(ctx context.Context, k *LogKey) error {
	_, err := tx.exec(ctx, `INSERT INTO log_keys (id, verifier, sealed, created_at) VALUES (1, $1, $2, $3)`, k.Verifier, k.Sealed, tx.Now())
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "log_key", "日志签名密钥已存在", "the log signing key exists")
	}
	return err
}

// ReceiptsOf returns the receipts of the entries seqs under checkpoint cp:
// each entry with its inclusion proof in cp, which anyone holding the
// log's key checks alone. Entries cp does not cover yet are left out.
func (tx *Tx) ReceiptsOf(ctx context.Context, cp *Checkpoint, seqs []int64) ([]bizlog.Receipt, error) {
	out := make([]bizlog.Receipt, 0, len(seqs))
	for _, seq := range seqs {
		if seq >= cp.Size {
			continue
		}
		es, err := tx.LogEntries(ctx, LogFilter{From: seq, To: seq, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(es) != 1 {
			return nil, errs.New(errs.Internal, "seq", fmt.Sprintf("业务日志缺少第 %d 条", seq), fmt.Sprintf("the log lacks entry %d", seq))
		}
		proof, err := tx.InclusionProof(ctx, seq, cp.Size)
		if err != nil {
			return nil, err
		}
		out = append(out, bizlog.Receipt{Entry: es[0], Checkpoint: string(cp.Note), Proof: proof})
	}
	return out, nil
}
