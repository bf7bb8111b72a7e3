package demand

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/rectnotice"
	"hulian/internal/protocol/seal"
)

// A supplier's notice of corrections and deletions (X-P4, O-4) reaches
// this node through the platform. The node checks it was made by the
// order's supplier (the order key's authenticator, which only the two
// nodes can make), opens it, and applies it to the result files it still
// holds for the order: a deleted subject's row keeps the member's own key
// and says "x" in the matched column, its values emptied; a corrected
// subject's values are replaced. Each file is rewritten whole beside
// itself and renamed over, so a file is either as it was or as the notice
// makes it. Then the node attests to the platform what it applied, and
// the subjects it holds nothing of (destroyed already, or answered in real
// time to the member's own systems, which the notice's entry in the
// node's events tells staff to act on).

// MatchedDeleted marks a result row whose supplied values were deleted on
// the supplier's notice.
const MatchedDeleted = "x"

// ApplyReport says what a run of ApplyRectifications did.
type ApplyReport struct {
	Notices  int   // notices applied this run
	Applied  int64 // result rows changed
	Absent   int64 // subjects named that no file held
	Attested int   // notices the platform recorded as applied
	Deferred int   // notices left for a later run (a file still being written)
}

// ApplyRectifications fetches the notices sent to this node, applies each
// and attests it. A notice that fails its check is not applied and is
// reported; the others go on.
func (n *Side) ApplyRectifications(ctx context.Context) (*ApplyReport, error) {
	n.applyMu.Lock()
	defer n.applyMu.Unlock()
	rep := &ApplyReport{}
	rp, err := n.Node.Rectify()
	if err != nil {
		return rep, err
	}
	pending, err := rp.PendingRectifications(ctx)
	if err != nil {
		return rep, err
	}
	var failed []error
	for _, r := range pending {
		var done []*nodestore.RectificationIn
		if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
			done, err = tx.RectificationsIn(ctx, r.ID)
			return err
		}); err != nil {
			return rep, err
		}
		var in *nodestore.RectificationIn
		if len(done) > 0 {
			in = done[0]
		} else {
			in, err = n.applyNotice(ctx, r)
			if errors.Is(err, errDeferred) {
				rep.Deferred++
				continue
			}
			if err != nil {
				n.Logger().Warn("a correction or deletion notice was not applied", "notice", r.ID, "order", r.OrderID, "err", err)
				failed = append(failed, fmt.Errorf("%s: %w", r.ID, err))
				continue
			}
			rep.Notices++
			rep.Applied += in.Applied
			rep.Absent += in.Absent
		}
		seq, err := rp.AttestRectification(ctx, in.ID, in.Applied, in.Absent)
		if err != nil {
			return rep, err
		}
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			return tx.MarkRectificationAttested(ctx, in.ID, seq)
		}); err != nil {
			return rep, err
		}
		rep.Attested++
	}
	if len(failed) > 0 {
		return rep, errors.Join(failed...)
	}
	return rep, nil
}

var errDeferred = errors.New("a result file of the order is still being written")

// applyNotice checks, opens and applies one notice and records it.
func (n *Side) applyNotice(ctx context.Context, r node.RectificationNotice) (*nodestore.RectificationIn, error) {
	p, peer, err := n.demandPeer(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	if p.PeerMember != r.Supplier {
		return nil, errs.New(errs.PermissionDenied, "order_id", "通知不是该订单的供方发给需求方的", "the notice is not from the order's supplier to its demander")
	}
	k, err := ordertoken.DeriveFor(n.Digest(), n.Keys.X25519, peer, r.OrderID)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	rid := rectnotice.RequestID(r.ID)
	if !k.VerifyAuthenticator(rid, evidence.HashWith(k.Alg(), r.Sealed), r.Authenticator) {
		return nil, errs.New(errs.Unauthenticated, "authenticator", "通知的订单密钥认证码不符：它不是该订单的供方节点发出的", "the notice's order-key authenticator does not verify: the order's supplier node did not make it")
	}
	plain, err := seal.Open(n.Keys.X25519, r.OrderID, rid, r.Sealed)
	if err != nil {
		return nil, err
	}
	body, toks, err := rectnotice.Parse(plain, r.ID, r.OrderID)
	clear(plain)
	if err != nil {
		return nil, err
	}
	named := make(map[ordertoken.Token]int, len(toks))
	for i, t := range toks {
		named[t] = i
	}
	var live []*nodestore.Delivery
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		live, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{OrderID: r.OrderID, Live: true})
		return err
	}); err != nil {
		return nil, err
	}
	keyType := map[string]string{}
	var files []string
	for _, d := range live {
		for _, f := range d.Files {
			if _, ok := keyType[f]; !ok {
				files = append(files, f)
			}
			keyType[f] = d.KeyType
		}
	}
	slices.Sort(files)
	for _, f := range files {
		if _, err := os.Stat(f + queryStateSuffix); err == nil {
			return nil, errDeferred
		}
	}
	hit := make([]bool, len(toks))
	in := &nodestore.RectificationIn{ID: r.ID, OrderID: r.OrderID, Supplier: r.Supplier, Action: body.Action, Subjects: int64(len(toks)), AppliedAt: n.Now()}
	for _, f := range files {
		changed, err := n.rewriteResults(ctx, f, ident.Type(keyType[f]), &k, named, body, hit)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if changed > 0 {
			in.Applied += changed
			in.Files = append(in.Files, f)
		}
	}
	for _, h := range hit {
		if !h {
			in.Absent++
		}
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.RecordRectificationIn(ctx, in); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventRectificationApplied, fmt.Sprintf("notice=%s order=%s action=%s reason=%s subjects=%d rows=%d absent=%d files=%d",
			r.ID, r.OrderID, body.Action, body.Reason, len(toks), in.Applied, in.Absent, len(in.Files)))
	})
	if err != nil {
		return nil, err
	}
	n.Logger().Info("applied a supplier's notice", "notice", r.ID, "order", r.OrderID, "action", body.Action, "rows", in.Applied, "absent", in.Absent)
	return in, nil
}

