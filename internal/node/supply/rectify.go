package supply

import (
	"cmp"
	"context"
	"crypto/ecdh"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/colstore"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/rectnotice"
	"hulian/internal/protocol/seal"
)

// Corrections and deletions travel (X-P4, O-4, PIPL Art. 47). The node
// records the rows each answer supplied (recordSupplied); Rectify compares
// them with what the node holds now and tells each order's demander, by a
// notice sealed to its node and authenticated with the order key, which
// subjects to delete — excluded since, their consent for the order's
// purpose withdrawn, or gone from the dataset — and which to correct, with
// the current version's values. A row is named once per reason; a notice
// made is kept until the platform has logged it, so a run that stops is
// continued by the next.

// Reasons a notice gives.
const (
	ReasonExcluded  = "excluded"  // the subject was excluded (deletion asked, consent refused)
	ReasonWithdrawn = "withdrawn" // consent for the order's purpose withdrawn
	ReasonRemoved   = "removed"   // not in the dataset's current version
	ReasonCorrected = "corrected" // the current version holds other values
)

// maxNoticeSubjects bounds a notice: the platform takes at most 10,000
// subjects and 960 KiB sealed; a correction carries the values.
const maxNoticeSubjects = 5000

// recordSupplied stores the rows an answer supplied.
func (n *Side) recordSupplied(ctx context.Context, req *AnswerRequest, versionID int64, purpose string, ms []tokenindex.Match) error {
	if len(ms) == 0 {
		return nil
	}
	rb := roaring.New()
	for _, m := range ms {
		rb.Add(m.Ref)
	}
	rb.RunOptimize()
	b, err := rb.ToBytes()
	if err != nil {
		return err
	}
	return n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.RecordSupplied(ctx, &nodestore.Supplied{OrderID: req.OrderID, RequestID: req.RequestID, Demander: req.DemanderMember,
			VersionID: versionID, Columns: req.Columns, Purpose: purpose, Rows: b, Subjects: int64(rb.GetCardinality()), SuppliedAt: n.Now()})
	})
}

// RectifyReport says what a run of Rectify did.
type RectifyReport struct {
	Made     int   // notices made this run
	Subjects int64 // subjects they name
	Sent     int   // notices the platform logged this run (made now or before)
	Unsent   int   // notices left for the next run
}

// supplyGroup is what one order received from one dataset version.
type supplyGroup struct {
	order, demander, purpose string
	version                  int64
	columns                  []string
	rows                     *roaring.Bitmap
}

// Rectify makes the notices the node's data calls for and sends every
// notice not yet sent. A failure to reach the platform leaves the notices
// made for the next run and is returned with the report.
func (n *Side) Rectify(ctx context.Context) (*RectifyReport, error) {
	n.cache.rectifyMu.Lock()
	defer n.cache.rectifyMu.Unlock()
	rep := &RectifyReport{}
	var groups []*supplyGroup
	var state string
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		groups = nil
		// What the notices depend on: a run that finds it as the last run
		// left it has nothing to make, and does not read every dataset
		// version an order was supplied from.
		var err error
		if state, err = tx.RectifyState(ctx); err != nil {
			return err
		}
		if last, err := tx.Setting(ctx, nodestore.SettingRectifiedState); err != nil || last == state {
			return err
		}
		return tx.EachSupplied(ctx, nil, func(s *nodestore.Supplied) error {
			var g *supplyGroup
			if k := len(groups); k > 0 && groups[k-1].order == s.OrderID && groups[k-1].version == s.VersionID {
				g = groups[k-1]
			} else {
				g = &supplyGroup{order: s.OrderID, demander: s.Demander, purpose: s.Purpose, version: s.VersionID, columns: s.Columns, rows: roaring.New()}
				groups = append(groups, g)
			}
			rb := roaring.New()
			if _, err := rb.FromBuffer(s.Rows); err != nil {
				return fmt.Errorf("supplied %s/%s: %w", s.OrderID, s.RequestID, err)
			}
			g.rows.Or(rb)
			return nil
		})
	})
	if err != nil {
		return rep, err
	}
	for _, g := range groups {
		made, subjects, err := n.rectifyGroup(ctx, g)
		rep.Made += made
		rep.Subjects += subjects
		if err != nil {
			return rep, err
		}
	}
	if len(groups) > 0 {
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			return tx.SetSetting(ctx, nodestore.SettingRectifiedState, state)
		}); err != nil {
			return rep, err
		}
	}
	err = n.sendRectifications(ctx, rep)
	return rep, err
}

