package server_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/demand"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/platformclient"
	"hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/retry"
	"hulian/internal/storage/storagetest"
)

const (
	supplierID = "mem_supplier"
	demanderID = "mem_demander"
	listingID  = "lst_spend"
)

// spendListing has two tags; orders name them by key, in their own order.
const spendListing = `{"id":"lst_spend","version":1,"subject":"person","k":2,"tags":[` +
	`{"key":"consumption_level","column":"level","value_type":"single","values":["high","low"]},` +
	`{"key":"home_region","column":"region","value_type":"single","values":["north","south","west"]}]}`

func personID(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[8:], uint64(i)+1)
	return exid.FromOutput(1, out[:])
}

// spendRow is person i's values in version v: (level, region).
func spendRow(i, v int) (string, string) {
	lvl := []string{"high", "low"}[(i+v)%2]
	return lvl, []string{"north", "south", "west"}[i%3]
}

func spendCSV(rows, v int) string {
	var b strings.Builder
	b.WriteString("exid,region,level,note\n")
	for i := range rows {
		lvl, reg := spendRow(i, v)
		fmt.Fprintf(&b, "%s,%s,%s,unlisted\n", personID(i), reg, lvl)
	}
	return b.String()
}

// exchange is a fake platform, a supplier node serving its AnswerService
// and a demander node, with an order between them.
type exchange struct {
	relay    *fakeRelay
	supplier *server.Main
	demander *demand.Side
	dir      string
	kek      string // the supplier's
	dkek     string // the demander's
}

// order is the test order: the demander licenses (region, level) in that
// order, at most maxTokens per request.
func (x *exchange) order(id string, maxTokens int) {
	x.relay.addOrder(&fakeOrder{id: id, listing: listingID, supplier: supplierID, demander: demanderID, method: "batch",
		columns: []string{"home_region", "consumption_level"}, maxTokens: maxTokens, retentionDays: 30})
}

func newExchange(t *testing.T, engine string, rows int) *exchange {
	t.Helper()
	ctx := context.Background()
	x := &exchange{relay: newFakeRelay(t), dir: t.TempDir(), kek: keyring.NewKEKText(), dkek: keyring.NewKEKText()}
	dsn := "sqlite://" + filepath.Join(x.dir, "supplier.db")
	if engine != "sqlite" {
		dsn = storagetest.DSN(t, engine)
	}
	m, err := server.Open(ctx, server.Config{Listen: "127.0.0.1:0", MaintainEvery: time.Hour, Node: node.Config{DB: dsn, KEKEnv: x.kek,
		MemberID: supplierID, PlatformURL: x.relay.URL(), NewPlatform: platformclient.New, Region: "CN-SH"}})
	if err != nil {
		t.Fatal(err)
	}
	x.supplier = m
	x.relay.addMember(supplierID, m.Node.Public())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("supplier Run: %v", err)
		}
		m.Close()
	})
	<-m.EndpointTried()
	if u, err := m.Node.PublicURL(ctx); err != nil || u != m.URL() {
		t.Fatalf("supplier endpoint %q %v, want %s", u, err, m.URL())
	}
	if rows > 0 {
		x.importSpend(t, rows, 1)
	}
	ddsn := "sqlite://" + filepath.Join(x.dir, "demander.db")
	if engine != "sqlite" {
		ddsn = storagetest.DSN(t, engine)
	}
	dn, err := node.Open(ctx, node.Config{DB: ddsn, KEKEnv: x.dkek,
		MemberID: demanderID, PlatformURL: x.relay.URL(), NewPlatform: platformclient.New, Region: "CN-BJ"})
	if err != nil {
		t.Fatal(err)
	}
	x.demander = demand.New(dn)
	t.Cleanup(func() { x.demander.Close() })
	x.relay.addMember(demanderID, x.demander.Public())
	x.relay.demanderKeys = map[string]*ecdh.PrivateKey{demanderID: x.demander.Keys.X25519}
	x.order("ord_one", 1000)
	return x
}

