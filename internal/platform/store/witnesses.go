package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// Witness is an independent keeper of the business log (X-G1), run by the
// regulator: its name and cosignature verifier key.
type Witness struct {
	Name         string
	VerifierKey  string
	RegisteredBy string
	Registered   time.Time
	// The newest checkpoint it cosigned: its size and when it signed and
	// the platform received the cosignature; zero if none yet.
	Size     int64
	Signed   time.Time
	Received time.Time
	// The newest alarm it reported, if any.
	AlarmAt    time.Time
	AlarmIndex int64
	Alarm      string
}

// Cosignature is a witness's signature line on the checkpoint of Size
// entries, as it appears in the signed note ("— name base64").
type Cosignature struct {
	Witness   string
	Size      int64
	Signature string
	Signed    time.Time
	Received  time.Time
}

// RegisterWitness records a witness (staff). A name or a key that is
// registered already is a Conflict.
func (tx *Tx) RegisterWitness(ctx context.Context, w *Witness) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO log_witnesses (name, verifier_key, registered_by, registered_at) VALUES ($1,$2,$3,$4)`,
		w.Name, w.VerifierKey, w.RegisteredBy, w.Registered)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "verifier_key", "已有同名或同一公钥的见证者", "a witness of that name or key is registered already")
	}
	return err
}

// WitnessNamed returns the registered witness called name.
func (tx *Tx) WitnessNamed(ctx context.Context, name string) (*Witness, error) {
	w := &Witness{}
	err := tx.queryRow(ctx, `SELECT name, verifier_key, registered_by, registered_at FROM log_witnesses WHERE name = $1`, name).
		Scan(&w.Name, &w.VerifierKey, &w.RegisteredBy, &w.Registered)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "witness", "没有该见证者", "no such witness")
	}
	return w, err
}

// AddCosignature stores a witness's cosignature (staff), replacing one of
// the same witness and size: a witness re-signing a checkpoint after a
// restart is not news.
func (tx *Tx) AddCosignature(ctx context.Context, c *Cosignature) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO log_cosignatures (witness, size, signature, signed_at, received_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (witness, size) DO UPDATE SET signature = excluded.signature, signed_at = excluded.signed_at, received_at = excluded.received_at`,
		c.Witness, c.Size, c.Signature, c.Signed, c.Received)
	return err
}

// Witnesses lists the registered witnesses with the newest checkpoint
// each cosigned. Anyone may read them: cosignatures are public.
func (tx *Tx) Witnesses(ctx context.Context) ([]*Witness, error) {
	rows, err := tx.query(ctx, `SELECT w.name, w.verifier_key, w.registered_by, w.registered_at, c.size, c.signed_at, c.received_at, a.at, a.first_index, a.reason
		FROM log_witnesses w LEFT JOIN log_cosignatures c ON c.witness = w.name
			AND c.size = (SELECT MAX(size) FROM log_cosignatures x WHERE x.witness = w.name)
		LEFT JOIN log_witness_alarms a ON a.witness = w.name
			AND a.at = (SELECT MAX(at) FROM log_witness_alarms y WHERE y.witness = w.name)
		ORDER BY w.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Witness
	for rows.Next() {
		w := &Witness{}
		var size, index sql.NullInt64
		var signed, received, alarmAt sql.NullTime
		var reason sql.NullString
		if err := rows.Scan(&w.Name, &w.VerifierKey, &w.RegisteredBy, &w.Registered, &size, &signed, &received, &alarmAt, &index, &reason); err != nil {
			return nil, err
		}
		w.Size, w.Signed, w.Received = size.Int64, fromNull(signed), fromNull(received)
		w.AlarmAt, w.AlarmIndex, w.Alarm = fromNull(alarmAt), index.Int64, reason.String
		out = append(out, w)
	}
	return out, rows.Err()
}

// NewestCosigned is the size of the largest checkpoint any witness
// cosigned, and its cosignatures; NotFound if none.
func (tx *Tx) NewestCosigned(ctx context.Context) (int64, []*Cosignature, error) {
	var size sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT MAX(size) FROM log_cosignatures`).Scan(&size); err != nil {
		return 0, nil, err
	}
	if !size.Valid {
		return 0, nil, errs.New(errs.NotFound, "size", "尚无见证者联署的检查点", "no witness has cosigned a checkpoint yet")
	}
	rows, err := tx.query(ctx, `SELECT witness, size, signature, signed_at, received_at FROM log_cosignatures WHERE size = $1 ORDER BY witness`, size.Int64)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var out []*Cosignature
	for rows.Next() {
		c := &Cosignature{}
		if err := rows.Scan(&c.Witness, &c.Size, &c.Signature, &c.Signed, &c.Received); err != nil {
			return 0, nil, err
		}
		out = append(out, c)
	}
	return size.Int64, out, rows.Err()
}

// AddWitnessAlarm records an alarm a registered witness reported (staff).
func (tx *Tx) AddWitnessAlarm(ctx context.Context, witness string, index int64, reason string) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO log_witness_alarms (witness, at, first_index, reason) VALUES ($1, $2, $3, $4)`, witness, tx.Now(), index, reason)
	return err
}
