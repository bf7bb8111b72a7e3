package platform_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/issuance"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
)

func testSealer(t testing.TB) keyring.Sealer {
	t.Helper()
	kek := make([]byte, 32)
	rand.Read(kek)
	s, err := keyring.NewAESGCM(kek)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// translate is the member's half of exID generation, for tests.
func translate(t *testing.T, p *issuance.Issuer, ctx context.Context, phones []string) ([]exid.ExID, error) {
	t.Helper()
	inputs := make([][]byte, len(phones))
	blinds := make([]oprf.Scalar, len(phones))
	blinded := make([]oprf.Element, len(phones))
	wire := make([][]byte, len(phones))
	for i, ph := range phones {
		c, err := ident.Normalize(ident.Mobile, ph)
		if err != nil {
			t.Fatal(err)
		}
		inputs[i] = ident.Input(ident.Mobile, c)
		if blinds[i], blinded[i], err = oprf.Blind(inputs[i], rand.Reader); err != nil {
			t.Fatal(err)
		}
		wire[i], _ = blinded[i].MarshalBinary()
	}
	ev, err := p.Evaluate(ctx, 0, wire, "")
	if err != nil {
		return nil, err
	}
	var pk oprf.PublicKey
	for _, k := range p.PublicKeys() {
		if k.Epoch == ev.Epoch {
			pk.UnmarshalBinary(k.Key)
		}
	}
	evaluated := make([]oprf.Element, len(ev.Evaluated))
	for i, b := range ev.Evaluated {
		if err := evaluated[i].UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	}
	var proof oprf.Proof
	proof.UnmarshalBinary(ev.Proof)
	outs, err := oprf.VerifyAndFinalize(pk, inputs, blinds, blinded, evaluated, proof)
	if err != nil {
		return nil, err
	}
	ids := make([]exid.ExID, len(outs))
	for i, o := range outs {
		ids[i] = exid.FromOutput(uint8(ev.Epoch), o)
	}
	return ids, nil
}

// issuer starts exID issuance on p with sealer as the key-encryption key.
func issuer(t testing.TB, p *exchange.Exchange, sealer keyring.Sealer) (*issuance.Issuer, error) {
	t.Helper()
	p.UseSealer(sealer)
	return p.Issuer, p.Issuer.Init(context.Background())
}

func TestIssuance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		sealer := testSealer(t)
		iss, err := issuer(t, p, sealer)
		if err != nil {
			t.Fatal(err)
		}
		opCtx := operator(t, p)
		sup := onboard(t, p, opCtx, 41, true, false)
		dem := onboard(t, p, opCtx, 42, false, true)

		phones := []string{"13800138000", "+86 139-0013-9000", "008613700137000"}
		a, err := translate(t, iss, sup.ctx, phones)
		if err != nil {
			t.Fatal(err)
		}
		// The two sides collide on exID (X-E2): the demander's translation of
		// the same numbers, written differently, gives the same exIDs.
		b, err := translate(t, iss, dem.ctx, []string{"+8613800138000", "13900139000", "137 0013 7000"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] || a[i].Epoch() != 1 {
				t.Errorf("exID %d differs between members: %s %s", i, a[i], b[i])
			}
		}
		if a[0] == a[1] {
			t.Error("different numbers gave one exID")
		}

		// A restarted platform with the same KEK evaluates with the same key.
		p2 := newPlatform(t, db)
		iss2, err := issuer(t, p2, sealer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := translate(t, iss2, sup.ctx, phones[:1])
		if err != nil || c[0] != a[0] {
			t.Errorf("after restart: %v %v", err, c)
		}
		// With another KEK the stored key cannot be opened: refuse to start.
		if _, err := issuer(t, newPlatform(t, db), testSealer(t)); err == nil {
			t.Error("started with the wrong key-encryption key")
		}

		// Only onboarded members; limits refuse the whole request and count nothing.
		_, acct, _ := p.Apply(context.Background(), application(43))
		if _, err := translate(t, iss, auth.WithActor(context.Background(), acct.Actor()), phones); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("issuance before onboarding: %v", err)
		}
		iss.Limits.PerDay = 5
		if _, err := translate(t, iss, sup.ctx, phones); !errs.Is(err, errs.ResourceExhausted) {
			t.Errorf("over the daily limit: %v", err)
		}
		var used int64
		db.Read(sup.ctx, func(tx *store.Tx) error {
			es, err := tx.LogEntries(sup.ctx, store.LogFilter{Kind: issuance.KindExIDIssued})
			for _, e := range es {
				if string(e.Payload) == "" {
					t.Error("empty payload")
				}
			}
			used = int64(len(es))
			return err
		})
		if used != 2 { // the first translation and the one after restart; the refused one left nothing
			t.Errorf("%d issuance entries", used)
		}

		// Rotation: a new epoch, new exIDs; the old epoch still serves.
		if _, err := iss.RotateKey(sup.ctx); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("member rotating: %v", err)
		}
		iss.Limits.PerDay = 1000
		if epoch, err := iss.RotateKey(opCtx); err != nil || epoch != 2 {
			t.Fatalf("rotate: %d %v", epoch, err)
		}
		d, err := translate(t, iss, dem.ctx, phones[:1])
		if err != nil || d[0].Epoch() != 2 || d[0] == a[0] {
			t.Errorf("after rotation: %v %v", err, d)
		}
		if len(iss.PublicKeys()) != 2 {
			t.Errorf("%d public keys", len(iss.PublicKeys()))
		}
	})
}