func (x *exchange) importSpend(t *testing.T, rows, v int) {
	t.Helper()
	res, err := x.supplier.Supply.ImportDataset(context.Background(), supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "spend", Listing: strings.NewReader(spendListing),
		In: strings.NewReader(spendCSV(rows, v)), IDColumn: "exid"})
	if err != nil || !res.Pass {
		t.Fatalf("import: %+v %v", res, err)
	}
}

func wantValues(i, v int) []string {
	lvl, reg := spendRow(i, v)
	return []string{reg, lvl}
}

// TestDeliveryEndToEnd: a real-time query through the (fake) platform to
// the supplier node's AnswerService and back, with the real cryptography;
// values come back in the order's column order, unknown IDs unmatched, a
// repeated ID answered for each position, and the delivery on record.
func TestDeliveryEndToEnd(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			x := newExchange(t, eng, 200)
			ctx := context.Background()
			ids := []exid.ExID{personID(0), personID(5), personID(999), personID(5), personID(199)}
			res, err := x.demander.Query(ctx, "ord_one", ids)
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{wantValues(0, 1), wantValues(5, 1), nil, wantValues(5, 1), wantValues(199, 1)}
			if !slices.EqualFunc(res.Values, want, slices.Equal) {
				t.Errorf("values %v, want %v", res.Values, want)
			}
			if res.Matched != 3 || res.Receipt.Queried != 5 || res.Receipt.Matched != 3 || res.ChargeFen != 3 {
				t.Errorf("matched %d, receipt %+v", res.Matched, res.Receipt)
			}
			ds, err := x.demander.Deliveries(ctx, "ord_one", 0)
			if err != nil || len(ds) != 1 || ds[0].RequestID != res.RequestID || ds[0].Supplier != supplierID || ds[0].DestroyedAt != nil || ds[0].Seq != res.Receipt.Seq {
				t.Fatalf("deliveries %+v %v", ds, err)
			}
			// The demander pinned the platform's key from the order.
			if k, _ := x.demander.VerifierKey(ctx); k != x.relay.vkey {
				t.Errorf("demander pinned %q", k)
			}
			// Destroyed on request and attested, on this engine too.
			s, err := x.demander.DestroyDeliveries(ctx, "ord_one")
			if err != nil || s.Destroyed != 1 || s.Attested != 1 {
				t.Fatalf("destroy: %+v %v", s, err)
			}
			ds, err = x.demander.Deliveries(ctx, "ord_one", 0)
			if err != nil || ds[0].DestroyedAt == nil || ds[0].AttestedAt == nil || ds[0].AttestSeq == 0 {
				t.Fatalf("after destruction: %+v %v", ds[0], err)
			}
		})
	}
}

