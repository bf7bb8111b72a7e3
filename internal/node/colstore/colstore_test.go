package colstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"hulian/internal/node/fieldcrypt"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// randomID is a pseudo-random exID, as OPRF outputs are.
func randomID(r *rand.Rand) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], r.Uint64())
	binary.BigEndian.PutUint64(out[8:], r.Uint64())
	return exid.FromOutput(1, out[:])
}

// rowsOf are n subjects with a city of 300 values and a level of 3.
func rowsOf(r *rand.Rand, n int) (map[exid.ExID][]string, *Builder) {
	want := make(map[exid.ExID][]string, n)
	b := NewBuilder(2)
	for i := range n {
		id := randomID(r)
		vals := []string{fmt.Sprintf("城市%d", r.IntN(300)), []string{"high", "mid", "low"}[r.IntN(3)]}
		want[id] = vals
		b.Add(id, vals, i+2)
	}
	return want, b
}

func newField(t testing.TB, versionID int64, column string) *fieldcrypt.Field {
	t.Helper()
	f, err := fieldcrypt.New(fieldcrypt.AESGCM, make([]byte, fieldcrypt.KeySize), fieldcrypt.Context(versionID, column))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestStore: a version written with a sealed column reads back row for
// row on both engines, across chunks; a subject's place is found from
// one chunk; a damaged chunk is named; a missing key does not open.
func TestStore(t *testing.T) {
	t.Parallel()
	old := chunkSize
	chunkSize = 1000*exid.Size + 5 // ids chunks of 1,000; column blocks over several chunks
	t.Cleanup(func() { chunkSize = old })
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			ctx := context.Background()
			dsn := storagetest.DSN(t, eng)
			db, err := nodestore.Open(ctx, dsn, nodestore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want, b := rowsOf(rand.New(rand.NewPCG(1, 2)), 4321)
			d, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			v := &nodestore.DatasetVersion{Dataset: "spend", Version: 1, ListingID: "lst_1", ListingVersion: 1, Subject: "person",
				Columns: []string{"city", "level"}, Rows: int64(d.Len()), GateReport: []byte("{}")}
			var fields fieldcrypt.Row
			err = db.Transact(ctx, func(tx *nodestore.Tx) error {
				if err := tx.InsertDatasetVersion(ctx, v); err != nil {
					return err
				}
				fields = fieldcrypt.Row{nil, newField(t, v.ID, "level")}
				return Write(ctx, tx, v, d, fields)
			})
			if err != nil {
				t.Fatal(err)
			}
			var got *Data
			if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { got, err = Read(ctx, tx, v, fields); return err }); err != nil {
				t.Fatal(err)
			}
			if got.Len() != len(want) {
				t.Fatalf("%d rows read, %d written", got.Len(), len(want))
			}
			for row, id := range got.IDs {
				vals := got.Values(row, nil)
				if w := want[id]; len(w) != 2 || vals[0] != w[0] || vals[1] != w[1] {
					t.Fatalf("row %d: %v, want %v", row, vals, w)
				}
			}
			err = db.Read(ctx, func(tx *nodestore.Tx) error {
				for _, row := range []int{0, 999, 1000, 2500, got.Len() - 1} {
					p, ok, err := Position(ctx, tx, v, got.IDs[row])
					if err != nil || !ok || p != int64(row) {
						return fmt.Errorf("row %d found at %d, %t, %v", row, p, ok, err)
					}
				}
				if _, ok, err := Position(ctx, tx, v, exid.ExID{}); ok || err != nil {
					return fmt.Errorf("an exID below every row: %t %v", ok, err)
				}
				absent := got.IDs[10]
				absent[16]++
				if _, ok, _ := Position(ctx, tx, v, absent); ok {
					return errors.New("an absent exID was found")
				}
				// Without the key the level does not open.
				if _, err := Read(ctx, tx, v, fieldcrypt.Row{nil, newField(t, v.ID+1, "level")}); !errors.Is(err, fieldcrypt.ErrOpen) {
					return fmt.Errorf("opened with another key: %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// The sealed level is not in the database in clear; the city is.
			dump := storagetest.Dump(t, dsn)
			if !strings.Contains(string(dump), "\x08城市12") || strings.Contains(string(dump), "\x04high") || strings.Contains(string(dump), "\x03low") {
				t.Fatal("the database holds the sealed column in clear, or not the clear one")
			}
			err = db.Transact(ctx, func(tx *nodestore.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE node_dataset_segments SET data = $1 WHERE version_id = $2 AND part = 'ids' AND n = 2`, make([]byte, 1000*exid.Size), v.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Read(ctx, func(tx *nodestore.Tx) error { _, err := Read(ctx, tx, v, fields); return err })
			if err == nil || !strings.Contains(err.Error(), "chunk 2 of part ids is damaged") {
				t.Fatalf("a damaged chunk: %v", err)
			}
		})
	}
}

// TestRowsStore: a version of the former row store reads the same, and
// writing it moves it to the column store and removes its rows.
func TestRowsStore(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			ctx := context.Background()
			db, err := nodestore.Open(ctx, storagetest.DSN(t, eng), nodestore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r := rand.New(rand.NewPCG(3, 4))
			v := &nodestore.DatasetVersion{Dataset: "old", Version: 1, ListingID: "lst_1", ListingVersion: 1, Subject: "person",
				Columns: []string{"city", "level"}, Rows: 300, Store: nodestore.StoreRows, GateReport: []byte("{}")}
			want := map[exid.ExID][]string{}
			var fields fieldcrypt.Row
			err = db.Transact(ctx, func(tx *nodestore.Tx) error {
				if err := tx.InsertDatasetVersion(ctx, v); err != nil {
					return err
				}
				fields = fieldcrypt.Row{nil, newField(t, v.ID, "level")}
				for range v.Rows {
					id := randomID(r)
					vals := []string{fmt.Sprintf("城市%d", r.IntN(30)), "high"}
					want[id] = append([]string(nil), vals...)
					if err := fields.Seal(vals, id[:]); err != nil {
						return err
					}
					raw, _ := json.Marshal(vals)
					if _, err := tx.Exec(ctx, `INSERT INTO node_dataset_rows (version_id, exid, vals) VALUES ($1, $2, $3)`, v.ID, id[:], string(raw)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string) {
				t.Helper()
				var got *Data
				if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { got, err = Read(ctx, tx, v, fields); return err }); err != nil {
					t.Fatal(what, err)
				}
				for row, id := range got.IDs {
					if vals := got.Values(row, nil); vals[0] != want[id][0] || vals[1] != want[id][1] {
						t.Fatalf("%s: row %d: %v, want %v", what, row, vals, want[id])
					}
				}
				if got.Len() != len(want) {
					t.Fatalf("%s: %d rows", what, got.Len())
				}
				err := db.Read(ctx, func(tx *nodestore.Tx) error {
					p, ok, err := Position(ctx, tx, v, got.IDs[7])
					if err != nil || !ok || p != 7 {
						return fmt.Errorf("position %d %t %v", p, ok, err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(what, err)
				}
			}
			check("rows")
			err = db.Transact(ctx, func(tx *nodestore.Tx) error {
				d, err := Read(ctx, tx, v, fields)
				if err != nil {
					return err
				}
				return Write(ctx, tx, v, d, fields)
			})
			if err != nil {
				t.Fatal(err)
			}
			var left int
			err = db.Read(ctx, func(tx *nodestore.Tx) error {
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM node_dataset_rows`).Scan(&left); err != nil {
					return err
				}
				stored, err := tx.DatasetVersionByID(ctx, v.ID)
				if err == nil && stored.Store != nodestore.StoreColumns {
					err = fmt.Errorf("stored in %q", stored.Store)
				}
				return err
			})
			if err != nil || left != 0 || v.Store != nodestore.StoreColumns {
				t.Fatalf("moved: %d rows left, store %q, %v", left, v.Store, err)
			}
			check("columns")
		})
	}
}

// TestBuildDuplicates: two rows of one subject are named by the later
// line of the earliest repeat, whatever the order they sort in.
func TestBuildDuplicates(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ids := make([]exid.ExID, 200000)
	for i := range ids {
		ids[i] = randomID(r)
	}
	b := NewBuilder(1)
	for i, id := range ids {
		b.Add(id, []string{"x"}, i+2)
	}
	b.Add(ids[150000], []string{"x"}, len(ids)+2) // line 200,002 repeats line 150,002
	b.Add(ids[7], []string{"x"}, len(ids)+3)      // a later line repeats an earlier one
	_, err := b.Build()
	if dup, ok := errors.AsType[*DuplicateError](err); !ok || dup.Line != len(ids)+2 {
		t.Fatalf("duplicates: %v", err)
	}
	b = NewBuilder(1)
	for i, id := range ids {
		b.Add(id, []string{fmt.Sprint(i % 70000)}, i+2)
	}
	d, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < d.Len(); i++ {
		if string(d.IDs[i-1][:]) >= string(d.IDs[i][:]) {
			t.Fatalf("not sorted at %d", i)
		}
	}
	if d.Cols[0].Width != 4 {
		t.Errorf("70,000 values in %d bytes a code", d.Cols[0].Width)
	}
	row, ok := d.Find(ids[12345])
	if !ok || d.Cols[0].Text(row) != "12345" {
		t.Errorf("row of id 12345: %d %t %q", row, ok, d.Cols[0].Text(row))
	}
}

// FuzzDecodeColumn: a column's block, however damaged, decodes to a
// column whose every code names an entry, or to an error; never a panic.
func FuzzDecodeColumn(f *testing.F) {
	b := NewBuilder(1)
	for i, v := range []string{"高", "低", "高"} {
		var out [16]byte
		out[0] = byte(i)
		b.Add(exid.FromOutput(1, out[:]), []string{v}, i+2)
	}
	d, _ := b.Build()
	f.Add(d.Cols[0].encode(), 3)
	f.Add([]byte{1, 0, 1, 0}, 1)
	f.Add([]byte{2, 1, 'a', 1, 'b', 1, 0, 1, 2}, 3)
	f.Fuzz(func(t *testing.T, block []byte, rows int) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		c, err := decodeColumn(block, rows)
		if err != nil {
			return
		}
		for r := range rows {
			_ = c.Text(r)
		}
		if string(c.encode()) != string(block) {
			t.Fatalf("re-encoded differently")
		}
	})
}

