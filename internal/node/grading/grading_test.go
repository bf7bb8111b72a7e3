package grading_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// listing has a consumption level (a derived label, kept in clear) and a
// loan intention (financial: sensitive personal information, encrypted).
const listing = `{"id":"lst_test","version":3,"subject":"person","k":2,"tags":[
	{"key":"consumption_level","column":"level","value_type":"single","values":["high","low"]},
	{"key":"loan_intent","column":"贷款意向","value_type":"single","values":["贷款意向强","贷款意向弱"]}]}`

const subjects = 200

func subject(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[8:], uint64(i)+1)
	return exid.FromOutput(1, out[:])
}

func intent(i int) string {
	if i%4 < 2 {
		return "贷款意向强"
	}
	return "贷款意向弱"
}

func level(i int) string {
	if i%2 == 0 {
		return "high"
	}
	return "low"
}

func rows() string {
	var b strings.Builder
	b.WriteString("exid,level,贷款意向\n")
	for i := range subjects {
		fmt.Fprintf(&b, "%s,%s,%s\n", subject(i), level(i), intent(i))
	}
	return b.String()
}

func importRows(ctx context.Context, t *testing.T, s *supply.Side) {
	t.Helper()
	res, err := s.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "loans",
		Listing: strings.NewReader(listing), In: strings.NewReader(rows()), IDColumn: "exid", Batch: 64})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pass {
		t.Fatalf("the gate failed: %+v %+v", res.Table, res.Findings)
	}
}

func openNode(t *testing.T, dsn, kek, profile string) *supply.Side {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: kek, Region: "cn-sh", Crypto: profile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return supply.New(n)
}

// answers checks that the node answers every subject with its values in
// clear, whatever is encrypted at rest.
func answers(ctx context.Context, t *testing.T, s *supply.Side) {
	t.Helper()
	ids := make([]exid.ExID, subjects)
	for i := range ids {
		ids[i] = subject(i)
	}
	got, err := s.DatasetValues(ctx, "loans", ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if v := got[id]; len(v) != 2 || v[0] != level(i) || v[1] != intent(i) {
			t.Fatalf("subject %d answers %q, want [%s %s]", i, v, level(i), intent(i))
		}
	}
}

// leaks counts what a copy of the node's database gives away of the
// sensitive values: the value as the column store's dictionary encodes it
// (its length, then its text) anywhere in the SQLite files or the
// PostgreSQL tables' bytes, and, on PostgreSQL, every row holding it as
// text outside the gate report (the report's aggregate counts are
// published with the listing).
func leaks(t *testing.T, dsn string) int {
	t.Helper()
	const value = "贷款意向强"
	dump := storagetest.Dump(t, dsn)
	n := bytes.Count(dump, append([]byte{byte(len(value))}, value...))
	if strings.HasPrefix(dsn, "postgres") {
		for _, line := range bytes.Split(dump, []byte("\n")) {
			if bytes.Contains(line, []byte(value)) && !bytes.HasPrefix(line, []byte("node_dataset_versions ")) && !bytes.HasPrefix(line, []byte("node_dataset_segments")) {
				n++
			}
		}
	}
	return n
}