// TestAnswerFollowsDataset: an exclusion takes effect at once, also when
// another process makes it, and a new import is answered from at once.
func TestAnswerFollowsDataset(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	ids := []exid.ExID{personID(1), personID(2), personID(3)}
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 3 {
		t.Fatalf("first query: %+v %v", res, err)
	}
	if _, err := x.supplier.Supply.Exclude(ctx, "spend", []exid.ExID{personID(1)}, "withdrawn"); err != nil {
		t.Fatal(err)
	}
	res, err := x.demander.Query(ctx, "ord_one", ids)
	if err != nil || res.Values[0] != nil || res.Matched != 2 {
		t.Fatalf("after exclusion: %v %v", res.Values, err)
	}
	// Another process (the command line) excludes from every dataset.
	other, err := node.Open(ctx, node.Config{DB: "sqlite://" + filepath.Join(x.dir, "supplier.db"), KEKEnv: x.kek})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := supply.New(other).Exclude(ctx, "", []exid.ExID{personID(2)}, "withdrawn"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	res, err = x.demander.Query(ctx, "ord_one", ids)
	if err != nil || res.Values[1] != nil || res.Matched != 1 || !slices.Equal(res.Values[2], wantValues(3, 1)) {
		t.Fatalf("after exclusion by another process: %v %v", res.Values, err)
	}
	// Version 2 changes the levels: answered from at once, and the
	// exclusions still hold.
	x.importSpend(t, 100, 2)
	res, err = x.demander.Query(ctx, "ord_one", ids)
	if err != nil || res.Matched != 1 || !slices.Equal(res.Values[2], wantValues(3, 2)) {
		t.Fatalf("after version 2: %v %v", res.Values, err)
	}
}

// TestRelayChecks: only the platform's signature over the exact body, once,
// in time, for this supplier and a listing it holds, gets an answer; a
// retry with a fresh signature gets the same bytes.
func TestRelayChecks(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	o := x.relay.orders["ord_one"]
	tokens := make([]byte, 16*3)
	req := x.relay.answerRequest(o, "rq_checks", tokens)
	first, err := x.relay.forward(ctx, supplierID, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := x.relay.forward(ctx, supplierID, req, nil)
	if err != nil || !bytes.Equal(again.GetSealed(), first.GetSealed()) || !bytes.Equal(again.GetSignature(), first.GetSignature()) {
		t.Fatalf("retry: %v, same bytes %v", err, err == nil && bytes.Equal(again.GetSealed(), first.GetSealed()))
	}
	other := x.relay.answerRequest(o, "rq_checks", make([]byte, 32))
	if _, err := x.relay.forward(ctx, supplierID, other, nil); connect.CodeOf(err) != connect.CodeAlreadyExists {
		t.Errorf("request ID reused with other tokens: %v", err)
	}

	forged := newFakeRelay(t)
	var replayed string
	otherOrder := x.relay.answerRequest(o, "rq_other", tokens)
	otherOrder.Authenticator = x.relay.answerRequest(&fakeOrder{id: "ord_two", listing: listingID, supplier: supplierID, demander: demanderID, columns: o.columns}, "rq_other", tokens).Authenticator
	noAuth := x.relay.answerRequest(o, "rq_noauth", tokens)
	noAuth.Authenticator = nil
	cases := []struct {
		name string
		req  *hulianv1.AnswerRequest
		tm   tamper
		code connect.Code
	}{
		{"no header", req, func(*[]byte, *evidence.Relay, func(evidence.Relay) string) string { return "" }, connect.CodeUnauthenticated},
		{"forged", req, func(_ *[]byte, r *evidence.Relay, _ func(evidence.Relay) string) string {
			h, _ := r.Header(forged.signer)
			return h
		}, connect.CodeUnauthenticated},
		{"body changed", req, func(b *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			h := sign(*r)
			(*b)[len(*b)-1] ^= 1
			return h
		}, connect.CodeUnauthenticated},
		{"expired", req, func(_ *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			r.At = r.At.Add(-evidence.MaxRelaySkew - time.Minute)
			return sign(*r)
		}, connect.CodeUnauthenticated},
		{"from the future", req, func(_ *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			r.At = r.At.Add(evidence.MaxRelaySkew + time.Minute)
			return sign(*r)
		}, connect.CodeUnauthenticated},
		{"first of a replay", req, func(_ *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			replayed = sign(*r)
			return replayed
		}, 0},
		{"replayed", req, func(*[]byte, *evidence.Relay, func(evidence.Relay) string) string { return replayed }, connect.CodeUnauthenticated},
		{"another request than signed", req, func(_ *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			r.RequestID = "rq_other"
			return sign(*r)
		}, connect.CodeUnauthenticated},
		{"wrong supplier", req, func(_ *[]byte, r *evidence.Relay, sign func(evidence.Relay) string) string {
			r.Supplier = "mem_other"
			return sign(*r)
		}, connect.CodePermissionDenied},
		{"unknown listing", x.relay.answerRequest(&fakeOrder{id: "ord_one", listing: "lst_none", supplier: supplierID, demander: demanderID, columns: o.columns}, "rq_x", tokens), nil, connect.CodeNotFound},
		{"unknown column", x.relay.answerRequest(&fakeOrder{id: "ord_one", listing: listingID, supplier: supplierID, demander: demanderID, columns: []string{"income"}}, "rq_y", tokens), nil, connect.CodeFailedPrecondition},
		{"ragged tokens", x.relay.answerRequest(o, "rq_z", make([]byte, 17)), nil, connect.CodeInvalidArgument},
		// Tokens made for another order: their authenticator is under that
		// order's key, so this order's supplier refuses them.
		{"tokens of another order", otherOrder, nil, connect.CodeInvalidArgument},
		{"no authenticator", noAuth, nil, connect.CodeInvalidArgument},
	}
	for _, c := range cases {
		_, err := x.relay.forward(ctx, supplierID, c.req, c.tm)
		if c.code == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if connect.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %v", c.name, err, c.code)
		}
	}
}

// TestTwoOrdersNoCommonToken: the demander's tokens for two orders over
// the same people share nothing.
func TestTwoOrdersNoCommonToken(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 300)
	x.order("ord_two", 1000)
	ctx := context.Background()
	ids := make([]exid.ExID, 300)
	for i := range ids {
		ids[i] = personID(i)
	}
	for _, o := range []string{"ord_one", "ord_two"} {
		res, err := x.demander.Query(ctx, o, ids)
		if err != nil || res.Matched != 300 {
			t.Fatalf("%s: %v", o, err)
		}
	}
	seen := map[string]bool{}
	for _, tok := range chunks16(x.relay.sent["ord_one"][0]) {
		seen[string(tok)] = true
	}
	for _, tok := range chunks16(x.relay.sent["ord_two"][0]) {
		if seen[string(tok)] {
			t.Fatal("a token is common to two orders")
		}
	}
}

