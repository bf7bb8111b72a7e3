package store

import (
	"bytes"
	"context"
	"database/sql"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// OPRFKey is one epoch's issuance key as stored: the private scalar sealed.
type OPRFKey struct {
	Epoch     int
	Public    []byte
	Sealed    []byte
	Alg       string
	KEKID     string
	Created   time.Time
	CreatedBy string
	Retired   time.Time
}

// InsertOPRFKey stores a new epoch's key.
func (tx *Tx) InsertOPRFKey(ctx context.Context, k *OPRFKey) error {
	k.Created, k.CreatedBy = tx.Now(), auth.ActorFrom(ctx).Ref()
	_, err := tx.exec(ctx, `INSERT INTO oprf_keys (epoch, public_key, sealed_key, alg, kek_id, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		k.Epoch, k.Public, k.Sealed, k.Alg, k.KEKID, k.Created, k.CreatedBy)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "epoch", "该纪元的密钥已存在", "a key for this epoch exists")
	}
	return err
}

// OPRFKeys lists every epoch's key, oldest first. Public keys are public;
// the sealed private keys are useless without the key-encryption key.
func (tx *Tx) OPRFKeys(ctx context.Context) ([]OPRFKey, error) {
	rows, err := tx.query(ctx, `SELECT epoch, public_key, sealed_key, alg, kek_id, created_at, created_by, retired_at FROM oprf_keys ORDER BY epoch`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OPRFKey
	for rows.Next() {
		var k OPRFKey
		var retired sql.NullTime
		if err := rows.Scan(&k.Epoch, &k.Public, &k.Sealed, &k.Alg, &k.KEKID, &k.Created, &k.CreatedBy, &retired); err != nil {
			return nil, err
		}
		k.Created, k.Retired = k.Created.UTC(), fromNull(retired)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RetireOPRFKeys retires every epoch before epoch: they no longer evaluate.
func (tx *Tx) RetireOPRFKeys(ctx context.Context, before int) error {
	_, err := tx.exec(ctx, `UPDATE oprf_keys SET retired_at = $2 WHERE epoch < $1 AND retired_at IS NULL`, before, tx.Now())
	return err
}

// MeterIssuance adds n evaluations to a member's count for day and fails,
// adding nothing, if that would pass limit.
func (tx *Tx) MeterIssuance(ctx context.Context, memberID, day string, n, limit int64) (used int64, err error) {
	if err := canSee(ctx, memberID); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO issuance_usage (member_id, day, count) VALUES ($1, $2, 0) ON CONFLICT (member_id, day) DO NOTHING`, memberID, day); err != nil {
		return 0, err
	}
	err = tx.queryRow(ctx, `UPDATE issuance_usage SET count = count + $3 WHERE member_id = $1 AND day = $2 AND count + $3 <= $4 RETURNING count`,
		memberID, day, n, limit).Scan(&used)
	if err == sql.ErrNoRows {
		return 0, errs.New(errs.ResourceExhausted, "count", "已超出今日 exID 签发额度，本次请求未计数", "today's exID issuance limit is reached; this request was not counted")
	}
	return used, err
}

// IssuanceUsage returns a member's count for day.
func (tx *Tx) IssuanceUsage(ctx context.Context, memberID, day string) (int64, error) {
	if err := canSee(ctx, memberID); err != nil {
		return 0, err
	}
	var n int64
	err := tx.queryRow(ctx, `SELECT count FROM issuance_usage WHERE member_id = $1 AND day = $2`, memberID, day).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return n, err
}

// IssuanceRequest is an evaluation request as remembered for retries.
type IssuanceRequest struct {
	RequestID     string
	BlindedSHA256 []byte
	Count         int64
	Epoch         int
}

// ClaimIssuanceRequest records a member's request ID with the digest of its
// blinded elements. It reports replay when the ID was claimed before with
// the same digest and epoch (a retry: evaluate, do not meter again), and
// fails with Conflict when it was claimed for another batch.
func (tx *Tx) ClaimIssuanceRequest(ctx context.Context, memberID string, r IssuanceRequest) (replay bool, err error) {
	if err := canSee(ctx, memberID); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO issuance_requests (member_id, request_id, blinded_sha256, count, epoch, created_at) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (member_id, request_id) DO NOTHING`, memberID, r.RequestID, r.BlindedSHA256, r.Count, r.Epoch, tx.Now())
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return false, nil
	}
	var prev IssuanceRequest
	err = tx.queryRow(ctx, `SELECT blinded_sha256, count, epoch FROM issuance_requests WHERE member_id = $1 AND request_id = $2`, memberID, r.RequestID).
		Scan(&prev.BlindedSHA256, &prev.Count, &prev.Epoch)
	if err != nil {
		return false, err
	}
	if !bytes.Equal(prev.BlindedSHA256, r.BlindedSHA256) || prev.Epoch != r.Epoch {
		return false, errs.New(errs.Conflict, "request_id", "该请求编号已用于另一批盲化元素", "this request ID was used for another batch of blinded elements")
	}
	return true, nil
}

// PruneIssuanceRequests forgets request IDs claimed before t, at most limit
// of them; a retry after that is metered as a new request.
func (tx *Tx) PruneIssuanceRequests(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM issuance_requests WHERE (member_id, request_id) IN
		(SELECT member_id, request_id FROM issuance_requests WHERE created_at < $1 LIMIT $2)`, before, limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