// change is one row a notice names.
type change struct {
	row    uint32 // in the version supplied
	id     exid.ExID
	values []string // corrections: the current values of the order's columns
}

func (n *Side) rectifyGroup(ctx context.Context, g *supplyGroup) (made int, subjects int64, err error) {
	var v, cur *nodestore.DatasetVersion
	var done []*nodestore.RectificationOut
	var gen, consentGen int64
	var managed bool
	err = n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if v, err = tx.DatasetVersionByID(ctx, g.version); err != nil {
			return err
		}
		if cur, err = tx.CurrentDatasetVersion(ctx, v.Dataset); err != nil {
			return err
		}
		if done, err = tx.RectificationsOut(ctx, g.order, false); err != nil {
			return err
		}
		if gen, err = tx.ExclusionsGen(ctx); err != nil {
			return err
		}
		consentGen, managed, err = tx.ConsentManaged(ctx)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	// Rows named before are not named again for the same reason.
	deleted, corrected := roaring.New(), roaring.New()
	for _, r := range done {
		if r.FromVersion != g.version {
			continue
		}
		rb := roaring.New()
		if _, err := rb.FromBuffer(r.Rows); err != nil {
			return 0, 0, fmt.Errorf("notice %s: %w", r.ID, err)
		}
		switch {
		case r.Action == "delete":
			deleted.Or(rb)
		case r.ToVersion == cur.ID:
			corrected.Or(rb)
		}
	}
	todo := roaring.AndNot(g.rows, deleted)
	if todo.IsEmpty() {
		return 0, 0, nil
	}
	data, err := n.datasetFor(ctx, v)
	if err != nil {
		return 0, 0, err
	}
	now := data
	if cur.ID != v.ID {
		if now, err = n.datasetFor(ctx, cur); err != nil {
			return 0, 0, err
		}
	}
	if now.exclGen.Load() < gen {
		if err := n.refreshExclusions(ctx, now, gen); err != nil {
			return 0, 0, err
		}
	}
	var allowed *bitset
	if managed && g.purpose != "" {
		snap, err := n.consentSnap(ctx, now, g.purpose, consentGen)
		if err != nil {
			return 0, 0, err
		}
		allowed = snap.bits
	}
	var oldCols, newCols []int
	for _, key := range g.columns {
		o, ok1 := data.column(key)
		c, ok2 := now.column(key)
		if !ok1 || !ok2 {
			return 0, 0, errNoColumn(key)
		}
		oldCols, newCols = append(oldCols, o), append(newCols, c)
	}
	byReason := map[string][]change{}
	it := todo.Iterator()
	for it.HasNext() {
		row := it.Next()
		if int(row) >= len(data.IDs) {
			continue
		}
		id := data.IDs[row]
		at := int(row)
		ok := true
		if now != data {
			at, ok = now.row(id)
		}
		switch {
		case !ok:
			byReason[ReasonRemoved] = append(byReason[ReasonRemoved], change{row: row, id: id})
		case now.isExcluded(uint32(at)):
			byReason[ReasonExcluded] = append(byReason[ReasonExcluded], change{row: row, id: id})
		case allowed != nil && !allowed.has(uint32(at)):
			byReason[ReasonWithdrawn] = append(byReason[ReasonWithdrawn], change{row: row, id: id})
		case now != data && !corrected.Contains(row):
			var vals []string
			differ := false
			for i := range newCols {
				nv := now.Cols[newCols[i]].Value(at)
				if string(nv) != string(data.Cols[oldCols[i]].Value(int(row))) {
					differ = true
				}
				vals = append(vals, decodeValue(nv))
			}
			if differ {
				byReason[ReasonCorrected] = append(byReason[ReasonCorrected], change{row: row, id: id, values: vals})
			}
		}
	}
	if len(byReason) == 0 {
		return 0, 0, nil
	}
	peer, err := n.supplyPeer(ctx, g.order)
	if err != nil {
		return 0, 0, err
	}
	k, err := ordertoken.DeriveFor(n.Digest(), n.Keys.X25519, peer, g.order)
	if err != nil {
		return 0, 0, err
	}
	defer k.Zero()
	for _, reason := range []string{ReasonExcluded, ReasonWithdrawn, ReasonRemoved, ReasonCorrected} {
		cs := byReason[reason]
		for len(cs) > 0 {
			part := cs[:min(len(cs), maxNoticeSubjects)]
			cs = cs[len(part):]
			if err := n.makeNotice(ctx, g, &k, peer, reason, cur.ID, part); err != nil {
				return made, subjects, err
			}
			made++
			subjects += int64(len(part))
		}
	}
	return made, subjects, nil
}