func chunks16(b []byte) [][]byte {
	var out [][]byte
	for ; len(b) >= 16; b = b[16:] {
		out = append(out, b[:16])
	}
	return out
}

// queryCSV is an input of n rows asking for persons start…start+n-1 of
// which the supplier holds those under held.
func queryCSV(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("customer,exid\n")
	for i := range n {
		fmt.Fprintf(&b, "c%d,%s\n", i, personID(i*2))
	}
	p := filepath.Join(dir, fmt.Sprintf("ids-%d.csv", n))
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantResults is the results file of queryCSV's input against a dataset
// of rows persons, version 1.
func wantResults(n, rows int) string {
	var b strings.Builder
	b.WriteString("exid,matched,home_region,consumption_level\n")
	for i := range n {
		if i*2 < rows {
			v := wantValues(i*2, 1)
			fmt.Fprintf(&b, "%s,1,%s,%s\n", personID(i*2), v[0], v[1])
		} else {
			fmt.Fprintf(&b, "%s,0,,\n", personID(i*2))
		}
	}
	return b.String()
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestQueryFileResume: a file larger than max_tokens goes in chunks; a
// failure stops it with the rows written kept; the rerun continues after
// them and the results are those of an uninterrupted run, each chunk
// charged once.
func TestQueryFileResume(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 150)
	x.order("ord_batch", 7)
	ctx := context.Background()
	in := queryCSV(t, x.dir, 100)
	out := filepath.Join(x.dir, "results.csv")
	job := demand.QueryJob{OrderID: "ord_batch", In: in, Out: out, InFlight: 3}
	// The batch ID is random: fail the 9th chunk whatever it is called.
	x.relay.mu.Lock()
	x.relay.failChunk = 8
	x.relay.mu.Unlock()
	p, err := x.demander.QueryFile(ctx, job)
	if err == nil || !errs.Is(err, errs.Unavailable) {
		t.Fatalf("first run: %v", err)
	}
	if p.Chunks != 8 || p.Rows != 56 {
		t.Fatalf("first run stopped at %d chunks, %d rows; want 8, 56", p.Chunks, p.Rows)
	}
	if !strings.Contains(errs.Message(err, "en"), "56 rows written") {
		t.Errorf("message %q", errs.Message(err, "en"))
	}
	if got := readFile(t, out); !strings.HasPrefix(wantResults(100, 150), got) || strings.Count(got, "\n") != 57 {
		t.Fatalf("results after the failure:\n%s", got)
	}
	x.relay.mu.Lock()
	charged := x.relay.charged
	x.relay.mu.Unlock()
	p, err = x.demander.QueryFile(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 100 || p.Resumed != 56 || p.Chunks != 15 {
		t.Errorf("rerun: %+v", p)
	}
	// Honest totals: the whole job's cost (one fen per match, 75
	// matches), of which the first run paid for its 56 written rows and
	// for the chunks in flight that the rerun got as replays.
	if p.ChargeFen != 75 || p.ChargedBefore < 56 || (p.Replayed > 0) != (p.ChargedBefore > 56) {
		t.Errorf("rerun totals: charged %d, %d of it before (%d chunks replayed)", p.ChargeFen, p.ChargedBefore, p.Replayed)
	}
	if got := readFile(t, out); got != wantResults(100, 150) {
		t.Errorf("results:\n%s\nwant:\n%s", got, wantResults(100, 150))
	}
	if _, err := os.Stat(out + ".state"); !os.IsNotExist(err) {
		t.Errorf("state file left: %v", err)
	}
	// 15 chunks in all; those in flight at the failure were replayed.
	if x.relay.charged != 15 || charged > 15 {
		t.Errorf("charged %d deliveries (%d before the rerun), want 15", x.relay.charged, charged)
	}
	ds, err := x.demander.Deliveries(ctx, "ord_batch", 0)
	if err != nil || len(ds) != 15 {
		t.Fatalf("deliveries %d %v", len(ds), err)
	}
	abs, _ := filepath.Abs(out)
	for _, d := range ds {
		if !slices.Equal(d.Files, []string{abs}) {
			t.Errorf("delivery %s files %v", d.RequestID, d.Files)
		}
	}
}

// TestQueryFileQuota: the quota running out mid-batch stops at a chunk
// boundary with the exact count of rows written. One chunk in flight keeps
// the boundary deterministic: with more, the platform may admit a later
// chunk before an earlier one (TestQueryFileResume covers that order).
func TestQueryFileQuota(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 150)
	x.order("ord_batch", 10)
	x.relay.mu.Lock()
	x.relay.quotaChunks = 4
	x.relay.mu.Unlock()
	ctx := context.Background()
	in := queryCSV(t, x.dir, 95)
	out := filepath.Join(x.dir, "results.csv")
	p, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_batch", In: in, Out: out, InFlight: 1})
	if !errs.Is(err, errs.ResourceExhausted) {
		t.Fatalf("want quota exhausted, got %v", err)
	}
	if p.Rows != 40 || p.Chunks != 4 {
		t.Errorf("progress %+v", p)
	}
	msg := errs.Message(err, "en")
	if !strings.Contains(msg, "40 rows written (4 chunks") || !strings.Contains(msg, "continue from chunk 5") {
		t.Errorf("message %q", msg)
	}
	if got := readFile(t, out); strings.Count(got, "\n") != 41 || !strings.HasPrefix(wantResults(95, 150), got) {
		t.Errorf("results:\n%s", got)
	}
	// Topped up: the rerun finishes.
	x.relay.mu.Lock()
	x.relay.quotaChunks = 0
	x.relay.mu.Unlock()
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_batch", In: in, Out: out, InFlight: 2}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, out); got != wantResults(95, 150) {
		t.Errorf("results after top-up:\n%s", got)
	}
}

