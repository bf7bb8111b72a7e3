// Package logkeeper is the platform's keeping of the business log
// (业务日志): its signing key, sealed under the platform's key-encryption
// key; the signed checkpoints, on demand and in the background; and what
// members, the regulator and witnesses may read of it — entries, proofs,
// receipts and the verifier's report. Appending entries is not here: every
// use case appends its own, in its own transaction (platform/store).
package logkeeper

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/sig"
)

// Config configures the business log's checkpoints.
type Config struct {
	// Origin names the log in its checkpoints and is the signing key's
	// name; it is fixed when the key is made. Default DefaultOrigin.
	Origin string
	// Every is how many new entries trigger a checkpoint (default 1000).
	Every int64
	// Interval is how long new entries may wait for a checkpoint
	// (default 10 s).
	Interval time.Duration
}

// DefaultOrigin is the log's name unless configured.
const DefaultOrigin = "hulian.platform/log"

func (c Config) every() int64 {
	if c.Every <= 0 {
		return 1000
	}
	return c.Every
}

func (c Config) interval() time.Duration {
	if c.Interval <= 0 {
		return 10 * time.Second
	}
	return c.Interval
}

// Keeper keeps the log of the platform P.
type Keeper struct {
	P      *platform.Platform
	Config Config
}

// New returns the keeper of p's log with the default checkpoint policy.
func New(p *platform.Platform) *Keeper { return &Keeper{P: p} }

// EnsureKey makes the log signing key on first start, sealed with the
// platform's key-encryption key (the sealer set by UseSealer, so one
// KEK protects all the platform's keys), and returns the verifier key.
// Later calls open the stored key, so a wrong KEK is found at start rather
// than at the first checkpoint.
func (k *Keeper) EnsureKey(ctx context.Context) (string, error) {
	_, vkey, err := k.Signer(ctx)
	if !errs.Is(err, errs.NotFound) {
		return vkey, err
	}
	if k.P.Sealer() == nil {
		return "", errNoKEK
	}
	origin := k.Config.Origin
	if origin == "" {
		origin = DefaultOrigin
	}
	skey, vkey, err := bizlog.GenerateKey(sig.AlgFor(k.P.Profile()), origin)
	if err != nil {
		return "", err
	}
	sealed, err := k.P.Sealer().Seal([]byte(skey), bizlog.KeyAD(vkey))
	if err != nil {
		return "", err
	}
	err = k.P.DB.Transact(ctx, func(tx *store.Tx) error {
		if err := tx.CreateLogKey(ctx, &store.LogKey{Verifier: vkey, Sealed: sealed}); err != nil {
			return err
		}
		_, err := tx.Append(auth.WithActor(ctx, auth.System), "", bizlog.KindLogKeyCreated, "log", bizlog.P{"verifier_key": vkey})
		return err
	})
	if errs.Is(err, errs.Conflict) {
		// Another process made it first.
		_, vkey, err = k.Signer(ctx)
	}
	return vkey, err
}

var errNoKEK = errs.New(errs.FailedPrecondition, "HULIAN_KEK", "未配置密钥加密密钥，无法签署日志检查点", "no key-encryption key is configured: log checkpoints cannot be signed")

// Signer opens the log's signing key: the relay signs relayed requests
// and receipts with it, so that nodes verify them against the one key they
// pinned.
func (k *Keeper) Signer(ctx context.Context) (note.Signer, string, error) {
	var lk *store.LogKey
	if err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { lk, err = tx.LogKey(ctx); return err }); err != nil {
		return nil, "", err
	}
	if k.P.Sealer() == nil {
		return nil, lk.Verifier, errNoKEK
	}
	bad := errs.New(errs.FailedPrecondition, "HULIAN_KEK", "日志签名密钥无法用所配置的密钥加密密钥解开", "the log signing key does not open with the configured key-encryption key")
	skey, err := k.P.Sealer().Open(lk.Sealed, bizlog.KeyAD(lk.Verifier))
	if err != nil {
		return nil, lk.Verifier, bad
	}
	s, err := bizlog.Signer(string(skey), lk.Verifier)
	if err != nil {
		return nil, lk.Verifier, bad
	}
	return s, lk.Verifier, nil
}

// VerifierKey is the log's public verifier key in the signed-note format.
// Anyone may read it.
func (k *Keeper) VerifierKey(ctx context.Context) (string, error) {
	var lk *store.LogKey
	err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { lk, err = tx.LogKey(ctx); return err })
	if err != nil {
		return "", err
	}
	return lk.Verifier, nil
}

// Checkpoint signs and stores a checkpoint of the log as it is now, on
// demand (platform staff only). If the log has not grown since the latest
// checkpoint, that one is returned.
func (k *Keeper) Checkpoint(ctx context.Context) (*store.Checkpoint, error) {
	if err := auth.Require(ctx, auth.PermLogRead); err != nil {
		return nil, err
	}
	return k.checkpoint(ctx)
}