// decodeValue turns a dictionary entry (uvarint length, then the text)
// back into its text.
func decodeValue(b []byte) string {
	l, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < l {
		return ""
	}
	return string(b[n : n+int(l)])
}

// supplyPeer returns the order's demander node key, checked against its
// logged registration.
func (n *Side) supplyPeer(ctx context.Context, orderID string) (*ecdh.PublicKey, error) {
	dp, err := n.Delivery()
	if err != nil {
		return nil, err
	}
	p, err := dp.OrderPeer(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if p.Side != "supply" {
		return nil, errs.New(errs.PermissionDenied, "order_id", "本成员不是该订单的供方", "this member is not the order's supplier")
	}
	if err := n.PinVerifierKey(ctx, p.VerifierKey); err != nil {
		return nil, err
	}
	if err := n.CheckPeerKey(ctx, p.PeerKeyReceipt, p.PeerMember, p.PeerX25519); err != nil {
		return nil, err
	}
	peer, err := ecdh.X25519().NewPublicKey(p.PeerX25519)
	if err != nil {
		return nil, errs.New(errs.Unavailable, "peer_x25519_public_key", "平台给出的需求方节点公钥无效", "the platform gave an invalid demander node key")
	}
	return peer, nil
}

// makeNotice seals one notice and records it, unsent, with the rows it
// names, in one transaction.
func (n *Side) makeNotice(ctx context.Context, g *supplyGroup, k *ordertoken.Key, peer *ecdh.PublicKey, reason string, to int64, cs []change) error {
	action := rectnotice.Delete
	if reason == ReasonCorrected {
		action = rectnotice.Correct
	} else {
		to = 0
	}
	id := auth.NewID("rn_")
	body := rectnotice.Body{Version: 1, Notice: id, Order: g.order, Action: action, Reason: reason}
	if action == rectnotice.Correct {
		body.Columns = g.columns
	}
	rb := roaring.New()
	for _, c := range cs {
		t := k.Token(c.id)
		body.Rows = append(body.Rows, rectnotice.Row{Token: hex.EncodeToString(t[:]), Values: c.values})
		rb.Add(c.row)
	}
	plain, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sealed, err := seal.Seal(peer, g.order, rectnotice.RequestID(id), plain)
	clear(plain)
	if err != nil {
		return err
	}
	mac := k.Authenticator(rectnotice.RequestID(id), evidence.HashWith(k.Alg(), sealed))
	rows, err := rb.ToBytes()
	if err != nil {
		return err
	}
	return n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.InsertRectificationOut(ctx, &nodestore.RectificationOut{ID: id, OrderID: g.order, Demander: g.demander, Action: action,
			Reason: reason, FromVersion: g.version, ToVersion: to, Rows: rows, Subjects: int64(len(cs)), Sealed: sealed, Authenticator: mac[:],
			CreatedAt: n.Now()}); err != nil {
			return err
		}
		// The event names the order, the reason and the count, not who.
		return tx.Record(ctx, nodestore.EventRectificationMade, fmt.Sprintf("notice=%s order=%s action=%s reason=%s subjects=%d", id, g.order, action, reason, len(cs)))
	})
}