// TestQueryFileBadInput: a bad row is named with file, row and column,
// and nothing is sent.
func TestQueryFileBadInput(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 10)
	ctx := context.Background()
	cases := map[string]string{
		"bad exid":     "exid\n" + personID(1).String() + "\nex1notanexid\n",
		"short row":    "exid,name\n" + personID(1).String() + ",a\n" + personID(2).String() + "\n",
		"no exid":      "id\n1\n",
		"unclosed":     "exid\n\"" + personID(1).String() + "\n",
		"empty":        "",
		"bad encoding": "exid\n\xff\xfe\n",
	}
	for name, data := range cases {
		in := filepath.Join(x.dir, strings.ReplaceAll(name, " ", "-")+".csv")
		os.WriteFile(in, []byte(data), 0o600)
		_, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: in, Out: in + ".out"})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err, "en"), in) {
			t.Errorf("%s: %v", name, err)
		}
	}
	in := filepath.Join(x.dir, "bad-exid.csv")
	_, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: in, Out: in + ".out"})
	if msg := errs.Message(err, "en"); !strings.Contains(msg, "line 3") || !strings.Contains(msg, "exid") {
		t.Errorf("bad exID: %q", msg)
	}
	if n := x.relay.count(); n != 0 {
		t.Errorf("%d deliveries sent for bad input", n)
	}
}

