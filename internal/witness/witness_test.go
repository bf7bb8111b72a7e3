package witness_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/bizlog/logapi"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/platform/witnesses"
	"hulian/internal/storage/storagetest"
	"hulian/internal/witness"
)

// logPlatform is a platform's log served over HTTP, with bearer tokens
// that stand for a regulator ("reg"), an operator ("op") and a member.
type logPlatform struct {
	k    *logkeeper.Keeper
	ws   *witnesses.Witnesses
	url  string
	vkey string
}

var actors = map[string]auth.Actor{
	"reg":    {AccountID: "acc_reg", Role: auth.RoleRegulator},
	"op":     {AccountID: "acc_op", Role: auth.RoleOperator},
	"member": {AccountID: "acc_m", MemberID: "mem_a", Role: auth.RoleMember},
}

func newPlatform(t *testing.T, dsn string) *logPlatform {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &logPlatform{k: logkeeper.New(platform.New(db, nil))}
	kek, _ := keyring.ParseKEK("kek", keyring.NewKEKText())
	sealer, _ := keyring.NewAESGCM(kek)
	p.k.P.UseSealer(sealer)
	if p.vkey, err = p.k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	p.ws = witnesses.New(p.k)
	mux := http.NewServeMux()
	logapi.Mount(mux, p.k)
	logapi.MountWitnesses(mux, p.ws)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := actors[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			r = r.WithContext(auth.WithActor(r.Context(), a))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *logPlatform) staff() context.Context {
	return auth.WithActor(context.Background(), actors["op"])
}

// grow appends n entries and signs a checkpoint of the whole log.
func (p *logPlatform) grow(t *testing.T, n int) int64 {
	t.Helper()
	ctx := p.staff()
	for i := 0; i < n; i++ {
		err := p.k.P.DB.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Append(ctx, []string{"mem_a", "mem_b"}[i%2], bizlog.KindMemberQualified, fmt.Sprintf("obj%d", i), bizlog.P{"i": i})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := p.k.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c.Size
}

func (p *logPlatform) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := p.k.P.DB.Writer().Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func newWitness(t *testing.T, dsn string, p *logPlatform) *witness.Witness {
	t.Helper()
	st, err := witness.OpenStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, made, err := witness.LoadKey(filepath.Join(t.TempDir(), "witness.key"), "hulian.witness/test")
	if err != nil || !made {
		t.Fatalf("key: %v %v", made, err)
	}
	return &witness.Witness{Platform: p.url, Token: "reg", Store: st, LogKey: p.vkey, Signer: key.Signer, Verifier: key.Verifier, Page: 7}
}

func wantAlarm(t *testing.T, err error, index int64, words string) {
	t.Helper()
	var a *witness.Alarm
	if !errors.As(err, &a) {
		t.Fatalf("want an alarm at %d, got %v", index, err)
	}
	if a.Index != index || !strings.Contains(a.Reason.EN, words) {
		t.Fatalf("want an alarm at %d (%q), got %d: %s", index, words, a.Index, a.Reason.EN)
	}
}

// TestWitnessFollows: the witness copies the log page by page, verifies
// each checkpoint against its copy and the previous one, and cosigns it;
// the platform keeps the cosignature, registers the witness in the log
// and serves the cosigned checkpoint, which verifies under both keys.
func TestWitnessFollows(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			p := newPlatform(t, storagetest.DSN(t, eng))
			w := newWitness(t, storagetest.DSN(t, eng), p)
			ctx := context.Background()
			size := p.grow(t, 20)
			res, err := w.Round(ctx, -1)
			if err != nil || res.Size != size || res.Copied != size || res.PublishErr != nil {
				t.Fatalf("first round: %+v %v", res, err)
			}
			for _, n := range []int{0, 1, 15} {
				size = p.grow(t, n)
				if res, err = w.Round(ctx, 5); err != nil || res.Size != size || res.PublishErr != nil {
					t.Fatalf("round after %d more: %+v %v", n, res, err)
				}
			}
			// The platform's copy: the newest cosigned checkpoint, with
			// the platform's signature and the witness's.
			msg, err := p.ws.Witnessed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lv, _ := note.NewVerifier(p.vkey)
			wv, _ := fnote.NewVerifierForCosignatureV1(w.Verifier)
			n, err := note.Open(msg, note.VerifierList(lv, wv))
			if err != nil || len(n.Sigs) != 2 {
				t.Fatalf("witnessed checkpoint: %v, %d signatures", err, len(n.Sigs))
			}
			if cp, _ := bizlog.ParseCheckpoint(n.Text); cp.Size != size {
				t.Errorf("witnessed size %d, want %d", cp.Size, size)
			}
			st, err := p.ws.Status(p.staff())
			if err != nil || len(st.Witnesses) != 1 || st.Witnesses[0].Size != size || st.Witnesses[0].Stale {
				t.Fatalf("status: %+v %v", st, err)
			}
			regs, _ := p.k.Entries(p.staff(), store.LogFilter{Kind: bizlog.KindWitnessRegistered})
			if len(regs) != 1 || regs[0].Object != "hulian.witness/test" {
				t.Errorf("registration entries: %+v", regs)
			}
		})
	}
}

