package console_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// TestStatementPages: each party sees its issued statement by the other's
// name, with its lines, total in yuan and signature, and exports it as CSV
// and XLSX; a third member sees none and gets "not found"; staff see all.
func TestStatementPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleRegulator, "regulator")
	dem := p.apply(t, 1, "甲零售有限公司", "jia.ltd")
	sup := p.apply(t, 2, "乙数据有限公司", "yi.ltd")
	p.apply(t, 3, "丙公司", "bing.ltd")
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		for _, c := range []int64{1234, 66} {
			if _, err := tx.Append(ctx, dem.ID, settlement.KindDelivered, "ord_x", bizlog.P{"demander": dem.ID, "supplier": sup.ID, "listing": "lst_x",
				"queried": 100, "matched": 40, "charge_fen": c}); err != nil {
				return err
			}
		}
		return nil
	})
	month := settlement.MonthOf(p.DB.Now())
	p.clock.Add(40 * 24 * time.Hour)
	sts, provisional, err := p.Exchange.Statements.Run(auth.WithActor(context.Background(), auth.System), month)
	if err != nil || provisional || len(sts) != 1 {
		t.Fatalf("issue: %v %v %d", err, provisional, len(sts))
	}
	id := sts[0].ID

	b := p.browser(t)
	b.login("jia.ltd")
	r := b.get("/statements")
	for _, want := range []string{`href="/statements/` + id + `"`, "乙数据有限公司", "¥13.00", month, `href="/statements"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	r = b.get("/statements/" + id)
	for _, want := range []string{"甲零售有限公司", "乙数据有限公司", `id="st-total">¥13.00`, "ord_x", "–#", "hulian statement v1", "export.xlsx"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the statement lacks %q", want)
		}
	}
	r = b.get("/statements/" + id + "/export.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeff结算单编号,"+id) || !strings.Contains(r.Body, "ord_x,lst_x,2,200,80,13.00") || !strings.Contains(r.Body, "甲零售有限公司") {
		t.Errorf("CSV: %d\n%s", r.Status, r.Body)
	}
	r = b.get("/statements/" + id + "/export.xlsx")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatalf("XLSX: %v", err)
	}
	sheet := f.GetSheetName(0)
	if v, _ := f.GetCellValue(sheet, "B1"); v != id {
		t.Errorf("XLSX B1 = %q", v)
	}
	if v, _ := f.GetCellValue(sheet, "F10"); v != "13.00" {
		t.Errorf("XLSX F10 (the amount) = %q", v)
	}
	f.Close()

	other := p.browser(t)
	other.login("bing.ltd")
	if r := other.get("/statements"); strings.Contains(r.Body, id) {
		t.Error("a third member sees the statement")
	}
	for _, path := range []string{"/statements/" + id, "/statements/" + id + "/export.csv"} {
		if r := other.get(path); r.Status != http.StatusNotFound {
			t.Errorf("a third member GET %s: %d", path, r.Status)
		}
	}
	reg := p.browser(t)
	reg.login("regulator")
	if r := reg.get("/statements?month=" + month); !strings.Contains(r.Body, id) {
		t.Error("the regulator does not see the statement")
	}
	if r := reg.get("/statements?month=2026-13"); r.Status != http.StatusBadRequest {
		t.Errorf("a bad month: %d", r.Status)
	}
}