// TestRetention: deliveries past their deadline are destroyed (files
// deleted) and attested; an unreachable platform is retried on the next
// sweep; destruction on request attests with reason "request".
func TestRetention(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	in := queryCSV(t, x.dir, 20)
	out := filepath.Join(x.dir, "results.csv")
	x.order("ord_batch", 8)
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_batch", In: in, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.demander.Query(ctx, "ord_one", []exid.ExID{personID(1)}); err != nil {
		t.Fatal(err)
	}
	// Nothing is due today.
	if s, err := x.demander.SweepDeliveries(ctx); err != nil || s.Destroyed != 0 {
		t.Fatalf("sweep today: %+v %v", s, err)
	}
	// 31 days on, the platform down.
	later := &clock{t: time.Now().AddDate(0, 0, 31)}
	aged := reopen(t, x, later)
	x.relay.mu.Lock()
	x.relay.attestDown = true
	x.relay.mu.Unlock()
	s, err := aged.SweepDeliveries(ctx)
	if err != nil || s.Destroyed != 4 || s.FilesDeleted != 1 || s.Attested != 0 || s.Unattested != 4 || s.AttestErr == nil {
		t.Fatalf("sweep with the platform down: %+v %v", s, err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("results file not deleted: %v", err)
	}
	x.relay.mu.Lock()
	x.relay.attestDown = false
	x.relay.mu.Unlock()
	s, err = aged.SweepDeliveries(ctx)
	if err != nil || s.Destroyed != 0 || s.Attested != 4 || s.Unattested != 0 {
		t.Fatalf("sweep with the platform back: %+v %v", s, err)
	}
	ds, _ := aged.Deliveries(ctx, "", 0)
	for _, d := range ds {
		if d.DestroyedAt == nil || d.AttestedAt == nil || d.DestroyReason != demand.ReasonDeadline {
			t.Errorf("delivery %s: %+v", d.RequestID, d)
		}
	}
	// The demander's console shows the deliveries and their state.
	dm := start(t, server.Config{NoAutoIntegrate: true, Node: node.Config{DB: "sqlite://" + filepath.Join(x.dir, "demander.db"), KEKEnv: x.dkek}})
	code, _, body := get(t, dm.URL()+"/deliveries", login(t, dm), &http.Cookie{Name: "lang", Value: "en"})
	if code != http.StatusOK || strings.Count(body, "attested, log entry") != 4 || !strings.Contains(body, "ord_batch") || !strings.Contains(body, `<strong id="live">0</strong>`) {
		t.Errorf("console deliveries %d:\n%s", code, body)
	}
	reasons := map[string]int{}
	for _, a := range x.relay.attested {
		reasons[a.GetOrderId()+"/"+a.GetReason()] += len(a.GetRequestIds())
	}
	if reasons["ord_batch/deadline"] != 3 || reasons["ord_one/deadline"] != 1 {
		t.Errorf("attested %v", reasons)
	}
}

func TestDestroyOnRequest(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	in := queryCSV(t, x.dir, 5)
	out := filepath.Join(x.dir, "results.csv")
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: in, Out: out}); err != nil {
		t.Fatal(err)
	}
	s, err := x.demander.DestroyDeliveries(ctx, "ord_one")
	if err != nil || s.Destroyed != 1 || s.FilesDeleted != 1 || s.Attested != 1 {
		t.Fatalf("destroy: %+v %v", s, err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("results file not deleted: %v", err)
	}
	if len(x.relay.attested) != 1 || x.relay.attested[0].GetReason() != demand.ReasonRequest {
		t.Errorf("attested %+v", x.relay.attested)
	}
	es, _ := x.demander.Events(ctx, 10)
	kinds := map[string]bool{}
	for _, e := range es {
		kinds[e.Kind] = true
	}
	if !kinds[nodestore.EventDeliveryDestroyed] || !kinds[nodestore.EventDeliveryAttested] {
		t.Errorf("events %+v", es)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// reopen opens the demander's database again with another clock.
func reopen(t *testing.T, x *exchange, c *clock) *demand.Side {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DB: "sqlite://" + filepath.Join(x.dir, "demander.db"), KEKEnv: x.dkek, Now: c.now, NewPlatform: platformclient.New})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return demand.New(n)
}

