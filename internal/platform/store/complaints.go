package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/market"
)

// Complaint is a complaint of an infringed privacy or trade secret (X-G3).
type Complaint struct {
	ID          string
	CodeDigest  string // of the complainant's code, under the platform's hash
	Kind        string // privacy, trade_secret
	Complainant string
	Contact     string
	Concerns    string // what the complainant named, as given
	Description string
	Status      string // received, accepted, rejected, answered, restored, upheld
	Order       string // the exchange suspended, once accepted: an order…
	Listing     string // …or a listing, with every order under it…
	Member      string // …or a member as a whole: its published listings and active orders
	Demander    string // the order's demander; "" otherwise
	Supplier    string // the member who answers: the order's or the listing's supplier, or the member complained about
	// SuspendedOrders and SuspendedListings are what accepting the
	// complaint suspended: restoring resumes exactly these.
	SuspendedOrders   []string
	SuspendedListings []string
	OperatorNote      string
	Answer            string
	AnsweredBy        string
	Filed             time.Time
	Accepted          time.Time
	Answered          time.Time
	Resolved          time.Time
}

// Evidence is one file of a complaint's evidence.
type Evidence struct {
	N           int
	Name        string
	ContentType string
	Hash        digest.Alg // SHA-256, or SM3 under the 国密 profile
	Digest      string     // of Data, hex
	Data        []byte
	AddedBy     string
	Added       time.Time
}

func noComplaint() error {
	return errs.New(errs.NotFound, "complaint", "找不到该投诉", "no such complaint")
}

