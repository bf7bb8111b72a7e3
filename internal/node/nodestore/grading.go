package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"hulian/internal/storage"
)

// Event names of classification and grading.
const (
	EventGradeSuggested = "grading.suggested"
	EventGradeConfirmed = "grading.confirmed"
	EventFieldResealed  = "grading.resealed"
)

// FieldGrade is the class and grade of one column of a dataset.
type FieldGrade struct {
	Dataset, Column, TagKey string
	Class                   string // in force: confirmed, else suggested
	Grade                   int
	SuggestedClass          string
	SuggestedGrade          int
	Because                 []string
	Catalogue               string
	ConfirmedBy             string
	Confirmed               time.Time // zero until staff confirm
	Note                    string
}

const gradeColumns = `dataset, col, tag_key, class, grade, suggested_class, suggested_grade, because, catalogue, confirmed_by, confirmed_at, note`

func scanGrade(sc interface{ Scan(...any) error }) (*FieldGrade, error) {
	var g FieldGrade
	var because string
	var confirmed sql.NullTime
	if err := sc.Scan(&g.Dataset, &g.Column, &g.TagKey, &g.Class, &g.Grade, &g.SuggestedClass, &g.SuggestedGrade, &because, &g.Catalogue, &g.ConfirmedBy, &confirmed, &g.Note); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(because), &g.Because); err != nil {
		return nil, err
	}
	if confirmed.Valid {
		g.Confirmed = confirmed.Time.UTC()
	}
	return &g, nil
}

// FieldGrades lists the grades of dataset's columns, or of every dataset
// when dataset is "", by dataset and column.
func (tx *Tx) FieldGrades(ctx context.Context, dataset string) ([]*FieldGrade, error) {
	rows, err := tx.Query(ctx, `SELECT `+gradeColumns+` FROM node_field_grades WHERE $1 = '' OR dataset = $1 ORDER BY dataset, col`, dataset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FieldGrade
	for rows.Next() {
		g, err := scanGrade(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// FieldGrade returns the grade of one column, NotFound if it has none.
func (tx *Tx) FieldGrade(ctx context.Context, dataset, column string) (*FieldGrade, error) {
	g, err := scanGrade(tx.QueryRow(ctx, `SELECT `+gradeColumns+` FROM node_field_grades WHERE dataset = $1 AND col = $2`, dataset, column))
	if err != nil {
		return nil, storage.NotFound(err, "--column", "数据集 "+dataset+" 没有字段「"+column+"」的分级", "dataset "+dataset+" has no grade for the field "+column)
	}
	return g, nil
}

// SuggestGrade records the catalogue's suggestion for a column. A column
// staff have confirmed keeps its confirmed class and grade; one they have
// not takes the suggestion.
func (tx *Tx) SuggestGrade(ctx context.Context, g *FieldGrade) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_field_grades (dataset, col, tag_key, class, grade, suggested_class, suggested_grade, because, catalogue)
		VALUES ($1, $2, $3, $4, $5, $4, $5, $6, $7)
		ON CONFLICT (dataset, col) DO UPDATE SET tag_key = excluded.tag_key, suggested_class = excluded.suggested_class,
			suggested_grade = excluded.suggested_grade, because = excluded.because, catalogue = excluded.catalogue,
			class = CASE WHEN node_field_grades.confirmed_by = '' THEN excluded.class ELSE node_field_grades.class END,
			grade = CASE WHEN node_field_grades.confirmed_by = '' THEN excluded.grade ELSE node_field_grades.grade END`,
		g.Dataset, g.Column, g.TagKey, g.SuggestedClass, g.SuggestedGrade, jsonText(g.Because), g.Catalogue)
	return err
}

// ConfirmGrade records staff's class and grade for a column.
func (tx *Tx) ConfirmGrade(ctx context.Context, dataset, column, class string, grade int, by, note string) error {
	_, err := tx.Exec(ctx, `UPDATE node_field_grades SET class = $1, grade = $2, confirmed_by = $3, confirmed_at = $4, note = $5 WHERE dataset = $6 AND col = $7`,
		class, grade, by, tx.Now(), note, dataset, column)
	return err
}

// FieldKey is the sealed data key of an encrypted field of a version.
type FieldKey struct {
	VersionID int64
	Column    string
	Alg       string // fieldcrypt construction
	Sealer    string // keyring construction
	KEKID     string
	Sealed    []byte
	Created   time.Time
}

// InsertFieldKey stores a field's sealed data key.
func (tx *Tx) InsertFieldKey(ctx context.Context, k *FieldKey) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_field_keys (version_id, col, alg, sealer, kek_id, sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.VersionID, k.Column, k.Alg, k.Sealer, k.KEKID, k.Sealed, tx.Now())
	return err
}

// DeleteFieldKey forgets a field's data key, once its values are in clear
// again.
func (tx *Tx) DeleteFieldKey(ctx context.Context, versionID int64, column string) error {
	_, err := tx.Exec(ctx, `DELETE FROM node_field_keys WHERE version_id = $1 AND col = $2`, versionID, column)
	return err
}

// FieldKeys returns the sealed data keys of version versionID's encrypted
// fields.
func (tx *Tx) FieldKeys(ctx context.Context, versionID int64) ([]*FieldKey, error) {
	rows, err := tx.Query(ctx, `SELECT version_id, col, alg, sealer, kek_id, sealed, created_at FROM node_field_keys WHERE version_id = $1 ORDER BY col`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FieldKey
	for rows.Next() {
		var k FieldKey
		if err := rows.Scan(&k.VersionID, &k.Column, &k.Alg, &k.Sealer, &k.KEKID, &k.Sealed, &k.Created); err != nil {
			return nil, err
		}
		k.Created = k.Created.UTC()
		out = append(out, &k)
	}
	return out, rows.Err()
}

// SensitiveReads lists the reads that took sensitive fields, newest first,
// at most limit.
func (tx *Tx) SensitiveReads(ctx context.Context, limit int) ([]*DataRead, error) {
	rows, err := tx.Query(ctx, `SELECT login, application, dataset, fields, sensitive, rows_read, outcome, read_at FROM node_data_reads
		WHERE sensitive <> '[]' ORDER BY read_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*DataRead
	for rows.Next() {
		var r DataRead
		var fields, sensitive string
		if err := rows.Scan(&r.Login, &r.Application, &r.Dataset, &fields, &sensitive, &r.Rows, &r.Outcome, &r.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(sensitive), &r.Sensitive); err != nil {
			return nil, err
		}
		r.At = r.At.UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}
