package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/sig"
	"hulian/internal/storage/postgres"
	"hulian/internal/storage/sqlite"
)

const testOrigin = "hulian.test/log"

// buildLog appends n entries in batches and signs a checkpoint at every
// multiple of every and at the end.
func buildLog(t testing.TB, db *store.DB, n, every int) (vkey string) {
	t.Helper()
	ctx := storetest.Staff(context.Background(), auth.RoleOperator)
	skey, vkey, err := bizlog.GenerateKey(sig.Ed25519, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	kinds := []string{bizlog.KindMemberApplied, bizlog.KindAccountCreated, bizlog.KindTokenCreated}
	for i := 0; i < n; {
		err := db.Transact(ctx, func(tx *store.Tx) error {
			for j := 0; j < 7 && i+j < n; j++ {
				k := i + j
				if _, err := tx.Append(ctx, fmt.Sprintf("mem_%d", k%5), kinds[k%len(kinds)], fmt.Sprintf("obj_%d", k), bizlog.P{"k": k, "digest": bizlog.Commit([]byte{byte(k)})}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		i += 7
		if i > n {
			i = n
		}
		if i%every < 7 || i == n {
			signCheckpoint(t, db, signer)
		}
	}
	return vkey
}

func signCheckpoint(t testing.TB, db *store.DB, signer note.Signer) {
	t.Helper()
	ctx := context.Background()
	err := db.Transact(ctx, func(tx *store.Tx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.CheckpointAt(ctx, size); err == nil {
			return nil
		}
		root, err := tx.RootAt(ctx, size)
		if err != nil {
			return err
		}
		msg, err := bizlog.Checkpoint{Origin: testOrigin, Size: size, Root: root}.Sign(signer)
		if err != nil {
			return err
		}
		return tx.AddCheckpoint(ctx, &store.Checkpoint{Size: size, Root: root, At: tx.Now(), Note: msg})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLogProofs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		vkey := buildLog(t, db, 130, 32)
		rep, err := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: vkey})
		if err != nil || !rep.OK() || rep.Entries != 130 || rep.Latest.Size != 130 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		var leaves [][]byte
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.ScanLog(ctx, 0, 1<<40, func(r *store.LogRow) error { leaves = append(leaves, r.LeafHash); return nil })
		})
		for _, size := range []int64{1, 2, 3, 7, 8, 31, 64, 100, 130} {
			var root []byte
			db.Read(ctx, func(tx *store.Tx) (err error) { root, err = tx.RootAt(ctx, size); return err })
			tree, _ := bizlog.NewTree(0, nil)
			for _, l := range leaves[:size] {
				tree.Append(l)
			}
			if string(root) != string(tree.Root()) {
				t.Fatalf("root at %d differs from recomputation", size)
			}
			for _, i := range []int64{0, size / 2, size - 1} {
				var p [][]byte
				if err := db.Read(ctx, func(tx *store.Tx) (err error) { p, err = tx.InclusionProof(ctx, i, size); return err }); err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyInclusion(bizlog.Hasher, uint64(i), uint64(size), leaves[i], p, root); err != nil {
					t.Errorf("inclusion %d in %d: %v", i, size, err)
				}
			}
			for _, size1 := range []int64{0, 1, size / 3, size} {
				var p [][]byte
				var root1 []byte
				db.Read(ctx, func(tx *store.Tx) (err error) {
					if root1, err = tx.RootAt(ctx, size1); err != nil {
						return err
					}
					p, err = tx.ConsistencyProof(ctx, size1, size)
					return err
				})
				if err := proof.VerifyConsistency(bizlog.Hasher, uint64(size1), uint64(size), p, root1, root); err != nil && size1 > 0 {
					t.Errorf("consistency %d→%d: %v", size1, size, err)
				}
			}
		}
	})
}

// raw opens the database behind dsn without the store, as a tamperer would.
func raw(t testing.TB, dsn string) (*sql.DB, func(string) string) {
	t.Helper()
	if postgres.IsURL(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1) // BEGIN and COMMIT must reach the same session
		t.Cleanup(func() { db.Close() })
		return db, postgres.Engine{}.Rebind
	}
	path, _ := sqlite.Path(dsn)
	// The store's own pragmas, so that benchmarks compare like with like.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_time_format=sqlite&_timezone=UTC")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, sqlite.Engine{}.Rebind
}

type row struct {
	seq                         int64
	at                          time.Time
	actor, member, kind, object string
	payload, leaf, nodes        []byte
}

