package consent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
)

// Ledger is a node's consent ledger.
type Ledger struct {
	N *node.Node
}

// New returns the ledger of n.
func New(n *node.Node) *Ledger { return &Ledger{N: n} }

// Notices returns the published notice versions, newest first.
func (l *Ledger) Notices(ctx context.Context) ([]*Notice, error) {
	var rows []*nodestore.NoticeRow
	if err := l.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { rows, err = tx.Notices(ctx); return err }); err != nil {
		return nil, err
	}
	return decodeNotices(rows)
}

func decodeNotices(rows []*nodestore.NoticeRow) ([]*Notice, error) {
	out := make([]*Notice, 0, len(rows))
	for _, r := range rows {
		var n Notice
		if err := json.Unmarshal(r.Body, &n); err != nil {
			return nil, fmt.Errorf("consent: stored notice %d: %w", r.Version, err)
		}
		n.Version, n.Published = r.Version, r.Published
		out = append(out, &n)
	}
	return out, nil
}

func noticesIn(ctx context.Context, tx *nodestore.Tx) (map[int]*Notice, *Notice, error) {
	rows, err := tx.Notices(ctx)
	if err != nil {
		return nil, nil, err
	}
	ns, err := decodeNotices(rows)
	if err != nil {
		return nil, nil, err
	}
	byVersion := make(map[int]*Notice, len(ns))
	for _, n := range ns {
		byVersion[n.Version] = n
	}
	var latest *Notice
	if len(ns) > 0 {
		latest = ns[0]
	}
	return byVersion, latest, nil
}

// InForce returns the notice in force, nil if none is published, within
// tx — for checks that read it beside other records.
func InForce(ctx context.Context, tx *nodestore.Tx) (*Notice, error) {
	_, latest, err := noticesIn(ctx, tx)
	return latest, err
}

// Published is the outcome of publishing a notice version.
type Published struct {
	Notice      *Notice
	Invalidated int64            // histories whose consent the new version invalidated
	ByPurpose   map[string]int64 // of those, by purpose
}

