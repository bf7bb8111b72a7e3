package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hulian/internal/errs"
)

// Settings and events of the consent ledger.
const (
	// SettingConsentHead is the sequence number of the ledger's newest
	// event. Every append rewrites it first, which serialises appends (the
	// hash chain needs one head) and lets a serving node see, with one
	// read, that consents changed since it last looked.
	SettingConsentHead = "consent_head"

	EventNoticePublished = "consent.notice_published"
	EventConsentImported = "consent.imported"
	EventOrderBound      = "consent.order_bound"
)

// NoticeRow is a stored privacy notice version.
type NoticeRow struct {
	Version     int
	Body        []byte // consent.Notice as JSON
	Published   time.Time
	PublishedBy string
}

// InsertNotice stores a notice version; one that exists is a Conflict.
func (tx *Tx) InsertNotice(ctx context.Context, n *NoticeRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_notices (version, body, published_at, published_by) VALUES ($1, $2, $3, $4)`,
		n.Version, string(n.Body), n.Published, n.PublishedBy)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "version", "该版本的隐私告知已发布", "that notice version is published already")
	}
	return err
}

// Notices lists the notice versions, newest first.
func (tx *Tx) Notices(ctx context.Context) ([]*NoticeRow, error) {
	rows, err := tx.Query(ctx, `SELECT version, body, published_at, published_by FROM node_notices ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*NoticeRow
	for rows.Next() {
		n := &NoticeRow{}
		var body string
		if err := rows.Scan(&n.Version, &body, &n.Published, &n.PublishedBy); err != nil {
			return nil, err
		}
		n.Body = []byte(body)
		out = append(out, n)
	}
	return out, rows.Err()
}

// ConsentEvent is one event of a subject's history for one purpose.
type ConsentEvent struct {
	Seq           int64
	ExID          []byte
	Purpose       string
	Action        string // given, withdrawn, opted_out, invalidated
	Basis         string
	NoticeVersion int
	Method        string
	Evidence      string
	Separate      bool
	Minor         bool
	Guardian      bool
	At            time.Time // when the subject acted (or the ledger, for an invalidation)
	Recorded      time.Time
	RecordedBy    string
	Prev, Hash    []byte

	// The state the history is in after the event, and whether it covers
	// provision to a third party: what node_consents keeps.
	State      string
	ThirdParty bool
}

// ConsentHead returns the ledger's newest event's sequence number and
// hash: 0 and nil before any.
func (tx *Tx) ConsentHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM node_consent_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	return seq, hash, err
}

