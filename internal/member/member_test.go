package member_test

import (
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform/store/storetest"
)

func app() member.Application {
	return member.Application{Name: " 上海某数据公司 ", USCC: strings.ToLower(storetest.USCC(7)), Industry: "i64", ContactName: "李四",
		ContactPhone: "021-12345678", ContactEmail: "Ops@Example.CN", StorageRegion: "cn-sh", Demander: true}
}

func TestApplicationValidate(t *testing.T) {
	t.Parallel()
	good := app()
	if err := good.Validate(); err != nil {
		t.Fatalf("valid application: %v", err)
	}
	if good.Name != "上海某数据公司" || good.Industry != "I64" || good.ContactEmail != "ops@example.cn" || good.StorageRegion != "CN-SH" {
		t.Errorf("not normalised: %+v", good)
	}
	bad := map[string]func(*member.Application){
		"name":           func(a *member.Application) { a.Name = "  " },
		"uscc":           func(a *member.Application) { a.USCC = a.USCC[:17] + "0" },
		"industry":       func(a *member.Application) { a.Industry = "Z99" },
		"contact_name":   func(a *member.Application) { a.ContactName = "" },
		"contact_phone":  func(a *member.Application) { a.ContactPhone = "" },
		"contact_email":  func(a *member.Application) { a.ContactEmail = "not-an-email" },
		"storage_region": func(a *member.Application) { a.StorageRegion = "Shanghai" },
		"roles":          func(a *member.Application) { a.Supplier, a.Demander = false, false },
	}
	for field, mutate := range bad {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			a := app()
			mutate(&a)
			err := a.Validate()
			var e *errs.Error
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v, want Invalid", err)
			}
			if e = err.(*errs.Error); e.Field != field {
				t.Errorf("field %q, want %q", e.Field, field)
			}
		})
	}
}

// TestOnboardingOrder walks the four steps of X-M2 and checks that no step
// can be skipped and trading is refused until all four are done.
func TestOnboardingOrder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	m := &member.Member{ID: "mem_1", Application: app(), Stage: member.StageApplied, Standing: member.StandingGood}
	keys := member.Keys{X25519: make([]byte, 32), Signing: make([]byte, 32)}
	keys.X25519[0] = 1
	if err := m.CanTrade(); !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("trade before onboarding: %v", err)
	}
	if err := m.SignAgreement("v1", "v1", "a", now); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("agreement before qualification: %v", err)
	}
	if err := m.Review(false, "", "op", now); !errs.Is(err, errs.Invalid) {
		t.Errorf("rejection without reason: %v", err)
	}
	if err := m.Review(true, "", "op", now); err != nil {
		t.Fatal(err)
	}
	if err := m.OpenAccount(keys, "a", now); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("keys before agreement: %v", err)
	}
	if err := m.SignAgreement("v0", "v1", "a", now); !errs.Is(err, errs.Invalid) {
		t.Errorf("old agreement version: %v", err)
	}
	if err := m.SignAgreement("v1", "v1", "a", now); err != nil {
		t.Fatal(err)
	}
	if err := m.PassIntegration("node", now); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("integration before keys: %v", err)
	}
	if err := m.OpenAccount(member.Keys{X25519: make([]byte, 32), Signing: make([]byte, 32)}, "a", now); !errs.Is(err, errs.Invalid) {
		t.Errorf("all-zero X25519 key: %v", err)
	}
	if err := m.OpenAccount(keys, "a", now); err != nil {
		t.Fatal(err)
	}
	if err := m.CanTrade(); err == nil {
		t.Fatal("trading allowed before the integration test")
	}
	if err := m.PassIntegration("node:mem_1", now); err != nil {
		t.Fatal(err)
	}
	if err := m.CanTrade(); err != nil {
		t.Fatalf("trade after onboarding: %v", err)
	}
	for _, s := range []member.Step{m.Qualified, m.Agreed, m.Opened, m.Integrated} {
		if !s.Done() || s.By == "" {
			t.Errorf("step not attributed: %+v", s)
		}
	}
	m.Standing = member.StandingSuspended
	if err := m.CanTrade(); err == nil {
		t.Error("a suspended member may trade")
	}
}

func TestResubmitAfterRejection(t *testing.T) {
	t.Parallel()
	now := time.Now()
	m := &member.Member{ID: "mem_1", Application: app(), Stage: member.StageApplied}
	m.Validate()
	if err := m.Review(false, "营业执照不清晰", "op", now); err != nil {
		t.Fatal(err)
	}
	changed := app()
	changed.USCC = storetest.USCC(8)
	if err := m.Resubmit(changed, "a", now); !errs.Is(err, errs.Invalid) {
		t.Errorf("resubmission changing the USCC: %v", err)
	}
	again := app()
	again.Name = "上海某数据有限公司"
	if err := m.Resubmit(again, "a", now); err != nil {
		t.Fatal(err)
	}
	if m.Stage != member.StageApplied || m.RejectReason != "" || m.Name != "上海某数据有限公司" {
		t.Errorf("after resubmission: %+v", m)
	}
}

func TestInMainland(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]bool{"CN": true, "CN-SH": true, "CN-HK": false, "CN-TW": false, "CN-MO": false, "SG": false} {
		if got := (member.Application{StorageRegion: region}).InMainland(); got != want {
			t.Errorf("%s: %v, want %v", region, got, want)
		}
	}
}