// Publish publishes a new version of the privacy notice. Its number must
// follow the latest. In the same transaction every consent in force for a
// purpose the new version changes or drops is invalidated — the subject
// must consent again (P-8) — each as an event of its history.
func (l *Ledger) Publish(ctx context.Context, n *Notice, by string) (*Published, error) {
	if err := n.Check(); err != nil {
		return nil, err
	}
	out := &Published{Notice: n, ByPurpose: map[string]int64{}}
	err := l.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		_, latest, err := noticesIn(ctx, tx)
		if err != nil {
			return err
		}
		want := 1
		if latest != nil {
			want = latest.Version + 1
		}
		if n.Version != want {
			return errs.Invalidf("version", fmt.Sprintf("下一版本号应为 %d", want), fmt.Sprintf("the next version is %d", want))
		}
		n.Published = tx.Now()
		body, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if err := tx.InsertNotice(ctx, &nodestore.NoticeRow{Version: n.Version, Body: body, Published: n.Published, PublishedBy: by}); err != nil {
			return err
		}
		if latest != nil {
			for i := range latest.Purposes {
				old := &latest.Purposes[i]
				if !Changed(old, n.Find(old.Code)) {
					continue
				}
				var evs []*nodestore.ConsentEvent
				err := tx.EachConsentState(ctx, old.Code, StateActive, func(s *nodestore.ConsentState) error {
					if s.Basis != BasisConsent {
						return nil
					}
					evs = append(evs, &nodestore.ConsentEvent{ExID: s.ExID, Purpose: s.Purpose, Action: Invalidated, Basis: s.Basis,
						NoticeVersion: n.Version, Method: "statutory", Evidence: "notice v" + strconv.Itoa(n.Version), At: n.Published,
						RecordedBy: by, State: StateInvalidated})
					return nil
				})
				if err != nil {
					return err
				}
				if len(evs) > 0 {
					if err := l.append(ctx, tx, evs); err != nil {
						return err
					}
				}
				out.ByPurpose[old.Code] = int64(len(evs))
				out.Invalidated += int64(len(evs))
			}
		}
		// From the first notice on, the node runs its ledger: deliveries
		// read its head.
		if _, managed, err := tx.ConsentManaged(ctx); err != nil {
			return err
		} else if !managed {
			if err := tx.SetSetting(ctx, nodestore.SettingConsentHead, "0"); err != nil {
				return err
			}
		}
		return tx.Record(ctx, nodestore.EventNoticePublished, fmt.Sprintf("v%d (%d consents invalidated)", n.Version, out.Invalidated))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Record applies events in order, each checked against the notice it
// names and the history as the events before it leave it, and appends
// them all in one transaction, or none.
func (l *Ledger) Record(ctx context.Context, ins []Input, by string) ([]*nodestore.ConsentEvent, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	var evs []*nodestore.ConsentEvent
	err := l.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		var err error
		evs, err = l.prepare(ctx, tx, ins, by, nil)
		if err != nil {
			return err
		}
		return l.append(ctx, tx, evs)
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// RowError names the input an error is about.
type RowError struct {
	Index int
	Err   error
}

func (e *RowError) Error() string { return fmt.Sprintf("input %d: %v", e.Index, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// prepare checks ins within tx. where, if set, names an input in errors
// (a file's line); otherwise a *RowError carries the input's index.
func (l *Ledger) prepare(ctx context.Context, tx *nodestore.Tx, ins []Input, by string, where func(i int, err error) error) ([]*nodestore.ConsentEvent, error) {
	notices, latest, err := noticesIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(notices) == 0 {
		return nil, errs.New(errs.FailedPrecondition, "notice", "尚未发布隐私告知：先用 hulian node consent notice publish 发布", "no privacy notice is published yet: publish one with hulian node consent notice publish")
	}
	// The histories the inputs touch, by purpose, as they stand.
	byPurpose := map[string][][]byte{}
	for _, in := range ins {
		byPurpose[in.Purpose] = append(byPurpose[in.Purpose], in.ExID)
	}
	cur := map[string]*nodestore.ConsentState{}
	for p, ids := range byPurpose {
		states, err := tx.ConsentStates(ctx, p, ids)
		if err != nil {
			return nil, err
		}
		for k, s := range states {
			cur[p+"\x00"+k] = s
		}
	}
	if where == nil {
		where = func(i int, err error) error { return &RowError{Index: i, Err: err} }
	}
	now := tx.Now()
	evs := make([]*nodestore.ConsentEvent, 0, len(ins))
	for i := range ins {
		in := &ins[i]
		key := in.Purpose + "\x00" + string(in.ExID)
		n := notices[in.NoticeVersion]
		ev, err := apply(in, n, cur[key], now)
		if err != nil {
			return nil, where(i, err)
		}
		if in.Action == Given && n.Version != latest.Version && Changed(n.Find(in.Purpose), latest.Find(in.Purpose)) {
			// Consent to a purpose as an older notice put it, which the
			// notice in force changed: it would be invalid at once.
			return nil, where(i, errs.Invalidf("notice_version", fmt.Sprintf("第 %d 版隐私告知已改变该目的，须按现行第 %d 版取得同意", latest.Version, latest.Version),
				fmt.Sprintf("notice version %d changed this purpose: consent is given under version %d", latest.Version, latest.Version)))
		}
		ev.RecordedBy = by
		cur[key] = &nodestore.ConsentState{ExID: ev.ExID, Purpose: ev.Purpose, State: ev.State, Basis: ev.Basis, NoticeVersion: ev.NoticeVersion, ThirdParty: ev.ThirdParty}
		evs = append(evs, ev)
	}
	return evs, nil
}

// History returns a subject's events, oldest first.
func (l *Ledger) History(ctx context.Context, exid []byte) ([]*nodestore.ConsentEvent, error) {
	var out []*nodestore.ConsentEvent
	err := l.N.DB.Read(ctx, func(tx *nodestore.Tx) error {
		for from := int64(1); ; {
			page, err := tx.ConsentEvents(ctx, exid, from, 1000)
			if err != nil {
				return err
			}
			out = append(out, page...)
			if len(page) < 1000 {
				return nil
			}
			from = page[len(page)-1].Seq + 1
		}
	})
	return out, err
}

// Broken is a ledger whose history does not verify: the first event out
// of place.
type Broken struct {
	Seq    int64
	Reason i18n.Text
}

func (b *Broken) Error() string {
	return fmt.Sprintf("consent ledger event %d: %s", b.Seq, b.Reason.EN)
}

// Verify recomputes the ledger's hash chain from its first event and
// checks every event's sequence, link and hash, and that each history's
// state is the one its last event left. It returns the number of events.
func (l *Ledger) Verify(ctx context.Context) (int64, error) {
	var n int64
	err := l.N.DB.Read(ctx, func(tx *nodestore.Tx) error {
		alg, _, err := chainHash(ctx, tx)
		if err != nil {
			return err
		}
		prev := []byte{}
		last := map[string]*nodestore.ConsentEvent{}
		for from := int64(1); ; {
			page, err := tx.ConsentEvents(ctx, nil, from, 5000)
			if err != nil {
				return err
			}
			for _, e := range page {
				switch {
				case e.Seq != n+1:
					return &Broken{Seq: n + 1, Reason: i18n.T("缺失", "missing")}
				case !bytes.Equal(e.Prev, prev):
					return &Broken{Seq: e.Seq, Reason: i18n.T("与前一条记录的链接不符", "its link to the event before is wrong")}
				case !bytes.Equal(HashWith(alg, prev, e), e.Hash):
					return &Broken{Seq: e.Seq, Reason: i18n.T("记录后被改动", "changed after it was recorded")}
				}
				prev, n = e.Hash, e.Seq
				last[e.Purpose+"\x00"+string(e.ExID)] = e
			}
			if len(page) < 5000 {
				break
			}
			from = page[len(page)-1].Seq + 1
		}
		purposes := map[string]bool{}
		for _, e := range last {
			purposes[e.Purpose] = true
		}
		seen := 0
		for p := range purposes {
			err := tx.EachConsentState(ctx, p, "", func(s *nodestore.ConsentState) error {
				e := last[p+"\x00"+string(s.ExID)]
				if e == nil || e.Seq != s.Seq || stateOf(e.Action) != s.State {
					return &Broken{Seq: s.Seq, Reason: i18n.T("某一主体的现状与其记录不符", "a history's state is not the one its events leave")}
				}
				seen++
				return nil
			})
			if err != nil {
				return err
			}
		}
		if seen != len(last) {
			return &Broken{Seq: n, Reason: i18n.T("缺少某一主体的现状", "a history's state is missing")}
		}
		return nil
	})
	return n, err
}

func stateOf(action string) string {
	switch action {
	case Given:
		return StateActive
	case Withdrawn:
		return StateWithdrawn
	case OptedOut:
		return StateOptedOut
	}
	return StateInvalidated
}

// Bind records that an order's confirmed purpose is purpose of the
// notice: its deliveries then answer (or ask) only for subjects whose
// consent covers that purpose.
func (l *Ledger) Bind(ctx context.Context, order, purpose, by string) error {
	return l.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		_, latest, err := noticesIn(ctx, tx)
		if err != nil {
			return err
		}
		if latest == nil {
			return errs.New(errs.FailedPrecondition, "notice", "尚未发布隐私告知", "no privacy notice is published yet")
		}
		if latest.Find(purpose) == nil {
			return errs.Invalidf("purpose", fmt.Sprintf("现行隐私告知（第 %d 版）中没有目的 %q", latest.Version, purpose), fmt.Sprintf("the notice in force (version %d) has no purpose %q", latest.Version, purpose))
		}
		if err := tx.BindOrder(ctx, order, purpose, by); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventOrderBound, order+" → "+purpose)
	})
}

// chainHash is the hash the ledger is chained with: the one recorded with
// its first event, SHA-256 for a ledger begun before it was recorded.
// recorded says whether one was.
func chainHash(ctx context.Context, tx *nodestore.Tx) (alg digest.Alg, recorded bool, err error) {
	v, err := tx.Setting(ctx, nodestore.SettingConsentChainHash)
	if err != nil || v == "" {
		return digest.SHA256, false, err
	}
	return digest.Alg(v), true, nil
}

// append appends events to the ledger, chained with its hash; the first
// event of a new ledger records the node's (SM3 under the 国密 profile).
func (l *Ledger) append(ctx context.Context, tx *nodestore.Tx, evs []*nodestore.ConsentEvent) error {
	alg, recorded, err := chainHash(ctx, tx)
	if err != nil {
		return err
	}
	if !recorded {
		seq, _, err := tx.ConsentHead(ctx)
		if err != nil {
			return err
		}
		if seq == 0 {
			alg = l.N.Digest()
		}
		if err := tx.SetSetting(ctx, nodestore.SettingConsentChainHash, string(alg)); err != nil {
			return err
		}
	}
	return tx.AppendConsentEvents(ctx, evs, func(prev []byte, e *nodestore.ConsentEvent) []byte { return HashWith(alg, prev, e) })
}