// TestVerifierKeyPinned: a node that pinned the platform's key refuses
// another, and its server stops rather than serve under it.
func TestVerifierKeyPinned(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 0)
	ctx := context.Background()
	impostor := newFakeRelay(t)
	impostor.addMember(supplierID, x.supplier.Node.Public())
	n, err := node.Open(ctx, node.Config{DB: "sqlite://" + filepath.Join(x.dir, "supplier.db"), KEKEnv: x.kek, PlatformURL: impostor.URL(), NewPlatform: platformclient.New})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.RegisterEndpoint(ctx, "http://127.0.0.1:1"); !node.IsVerifierKeyChanged(err) {
		t.Fatalf("registering with an impostor: %v", err)
	}
	if k, _ := n.VerifierKey(ctx); k != x.relay.vkey {
		t.Errorf("pinned key changed to %q", k)
	}

	// A server whose pinned key differs from the platform's stops.
	kek := keyring.NewKEKText()
	cfg := server.Config{Listen: "127.0.0.1:0", Node: node.Config{DB: "sqlite://" + filepath.Join(x.dir, "other.db"), KEKEnv: kek,
		MemberID: "mem_other", PlatformURL: x.relay.URL(), NewPlatform: platformclient.New}}
	m, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x.relay.addMember("mem_other", m.Node.Public())
	err = m.Node.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.SetSetting(ctx, nodestore.SettingVerifierKey, impostor.vkey)
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case err := <-done:
		if !node.IsVerifierKeyChanged(err) {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server kept running under another platform key")
	}
}

// TestQueryFileRawIDs: a file keyed by the member's own IDs is translated
// chunk by chunk, and the results are keyed by those IDs; a bad raw ID is
// named before anything is sent.
func TestQueryFileRawIDs(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 40)
	x.order("ord_batch", 6)
	ctx := context.Background()
	var translated atomic.Int64
	job := demand.QueryJob{OrderID: "ord_batch", Column: "phone", InFlight: 2,
		Normalize: func(raw string) error {
			if !strings.HasPrefix(raw, "1380000") {
				return errs.Invalidf("phone", "不是手机号", "not a mobile number")
			}
			return nil
		},
		Translate: func(_ context.Context, raw []string) ([]exid.Result, error) {
			out := make([]exid.Result, len(raw))
			for i, r := range raw {
				var n int
				fmt.Sscanf(strings.TrimPrefix(r, "1380000"), "%d", &n)
				out[i].ExID = personID(n)
			}
			translated.Add(int64(len(raw)))
			return out, nil
		}}
	var in strings.Builder
	in.WriteString("name,phone\n")
	var want strings.Builder
	want.WriteString("phone,matched,home_region,consumption_level\n")
	for i := range 50 {
		fmt.Fprintf(&in, "客户%d,1380000%04d\n", i, i)
		if i < 40 {
			v := wantValues(i, 1)
			fmt.Fprintf(&want, "1380000%04d,1,%s,%s\n", i, v[0], v[1])
		} else {
			fmt.Fprintf(&want, "1380000%04d,0,,\n", i)
		}
	}
	job.In, job.Out = filepath.Join(x.dir, "phones.csv"), filepath.Join(x.dir, "phones-results.csv")
	os.WriteFile(job.In, []byte(in.String()), 0o600)
	p, err := x.demander.QueryFile(ctx, job)
	if err != nil || p.Rows != 50 || p.Matched != 40 || p.Chunks != 9 || translated.Load() != 50 {
		t.Fatalf("query: %+v %v (translated %d)", p, err, translated.Load())
	}
	if got := readFile(t, job.Out); got != want.String() {
		t.Errorf("results:\n%s", got)
	}
	os.WriteFile(job.In, []byte("phone\n13800000001\n99\n"), 0o600)
	before := x.relay.count()
	_, err = x.demander.QueryFile(ctx, job)
	if msg := errs.Message(err, "en"); !errs.Is(err, errs.Invalid) || !strings.Contains(msg, "line 3") || !strings.Contains(msg, "not a mobile number") {
		t.Errorf("bad raw ID: %v", err)
	}
	if x.relay.count() != before {
		t.Error("a chunk with a bad raw ID was sent")
	}
}