// rewriteBatch is how many matched keys are turned into tokens at once.
const rewriteBatch = 1 << 14

// rewriteResults applies a notice to one results file: the rows whose
// key's order token the notice names. It returns the rows changed; a file
// with none is left untouched.
func (n *Side) rewriteResults(ctx context.Context, path string, keyType ident.Type, k *ordertoken.Key, named map[ordertoken.Token]int, body *rectnotice.Body, hit []bool) (int64, error) {
	// First pass: the rows to change, by record number.
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	rd := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	rd.ReuseRecord = true
	header, err := rd.Read()
	if err != nil {
		f.Close()
		return 0, resultsError(path, err)
	}
	header = slices.Clone(header)
	if len(header) < 2 || header[1] != "matched" {
		f.Close()
		return 0, resultsError(path, errors.New("no matched column"))
	}
	var tr *exid.Translator
	if keyType != "" {
		if tr, err = n.ExIDTranslator(ctx, keyType); err != nil {
			f.Close()
			return 0, err
		}
	}
	change := map[int64]int{} // record number → the notice's row
	var keys []string
	var recs []int64
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		ids := make([]exid.ExID, len(keys))
		if tr != nil {
			res, err := tr.Translate(ctx, keys)
			if err != nil {
				return err
			}
			for i, r := range res {
				ids[i] = r.ExID
				if r.Err != nil {
					ids[i] = exid.ExID{}
				}
			}
		} else {
			for i, key := range keys {
				ids[i], _ = exid.Parse(key)
			}
		}
		for i, id := range ids {
			if id == (exid.ExID{}) {
				continue
			}
			if at, ok := named[k.Token(id)]; ok {
				change[recs[i]] = at
				hit[at] = true
			}
		}
		keys, recs = keys[:0], recs[:0]
		return nil
	}
	for rec := int64(1); ; rec++ {
		fields, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return 0, resultsError(path, err)
		}
		if len(fields) < 2 || fields[1] != "1" {
			continue
		}
		keys, recs = append(keys, fields[0]), append(recs, rec)
		if len(keys) == rewriteBatch {
			if err := flush(); err != nil {
				f.Close()
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		f.Close()
		return 0, err
	}
	f.Close()
	if len(change) == 0 {
		return 0, nil
	}

	// The values of a correction go to the file's columns of the same tag
	// key.
	colAt := make([]int, len(body.Columns))
	for i, c := range body.Columns {
		colAt[i] = slices.Index(header[2:], c)
	}
	// Second pass: the file rewritten beside itself, then renamed over it.
	src, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	tmp := path + ".rectify.tmp"
	dst, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, errs.New(errs.FailedPrecondition, "files", "无法写入 "+tmp+"："+err.Error(), "cannot write "+tmp+": "+err.Error())
	}
	defer os.Remove(tmp)
	defer dst.Close()
	bw := bufio.NewWriterSize(dst, 1<<20)
	w := csv.NewWriter(bw)
	rd = csv.NewReader(bufio.NewReaderSize(src, 1<<20))
	rd.ReuseRecord = true
	var changed int64
	for rec := int64(0); ; rec++ {
		fields, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, resultsError(path, err)
		}
		if at, ok := change[rec]; ok {
			changed++
			if body.Action == rectnotice.Delete {
				fields[1] = MatchedDeleted
				for i := 2; i < len(fields); i++ {
					fields[i] = ""
				}
			} else {
				for i, c := range colAt {
					if c >= 0 && 2+c < len(fields) {
						fields[2+c] = body.Rows[at].Values[i]
					}
				}
			}
		}
		if err := w.Write(fields); err != nil {
			return 0, err
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), dst.Sync(), dst.Close()); err != nil {
		return 0, errs.New(errs.FailedPrecondition, "files", "无法写入 "+tmp+"："+err.Error(), "cannot write "+tmp+": "+err.Error())
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return changed, nil
}

func resultsError(path string, err error) error {
	return errs.New(errs.FailedPrecondition, "files", "结果文件 "+path+" 无法读取："+err.Error(), "the results file "+path+" cannot be read: "+err.Error())
}