func (k *Keeper) checkpoint(ctx context.Context) (*store.Checkpoint, error) {
	signer, _, err := k.Signer(ctx)
	if err != nil {
		return nil, err
	}
	var c *store.Checkpoint
	err = k.P.DB.Transact(ctx, func(tx *store.Tx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		if c, err = tx.CheckpointAt(ctx, size); err == nil {
			return nil
		}
		root, err := tx.RootAt(ctx, size)
		if err != nil {
			return err
		}
		msg, err := bizlog.Checkpoint{Origin: signer.Name(), Size: size, Root: root}.Sign(signer)
		if err != nil {
			return err
		}
		c = &store.Checkpoint{Size: size, Root: root, At: tx.Now(), Note: msg}
		return tx.AddCheckpoint(ctx, c)
	})
	if errs.Is(err, errs.Conflict) {
		// A concurrent checkpoint of the same size: the same root.
		return k.checkpoint(ctx)
	}
	return c, err
}

// RunCheckpoints makes a checkpoint whenever Config.Every entries are
// not yet covered, or any entry has waited Config.Interval, until ctx is
// done or the database is closed.
func (k *Keeper) RunCheckpoints(ctx context.Context) error {
	poll := min(k.Config.interval(), time.Second)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var size int64
		var last *store.Checkpoint
		err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
			if size, err = tx.LogSize(ctx); err != nil {
				return err
			}
			last, err = tx.LatestCheckpoint(ctx)
			if errs.Is(err, errs.NotFound) {
				last, err = &store.Checkpoint{}, nil
			}
			return err
		})
		if err == nil && (size-last.Size >= k.Config.every() || (size > last.Size && time.Since(last.At) >= k.Config.interval())) {
			_, err = k.checkpoint(ctx)
		}
		switch {
		case err == nil:
		case errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed"):
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			k.P.Logger.Error("log checkpoint failed", "err", err)
		}
	}
}

// LatestCheckpoint is the latest signed checkpoint. Anyone may read it.
func (k *Keeper) LatestCheckpoint(ctx context.Context) (*store.Checkpoint, error) {
	var c *store.Checkpoint
	err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { c, err = tx.LatestCheckpoint(ctx); return err })
	return c, err
}

// CheckpointAt is the stored checkpoint of exactly size entries.
func (k *Keeper) CheckpointAt(ctx context.Context, size int64) (*store.Checkpoint, error) {
	var c *store.Checkpoint
	err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { c, err = tx.CheckpointAt(ctx, size); return err })
	return c, err
}

// Entries lists log entries by member, kind and time (X-G4: the operator
// looks up the records a dispute concerns). Members see only their own.
func (k *Keeper) Entries(ctx context.Context, f store.LogFilter) ([]bizlog.Entry, error) {
	var out []bizlog.Entry
	err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.LogEntries(ctx, f); return err })
	return out, err
}

// InclusionProof proves entry index is in the checkpoint of size entries.
// Platform staff may ask about any entry, a member about its own.
func (k *Keeper) InclusionProof(ctx context.Context, index, size int64) (leafHash []byte, proof [][]byte, err error) {
	err = k.P.DB.Read(ctx, func(tx *store.Tx) error {
		es, err := tx.LogEntries(ctx, store.LogFilter{From: index, Limit: 1})
		if err != nil {
			return err
		}
		if len(es) == 0 || es[0].Seq != index {
			return errs.New(errs.NotFound, "index", "找不到该记录", "no such entry")
		}
		leafHash = bizlog.LeafHash(es[0].Leaf())
		proof, err = tx.InclusionProof(ctx, index, size)
		return err
	})
	return leafHash, proof, err
}

// ConsistencyProof proves the tree of size1 entries is a prefix of the tree
// of size2. It holds only hashes: anyone may ask, as witnesses do.
func (k *Keeper) ConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	var out [][]byte
	err := k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.ConsistencyProof(ctx, size1, size2); return err })
	return out, err
}

// Receipts returns signed receipts for the entries concerning the actor's
// member (or, for platform staff, the member asked for), from entry from
// on, that the latest checkpoint covers.
func (k *Keeper) Receipts(ctx context.Context, member string, from int64, limit int) ([]bizlog.Receipt, error) {
	a := auth.ActorFrom(ctx)
	switch {
	case a.Role == auth.RoleMember && a.MemberID != "":
		member = a.MemberID
	case a.Role.IsStaff() && member != "":
	case a.Role.IsStaff():
		return nil, errs.Invalidf("member", "须指定成员", "name the member")
	default:
		return nil, errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
	}
	var out []bizlog.Receipt
	err := k.P.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := tx.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		es, err := tx.LogEntries(ctx, store.LogFilter{Member: member, From: from, Limit: limit})
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.Seq >= c.Size {
				break
			}
			proof, err := tx.InclusionProof(ctx, e.Seq, c.Size)
			if err != nil {
				return err
			}
			out = append(out, bizlog.Receipt{Entry: e, Checkpoint: string(c.Note), Proof: proof})
		}
		return nil
	})
	return out, err
}

// Verify runs the offline verifier (the one behind "hulian log verify
// --db") over the platform's own database: for the regulator's console.
func (k *Keeper) Verify(ctx context.Context) (*bizlog.Report, error) {
	if err := auth.Require(ctx, auth.PermLogRead); err != nil {
		return nil, err
	}
	return k.P.DB.VerifyLog(ctx, store.VerifyOptions{})
}