// TestLogTampering is the property test: any change, deletion, reordering
// or insertion of entry rows, or any change to a stored checkpoint, makes
// verification fail, naming the first bad entry (or the checkpoint).
func TestLogTampering(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.DSN(t, eng)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const n = 150
			vkey := buildLog(t, db, n, 40)
			rdb, rebind := raw(t, dsn)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := rdb.Exec(rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var orig []row
			rs, err := rdb.Query(`SELECT seq, at, actor, member_id, kind, object, payload, leaf_hash, nodes FROM log_entries ORDER BY seq`)
			if err != nil {
				t.Fatal(err)
			}
			for rs.Next() {
				var r row
				rs.Scan(&r.seq, &r.at, &r.actor, &r.member, &r.kind, &r.object, &r.payload, &r.leaf, &r.nodes)
				orig = append(orig, r)
			}
			rs.Close()
			var sizes []int64
			var checkpoints []store.Checkpoint
			db.Read(ctx, func(tx *store.Tx) (err error) {
				checkpoints, err = tx.Checkpoints(ctx, 0, n, 1000)
				for _, c := range checkpoints {
					sizes = append(sizes, c.Size)
				}
				return err
			})
			insert := func(seq int64, r row) {
				if r.nodes == nil {
					r.nodes = []byte{} // the driver reads an empty BLOB as nil
				}
				exec(`INSERT INTO log_entries (seq, at, actor, member_id, kind, object, payload, leaf_hash, nodes) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
					seq, r.at, r.actor, r.member, r.kind, r.object, r.payload, r.leaf, r.nodes)
			}
			restoreFrom := func(from int64) {
				exec(`DELETE FROM log_entries WHERE seq >= $1`, from)
				exec(`BEGIN`)
				for _, r := range orig[from:] {
					insert(r.seq, r)
				}
				exec(`COMMIT`)
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(eng))))
			iterations := 120
			if testing.Short() {
				iterations = 30
			}
			for it := 0; it < iterations; it++ {
				i := rng.Int64N(n)
				var what string
				want := i
				wantCheckpoint := int64(-1)
				switch op := rng.IntN(9); op {
				case 0, 1:
					col := []string{"actor", "member_id", "kind", "object"}[rng.IntN(4)]
					what = "change " + col
					exec(`UPDATE log_entries SET `+col+` = $1 WHERE seq = $2`, "forged", i)
				case 2:
					what = "change payload"
					exec(`UPDATE log_entries SET payload = $1 WHERE seq = $2`, []byte(`{"k":-1}`), i)
				case 3:
					what = "change time"
					exec(`UPDATE log_entries SET at = $1 WHERE seq = $2`, orig[i].at.Add(time.Second), i)
				case 4:
					what = "delete"
					exec(`DELETE FROM log_entries WHERE seq = $1`, i)
				case 5:
					j := rng.Int64N(n)
					if j == i {
						j = (i + 1) % n
					}
					i, j = min(i, j), max(i, j)
					want, what = i, fmt.Sprintf("swap %d and %d", i, j)
					exec(`DELETE FROM log_entries WHERE seq = $1 OR seq = $2`, i, j)
					insert(i, orig[j])
					insert(j, orig[i])
				case 6:
					what = "insert"
					exec(`DELETE FROM log_entries WHERE seq >= $1`, i)
					forged := orig[i]
					forged.object = "forged"
					forged.leaf = bizlog.LeafHash((&bizlog.Entry{Seq: i, At: forged.at, Actor: forged.actor, Member: forged.member, Kind: forged.kind, Object: forged.object, Payload: forged.payload}).Leaf())
					insert(i, forged)
					for _, r := range orig[i:] {
						insert(r.seq+1, r)
					}
				case 7:
					what, want = "append beyond head", n
					insert(n, orig[i])
				case 8:
					c := sizes[rng.IntN(len(sizes))]
					want, wantCheckpoint = -1, c
					switch rng.IntN(3) {
					case 0:
						what = "checkpoint root"
						exec(`UPDATE log_checkpoints SET root = $1 WHERE size = $2`, orig[0].leaf, c)
					case 1:
						what = "checkpoint note"
						exec(`UPDATE log_checkpoints SET note = REPLACE(note, $1, $2) WHERE size = $3`, fmt.Sprintf("\n%d\n", c), fmt.Sprintf("\n%d\n", c+1), c)
					case 2:
						what, wantCheckpoint = "checkpoint size", c+1000
						exec(`UPDATE log_checkpoints SET size = size + 1000 WHERE size = $1`, c)
					}
				}
				rep, err := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: vkey})
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				f := rep.Failure
				switch {
				case f == nil:
					t.Errorf("tampering not caught: %s at %d", what, i)
				case what == "insert" && f.Index == i+1:
					// A forged row consistent with its own stored hash is
					// told apart only by the entry it displaced, one on.
				case f.Index != want || (wantCheckpoint >= 0 && f.Checkpoint != wantCheckpoint):
					t.Errorf("%s at %d: failure names entry %d checkpoint %d (%s), want entry %d", what, i, f.Index, f.Checkpoint, f.Error(), want)
				}
				// Undo.
				if wantCheckpoint >= 0 {
					exec(`DELETE FROM log_checkpoints`)
					for _, c := range checkpoints {
						exec(`INSERT INTO log_checkpoints (size, root, at, note) VALUES ($1,$2,$3,$4)`, c.Size, c.Root, c.At, string(c.Note))
					}
				} else {
					restoreFrom(min(i, want))
				}
				if rep, err := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: vkey}); err != nil || !rep.OK() {
					t.Fatalf("after undoing %s: %v %v", what, rep.Failure, err)
				}
			}
		})
	}
}

// TestLogEntriesFilter covers the regulator's browsing: by member, kind and
// time (X-G4), tenant-scoped for members.
func TestLogEntriesFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleRegulator)
		buildLog(t, db, 30, 10)
		var all []bizlog.Entry
		db.Read(ctx, func(tx *store.Tx) (err error) {
			all, err = tx.LogEntries(ctx, store.LogFilter{Limit: 1000})
			return err
		})
		if len(all) != 30 {
			t.Fatalf("%d entries", len(all))
		}
		cut := all[14].At
		for _, tc := range []struct {
			name string
			f    store.LogFilter
			want func(e bizlog.Entry) bool
		}{
			{"member", store.LogFilter{Member: "mem_3"}, func(e bizlog.Entry) bool { return e.Member == "mem_3" }},
			{"kind", store.LogFilter{Kind: bizlog.KindTokenCreated}, func(e bizlog.Entry) bool { return e.Kind == bizlog.KindTokenCreated }},
			{"since", store.LogFilter{Since: cut}, func(e bizlog.Entry) bool { return !e.At.Before(cut) }},
			{"until", store.LogFilter{Until: cut}, func(e bizlog.Entry) bool { return e.At.Before(cut) }},
			{"from", store.LogFilter{From: 20, Member: "mem_1"}, func(e bizlog.Entry) bool { return e.Seq >= 20 && e.Member == "mem_1" }},
		} {
			var got []bizlog.Entry
			if err := db.Read(ctx, func(tx *store.Tx) (err error) { got, err = tx.LogEntries(ctx, tc.f); return err }); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range all {
				if tc.want(e) {
					n++
				}
			}
			if len(got) != n || n == 0 {
				t.Errorf("%s: %d entries, want %d", tc.name, len(got), n)
			}
			for _, e := range got {
				if !tc.want(e) {
					t.Errorf("%s: entry %d does not match", tc.name, e.Seq)
				}
			}
		}
		mctx := storetest.AsMember(context.Background(), "mem_2")
		var mine []bizlog.Entry
		db.Read(mctx, func(tx *store.Tx) (err error) {
			mine, err = tx.LogEntries(mctx, store.LogFilter{Member: "mem_3"})
			return err
		})
		for _, e := range mine {
			if e.Member != "mem_2" {
				t.Errorf("member mem_2 sees entry of %s", e.Member)
			}
		}
	})
}

// TestLogTreeRebuilt covers a log written before the tree was kept (or
// whose derived edge was lost): the first append rebuilds the nodes from
// the stored leaf hashes and the log verifies.
func TestLogTreeRebuilt(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := storetest.Staff(context.Background(), auth.RoleOperator)
			dsn := storetest.DSN(t, eng)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			vkey := buildLog(t, db, 45, 20)
			rdb, rebind := raw(t, dsn)
			if _, err := rdb.Exec(`UPDATE log_head SET edge = NULL`); err != nil {
				t.Fatal(err)
			}
			if _, err := rdb.Exec(rebind(`UPDATE log_entries SET nodes = $1`), []byte{}); err != nil {
				t.Fatal(err)
			}
			if rep, _ := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: vkey}); rep.OK() {
				t.Fatal("nodes removed but the log verifies")
			}
			if err := db.Transact(ctx, func(tx *store.Tx) error {
				_, err := tx.Append(ctx, "", "test.after", "o", nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			rep, err := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: vkey})
			if err != nil || !rep.OK() || rep.Entries != 46 {
				t.Fatalf("after rebuild: %+v %v", rep, err)
			}
		})
	}
}