// ConsentGen is the sequence number of the ledger's newest event, read
// from its setting: one row, for every delivery to check.
func (tx *Tx) ConsentGen(ctx context.Context) (int64, error) {
	v, err := tx.Setting(ctx, SettingConsentHead)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// ConsentManaged reports whether the node runs its consent ledger (a
// notice was published), and the ledger's head.
func (tx *Tx) ConsentManaged(ctx context.Context) (int64, bool, error) {
	v, err := tx.Setting(ctx, SettingConsentHead)
	if err != nil || v == "" {
		return 0, false, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, true, err
}

// AppendConsentEvents appends events to the ledger in order, chaining
// each to the one before with hash(prev, event), and sets each history's
// state. The head setting is written first, so that appends by other
// transactions wait for this one.
func (tx *Tx) AppendConsentEvents(ctx context.Context, evs []*ConsentEvent, hash func(prev []byte, e *ConsentEvent) []byte) error {
	if err := tx.SetSetting(ctx, SettingConsentHead, "locked"); err != nil {
		return err
	}
	seq, prev, err := tx.ConsentHead(ctx)
	if err != nil {
		return err
	}
	if prev == nil {
		prev = []byte{} // the first event links to nothing
	}
	for _, e := range evs {
		seq++
		e.Seq, e.Prev, e.Recorded = seq, prev, tx.Now()
		e.Hash = hash(prev, e)
		prev = e.Hash
	}
	// Many rows a statement: a feed of a million consents is one
	// transaction of tens of thousands of statements, not two million. Not
	// more: the SQLite driver finds each parameter by a scan of the
	// statement's parameters, so binding grows with their square.
	const batch = 16
	for start := 0; start < len(evs); start += batch {
		part := evs[start:min(start+batch, len(evs))]
		var q strings.Builder
		q.WriteString(`INSERT INTO node_consent_events (seq, exid, purpose, action, basis, notice_version, method, evidence, separate,
			minor, guardian, at, recorded_at, recorded_by, prev_hash, hash) VALUES `)
		args := make([]any, 0, 16*len(part))
		for i, e := range part {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(placeholders(len(args), 16))
			args = append(args, e.Seq, e.ExID, e.Purpose, e.Action, e.Basis, e.NoticeVersion, e.Method, e.Evidence, e.Separate, e.Minor, e.Guardian,
				e.At.UTC(), e.Recorded, e.RecordedBy, e.Prev, e.Hash)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
		// One history may appear twice in a batch: its last event wins,
		// and an upsert cannot touch a row twice in one statement.
		last := map[string]*ConsentEvent{}
		var order []string
		for _, e := range part {
			k := e.Purpose + "\x00" + string(e.ExID)
			if _, ok := last[k]; !ok {
				order = append(order, k)
			}
			last[k] = e
		}
		q.Reset()
		q.WriteString(`INSERT INTO node_consents (exid, purpose, state, basis, notice_version, third_party, seq) VALUES `)
		args = args[:0]
		for i, k := range order {
			e := last[k]
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(placeholders(len(args), 7))
			args = append(args, e.ExID, e.Purpose, e.State, e.Basis, e.NoticeVersion, e.ThirdParty, e.Seq)
		}
		q.WriteString(` ON CONFLICT (exid, purpose) DO UPDATE SET state = excluded.state, basis = excluded.basis, notice_version = excluded.notice_version,
			third_party = excluded.third_party, seq = excluded.seq`)
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return tx.SetSetting(ctx, SettingConsentHead, strconv.FormatInt(seq, 10))
}

// placeholders writes "($n+1, …, $n+k)".
func placeholders(n, k int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 1; i <= k; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n + i))
	}
	b.WriteByte(')')
	return b.String()
}

const consentEventColumns = `seq, exid, purpose, action, basis, notice_version, method, evidence, separate, minor, guardian, at, recorded_at, recorded_by, prev_hash, hash`

func scanConsentEvent(sc interface{ Scan(...any) error }) (*ConsentEvent, error) {
	e := &ConsentEvent{}
	err := sc.Scan(&e.Seq, &e.ExID, &e.Purpose, &e.Action, &e.Basis, &e.NoticeVersion, &e.Method, &e.Evidence, &e.Separate, &e.Minor, &e.Guardian,
		&e.At, &e.Recorded, &e.RecordedBy, &e.Prev, &e.Hash)
	return e, err
}

// ConsentEvents returns events from seq from on, in order, at most limit;
// with exid set, that subject's only.
func (tx *Tx) ConsentEvents(ctx context.Context, exid []byte, from int64, limit int) ([]*ConsentEvent, error) {
	q, args := `SELECT `+consentEventColumns+` FROM node_consent_events WHERE seq >= $1`, []any{from}
	if exid != nil {
		q, args = q+` AND exid = $2`, append(args, exid)
	}
	args = append(args, limit)
	rows, err := tx.Query(ctx, q+fmt.Sprintf(` ORDER BY seq LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ConsentEvent
	for rows.Next() {
		e, err := scanConsentEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ConsentState is where one subject's history for one purpose stands.
type ConsentState struct {
	ExID          []byte
	Purpose       string
	State         string
	Basis         string
	NoticeVersion int
	ThirdParty    bool
	Seq           int64
}

// ConsentStates returns the states of the subjects' histories for
// purpose, by exID; a subject without one is absent.
func (tx *Tx) ConsentStates(ctx context.Context, purpose string, exids [][]byte) (map[string]*ConsentState, error) {
	out := make(map[string]*ConsentState, len(exids))
	const batch = 100 // the SQLite driver binds parameters in time square in their number
	for start := 0; start < len(exids); start += batch {
		part := exids[start:min(start+batch, len(exids))]
		args := []any{purpose}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := tx.Query(ctx, `SELECT exid, purpose, state, basis, notice_version, third_party, seq FROM node_consents
			WHERE purpose = $1 AND exid IN `+placeholders(1, len(part)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			s := &ConsentState{}
			if err := rows.Scan(&s.ExID, &s.Purpose, &s.State, &s.Basis, &s.NoticeVersion, &s.ThirdParty, &s.Seq); err != nil {
				rows.Close()
				return nil, err
			}
			out[string(s.ExID)] = s
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SubjectConsents returns one subject's states, by purpose.
func (tx *Tx) SubjectConsents(ctx context.Context, exid []byte) ([]*ConsentState, error) {
	rows, err := tx.Query(ctx, `SELECT exid, purpose, state, basis, notice_version, third_party, seq FROM node_consents WHERE exid = $1 ORDER BY purpose`, exid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ConsentState
	for rows.Next() {
		s := &ConsentState{}
		if err := rows.Scan(&s.ExID, &s.Purpose, &s.State, &s.Basis, &s.NoticeVersion, &s.ThirdParty, &s.Seq); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EachConsentState calls fn with every history of purpose in state (all
// states if ""), in exID order.
func (tx *Tx) EachConsentState(ctx context.Context, purpose, state string, fn func(*ConsentState) error) error {
	q, args := `SELECT exid, purpose, state, basis, notice_version, third_party, seq FROM node_consents WHERE purpose = $1`, []any{purpose}
	if state != "" {
		q, args = q+` AND state = $2`, append(args, state)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY exid`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		s := &ConsentState{}
		if err := rows.Scan(&s.ExID, &s.Purpose, &s.State, &s.Basis, &s.NoticeVersion, &s.ThirdParty, &s.Seq); err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BindOrder records which purpose of the notice an order is; binding it
// again replaces the purpose.
func (tx *Tx) BindOrder(ctx context.Context, order, purpose, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_order_purposes (order_id, purpose, bound_by, bound_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id) DO UPDATE SET purpose = excluded.purpose, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
		order, purpose, by, tx.Now())
	return err
}

// OrderPurpose is the purpose an order is bound to, "" if none.
func (tx *Tx) OrderPurpose(ctx context.Context, order string) (string, error) {
	var p string
	err := tx.QueryRow(ctx, `SELECT purpose FROM node_order_purposes WHERE order_id = $1`, order).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return p, err
}

// ConsentCount is how many histories of a purpose are in a state.
type ConsentCount struct {
	Purpose string
	State   string
	N       int64
}

// ConsentCounts counts the histories by purpose and state.
func (tx *Tx) ConsentCounts(ctx context.Context) ([]ConsentCount, error) {
	rows, err := tx.Query(ctx, `SELECT purpose, state, COUNT(*) FROM node_consents GROUP BY purpose, state ORDER BY purpose, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConsentCount
	for rows.Next() {
		var c ConsentCount
		if err := rows.Scan(&c.Purpose, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OrderBinding is an order bound to a purpose.
type OrderBinding struct {
	Order   string
	Purpose string
	By      string
	At      time.Time
}

// OrderBindings lists the orders bound to purposes, newest first.
func (tx *Tx) OrderBindings(ctx context.Context) ([]OrderBinding, error) {
	rows, err := tx.Query(ctx, `SELECT order_id, purpose, bound_by, bound_at FROM node_order_purposes ORDER BY bound_at DESC, order_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrderBinding
	for rows.Next() {
		var b OrderBinding
		if err := rows.Scan(&b.Order, &b.Purpose, &b.By, &b.At); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
