package platformclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/node/demand"
	"hulian/internal/node/supply"
	"hulian/internal/platform/rectify"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/storage/storagetest"
)

// TestRectifyWithPlatform runs corrections and deletions from the
// supplier's node to the demander's result files through the real
// platform (X-P4, O-4): an exclusion becomes a deletion notice, a new
// version of the dataset becomes a correction for a changed row and a
// deletion for a row gone; the demander checks, applies and attests each;
// nothing is named twice; the platform learns counts only; a notice the
// supplier's node did not make is refused; the privacy centre's view of a
// person lists the order their data went to and the notice.
func TestRectifyWithPlatform(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			testRectify(t, newDeliveryWorld(t, eng))
		})
	}
}

func testRectify(t *testing.T, w *deliveryWorld) {
	ctx, sup, dem, o := context.Background(), w.sup, w.dem, w.order

	// The demander asks for the first 20 people by exID into a file.
	var in strings.Builder
	in.WriteString("exid\n")
	for i := range 20 {
		fmt.Fprintf(&in, "%s\n", deliveryPerson(i))
	}
	inPath, outPath := filepath.Join(w.dir, "rect-ids.csv"), filepath.Join(w.dir, "rect-results.csv")
	os.WriteFile(inPath, []byte(in.String()), 0o600)
	if _, err := dem.m.Demand.QueryFile(ctx, demand.QueryJob{OrderID: o.ID, In: inPath, Out: outPath, Chunk: 10}); err != nil {
		t.Fatal(err)
	}
	line := func(i int) string {
		t.Helper()
		b, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 21 {
			t.Fatalf("results: %d lines", len(lines))
		}
		return lines[i+1]
	}
	if got := line(0); got != deliveryPerson(0).String()+",1,A,上海" {
		t.Fatalf("person 0 before: %q", got)
	}

	// The centre: person 0's data went to the order.
	got, err := sup.m.Supply.SuppliedOf(ctx, deliveryPerson(0))
	if err != nil || len(got) != 1 || got[0].OrderID != o.ID || got[0].Demander != dem.id || !slices.Equal(got[0].Columns, []string{"lvl", "city"}) || got[0].Answers != 1 {
		t.Fatalf("supplied of person 0: %+v %v", got, err)
	}
	if got, err := sup.m.Supply.SuppliedOf(ctx, deliveryPerson(30)); err != nil || len(got) != 0 {
		t.Fatalf("supplied of a person never asked for: %+v %v", got, err)
	}

	// Person 0 is excluded (a deletion request done): a deletion notice.
	if _, err := sup.m.Supply.Exclude(ctx, "", []exid.ExID{deliveryPerson(0)}, "deletion request"); err != nil {
		t.Fatal(err)
	}
	rep, err := sup.m.Supply.Rectify(ctx)
	if err != nil || rep.Made != 1 || rep.Subjects != 1 || rep.Sent != 1 || rep.Unsent != 0 {
		t.Fatalf("rectify: %+v %v", rep, err)
	}
	if rep, err := sup.m.Supply.Rectify(ctx); err != nil || rep.Made != 0 || rep.Sent != 0 {
		t.Fatalf("rectify again: %+v %v", rep, err)
	}
	ap, err := dem.m.Demand.ApplyRectifications(ctx)
	if err != nil || ap.Notices != 1 || ap.Applied != 1 || ap.Absent != 0 || ap.Attested != 1 {
		t.Fatalf("apply: %+v %v", ap, err)
	}
	if got := line(0); got != deliveryPerson(0).String()+","+demand.MatchedDeleted+",," {
		t.Errorf("person 0 after deletion: %q", got)
	}
	if got := line(1); got != deliveryPerson(1).String()+",1,B,上海" {
		t.Errorf("person 1 untouched: %q", got)
	}
	if ap, err := dem.m.Demand.ApplyRectifications(ctx); err != nil || ap.Notices != 0 || ap.Attested != 0 {
		t.Errorf("apply again: %+v %v", ap, err)
	}
	if got, _ := sup.m.Supply.SuppliedOf(ctx, deliveryPerson(0)); len(got) != 1 || !slices.Equal(got[0].Notified, []string{supply.ReasonExcluded}) {
		t.Errorf("centre after the notice: %+v", got)
	}

	// A new version: person 2's level changes, person 4 is gone.
	var data strings.Builder
	data.WriteString("exid,lvl,city\n")
	for i := range deliveryRows {
		if i == 4 {
			continue
		}
		lvl := e2eLevels[i%2]
		if i == 2 {
			lvl = "B"
		}
		fmt.Fprintf(&data, "%s,%s,%s\n", deliveryPerson(i), lvl, e2eCities[(i/2)%2])
	}
	lj, _ := json.Marshal(w.listing)
	if res, err := sup.m.Supply.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "spend", Listing: bytes.NewReader(lj), In: strings.NewReader(data.String()), IDColumn: "exid"}); err != nil || !res.Pass || res.Version != 2 {
		t.Fatalf("version 2: %+v %v", res, err)
	}
	rep, err = sup.m.Supply.Rectify(ctx)
	if err != nil || rep.Made != 2 || rep.Subjects != 2 || rep.Sent != 2 {
		t.Fatalf("rectify version 2: %+v %v", rep, err)
	}
	ap, err = dem.m.Demand.ApplyRectifications(ctx)
	if err != nil || ap.Notices != 2 || ap.Applied != 2 || ap.Attested != 2 {
		t.Fatalf("apply version 2: %+v %v", ap, err)
	}
	if got := line(2); got != deliveryPerson(2).String()+",1,B,北京" {
		t.Errorf("person 2 corrected: %q", got)
	}
	if got := line(4); got != deliveryPerson(4).String()+","+demand.MatchedDeleted+",," {
		t.Errorf("person 4 removed: %q", got)
	}
	if got := line(0); got != deliveryPerson(0).String()+","+demand.MatchedDeleted+",," {
		t.Errorf("person 0 stays deleted: %q", got)
	}
	if rep, err := sup.m.Supply.Rectify(ctx); err != nil || rep.Made != 0 {
		t.Errorf("rectify version 2 again: %+v %v", rep, err)
	}

	// The platform's log: two kinds, counts and hashes, no exID or token.
	nodeCtx := auth.WithActor(ctx, auth.NodeActor(sup.id))
	var entries []bizlog.Entry
	for _, kind := range []string{rectify.KindSent, rectify.KindApplied} {
		es, err := w.pm.Log.Entries(w.opCtx, store.LogFilter{Kind: kind, Object: o.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	if len(entries) != 6 {
		t.Errorf("rectification entries: %d, want 3 sent and 3 applied", len(entries))
	}
	for _, e := range entries {
		b, _ := json.Marshal(e)
		for _, i := range []int{0, 2, 4} {
			if id := deliveryPerson(i); bytes.Contains(b, []byte(id.String())) || bytes.Contains(b, id[:]) {
				t.Errorf("entry %d names person %d", e.Seq, i)
			}
		}
	}

	// A notice the supplier's node did not make (the platform, or anyone
	// with the demander's public key, can seal one): refused, not attested.
	if _, err := w.pm.Rectify.Send(nodeCtx, rectify.Notice{ID: auth.NewID("rn_"), OrderID: o.ID, Action: rectify.Delete, Subjects: 1,
		Sealed: []byte("not a sealed notice"), Authenticator: make([]byte, 32)}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(outPath)
	ap, err = dem.m.Demand.ApplyRectifications(ctx)
	if err == nil || !strings.Contains(errs.Message(err, "en"), "authenticator") || ap.Notices != 0 || ap.Attested != 0 {
		t.Errorf("forged notice: %+v %v", ap, err)
	}
	if after, _ := os.ReadFile(outPath); !bytes.Equal(before, after) {
		t.Error("a forged notice changed the results")
	}
}

// TestRectifyRawKeys applies a deletion to a results file keyed by the
// demander's own mobile numbers: the node turns the keys of matched rows
// back into exIDs through the platform to find the person's row.
func TestRectifyRawKeys(t *testing.T) {
	t.Parallel()
	w := newDeliveryWorld(t, "sqlite")
	ctx, sup, dem, o := context.Background(), w.sup, w.dem, w.order
	mobiles := make([]string, 20)
	for i := range mobiles {
		mobiles[i] = fmt.Sprintf("1380013%04d", i)
	}
	tr, err := sup.m.Node.ExIDTranslator(ctx, ident.Mobile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Translate(ctx, mobiles)
	if err != nil {
		t.Fatal(err)
	}
	var data strings.Builder
	data.WriteString("exid,lvl,city\n")
	for i := range deliveryRows {
		fmt.Fprintf(&data, "%s,%s,%s\n", deliveryPerson(i), e2eLevels[i%2], e2eCities[(i/2)%2])
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		fmt.Fprintf(&data, "%s,A,北京\n", r.ExID)
	}
	lj, _ := json.Marshal(w.listing)
	if res, err := sup.m.Supply.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "spend", Listing: bytes.NewReader(lj), In: strings.NewReader(data.String()), IDColumn: "exid"}); err != nil || !res.Pass {
		t.Fatalf("import: %+v %v", res, err)
	}

	inPath, outPath := filepath.Join(w.dir, "raw-ids.csv"), filepath.Join(w.dir, "raw-results.csv")
	os.WriteFile(inPath, []byte("mobile\n"+strings.Join(mobiles, "\n")+"\n"), 0o600)
	dtr, err := dem.m.Node.ExIDTranslator(ctx, ident.Mobile)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := dem.m.Demand.QueryFile(ctx, demand.QueryJob{OrderID: o.ID, In: inPath, Out: outPath, Column: "mobile", Translate: dtr.Translate, KeyType: ident.Mobile}); err != nil || p.Matched != 20 {
		t.Fatalf("query: %+v %v", p, err)
	}
	if _, err := sup.m.Supply.Exclude(ctx, "", []exid.ExID{res[3].ExID}, "deletion request"); err != nil {
		t.Fatal(err)
	}
	if rep, err := sup.m.Supply.Rectify(ctx); err != nil || rep.Made != 1 || rep.Sent != 1 {
		t.Fatalf("rectify: %+v %v", rep, err)
	}
	if ap, err := dem.m.Demand.ApplyRectifications(ctx); err != nil || ap.Applied != 1 || ap.Absent != 0 {
		t.Fatalf("apply: %+v %v", ap, err)
	}
	b, _ := os.ReadFile(outPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 21 || lines[4] != mobiles[3]+","+demand.MatchedDeleted+",," || lines[5] != mobiles[4]+",1,A,北京" {
		t.Errorf("results: %q", lines)
	}
}