// TestWitnessAlarms: an entry changed, deleted or reordered in the
// platform's database after the witness copied it, a rolled-back log and
// a forked checkpoint are each found; a rewrite is named by its first
// index.
func TestWitnessAlarms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(t *testing.T, p *logPlatform, base int64)
		index  func(base int64) int64 // -1: about a checkpoint
		words  string
	}{
		{"changed", func(t *testing.T, p *logPlatform, b int64) {
			p.exec(t, fmt.Sprintf(`UPDATE log_entries SET object = 'forged' WHERE seq = %d`, b+9))
		}, func(b int64) int64 { return b + 9 }, "rewritten"},
		{"deleted", func(t *testing.T, p *logPlatform, b int64) {
			p.exec(t, fmt.Sprintf(`DELETE FROM log_entries WHERE seq = %d`, b+4))
		}, func(b int64) int64 { return b + 4 }, "no longer serves"},
		{"reordered", func(t *testing.T, p *logPlatform, b int64) {
			p.exec(t, fmt.Sprintf(`UPDATE log_entries SET seq = -1 WHERE seq = %d`, b+12))
			p.exec(t, fmt.Sprintf(`UPDATE log_entries SET seq = %d WHERE seq = %d`, b+12, b+6))
			p.exec(t, fmt.Sprintf(`UPDATE log_entries SET seq = %d WHERE seq = -1`, b+6))
		}, func(b int64) int64 { return b + 6 }, "rewritten"},
		{"rolled back", func(t *testing.T, p *logPlatform, b int64) {
			p.exec(t, `DELETE FROM log_checkpoints WHERE size = (SELECT MAX(size) FROM log_checkpoints)`)
		}, func(b int64) int64 { return b + 20 }, "rolled back"},
		{"forked", func(t *testing.T, p *logPlatform, b int64) {
			ctx := p.staff()
			signer, _, err := p.k.Signer(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Three more entries, and a checkpoint of them that does not
			// extend the one witnessed.
			root := make([]byte, 32)
			root[0] = 1
			err = p.k.P.DB.Transact(ctx, func(tx *store.Tx) error {
				for i := 0; i < 3; i++ {
					if _, err := tx.Append(ctx, "mem_a", bizlog.KindMemberQualified, "more", bizlog.P{}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = p.k.P.DB.Transact(ctx, func(tx *store.Tx) error {
				size, err := tx.LogSize(ctx)
				if err != nil {
					return err
				}
				msg, _ := bizlog.Checkpoint{Origin: signer.Name(), Size: size, Root: root}.Sign(signer)
				return tx.AddCheckpoint(ctx, &store.Checkpoint{Size: size, Root: root, At: tx.Now(), Note: msg})
			})
			if err != nil {
				t.Fatal(err)
			}
		}, func(int64) int64 { return -1 }, "not consistent"},
	}
	for _, eng := range storagetest.Engines(t) {
		for _, tc := range cases {
			t.Run(eng+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				p := newPlatform(t, storagetest.DSN(t, eng))
				w := newWitness(t, storagetest.DSN(t, eng), p)
				ctx := context.Background()
				var base int64
				p.k.P.DB.Read(ctx, func(tx *store.Tx) (err error) { base, err = tx.LogSize(ctx); return err })
				p.grow(t, 20)
				if _, err := w.Round(ctx, -1); err != nil {
					t.Fatal(err)
				}
				if tc.name == "rolled back" || tc.name == "forked" {
					p.grow(t, 5)
					if _, err := w.Round(ctx, 0); err != nil {
						t.Fatal(err)
					}
				}
				tc.tamper(t, p, base)
				_, err := w.Round(ctx, -1)
				wantAlarm(t, err, tc.index(base), tc.words)
				alarms, _ := w.Store.Alarms(ctx)
				if len(alarms) != 1 || alarms[0].Index != tc.index(base) {
					t.Errorf("recorded alarms: %+v", alarms)
				}
				// The platform was told too: its console shows the alarm.
				st, err := p.ws.Status(p.staff())
				if err != nil || len(st.Witnesses) != 1 || st.Witnesses[0].Alarm == "" || st.Witnesses[0].AlarmIndex != tc.index(base) {
					t.Errorf("the platform's view of the alarm: %+v %v", st.Witnesses, err)
				}
			})
		}
	}
}

// TestWitnessUncopiedRewrite: entries the platform serves that its own
// checkpoint does not cover are refused, named, and not kept in the copy.
func TestWitnessUncopiedRewrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := newPlatform(t, "sqlite://"+filepath.Join(dir, "p.db"))
	w := newWitness(t, "sqlite://"+filepath.Join(dir, "w.db"), p)
	ctx := context.Background()
	size := p.grow(t, 10)
	if _, err := w.Round(ctx, -1); err != nil {
		t.Fatal(err)
	}
	p.grow(t, 10)
	p.exec(t, fmt.Sprintf(`UPDATE log_entries SET payload = X'7B7D' WHERE seq = %d`, size+3))
	_, err := w.Round(ctx, 0)
	wantAlarm(t, err, size+3, "not in its tree")
	st, _ := w.Store.State(ctx)
	if st.Copied != size || st.VerifiedSize != size {
		t.Errorf("after the alarm the copy holds %d entries (verified %d), want %d", st.Copied, st.VerifiedSize, size)
	}
}

// TestCosignRefused: only the regulator cosigns; a forged or foreign
// cosignature, a checkpoint the platform never signed and a second key
// under a registered name are refused, and nothing is kept of them.
func TestCosignRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := newPlatform(t, "sqlite://"+filepath.Join(dir, "p.db"))
	w := newWitness(t, "sqlite://"+filepath.Join(dir, "w.db"), p)
	ctx := context.Background()
	p.grow(t, 3)
	res, err := w.Round(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	reg := auth.WithActor(ctx, actors["reg"])
	for _, who := range []string{"op", "member"} {
		if _, err := p.ws.Cosign(auth.WithActor(ctx, actors[who]), w.Verifier, res.Cosigned); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("%s cosigns: %v", who, err)
		}
	}
	if _, err := p.ws.Cosign(ctx, w.Verifier, res.Cosigned); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("anonymous cosigns: %v", err)
	}
	other, _, _ := witness.LoadKey(filepath.Join(dir, "other.key"), "hulian.witness/test")
	if _, err := p.ws.Cosign(reg, other.Verifier, res.Cosigned); err == nil {
		t.Error("a cosignature checked under another key is accepted")
	}
	// The same name with another key: refused as a conflict.
	lv, _ := note.NewVerifier(p.vkey)
	n, _ := note.Open(res.Cosigned, note.VerifierList(lv))
	n.UnverifiedSigs = nil
	n.Sigs = n.Sigs[:1]
	again, _ := note.Sign(n, other.Signer)
	if _, err := p.ws.Cosign(reg, other.Verifier, again); !errs.Is(err, errs.Conflict) {
		t.Errorf("second key under a registered name: %v", err)
	}
	// Alarms: the regulator's registered witness only.
	if err := p.ws.Alarm(auth.WithActor(ctx, actors["member"]), w.Verifier, 1, "x"); !errs.Is(err, errs.PermissionDenied) {
		t.Errorf("a member reports an alarm: %v", err)
	}
	if err := p.ws.Alarm(reg, other.Verifier, 1, "x"); !errs.Is(err, errs.NotFound) {
		t.Errorf("an alarm from a witness registered under another key: %v", err)
	}
	// A checkpoint the platform did not sign.
	signer, _, _ := p.k.Signer(p.staff())
	fake, _ := bizlog.Checkpoint{Origin: signer.Name(), Size: 999, Root: make([]byte, 32)}.Sign(signer)
	fn, _ := note.Open(fake, note.VerifierList(lv))
	fakeCosigned, _ := note.Sign(fn, w.Signer)
	if _, err := p.ws.Cosign(reg, w.Verifier, fakeCosigned); !errs.Is(err, errs.NotFound) {
		t.Errorf("unsigned checkpoint: %v", err)
	}
	// Over HTTP, an oversized body is refused before it is parsed.
	req, _ := http.NewRequest(http.MethodPost, p.url+"/log/v1/cosignature", strings.NewReader(strings.Repeat("x", 20<<10)))
	req.Header.Set("Authorization", "Bearer reg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "16 KiB") {
		t.Errorf("oversized cosignature: %s %s", resp.Status, b)
	}
	st, _ := p.ws.Status(p.staff())
	if len(st.Witnesses) != 1 || st.Witnesses[0].VerifierKey != w.Verifier {
		t.Errorf("witnesses after the refusals: %+v", st.Witnesses)
	}
}