func TestEvaluateBadInput(t *testing.T) {
	db := storetest.Open(t, "sqlite", store.Options{})
	p := newPlatform(t, db)
	iss, err := issuer(t, p, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	sup := onboard(t, p, operator(t, p), 51, true, false)
	for name, blinded := range map[string][][]byte{
		"empty":      nil,
		"too many":   make([][]byte, issuance.MaxBatch+1),
		"not points": {make([]byte, 32), []byte("short")},
	} {
		_, err := iss.Evaluate(sup.ctx, 0, blinded, "")
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := iss.Evaluate(sup.ctx, 9, [][]byte{make([]byte, 32)}, ""); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown epoch: %v", err)
	}
	for _, id := range []string{strings.Repeat("r", 65), "req 1", "请求"} {
		if _, err := iss.Evaluate(sup.ctx, 0, [][]byte{make([]byte, 32)}, id); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "request_id") {
			t.Errorf("request ID %q: %v", id, err)
		}
	}
}

// TestIssuanceRetried: a batch sent again with its request ID after a lost
// answer is evaluated again — the same evaluations — but metered, charged
// and logged once; the ID reused for another batch is refused; old IDs are
// forgotten after RequestMemory.
func TestIssuanceRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		iss, err := issuer(t, p, testSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		iss.PriceFen = 2
		opCtx := operator(t, p)
		dem := onboard(t, p, opCtx, 62, false, true)
		if _, err := p.TopUp(opCtx, dem.member.ID, 100, "PAY-0002", "测试充值"); err != nil {
			t.Fatal(err)
		}
		blinded := make([][]byte, 3)
		for i := range blinded {
			_, e, err := oprf.Blind([]byte{byte(i)}, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			blinded[i], _ = e.MarshalBinary()
		}
		first, err := iss.Evaluate(dem.ctx, 0, blinded, "batch-1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := iss.Evaluate(dem.ctx, 0, blinded, "batch-1")
		if err != nil {
			t.Fatal(err)
		}
		for i := range blinded {
			if !bytes.Equal(first.Evaluated[i], again.Evaluated[i]) {
				t.Errorf("element %d evaluated differently on the retry", i)
			}
		}
		if again.UsedToday != 3 || first.UsedToday != 3 {
			t.Errorf("used today %d then %d; want 3 both times", first.UsedToday, again.UsedToday)
		}
		other := append([][]byte{blinded[1]}, blinded[:1]...)
		if _, err := iss.Evaluate(dem.ctx, 0, other, "batch-1"); !errs.Is(err, errs.Conflict) {
			t.Errorf("request ID reused for another batch: %v", err)
		}
		q, err := p.Quota(dem.ctx, dem.member.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Account.BalanceFen != 94 {
			t.Errorf("balance %d fen after a batch and its retry; want 94", q.Account.BalanceFen)
		}
		var issued int
		db.Read(opCtx, func(tx *store.Tx) error {
			es, err := tx.LogEntries(opCtx, store.LogFilter{Kind: issuance.KindExIDIssued})
			issued = len(es)
			return err
		})
		if issued != 1 {
			t.Errorf("%d issuance entries for one batch and its retry", issued)
		}

		// Forgotten after RequestMemory: the same ID is then a new request.
		err = db.Transact(opCtx, func(tx *store.Tx) error {
			n, err := tx.PruneIssuanceRequests(opCtx, tx.Now().Add(time.Hour), 10)
			if n != 1 {
				t.Errorf("pruned %d request IDs, want 1", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iss.Evaluate(dem.ctx, 0, other, "batch-1"); err != nil {
			t.Errorf("a forgotten request ID: %v", err)
		}
	})
}

// TestIssuanceCharged: with a price per element, issuance is deducted from
// the member's prepaid quota in the transaction that meters it; a quota
// that cannot cover a request refuses it whole and suspends the member.
func TestIssuanceCharged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		iss, err := issuer(t, p, testSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		iss.PriceFen = 2
		opCtx := operator(t, p)
		dem := onboard(t, p, opCtx, 61, false, true)
		if _, err := p.TopUp(opCtx, dem.member.ID, 10, "PAY-0001", "测试充值"); err != nil {
			t.Fatal(err)
		}
		phones := []string{"13800138000", "13900139000", "13700137000"}
		if _, err := translate(t, iss, dem.ctx, phones); err != nil {
			t.Fatal(err)
		}
		if _, err := translate(t, iss, dem.ctx, phones); !errs.Is(err, errs.ResourceExhausted) {
			t.Fatalf("issuance beyond the quota: %v", err)
		}
		q, err := p.Quota(dem.ctx, dem.member.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Account.BalanceFen != 4 || !q.Account.IsSuspended() {
			t.Errorf("balance %d fen, suspended %v; want 4 and suspended", q.Account.BalanceFen, q.Account.IsSuspended())
		}
		var issued int
		db.Read(opCtx, func(tx *store.Tx) error {
			es, err := tx.LogEntries(opCtx, store.LogFilter{Kind: issuance.KindExIDIssued})
			issued = len(es)
			return err
		})
		if issued != 1 {
			t.Errorf("%d issuance entries; the refused request must leave none", issued)
		}
	})
}