// TestBuildAcrossBlocks: rows gathered over several of the builder's
// blocks come out in exID order, each with its own values, and a
// duplicate in a later block names its line.
func TestBuildAcrossBlocks(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	n := 2<<blockShift + 123
	want, b := rowsOf(r, n)
	d, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != n || len(d.IDs) != cap(d.IDs) {
		t.Fatalf("%d rows (capacity %d), want %d", d.Len(), cap(d.IDs), n)
	}
	for row, id := range d.IDs {
		if row > 0 && bytes.Compare(d.IDs[row-1][:], id[:]) >= 0 {
			t.Fatalf("row %d out of order", row)
		}
		if got := d.Values(row, nil); !slices.Equal(got, want[id]) {
			t.Fatalf("row %d: %v, want %v", row, got, want[id])
		}
	}
	_, b = rowsOf(rand.New(rand.NewPCG(3, 4)), 1<<blockShift+10)
	first := randomID(rand.New(rand.NewPCG(3, 4))) // the first row rowsOf made
	b.Add(first, []string{"城市1", "low"}, 1<<blockShift+20)
	_, err = b.Build()
	if dup, ok := errors.AsType[*DuplicateError](err); !ok || dup.Line != 1<<blockShift+20 {
		t.Errorf("a duplicate in the second block: %v", err)
	}
}
