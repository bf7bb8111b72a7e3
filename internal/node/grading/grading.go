// Package grading classifies and grades every field of every dataset on a
// member's node and keeps the sensitive ones encrypted at rest (C-7, O-5).
//
// At import each column gets the catalogue's suggestion (package classify:
// from its name, its listing tag key and the scanner's findings); a column
// staff have confirmed keeps their class and grade across versions. A
// column whose grade in force is encrypted gets a data key of its own for
// the version, sealed under the node's key-encryption key, and its values
// are stored encrypted (package fieldcrypt). When staff confirm a grade
// that changes whether a column is encrypted, every version of the dataset
// is rewritten in the same transaction as the confirmation and its record.
package grading

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"

	"hulian/internal/compliance/classify"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/colstore"
	"hulian/internal/node/fieldcrypt"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// FieldAlg is the field construction of a cryptography profile.
func FieldAlg(profile string) string {
	if profile == keyring.ProfileGM {
		return fieldcrypt.SM4GCM
	}
	return fieldcrypt.AESGCM
}

// keyAAD binds a sealed data key to its version, column and construction.
func keyAAD(versionID int64, column, alg string) []byte {
	return []byte("hulian/field-key/v1\x00" + fieldcrypt.Context(versionID, column) + "\x00" + alg)
}

// Prepare grades the columns of version v as it is imported, inside the
// import's transaction, and returns the Fields that encrypt its values:
// nil entries for columns kept in clear. findings are the scanner's
// findings so far; their kinds point at classes.
func Prepare(ctx context.Context, n *node.Node, tx *nodestore.Tx, v *nodestore.DatasetVersion, findings []scan.Finding) (fieldcrypt.Row, error) {
	cat := classify.Default()
	kinds := map[string][]scan.Kind{}
	for _, f := range findings {
		if !slices.Contains(kinds[f.Column], f.Kind) {
			kinds[f.Column] = append(kinds[f.Column], f.Kind)
		}
	}
	row := make(fieldcrypt.Row, len(v.Columns))
	var encrypted []string
	for i, col := range v.Columns {
		key := ""
		if i < len(v.TagKeys) {
			key = v.TagKeys[i]
		}
		s := cat.Suggest(col, key, kinds[col])
		if err := tx.SuggestGrade(ctx, &nodestore.FieldGrade{Dataset: v.Dataset, Column: col, TagKey: key,
			SuggestedClass: s.Class, SuggestedGrade: s.Grade, Because: s.Because, Catalogue: cat.Version}); err != nil {
			return nil, err
		}
		g, err := tx.FieldGrade(ctx, v.Dataset, col)
		if err != nil {
			return nil, err
		}
		if cat.Encrypted(g.Grade) {
			if row[i], err = newKey(ctx, n, tx, v.ID, col); err != nil {
				return nil, err
			}
			encrypted = append(encrypted, col)
		}
	}
	return row, tx.Record(ctx, nodestore.EventGradeSuggested, fmt.Sprintf("dataset=%s version=%d catalogue=%s encrypted=%s",
		v.Dataset, v.Version, cat.Version, strings.Join(encrypted, ",")))
}

// newKey makes, seals and stores the data key of one field of a version.
func newKey(ctx context.Context, n *node.Node, tx *nodestore.Tx, versionID int64, column string) (*fieldcrypt.Field, error) {
	dek := make([]byte, fieldcrypt.KeySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, err
	}
	defer clear(dek)
	alg := FieldAlg(n.CryptoProfile())
	s := n.Sealer()
	sealed, err := s.Seal(dek, keyAAD(versionID, column, alg))
	if err != nil {
		return nil, err
	}
	if err := tx.InsertFieldKey(ctx, &nodestore.FieldKey{VersionID: versionID, Column: column, Alg: alg, Sealer: s.Algorithm(), KEKID: s.KeyID(), Sealed: sealed}); err != nil {
		return nil, err
	}
	return fieldcrypt.New(alg, dek, fieldcrypt.Context(versionID, column))
}

// Ciphers returns the Fields that open version v's encrypted columns, nil
// when it has none.
func Ciphers(ctx context.Context, n *node.Node, tx *nodestore.Tx, v *nodestore.DatasetVersion) (fieldcrypt.Row, error) {
	keys, err := tx.FieldKeys(ctx, v.ID)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	row := make(fieldcrypt.Row, len(v.Columns))
	for _, k := range keys {
		i := slices.Index(v.Columns, k.Column)
		if i < 0 {
			return nil, fmt.Errorf("dataset %s version %d: a key for the column %q it does not have", v.Dataset, v.Version, k.Column)
		}
		if row[i], err = openKey(n, k); err != nil {
			return nil, err
		}
	}
	return row, nil
}