// InsertComplaint records a complaint as filed; anyone may file one.
func (tx *Tx) InsertComplaint(ctx context.Context, c *Complaint) error {
	_, err := tx.exec(ctx, `INSERT INTO complaints (id, code_digest, kind, complainant, contact, concerns, description, status, filed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, c.ID, c.CodeDigest, c.Kind, c.Complainant, c.Contact, c.Concerns, c.Description, c.Status, c.Filed)
	return err
}

// AddEvidence adds a file to a complaint's evidence.
func (tx *Tx) AddEvidence(ctx context.Context, complaint string, e *Evidence) error {
	_, err := tx.exec(ctx, `INSERT INTO complaint_evidence (complaint_id, n, name, content_type, digest, hash, data, added_by, added_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		complaint, e.N, e.Name, e.ContentType, e.Digest, string(e.Hash), e.Data, e.AddedBy, e.Added)
	return err
}

// SaveComplaint writes a complaint's status, exchange, notes and answer
// back; the caller read it for update in the same transaction.
func (tx *Tx) SaveComplaint(ctx context.Context, c *Complaint) error {
	if err := partyTo(ctx, noComplaint, c.Demander, c.Supplier); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE complaints SET status = $2, order_id = $3, demander_id = $4, supplier_id = $5, operator_note = $6, answer = $7,
		answered_by = $8, accepted_at = $9, answered_at = $10, resolved_at = $11, listing_id = $12, member_id = $13, suspended_orders = $14,
		suspended_listings = $15 WHERE id = $1`,
		c.ID, c.Status, c.Order, c.Demander, c.Supplier, c.OperatorNote, c.Answer, c.AnsweredBy, nullTime(c.Accepted), nullTime(c.Answered), nullTime(c.Resolved),
		c.Listing, c.Member, strings.Join(c.SuspendedOrders, ","), strings.Join(c.SuspendedListings, ","))
	return err
}

const complaintCols = `id, code_digest, kind, complainant, contact, concerns, description, status, order_id, demander_id, supplier_id,
	operator_note, answer, answered_by, filed_at, accepted_at, answered_at, resolved_at, listing_id, member_id, suspended_orders, suspended_listings`

func scanComplaint(row interface{ Scan(...any) error }) (*Complaint, error) {
	var c Complaint
	var acc, ans, res sql.NullTime
	var orders, listings string
	if err := row.Scan(&c.ID, &c.CodeDigest, &c.Kind, &c.Complainant, &c.Contact, &c.Concerns, &c.Description, &c.Status, &c.Order, &c.Demander, &c.Supplier,
		&c.OperatorNote, &c.Answer, &c.AnsweredBy, &c.Filed, &acc, &ans, &res, &c.Listing, &c.Member, &orders, &listings); err != nil {
		return nil, err
	}
	if orders != "" {
		c.SuspendedOrders = strings.Split(orders, ",")
	}
	if listings != "" {
		c.SuspendedListings = strings.Split(listings, ",")
	}
	c.Filed, c.Accepted, c.Answered, c.Resolved = c.Filed.UTC(), fromNull(acc), fromNull(ans), fromNull(res)
	return &c, nil
}

// ComplaintByCode returns a complaint for its complainant: the ID and the
// receipt code's hash must match. Anyone may ask; a wrong code is "not
// found", as a wrong ID is.
func (tx *Tx) ComplaintByCode(ctx context.Context, id, codeDigest string) (*Complaint, error) {
	c, err := scanComplaint(tx.queryRow(ctx, `SELECT `+complaintCols+` FROM complaints WHERE id = $1 AND code_digest = $2`, id, codeDigest))
	if err == sql.ErrNoRows {
		return nil, noComplaint()
	}
	return c, err
}

// Complaint returns a complaint: staff any, a member one whose exchange
// it is party to, locked for update when asked.
func (tx *Tx) Complaint(ctx context.Context, id string, forUpdate bool) (*Complaint, error) {
	q := `SELECT ` + complaintCols + ` FROM complaints WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	c, err := scanComplaint(tx.queryRow(ctx, q, id))
	if err == sql.ErrNoRows {
		return nil, noComplaint()
	}
	if err != nil {
		return nil, err
	}
	if err := partyTo(ctx, noComplaint, c.Demander, c.Supplier); err != nil {
		return nil, err
	}
	return c, nil
}

// Complaints lists complaints, newest first: staff all (or of a status), a
// member those about its exchanges once accepted.
func (tx *Tx) Complaints(ctx context.Context, status string, limit int) ([]*Complaint, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + complaintCols + ` FROM complaints WHERE 1=1`
	var args []any
	if !all {
		args = append(args, own)
		q += " AND (demander_id = $1 OR supplier_id = $1)"
	}
	if status != "" {
		args = append(args, status)
		q += " AND status = $" + itoa(len(args))
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := tx.query(ctx, q+" ORDER BY filed_at DESC, id LIMIT "+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Complaint
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// EvidenceOf lists a complaint's evidence (the caller may see the
// complaint); with data only if asked.
func (tx *Tx) EvidenceOf(ctx context.Context, complaint string, data bool) ([]*Evidence, error) {
	col := "NULL"
	if data {
		col = "data"
	}
	rows, err := tx.query(ctx, `SELECT n, name, content_type, digest, hash, `+col+`, added_by, added_at FROM complaint_evidence WHERE complaint_id = $1 ORDER BY n`, complaint)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Evidence
	for rows.Next() {
		var e Evidence
		if err := rows.Scan(&e.N, &e.Name, &e.ContentType, &e.Digest, &e.Hash, &e.Data, &e.AddedBy, &e.Added); err != nil {
			return nil, err
		}
		e.Added = e.Added.UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

// ActiveOrdersOfListing returns the active orders under a listing (staff),
// locked for the update that suspends them.
func (tx *Tx) ActiveOrdersOfListing(ctx context.Context, supplier, listing string) ([]*market.Order, error) {
	if err := canSee(ctx, ""); err != nil {
		return nil, err
	}
	os, err := marketBodies[market.Order](tx.query(ctx, `SELECT body FROM orders WHERE supplier_id = $1 AND status = $2 ORDER BY id`+tx.Eng.ForUpdate(),
		supplier, string(market.Active)))
	if err != nil {
		return nil, err
	}
	out := os[:0]
	for _, o := range os {
		if o.Terms.ListingID == listing {
			out = append(out, o)
		}
	}
	return out, nil
}

// ActiveOrdersOfMember returns the active orders a member is party to
// (staff), locked for the update that suspends them.
func (tx *Tx) ActiveOrdersOfMember(ctx context.Context, member string) ([]*market.Order, error) {
	if err := canSee(ctx, ""); err != nil {
		return nil, err
	}
	return marketBodies[market.Order](tx.query(ctx, `SELECT body FROM orders WHERE (demander_id = $1 OR supplier_id = $1) AND status = $2 ORDER BY id`+tx.Eng.ForUpdate(),
		member, string(market.Active)))
}
