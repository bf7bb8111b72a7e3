package store

import (
	"context"
	"fmt"
	"io"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
)

// ExportLog writes a bundle of entries [from, to) (X-G1: the record kept
// independently by the regulator) anchored to the smallest stored
// checkpoint of at least to entries; to <= 0 means up to the latest
// checkpoint. It returns the header written. The format is
// bizlog.BundleHeader's.
func (db *DB) ExportLog(ctx context.Context, w io.Writer, from, to int64) (*bizlog.BundleHeader, error) {
	var h *bizlog.BundleHeader
	err := db.Read(ctx, func(tx *Tx) error {
		if db.Engine() == "postgres" {
			if _, err := tx.exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`); err != nil {
				return err
			}
		}
		k, err := tx.LogKey(ctx)
		if err != nil {
			return err
		}
		var anchor *Checkpoint
		if to <= 0 {
			anchor, err = tx.LatestCheckpoint(ctx)
			if anchor != nil {
				to = anchor.Size
			}
		} else {
			anchor, err = tx.CheckpointCovering(ctx, to-1)
		}
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.FailedPrecondition, "to", "尚无覆盖这些记录的检查点；请先生成检查点", "no checkpoint covers these entries yet; make one first")
		}
		if err != nil {
			return err
		}
		if from < 0 || from > to {
			return errs.Invalidf("from", fmt.Sprintf("起始序号须在 0 至 %d 之间", to), fmt.Sprintf("from must be between 0 and %d", to))
		}
		left, err := tx.RangeEdge(ctx, 0, from)
		if err != nil {
			return err
		}
		right, err := tx.RangeEdge(ctx, to, anchor.Size)
		if err != nil {
			return err
		}
		cps, err := tx.Checkpoints(ctx, from, to, 1<<30)
		if err != nil {
			return err
		}
		h = &bizlog.BundleHeader{VerifierKey: k.Verifier, From: from, To: to, Anchor: string(anchor.Note), Left: left, Right: right, Checkpoints: len(cps)}
		bw, err := bizlog.NewBundleWriter(w, *h)
		if err != nil {
			return err
		}
		for _, c := range cps {
			if err := bw.Checkpoint(c.Note); err != nil {
				return err
			}
		}
		if err := tx.ScanLog(ctx, from, to, func(r *LogRow) error { return bw.Entry(&r.Entry, r.LeafHash) }); err != nil {
			return err
		}
		return bw.Close()
	})
	return h, err
}