func openKey(n *node.Node, k *nodestore.FieldKey) (*fieldcrypt.Field, error) {
	s, err := n.SealerFor(k.Sealer)
	if err != nil {
		return nil, err
	}
	if k.KEKID != s.KeyID() {
		return nil, errs.New(errs.FailedPrecondition, "--kek-file",
			"敏感字段的密钥由另一把密钥加密密钥（标识 "+k.KEKID+"）加密，请提供原来的 HULIAN_NODE_KEK 或 --kek-file",
			"the keys of sensitive fields were sealed under another key-encryption key (ID "+k.KEKID+"); give the original HULIAN_NODE_KEK or --kek-file")
	}
	dek, err := s.Open(k.Sealed, keyAAD(k.VersionID, k.Column, k.Alg))
	if err != nil {
		return nil, &errs.Error{Kind: errs.FailedPrecondition, Field: "db", Err: err,
			Reason: i18n.T("敏感字段的密钥无法解密，数据库可能已被篡改", "a sensitive field's key does not open; the database may have been tampered with")}
	}
	defer clear(dek)
	return fieldcrypt.New(k.Alg, dek, fieldcrypt.Context(k.VersionID, k.Column))
}

// Sensitive returns those of fields of dataset whose grade in force is
// encrypted at rest.
func Sensitive(ctx context.Context, tx *nodestore.Tx, dataset string, fields []string) ([]string, error) {
	gs, err := tx.FieldGrades(ctx, dataset)
	if err != nil {
		return nil, err
	}
	cat := classify.Default()
	var out []string
	for _, g := range gs {
		if cat.Encrypted(g.Grade) && slices.Contains(fields, g.Column) {
			out = append(out, g.Column)
		}
	}
	return out, nil
}

// Field is a column's grading as staff see it.
type Field struct {
	*nodestore.FieldGrade
	Class     *classify.Class
	Suggested *classify.Class
	GradeName i18n.Text
	// Current says whether the dataset's current version has the column;
	// Encrypted whether it holds it encrypted; Sensitive whether its grade
	// in force says it must.
	Current, Encrypted, Sensitive bool
}

// List returns the grading of every column of every dataset.
func List(ctx context.Context, n *node.Node) ([]*Field, error) {
	var out []*Field
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		out, err = Fields(ctx, tx)
		return err
	})
	return out, err
}

// Fields is List within tx, for checks that read it beside other records.
func Fields(ctx context.Context, tx *nodestore.Tx) ([]*Field, error) {
	cat := classify.Default()
	gs, err := tx.FieldGrades(ctx, "")
	if err != nil {
		return nil, err
	}
	vs, err := tx.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	current, enc := map[string]bool{}, map[string]bool{}
	for _, v := range vs {
		for _, c := range v.Columns {
			current[v.Dataset+"\x00"+c] = true
		}
		keys, err := tx.FieldKeys(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			enc[v.Dataset+"\x00"+k.Column] = true
		}
	}
	out := make([]*Field, 0, len(gs))
	for _, g := range gs {
		key := g.Dataset + "\x00" + g.Column
		out = append(out, &Field{FieldGrade: g, Class: cat.Class(g.Class), Suggested: cat.Class(g.SuggestedClass),
			GradeName: cat.GradeName(g.Grade), Current: current[key], Encrypted: enc[key], Sensitive: cat.Encrypted(g.Grade)})
	}
	return out, nil
}

// Confirmed is the outcome of a confirmation.
type Confirmed struct {
	Field *nodestore.FieldGrade
	// Resealed counts the rows rewritten, encrypted or decrypted, across
	// the dataset's versions.
	Resealed int64
	Versions int
	sealed   bool // the column is now sealed
}

