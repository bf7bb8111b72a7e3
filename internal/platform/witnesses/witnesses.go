// Package witnesses is the platform's side of the regulator's own copy of
// the business log (X-G1). A witness (package witness, "hulian log
// witness") copies every entry to the regulator's machine, verifies each
// checkpoint against its copy and cosigns it; here the platform takes
// those cosignatures, checks them against its own checkpoints, keeps them
// and publishes the newest cosigned checkpoint, so that a member can hold
// the platform to a checkpoint the regulator has seen too.
package witnesses

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/sig"
)

// Witnesses keeps the witnesses of the log kept by Log.
type Witnesses struct {
	Log *logkeeper.Keeper
}

// New returns the witnesses' room over the log keeper k.
func New(k *logkeeper.Keeper) *Witnesses { return &Witnesses{Log: k} }

// Cosign records a witness's cosignature (C2SP tlog-cosignature, Ed25519
// cosignature/v1) of one of the platform's checkpoints. msg is the
// checkpoint note carrying both the platform's signature and the
// witness's; vkey is the witness's cosignature verifier key. The first
// cosignature under a name registers the witness, in the log; a name
// registered with another key is refused. Only the regulator may cosign.
func (w *Witnesses) Cosign(ctx context.Context, vkey string, msg []byte) (*store.Cosignature, error) {
	if err := auth.Require(ctx, auth.PermWitness); err != nil {
		return nil, err
	}
	wv, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, errs.Invalidf("verifier_key", "见证者公钥格式错误："+err.Error(), "malformed witness verifier key: "+err.Error())
	}
	logKey, err := w.Log.VerifierKey(ctx)
	if err != nil {
		return nil, err
	}
	lv, err := sig.NewNoteVerifier(logKey)
	if err != nil {
		return nil, err
	}
	n, err := note.Open(msg, note.VerifierList(lv, wv))
	if err != nil {
		return nil, errs.Invalidf("checkpoint", "检查点签名无法验证："+err.Error(), "the checkpoint's signatures do not verify: "+err.Error())
	}
	var own, cosig *note.Signature
	for i := range n.Sigs {
		s := &n.Sigs[i]
		switch {
		case s.Name == lv.Name() && s.Hash == lv.KeyHash():
			own = s
		case s.Name == wv.Name() && s.Hash == wv.KeyHash():
			cosig = s
		}
	}
	if own == nil || cosig == nil {
		return nil, errs.Invalidf("checkpoint", "须同时带有平台的签名与见证者的联署", "the note must carry both the platform's signature and the witness's cosignature")
	}
	cp, err := bizlog.ParseCheckpoint(n.Text)
	if err != nil {
		return nil, errs.Invalidf("checkpoint", err.Error(), err.Error())
	}
	signed, err := fnote.CoSigV1Timestamp(*cosig)
	if err != nil {
		return nil, errs.Invalidf("checkpoint", "联署缺少时间戳", "the cosignature carries no timestamp")
	}
	a := auth.ActorFrom(ctx)
	c := &store.Cosignature{Witness: wv.Name(), Size: cp.Size, Signature: fmt.Sprintf("— %s %s\n", cosig.Name, cosig.Base64), Signed: signed.UTC()}
	err = w.Log.P.DB.Transact(ctx, func(tx *store.Tx) error {
		mine, err := tx.CheckpointAt(ctx, cp.Size)
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, "checkpoint", fmt.Sprintf("平台未签发大小为 %d 的检查点", cp.Size), fmt.Sprintf("the platform signed no checkpoint of size %d", cp.Size))
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(mine.Root, cp.Root) {
			return errs.Invalidf("checkpoint", "该检查点的根哈希与平台所签发的不同", "the checkpoint's root differs from the one the platform signed")
		}
		known, err := tx.WitnessNamed(ctx, c.Witness)
		switch {
		case errs.Is(err, errs.NotFound):
			now := tx.Now()
			if err := tx.RegisterWitness(ctx, &store.Witness{Name: c.Witness, VerifierKey: vkey, RegisteredBy: a.Ref(), Registered: now}); err != nil {
				return err
			}
			if _, err := tx.Append(ctx, "", bizlog.KindWitnessRegistered, c.Witness, bizlog.P{"verifier_key": vkey, "fingerprint": bizlog.Fingerprint(vkey)}); err != nil {
				return err
			}
		case err != nil:
			return err
		case known.VerifierKey != vkey:
			return errs.New(errs.Conflict, "verifier_key", "该名称的见证者已以另一公钥登记", "a witness of that name is registered with another key")
		}
		c.Received = tx.Now()
		return tx.AddCosignature(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Alarm records an alarm a registered witness reports about the log (the
// regulator): the first index found to differ and why. It is logged, and
// the console shows it beside the witness. A platform rewriting its log
// could drop it; the witness's own record stays on the regulator's machine.
func (w *Witnesses) Alarm(ctx context.Context, vkey string, index int64, reason string) error {
	if err := auth.Require(ctx, auth.PermWitness); err != nil {
		return err
	}
	wv, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return errs.Invalidf("verifier_key", "见证者公钥格式错误", "malformed witness verifier key")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 || index < -1 {
		return errs.Invalidf("reason", "须写明告警内容（最长 2000 字节）与首个不符的序号", "state the alarm (at most 2000 bytes) and the first index that differs")
	}
	return w.Log.P.DB.Transact(ctx, func(tx *store.Tx) error {
		known, err := tx.WitnessNamed(ctx, wv.Name())
		if err != nil {
			return err
		}
		if known.VerifierKey != vkey {
			return errs.New(errs.NotFound, "witness", "没有该见证者", "no such witness")
		}
		if err := tx.AddWitnessAlarm(ctx, known.Name, index, reason); err != nil {
			return err
		}
		_, err = tx.Append(ctx, "", bizlog.KindWitnessAlarm, known.Name, bizlog.P{"first_index": index, "reason": reason})
		return err
	})
}

// Witnessed is the newest checkpoint a witness cosigned, as a signed note
// carrying the platform's signature and every witness's cosignature of it.
// Anyone may read it: a verifier that knows the regulator's witness key
// checks both.
func (w *Witnesses) Witnessed(ctx context.Context) ([]byte, error) {
	var out []byte
	err := w.Log.P.DB.Read(ctx, func(tx *store.Tx) error {
		size, cs, err := tx.NewestCosigned(ctx)
		if err != nil {
			return err
		}
		cp, err := tx.CheckpointAt(ctx, size)
		if err != nil {
			return err
		}
		out = append(out, cp.Note...)
		for _, c := range cs {
			out = append(out, c.Signature...)
		}
		return nil
	})
	return out, err
}

// Status is the witnesses as the regulator's console shows them.
type Status struct {
	LogSize   int64
	Witnesses []*WitnessStatus
}

// WitnessStatus is one witness: how far behind the log its newest
// cosignature is, in entries and in time.
type WitnessStatus struct {
	*store.Witness
	Fingerprint string
	Behind      int64
	Stale       bool // no cosignature for longer than StaleAfter
}

// StaleAfter is how long a witness may go without cosigning before the
// console marks it stale: a witness that stopped is itself a finding.
const StaleAfter = 15 * time.Minute

// Status lists the witnesses for the operator and the regulator.
func (w *Witnesses) Status(ctx context.Context) (*Status, error) {
	if err := auth.Require(ctx, auth.PermLogRead); err != nil {
		return nil, err
	}
	st := &Status{}
	err := w.Log.P.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if st.LogSize, err = tx.LogSize(ctx); err != nil {
			return err
		}
		ws, err := tx.Witnesses(ctx)
		if err != nil {
			return err
		}
		now := tx.Now()
		for _, x := range ws {
			st.Witnesses = append(st.Witnesses, &WitnessStatus{Witness: x, Fingerprint: bizlog.Fingerprint(x.VerifierKey),
				Behind: st.LogSize - x.Size, Stale: x.Received.IsZero() || now.Sub(x.Received) > StaleAfter})
		}
		return nil
	})
	return st, err
}
