package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// VerifyOptions tune VerifyLog.
type VerifyOptions struct {
	// VerifierKey pins the log's verifier key; empty trusts the key stored
	// in the database (which whoever can rewrite the database can replace).
	VerifierKey string
}

// VerifyLog checks the stored business log offline, in one snapshot: it
// recomputes every leaf hash from the entry rows and the whole tree, compares
// them with the stored hashes, checks every stored checkpoint's signature and
// root against the recomputed tree (so all checkpoints are consistent with
// each other, being roots of prefixes of one tree), and checks the log head.
// Memory stays constant whatever the log's size. A broken log is reported
// in the Report, not as an error; errors are failures to read.
func (db *DB) VerifyLog(ctx context.Context, opt VerifyOptions) (*bizlog.Report, error) {
	var rep *bizlog.Report
	err := db.Read(ctx, func(tx *Tx) error {
		if db.Engine() == "postgres" {
			// One snapshot for the many queries below.
			if _, err := tx.exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`); err != nil {
				return err
			}
		}
		var err error
		rep, err = tx.verifyLog(ctx, opt)
		return err
	})
	return rep, err
}

func (tx *Tx) verifyLog(ctx context.Context, opt VerifyOptions) (*bizlog.Report, error) {
	size, edge, err := tx.LogHead(ctx)
	if err != nil {
		return nil, err
	}
	vkey := opt.VerifierKey
	if k, err := tx.LogKey(ctx); err == nil {
		if vkey == "" {
			vkey = k.Verifier
		}
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	v, _ := bizlog.NewVerifier(vkey, 0, nil)
	rep := &v.Report

	// Checkpoints are read a page at a time and checked when the
	// recomputation reaches their size.
	var pending []Checkpoint
	nextCheckpoints := func(after int64) error {
		var err error
		pending, err = tx.Checkpoints(ctx, after, 1<<62, 256)
		return err
	}
	if err := nextCheckpoints(0); err != nil {
		return nil, err
	}
	checkDue := func() error {
		for len(pending) > 0 && pending[0].Size <= v.Size() {
			c := pending[0]
			pending = pending[1:]
			if c.Size < v.Size() {
				// Only reachable for a checkpoint of size 0.
				continue
			}
			if vkey == "" {
				v.Fail(&bizlog.Failure{Index: -1, Checkpoint: c.Size, Reason: i18n.T("数据库中没有日志验证公钥，无法验证检查点", "the database holds no log verifier key to check checkpoints with")})
				return errStop
			}
			if f := v.Checkpoint(c.Note, c.Size, c.Root); f != nil {
				return errStop
			}
			if len(pending) == 0 {
				if err := nextCheckpoints(c.Size + 1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := checkDue(); err != nil && err != errStop {
		return nil, err
	}
	if rep.OK() {
		err = tx.ScanLog(ctx, 0, 1<<62, func(r *LogRow) error {
			if r.Entry.Seq >= size && v.Size() == size {
				v.Fail(&bizlog.Failure{Index: r.Entry.Seq, Checkpoint: -1, Reason: i18n.T(
					fmt.Sprintf("记录超出日志头（日志头记录的大小为 %d）", size), fmt.Sprintf("beyond the log head (whose size is %d)", size))})
				return errStop
			}
			// An empty BLOB reads as nil, and nil would skip the check.
			leaf, nodes := r.LeafHash, r.Nodes
			if leaf == nil {
				leaf = []byte{}
			}
			if nodes == nil {
				nodes = []byte{}
			}
			if f := v.Entry(&r.Entry, leaf, nodes); f != nil {
				return errStop
			}
			return checkDue()
		})
		if err != nil && err != errStop {
			return nil, err
		}
	}
	if rep.OK() && v.Size() < size {
		v.Fail(&bizlog.Failure{Index: v.Size(), Checkpoint: -1, Reason: i18n.T("记录缺失（日志头记录的大小为 "+fmt.Sprint(size)+"）", fmt.Sprintf("missing (the log head says the log has %d entries)", size))})
	}
	if rep.OK() && len(pending) > 0 {
		// A checkpoint beyond the entries: forged, or entries were deleted.
		c := pending[0]
		v.Checkpoint(c.Note, c.Size, c.Root)
	}
	if rep.OK() && edge != nil && !bytes.Equal(edge, v.Tree().Edge()) {
		v.Fail(&bizlog.Failure{Index: -1, Checkpoint: -1, Reason: i18n.T("日志头保存的树边缘与重新计算的不符", "the tree edge kept in the log head differs from the recomputed one")})
	}
	return rep, nil
}

var errStop = errors.New("stop")