// TestQueryFileRetries: with a retry policy, a chunk the platform could
// not deliver (unavailable) is sent again under the same request ID after
// a wait the caller is told of, and the job finishes by itself, every
// chunk charged once.
func TestQueryFileRetries(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 150)
	x.order("ord_batch", 7)
	ctx := context.Background()
	in := queryCSV(t, x.dir, 100)
	out := filepath.Join(x.dir, "results.csv")
	x.relay.mu.Lock()
	x.relay.failChunk = 3
	x.relay.mu.Unlock()
	var waits []string
	job := demand.QueryJob{OrderID: "ord_batch", In: in, Out: out, InFlight: 2,
		Retry: retry.Policy{For: 10 * time.Second, First: 10 * time.Millisecond, Wait: func(err error, next time.Duration) {
			waits = append(waits, errs.Message(err, "en"))
		}}}
	p, err := x.demander.QueryFile(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 100 || p.Chunks != 15 || p.ChargeFen != 75 || len(waits) != 1 || !strings.Contains(waits[0], "cannot reach the platform") {
		t.Errorf("progress %+v, waits %q", p, waits)
	}
	if got := readFile(t, out); got != wantResults(100, 150) {
		t.Errorf("results:\n%s", got)
	}
	x.relay.mu.Lock()
	defer x.relay.mu.Unlock()
	if x.relay.charged != 15 {
		t.Errorf("charged %d deliveries, want 15", x.relay.charged)
	}
}

// TestPeerKeySubstituted: a platform that hands a node a key of its own
// instead of the other party's registered key — to read the secondary
// encryption — is refused by the node before anything is sent or answered:
// the key does not match the logged registration it comes with.
func TestPeerKeySubstituted(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	ids := []exid.ExID{personID(1), personID(2)}
	mine, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// To the demander, as the supplier's key.
	x.relay.mu.Lock()
	x.relay.handOut = map[string][]byte{supplierID: mine.PublicKey().Bytes()}
	x.relay.mu.Unlock()
	if _, err := x.demander.Query(ctx, "ord_one", ids); err == nil || !strings.Contains(err.Error(), "peer_key_receipt") {
		t.Fatalf("the demander used a substituted supplier key: %v", err)
	} else if errs.Is(err, errs.Unavailable) {
		t.Errorf("a substituted key is not a fault to wait out: %v", err)
	}
	// To the supplier, as the demander's key in a relayed request.
	x.relay.mu.Lock()
	x.relay.handOut = map[string][]byte{demanderID: mine.PublicKey().Bytes()}
	x.relay.mu.Unlock()
	// (This test's relay passes the supplier's refusal on as a failed call.)
	if res, err := x.demander.Query(ctx, "ord_one", ids); err == nil {
		t.Fatalf("the supplier answered to a substituted demander key: %+v", res)
	}
	// Untouched, the exchange works.
	x.relay.mu.Lock()
	x.relay.handOut = nil
	x.relay.mu.Unlock()
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 2 {
		t.Fatalf("with the registered keys: %+v %v", res, err)
	}
}

// TestExclusionGate (X-E8, O-4): exclusions take people out of the rows
// the gate passed; when a tag value is left with some but fewer than K
// people the supplier stops answering the order, saying why, and a new
// version that passes the gate answers again.
func TestExclusionGate(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 6) // K = 2; each region has two people
	ctx := context.Background()
	ids := []exid.ExID{personID(0), personID(3)}
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 2 {
		t.Fatalf("before: %+v %v", res, err)
	}
	if _, err := x.supplier.Supply.Exclude(ctx, "spend", []exid.ExID{personID(1)}, "deleted"); err != nil {
		t.Fatal(err)
	}
	_, err := x.demander.Query(ctx, "ord_one", ids)
	// The relay carries the refusal's kind; its reason stays with the
	// supplier's node (home_region=south: 1).
	if !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("a region left with one person: %v", err)
	}
	x.importSpend(t, 9, 2) // three people a region again, person 1 still excluded
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 2 {
		t.Fatalf("a new version: %+v %v", res, err)
	}
}