// sendRectifications sends the notices made and not yet sent, oldest
// first.
func (n *Side) sendRectifications(ctx context.Context, rep *RectifyReport) error {
	var unsent []*nodestore.RectificationOut
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		unsent, err = tx.RectificationsOut(ctx, "", true)
		return err
	}); err != nil {
		return err
	}
	rep.Unsent = len(unsent)
	if len(unsent) == 0 {
		return nil
	}
	rp, err := n.Node.Rectify()
	if err != nil {
		return err
	}
	for _, r := range unsent {
		seq, err := rp.SendRectification(ctx, node.RectificationNotice{ID: r.ID, OrderID: r.OrderID, Action: r.Action, Subjects: int(r.Subjects),
			Sealed: r.Sealed, Authenticator: r.Authenticator})
		if err != nil {
			return err
		}
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			if err := tx.MarkRectificationSent(ctx, r.ID, seq); err != nil {
				return err
			}
			return tx.Record(ctx, nodestore.EventRectificationSent, fmt.Sprintf("notice=%s order=%s seq=%d", r.ID, r.OrderID, seq))
		}); err != nil {
			return err
		}
		rep.Sent++
		rep.Unsent--
	}
	return nil
}

// columnNames turns an order's tag keys into the dataset's column names,
// which people read.
func columnNames(v *nodestore.DatasetVersion, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if j := slices.Index(v.TagKeys, k); j >= 0 && j < len(v.Columns) {
			out[i] = v.Columns[j]
		}
	}
	return out
}

// Supplied is what the node supplied of one person's data to one order.
type Supplied struct {
	OrderID  string
	Demander string
	Dataset  string
	Columns  []string // the dataset's column names
	Purpose  string
	First    string // RFC 3339, UTC: the first answer that carried it
	Last     string
	Answers  int
	Notified []string // the reasons of notices that named them
}

// SuppliedOf lists, for a person's exID, every order that received their
// data from this node: for the privacy centre (PIPL Art. 45: to whom it
// was provided).
func (n *Side) SuppliedOf(ctx context.Context, id exid.ExID) ([]*Supplied, error) {
	var out []*Supplied
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		out = nil
		sets, err := tx.Datasets(ctx)
		if err != nil {
			return err
		}
		pos := map[int64]uint32{}
		name := map[int64]string{}
		vers := map[int64]*nodestore.DatasetVersion{}
		var versions []int64
		for _, d := range sets {
			vs, err := tx.DatasetVersions(ctx, d.Dataset)
			if err != nil {
				return err
			}
			for _, v := range vs {
				p, ok, err := colstore.Position(ctx, tx, v, id)
				if err != nil {
					return err
				}
				if ok {
					pos[v.ID], name[v.ID], vers[v.ID] = uint32(p), v.Dataset, v
					versions = append(versions, v.ID)
				}
			}
		}
		if len(versions) == 0 {
			return nil
		}
		byOrder := map[string]*Supplied{}
		err = tx.EachSupplied(ctx, versions, func(s *nodestore.Supplied) error {
			rb := roaring.New()
			if _, err := rb.FromBuffer(s.Rows); err != nil {
				return err
			}
			if !rb.Contains(pos[s.VersionID]) {
				return nil
			}
			at := s.SuppliedAt.Format("2006-01-02T15:04:05Z")
			o := byOrder[s.OrderID]
			if o == nil {
				o = &Supplied{OrderID: s.OrderID, Demander: s.Demander, Dataset: name[s.VersionID], Columns: columnNames(vers[s.VersionID], s.Columns), Purpose: s.Purpose, First: at}
				byOrder[s.OrderID] = o
				out = append(out, o)
			}
			o.Answers++
			o.Last = at
			return nil
		})
		if err != nil {
			return err
		}
		for _, o := range out {
			rs, err := tx.RectificationsOut(ctx, o.OrderID, false)
			if err != nil {
				return err
			}
			for _, r := range rs {
				p, ok := pos[r.FromVersion]
				if !ok {
					continue
				}
				rb := roaring.New()
				if _, err := rb.FromBuffer(r.Rows); err != nil {
					return err
				}
				if rb.Contains(p) && !slices.Contains(o.Notified, r.Reason) {
					o.Notified = append(o.Notified, r.Reason)
				}
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *Supplied) int { return cmp.Compare(b.Last, a.Last) })
	return out, err
}