// Confirm records by's class and grade for a column of dataset; grade 0
// takes the class's grade. Only the data management committee or security
// staff grade data. A class of PIPL Article 28 cannot be graded below the
// encrypted grade. Every version of the dataset that holds the column is
// rewritten in the same transaction when the grade changes whether it is
// encrypted.
func Confirm(ctx context.Context, n *node.Node, by *nodestore.Account, dataset, column, class string, grade int, note string) (*Confirmed, error) {
	if !by.Has(staff.RoleCommittee) && !by.Has(staff.RoleSecurity) {
		return nil, errs.New(errs.PermissionDenied, "account", "只有数据管理委员会成员或安全管理员可以确认分类分级", "only members of the data management committee or security staff confirm classification and grading")
	}
	cat := classify.Default()
	cl := cat.Class(strings.TrimSpace(class))
	if cl == nil {
		keys := make([]string, len(cat.Classes))
		for i, c := range cat.Classes {
			keys[i] = c.Key
		}
		return nil, errs.Invalidf("class", "未知的类别「"+class+"」；可用："+strings.Join(keys, ", "), "unknown class "+class+"; the classes are "+strings.Join(keys, ", "))
	}
	if grade == 0 {
		grade = cl.Grade
	}
	if err := cat.CheckGrade("grade", grade); err != nil {
		return nil, err
	}
	if cl.Art28 != "" && !cat.Encrypted(grade) {
		return nil, errs.Invalidf("grade", "「"+cl.Name.ZH+"」属于个人信息保护法第二十八条的敏感个人信息（"+cl.Art28+"），级别不能低于 "+fmt.Sprint(cat.EncryptFrom),
			cl.Name.EN+" is sensitive personal information under PIPL Article 28 ("+cl.Art28+"); its grade cannot be below "+fmt.Sprint(cat.EncryptFrom))
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 1000 {
		return nil, errs.Invalidf("note", "说明最长 1000 字", "the note is at most 1000 characters")
	}
	out := &Confirmed{}
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		out.Resealed, out.Versions = 0, 0
		if _, err := tx.FieldGrade(ctx, dataset, column); err != nil {
			return err
		}
		if err := tx.ConfirmGrade(ctx, dataset, column, cl.Key, grade, by.Login, note); err != nil {
			return err
		}
		vs, err := tx.DatasetVersions(ctx, dataset)
		if err != nil {
			return err
		}
		want := cat.Encrypted(grade)
		out.sealed = want
		for _, v := range vs {
			changed, err := reseal(ctx, n, tx, v, column, want)
			if err != nil {
				return err
			}
			if changed >= 0 {
				out.Resealed += changed
				out.Versions++
			}
		}
		if out.Field, err = tx.FieldGrade(ctx, dataset, column); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventGradeConfirmed, fmt.Sprintf("%s dataset=%s column=%s class=%s grade=%d encrypted=%t versions=%d rows=%d",
			by.Login, dataset, column, cl.Key, grade, want, out.Versions, out.Resealed))
	})
	if err != nil {
		return nil, err
	}
	// The values just sealed must not stay readable in the database's
	// log of former pages. The grade stands either way; a failure here is
	// logged, and the next scrub (any later seal) removes them.
	if out.sealed && out.Versions > 0 {
		if err := n.DB.Scrub(ctx); err != nil {
			n.Logger().Warn("the values sealed may linger in the database's write-ahead log until its next checkpoint", "dataset", dataset, "column", column, "err", err)
		}
	}
	return out, nil
}

// reseal makes column of version v encrypted (want) or clear: the
// column's block is rewritten, sealed under a new key or in clear. A
// version of the former row store is moved to the column store on the
// way. It returns the rows rewritten, or -1 when the version does not hold
// the column or already stores it as wanted.
func reseal(ctx context.Context, n *node.Node, tx *nodestore.Tx, v *nodestore.DatasetVersion, column string, want bool) (int64, error) {
	i := slices.Index(v.Columns, column)
	if i < 0 {
		return -1, nil
	}
	before, err := Ciphers(ctx, n, tx, v)
	if err != nil {
		return 0, err
	}
	has := before != nil && before[i] != nil
	if has == want {
		return -1, nil
	}
	var f *fieldcrypt.Field
	if want {
		if f, err = newKey(ctx, n, tx, v.ID, column); err != nil {
			return 0, err
		}
	}
	if v.Store == nodestore.StoreColumns {
		// Only the column is read and written again.
		var cur *fieldcrypt.Field
		if has {
			cur = before[i]
		}
		var c *colstore.Column
		if c, err = colstore.ReadColumn(ctx, tx, v, i, cur); err == nil {
			err = colstore.WriteColumn(ctx, tx, v.ID, i, c, f)
		}
	} else {
		var data *colstore.Data
		if data, err = colstore.Read(ctx, tx, v, before); err == nil {
			after := make(fieldcrypt.Row, len(v.Columns))
			copy(after, before)
			after[i] = f
			err = colstore.Write(ctx, tx, v, data, after)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("dataset %s version %d column %s: %w", v.Dataset, v.Version, column, err)
	}
	if !want {
		if err := tx.DeleteFieldKey(ctx, v.ID, column); err != nil {
			return 0, err
		}
	}
	rows := v.Rows
	return rows, tx.Record(ctx, nodestore.EventFieldResealed, fmt.Sprintf("dataset=%s version=%d column=%s encrypted=%t rows=%d", v.Dataset, v.Version, column, want, rows))
}

// Access lists the reads that took sensitive fields, newest first.
func Access(ctx context.Context, n *node.Node, limit int) ([]*nodestore.DataRead, error) {
	var out []*nodestore.DataRead
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		out, err = tx.SensitiveReads(ctx, limit)
		return err
	})
	return out, err
}
