package demand

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/exid"
)

// A demander queries a listing whose tags are associated with individuals
// only for subjects who signed its query authorisation (X-E10). The member
// keeps the signed documents; its node keeps a record of each (package
// authz), imported from a CSV file:
//
//	exid (or the raw ID column), agreement_sha256, signed_on, expires_on[, verified_on, verification]
//
// agreement_sha256 is the SHA-256 of the signed document, in hex; dates
// are YYYY-MM-DD (Beijing); verified_on and verification, together, record
// an interactive identity verification, which two-step listings require.

// AuthorisationImport is an import of query authorisation records.
type AuthorisationImport struct {
	In       string // the CSV file
	Column   string // the key column: exIDs, or raw IDs with Translate; "exid" if empty
	Encoding scan.Encoding
	// Translate turns raw IDs into exIDs through the platform; Normalize
	// checks one first, so that a bad row stops the import before any is
	// sent.
	Translate func(ctx context.Context, raw []string) ([]exid.Result, error)
	Normalize func(raw string) error
}

// AuthorisationsImported counts an import.
type AuthorisationsImported struct {
	Rows    int
	OneStep int // records without identity verification
	TwoStep int // records with it
}

// authorisationColumns are the file's columns besides the key.
var authorisationColumns = []string{"agreement_sha256", "signed_on", "expires_on"}

// parseAuthorisation reads one row's record (without its subject). get
// returns a column's cell, "" if the file has no such column.
func parseAuthorisation(get func(col string) string) (*authz.Record, error) {
	var r authz.Record
	sum := strings.ToLower(strings.TrimSpace(get("agreement_sha256")))
	if b, err := hex.DecodeString(sum); err != nil || len(b) != len(r.Agreement) {
		return nil, errs.Invalidf("agreement_sha256", "须为授权协议文件的 SHA-256（64 位十六进制）", "must be the SHA-256 of the signed authorisation, 64 hex digits")
	} else {
		copy(r.Agreement[:], b)
	}
	date := func(col string, required bool) (string, error) {
		s := strings.TrimSpace(get(col))
		if s == "" && !required {
			return "", nil
		}
		d, err := calendar.ParseDate(s)
		if err != nil {
			return "", errs.Invalidf(col, "日期须为 YYYY-MM-DD", "the date must be YYYY-MM-DD")
		}
		return d.String(), nil
	}
	var err error
	if r.SignedOn, err = date("signed_on", true); err != nil {
		return nil, err
	}
	if r.ExpiresOn, err = date("expires_on", true); err != nil {
		return nil, err
	}
	if r.ExpiresOn < r.SignedOn {
		return nil, errs.Invalidf("expires_on", "到期日早于签署日", "the expiry date is before the signing date")
	}
	if r.VerifiedOn, err = date("verified_on", false); err != nil {
		return nil, err
	}
	r.Verification = strings.TrimSpace(get("verification"))
	switch {
	case r.VerifiedOn != "" && r.Verification == "":
		return nil, errs.Invalidf("verification", "有身份验证日期时须写明验证方式与凭证编号", "with a verification date, name the verification's method and reference")
	case r.VerifiedOn == "" && r.Verification != "":
		return nil, errs.Invalidf("verified_on", "写明了身份验证方式时须给出验证日期", "with a verification method, give its date")
	case len(r.Verification) > 200:
		return nil, errs.Invalidf("verification", "验证方式与凭证编号不超过 200 字节", "the verification method and reference are at most 200 bytes")
	}
	return &r, nil
}