// TestSensitiveAtRest covers C-7 and O-5 on both engines and both
// cryptography profiles: the loan intention is classed as financial and
// graded sensitive at import, its values are stored encrypted under a key
// sealed by the KEK (SM4-GCM under the 国密 profile), answers and exports
// still see them in clear, and a copy of the database shows none of them.
func TestSensitiveAtRest(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		for _, profile := range []string{keyring.ProfileDefault, keyring.ProfileGM} {
			t.Run(eng+"/"+profile, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				dsn := storagetest.DSN(t, eng)
				kek := keyring.NewKEKText()
				s := openNode(t, dsn, kek, profile)
				importRows(ctx, t, s)

				fs, err := grading.List(ctx, s.Node)
				if err != nil {
					t.Fatal(err)
				}
				byCol := map[string]*grading.Field{}
				for _, f := range fs {
					byCol[f.Column] = f
				}
				if f := byCol["贷款意向"]; f == nil || f.Class.Key != "property" || f.Grade != 4 || !f.Sensitive || !f.Encrypted || f.TagKey != "loan_intent" {
					t.Fatalf("loan intention graded %+v, want property, grade 4, encrypted", f)
				}
				if f := byCol["level"]; f == nil || f.Class.Key != "profile" || f.Encrypted {
					t.Fatalf("level graded %+v, want profile in clear", f)
				}
				answers(ctx, t, s)
				if n := leaks(t, dsn); n > 0 {
					t.Fatalf("the database holds the sensitive value %d times; want it only in the gate report's counts", n)
				}
				var keys []*nodestore.FieldKey
				err = s.DB.Read(ctx, func(tx *nodestore.Tx) error {
					v, err := tx.CurrentDatasetVersion(ctx, "loans")
					if err != nil {
						return err
					}
					keys, err = tx.FieldKeys(ctx, v.ID)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(keys) != 1 || keys[0].Alg != grading.FieldAlg(profile) || keys[0].Sealer != keyring.SealerOf(profile) {
					t.Fatalf("field keys %+v, want one of %s sealed with %s", keys, grading.FieldAlg(profile), keyring.SealerOf(profile))
				}

				// Grading is for the committee or security staff; a
				// class of Article 28 is not graded below encryption.
				clerk := &nodestore.Account{Login: "clerk", Roles: []string{"staff"}}
				committee := &nodestore.Account{Login: "wang", Roles: []string{"committee"}}
				if _, err := grading.Confirm(ctx, s.Node, clerk, "loans", "贷款意向", "profile", 2, ""); !errs.Is(err, errs.PermissionDenied) {
					t.Errorf("a clerk graded data: %v", err)
				}
				if _, err := grading.Confirm(ctx, s.Node, committee, "loans", "贷款意向", "property", 2, ""); fieldOf(err) != "grade" {
					t.Errorf("financial data graded 2: %v, want refused at grade", err)
				}
				if _, err := grading.Confirm(ctx, s.Node, committee, "loans", "贷款意向", "astrology", 0, ""); fieldOf(err) != "class" {
					t.Errorf("an unknown class: %v, want refused at class", err)
				}
				if _, err := grading.Confirm(ctx, s.Node, committee, "loans", "收入", "property", 0, ""); !errs.Is(err, errs.NotFound) {
					t.Errorf("an unknown column: %v, want not found", err)
				}

				// Staff downgrade it: the column is rewritten in clear,
				// and the copy shows it — the check above is not blind.
				c, err := grading.Confirm(ctx, s.Node, committee, "loans", "贷款意向", "profile", 2, "意向标签，不含金额")
				if err != nil {
					t.Fatal(err)
				}
				if c.Resealed != subjects || c.Versions != 1 || c.Field.ConfirmedBy != "wang" {
					t.Fatalf("downgrade: %+v", c)
				}
				answers(ctx, t, s)
				if n := leaks(t, dsn); n < 1 {
					t.Fatalf("in clear, the database holds the value %d times, want it in the column's dictionary", n)
				}

				// Upgraded again, it is encrypted again, and a new
				// version keeps the confirmed grade.
				if c, err = grading.Confirm(ctx, s.Node, committee, "loans", "贷款意向", "property", 0, ""); err != nil || c.Resealed != subjects {
					t.Fatalf("upgrade: %+v, %v", c, err)
				}
				// What was in clear does not linger in freed pages.
				if n := leaks(t, dsn); n > 0 {
					t.Fatalf("encrypted again, the database still holds the value %d times", n)
				}
				importRows(ctx, t, s)
				answers(ctx, t, s)
				fs, err = grading.List(ctx, s.Node)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range fs {
					if f.Column == "贷款意向" && (!f.Encrypted || f.ConfirmedBy != "wang" || f.Confirmed.IsZero()) {
						t.Errorf("after a new version: %+v", f)
					}
				}

				// The same database opened under the other profile still
				// opens what this one sealed.
				other := keyring.ProfileGM
				if profile == keyring.ProfileGM {
					other = keyring.ProfileDefault
				}
				answers(ctx, t, openNode(t, dsn, kek, other))
			})
		}
	}
}

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// TestBackup covers O-5's backup: a SQLite node is copied while it serves,
// the copy passes SQLite's integrity check, keeps the sensitive field
// encrypted and answers under the same KEK; an existing file is never
// overwritten; a PostgreSQL node is told to use PostgreSQL's own means.
func TestBackup(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storagetest.DSN(t, eng)
			kek := keyring.NewKEKText()
			s := openNode(t, dsn, kek, "")
			importRows(ctx, t, s)
			path := filepath.Join(t.TempDir(), "backup.db")
			b, err := s.Node.Backup(ctx, path)
			if eng != "sqlite" {
				if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "en"), "pg_basebackup") {
					t.Fatalf("a PostgreSQL backup: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Bytes == 0 || b.Schema == 0 {
				t.Fatalf("backup %+v", b)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("the copy's mode: %v %v", fi, err)
			}
			if _, err := s.Node.Backup(ctx, path); !errs.Is(err, errs.Invalid) {
				t.Errorf("a second backup over the first: %v", err)
			}
			copyDSN := "sqlite://" + path
			if n := leaks(t, copyDSN); n > 4 {
				t.Errorf("the copy holds the sensitive value %d times", n)
			}
			answers(ctx, t, openNode(t, copyDSN, kek, ""))
			es, err := s.Node.Events(ctx, 1)
			if err != nil || len(es) != 1 || es[0].Kind != nodestore.EventBackupMade {
				t.Errorf("the backup is not recorded: %+v %v", es, err)
			}
		})
	}
}
