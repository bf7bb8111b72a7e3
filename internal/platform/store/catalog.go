package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/errs"
)

// PutReference stores a new version of reference data.
func (tx *Tx) PutReference(ctx context.Context, kind, version string, body []byte) error {
	_, err := tx.exec(ctx, `INSERT INTO reference_data (kind, version, body, created_at, created_by) VALUES ($1,$2,$3,$4,$5)`,
		kind, version, body, tx.Now(), auth.ActorFrom(ctx).Ref())
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "version", "该版本已存在，请使用新的版本号", "this version exists; use a new version")
	}
	return err
}

// Reference returns the version of reference data in force: the newest.
func (tx *Tx) Reference(ctx context.Context, kind string) (version string, body []byte, err error) {
	err = tx.queryRow(ctx, `SELECT version, body FROM reference_data WHERE kind = $1 ORDER BY created_at DESC, version DESC LIMIT 1`, kind).Scan(&version, &body)
	return version, body, notFound(err, "kind", "尚无该参考数据", "no such reference data yet")
}

func listingNotFound() error {
	return errs.New(errs.NotFound, "listing", "找不到该挂牌", "no such listing")
}

// canSeeListing: staff see every listing, a member its own, and published
// listings are visible to every logged-in member (that is the market).
func canSeeListing(ctx context.Context, l *catalog.Listing) error {
	own, all, err := tenant(ctx)
	if err != nil {
		return err
	}
	if all || l.MemberID == own || l.Status == catalog.StatusPublished {
		return nil
	}
	return listingNotFound()
}

func searchText(l *catalog.Listing) string {
	parts := []string{l.Title, l.Limit.Description, strings.Join(l.Limit.Keywords, " ")}
	for _, t := range l.Tags {
		parts = append(parts, t.Name, t.Key)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// SaveListing inserts or replaces a listing; only its owner (or staff for
// review transitions) may write it.
func (tx *Tx) SaveListing(ctx context.Context, l *catalog.Listing, insert bool) error {
	if err := partyTo(ctx, listingNotFound, l.MemberID); err != nil {
		return err
	}
	l.Updated = tx.Now()
	if insert {
		l.Created = tx.Now()
	}
	body, err := json.Marshal(l)
	if err != nil {
		return err
	}
	args := []any{l.ID, l.MemberID, l.Kind, l.Title, l.Status, l.Version, searchText(l), l.Limit.SourceIndustry,
		string(l.Price.Mode), catalog.ListedFen(l.Price), body, l.Created, l.Updated, nullTime(l.PublishedAt)}
	if insert {
		_, err = tx.exec(ctx, `INSERT INTO listings (id, member_id, kind, title, status, version, search_text, source_industry,
			billing_mode, unit_price_fen, body, created_at, updated_at, published_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`, args...)
	} else {
		var res sql.Result
		res, err = tx.exec(ctx, `UPDATE listings SET kind=$3, title=$4, status=$5, version=$6, search_text=$7, source_industry=$8,
			billing_mode=$9, unit_price_fen=$10, body=$11, updated_at=$13, published_at=$14 WHERE id=$1 AND member_id=$2 AND created_at=$12`, args...)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return listingNotFound()
			}
		}
	}
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM listing_tags WHERE listing_id = $1`, l.ID); err != nil {
		return err
	}
	for _, t := range l.Tags {
		if _, err := tx.exec(ctx, `INSERT INTO listing_tags (listing_id, key, name, category) VALUES ($1,$2,$3,$4)`, l.ID, t.Key, t.Name, t.Category); err != nil {
			return err
		}
	}
	return nil
}

func scanListing(row interface{ Scan(...any) error }) (*catalog.Listing, error) {
	var body []byte
	if err := row.Scan(&body); err != nil {
		return nil, err
	}
	var l catalog.Listing
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// Listing returns a listing the actor may see; forUpdate locks it.
func (tx *Tx) Listing(ctx context.Context, id string, forUpdate bool) (*catalog.Listing, error) {
	q := `SELECT body FROM listings WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	l, err := scanListing(tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "listing", "找不到该挂牌", "no such listing")
	}
	if err := canSeeListing(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

// ListingQuery narrows a listing search.
type ListingQuery struct {
	Status   catalog.Status // "" for any the actor may see
	Member   string         // a supplier's own listings
	Category string         // a tag category code, first- or second-level
	Tag      string         // a tag key or name
	Keyword  string
	Industry string // source industry section or division
	MinFen   int64
	MaxFen   int64 // 0: no upper bound
	Limit    int
}

// SearchListings finds listings the actor may see, newest first. Members see
// published listings and their own; staff see all.
func (tx *Tx) SearchListings(ctx context.Context, q ListingQuery) ([]*catalog.Listing, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if !all {
		where = append(where, "(l.status = "+arg(string(catalog.StatusPublished))+" OR l.member_id = "+arg(own)+")")
	}
	if q.Status != "" {
		where = append(where, "l.status = "+arg(string(q.Status)))
	}
	if q.Member != "" {
		where = append(where, "l.member_id = "+arg(q.Member))
	}
	if q.Category != "" {
		where = append(where, "EXISTS (SELECT 1 FROM listing_tags t WHERE t.listing_id = l.id AND (t.category = "+arg(q.Category)+" OR t.category LIKE "+arg(q.Category+".%")+"))")
	}
	if q.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM listing_tags t WHERE t.listing_id = l.id AND (t.key = "+arg(q.Tag)+" OR t.name = "+arg(q.Tag)+"))")
	}
	if q.Keyword != "" {
		where = append(where, "l.search_text LIKE "+arg("%"+escapeLike(strings.ToLower(q.Keyword))+"%")+" ESCAPE '\\'")
	}
	if q.Industry != "" {
		where = append(where, "(l.source_industry = "+arg(q.Industry)+" OR l.source_industry LIKE "+arg(q.Industry+"%")+")")
	}
	if q.MinFen > 0 {
		where = append(where, "l.unit_price_fen >= "+arg(q.MinFen))
	}
	if q.MaxFen > 0 {
		where = append(where, "l.unit_price_fen <= "+arg(q.MaxFen))
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	sqlText := `SELECT l.body FROM listings l`
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += " ORDER BY l.updated_at DESC, l.id LIMIT " + arg(q.Limit)
	rows, err := tx.query(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*catalog.Listing
	for rows.Next() {
		l, err := scanListing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// PriceByCategory is one published listing's unit price under one of its
// tag categories, for market quotes. Quotes are public (X-D1): no tenant.
type PriceByCategory struct {
	Category string
	Mode     string
	UnitFen  int64
}

// PublishedPrices lists unit prices of published listings by tag category.
func (tx *Tx) PublishedPrices(ctx context.Context) ([]PriceByCategory, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT t.category, l.id, l.billing_mode, l.unit_price_fen FROM listings l
		JOIN listing_tags t ON t.listing_id = l.id WHERE l.status = $1 ORDER BY t.category, l.unit_price_fen`, string(catalog.StatusPublished))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PriceByCategory
	for rows.Next() {
		var p PriceByCategory
		var id string
		if err := rows.Scan(&p.Category, &id, &p.Mode, &p.UnitFen); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListingCategories maps each listing to the categories of its tags: what
// the market's traded figures are grouped by.
func (tx *Tx) ListingCategories(ctx context.Context) (map[string][]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT listing_id, category FROM listing_tags ORDER BY listing_id, category`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, cat string
		if err := rows.Scan(&id, &cat); err != nil {
			return nil, err
		}
		out[id] = append(out[id], cat)
	}
	return out, rows.Err()
}