// ImportAuthorisations reads every row of the file, checks it and, only if
// all are good, stores them in one transaction: a bad row is named by its
// file line and column, and nothing is half-imported.
func (n *Side) ImportAuthorisations(ctx context.Context, j AuthorisationImport) (*AuthorisationsImported, error) {
	if j.Column == "" {
		j.Column = "exid"
	}
	f, err := os.Open(j.In)
	if err != nil {
		return nil, errs.Invalidf("--in", "无法打开授权文件："+err.Error(), "cannot open the authorisations file: "+err.Error())
	}
	defer f.Close()
	rd, err := scan.NewReader(f, j.Encoding)
	if err != nil {
		return nil, inputError(j.In, err)
	}
	key, err := rd.Column(j.Column)
	if err != nil {
		have := strings.Join(rd.Header, ", ")
		return nil, inputError(j.In, errs.Invalidf(j.Column, "表头中没有这一列（--column）；表头的列为："+have, "the header has no such column (--column); it has: "+have))
	}
	idx := map[string]int{}
	for _, c := range append(append([]string{}, authorisationColumns...), "verified_on", "verification") {
		if i, err := rd.Column(c); err == nil {
			idx[c] = i
		}
	}
	for _, c := range authorisationColumns {
		if _, ok := idx[c]; !ok {
			have := strings.Join(rd.Header, ", ")
			return nil, inputError(j.In, errs.Invalidf(c, "缺少这一列；表头的列为："+have, "this column is missing; the header has: "+have))
		}
	}
	var keys []string
	var ids []exid.ExID
	var lines []int
	var recs []*authz.Record
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, inputError(j.In, err)
		}
		get := func(c string) string {
			if i, ok := idx[c]; ok {
				return row[i]
			}
			return ""
		}
		r, err := parseAuthorisation(get)
		if err != nil {
			var e *errs.Error
			errors.As(err, &e)
			return nil, inputError(j.In, errs.InCell(err, e.Field, rd.Row(), e.Reason.ZH, e.Reason.EN))
		}
		k := strings.TrimSpace(row[key])
		id, err := checkKey(k, j.Translate != nil, j.Normalize, j.In, j.Column, rd.Row())
		if err != nil {
			return nil, err
		}
		keys, ids, lines, recs = append(keys, k), append(ids, id), append(lines, rd.Row()), append(recs, r)
	}
	if len(recs) == 0 {
		return nil, errs.Invalidf("--in", "授权文件没有数据行", "the authorisations file has no rows")
	}
	if j.Translate != nil {
		if ids, err = translateKeys(ctx, j.Translate, keys, lines, j.In, j.Column); err != nil {
			return nil, err
		}
	}
	out := &AuthorisationsImported{Rows: len(recs)}
	rows := make([]*nodestore.Authorisation, len(recs))
	seen := make(map[exid.ExID]int, len(ids))
	for i, r := range recs {
		if first, dup := seen[ids[i]]; dup {
			return nil, inputError(j.In, errs.InCell(errs.Invalidf(j.Column, "", ""), j.Column, lines[i],
				"与第 "+strconv.Itoa(first)+" 行是同一主体", "the same subject as line "+strconv.Itoa(first)))
		}
		seen[ids[i]] = lines[i]
		if _, err := rand.Read(r.Salt[:]); err != nil {
			return nil, err
		}
		if r.Level() == authz.TwoStep {
			out.TwoStep++
		} else {
			out.OneStep++
		}
		id := ids[i]
		rows[i] = &nodestore.Authorisation{ExID: id[:], Agreement: r.Agreement[:], SignedOn: r.SignedOn, ExpiresOn: r.ExpiresOn,
			VerifiedOn: r.VerifiedOn, Verification: r.Verification, Salt: r.Salt[:]}
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.AddAuthorisations(ctx, rows); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventAuthorisationsImported, strconv.Itoa(out.Rows)+" ("+strconv.Itoa(out.TwoStep)+" two-step)")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeAuthorisations withdraws the subjects' authorisations: their next
// query is not sent.
func (n *Side) RevokeAuthorisations(ctx context.Context, ids []exid.ExID) (int64, error) {
	keys := make([][]byte, len(ids))
	for i := range ids {
		keys[i] = ids[i][:]
	}
	var k int64
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		k, err = tx.RevokeAuthorisations(ctx, keys)
		return err
	})
	return k, err
}

// authorised decides which of ids may be queried under an order requiring
// level, on the node's date, and returns their positions and the
// commitments to send with their tokens (filled in by commit).
func (n *Side) authorised(ctx context.Context, ids []exid.ExID, level authz.Level) (send []int, recs []*authz.Record, err error) {
	keys := make([][]byte, len(ids))
	for i := range ids {
		keys[i] = ids[i][:]
	}
	var cur map[string]*nodestore.Authorisation
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		cur, err = tx.CurrentAuthorisations(ctx, keys)
		return err
	}); err != nil {
		return nil, nil, err
	}
	today := calendar.DateOf(n.Now()).String()
	for i := range ids {
		a, ok := cur[string(keys[i])]
		if !ok {
			continue
		}
		r := &authz.Record{SignedOn: a.SignedOn, ExpiresOn: a.ExpiresOn, VerifiedOn: a.VerifiedOn, Verification: a.Verification}
		copy(r.Agreement[:], a.Agreement)
		copy(r.Salt[:], a.Salt)
		if r.ValidOn(today) && r.Level() >= level {
			send, recs = append(send, i), append(recs, r)
		}
	}
	return send, recs, nil
}
