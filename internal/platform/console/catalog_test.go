package console_test

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/member"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// activate puts an applied member straight into the active stage with
// fresh node keys, as if it had gone through onboarding, and returns the
// node's signing key.
func (p *platformT) activate(t testing.TB, id string) ed25519.PrivateKey {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		m, err := tx.Member(ctx, id, true)
		if err != nil {
			return err
		}
		step := member.Step{At: tx.Now(), By: "system"}
		m.Stage, m.Agreement = member.StageActive, p.Platform.Agreement
		m.Qualified, m.Agreed, m.Opened, m.Integrated = step, step, step, step
		m.Application.Demander = true
		m.Keys = member.Keys{X25519: x.PublicKey().Bytes(), Signing: pub}
		return tx.UpdateMember(ctx, m)
	})
	return key
}

// wizard is the form of catalogtest.Dataset as a supplier types it.
func wizard() url.Values {
	return url.Values{
		"kind": {"dataset"}, "title": {"城市消费水平标签"}, "subject": {"person"}, "id_type": {"mobile"},
		"tags[0].key": {"consumption_level"}, "tags[0].name": {"消费水平"}, "tags[0].category": {"behaviour.consumption"},
		"tags[0].description": {"近 12 个月线上消费金额分档"}, "tags[0].value_type": {"segment"}, "tags[0].values": {"低\n中\n高"}, "tags[0].column": {"level"},
		"tags[1].key": {"car_owner"}, "tags[1].name": {"有车人群"}, "tags[1].category": {"basic.group"},
		"tags[1].description": {"是否为有车人群"}, "tags[1].value_type": {"hit"}, "tags[1].column": {"car"},
		"limit.description": {"基于授权交易数据的消费水平分档"}, "limit.keywords": {"消费，分档"}, "limit.language": {"zh"},
		"limit.source_industry": {"F52"}, "limit.processing": {"direct"}, "limit.sensitivity": {"low"}, "limit.association": {"weak"},
		"limit.verification": {"one_step"}, "limit.coverage": {"2000000"}, "limit.data_source": {"accumulated"},
		"limit.traversal.ids_per_request": {"1000"}, "limit.traversal.ids_per_day": {"1000000"}, "limit.traversal.requests_per_minute": {"600"},
		"limit.quality.supplier": {"80"},
		"term.update_frequency":  {"monthly"}, "term.statistics_period": {"近 12 个月"}, "term.retention_days": {"30"},
		"price.mode": {"per_call"}, "price.basis": {"hit"}, "price.unit_price": {"0.05"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

var listingIDRe = regexp.MustCompile(`lst_[a-z2-7]+`)

func listingID(t *testing.T, location string) string {
	t.Helper()
	id := listingIDRe.FindString(location)
	if id == "" {
		t.Fatalf("no listing in %q", location)
	}
	return id
}

// TestCatalogPages walks the listing wizard, the gate report upload, the
// review queue, the search and the quotes page through the console's
// handlers, comparing the key pages with golden files.
func TestCatalogPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	sm := p.apply(t, 201, "上海甲数据科技有限公司", "jia.ltd")
	key := p.activate(t, sm.ID)
	dm := p.apply(t, 202, "北京乙信息服务有限公司", "yi.ltd")
	p.activate(t, dm.ID)
	sup, op, dem, anon := p.browser(t), p.browser(t), p.browser(t), p.browser(t)
	sup.login("jia.ltd")
	op.login("operator")
	dem.login("yi.ltd")
	en := p.browser(t)
	en.lang = "en"
	en.login("jia.ltd")
	form := func(v url.Values, b *browser) url.Values {
		v = with(v)
		v.Set("csrf", b.csrf())
		return v
	}
	page := func(name string, r response, status int) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s: status %d, want %d\n%s", name, r.Status, status, r.Body)
		}
		golden(t, name, listingIDRe.ReplaceAllString(r.Body, "lst_ID"))
	}

	page("listing_new_zh", sup.get("/listings/new"), http.StatusOK)
	// "Add a tag" shows one more tag section and saves nothing.
	if r := sup.post("/listings/new", with(form(wizard(), sup), "add_tag", "1")); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="tag-2"`) {
		t.Errorf("add a tag: %d", r.Status)
	}
	// Errors show next to the field the platform names.
	bad := []struct {
		name, field, value, near string
	}{
		{"tag category", "tags[1].category", "nope", `id="e-tags[1].category"`},
		{"keywords", "limit.keywords", "", `id="e-limit.keywords"`},
		{"price in yuan", "price.unit_price", "0.005", `id="e-price.unit_price"`},
		{"retention", "term.retention_days", "0", `id="e-term.retention_days"`},
		{"identifier in a value", "tags[0].values", "低\n13812345678", `id="e-tags[0].values"`},
	}
	for _, b := range bad {
		r := sup.post("/listings/new", with(form(wizard(), sup), b.field, b.value))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, b.near) {
			t.Errorf("%s: status %d, no error at %s", b.name, r.Status, b.near)
		}
	}
	page("listing_invalid_en", en.post("/listings/new", with(form(wizard(), en), "price.unit_price", "abc")), http.StatusBadRequest)

	r := sup.post("/listings/new", form(wizard(), sup))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	id := listingID(t, r.Location)
	l, err := p.Listings.Listing(storetest.Staff(context.Background(), auth.RoleOperator), id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Price.UnitPrice != 5 || len(l.Tags) != 2 || l.Tags[1].ValueType != catalog.ValueHit || l.Tags[0].Column != "level" {
		t.Errorf("stored listing %+v", l)
	}
	page("listing_draft", sup.get(r.Location), http.StatusOK)
	page("listings_supplier", sup.get("/listings"), http.StatusOK)

	// A report for another listing version, then garbage, then the real one.
	stale := *l
	stale.Version = 9
	report := func(l *catalog.Listing, k ed25519.PrivateKey) string {
		b, _ := json.Marshal(catalogtest.Report(l, k, 5000))
		return string(b)
	}
	for _, g := range []struct{ name, body, want string }{
		{"stale", report(&stale, key), "当前版本"},
		{"garbage", "{", "JSON"},
		{"none", "", "签名"},
	} {
		r := sup.post("/listings/"+id+"/submit", url.Values{"csrf": {sup.csrf()}, "gate_report": {g.body}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-gate_report"`) || !strings.Contains(r.Body, g.want) {
			t.Errorf("gate report %s: status %d", g.name, r.Status)
		}
	}
	if r := sup.post("/listings/"+id+"/submit", url.Values{"csrf": {sup.csrf()}, "gate_report": {report(l, key)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", r.Status, r.Body)
	}
	if r := sup.get("/catalog/queue"); r.Status != http.StatusForbidden {
		t.Errorf("supplier opened the review queue: %d", r.Status)
	}
	page("catalog_review_operator", op.get("/catalog/queue"), http.StatusOK)
	act := func(b *browser, action, note string) response {
		t.Helper()
		return b.post("/listings/"+id+"/action", url.Values{"csrf": {b.csrf()}, "action": {action}, "note": {note}, "next": {"/catalog/queue"}})
	}
	if r := act(sup, "start_review", ""); r.Status != http.StatusForbidden {
		t.Errorf("supplier started review: %d", r.Status)
	}
	if r := act(op, "start_review", ""); r.Status != http.StatusSeeOther || r.Location != "/catalog/queue?done=review_started" {
		t.Errorf("start review: %d %s", r.Status, r.Location)
	}
	if r := act(op, "reject", ""); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "驳回须说明理由") {
		t.Errorf("reject without reasons: %d", r.Status)
	}
	if r := act(op, "approve", "符合六要素标准"); r.Status != http.StatusSeeOther {
		t.Errorf("approve: %d", r.Status)
	}
	if r := act(dem, "publish", ""); r.Status != http.StatusNotFound {
		t.Errorf("another member published: %d", r.Status)
	}
	if r := act(sup, "publish", ""); r.Status != http.StatusSeeOther {
		t.Errorf("publish: %d", r.Status)
	}
	p.clock.Add(time.Minute)

	page("catalog_search", dem.get("/catalog?category=behaviour&q=%E5%88%86%E6%A1%A3&min=0.01&max=1"), http.StatusOK)
	if r := dem.get("/catalog?max=abc"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-max"`) {
		t.Errorf("bad price filter: %d", r.Status)
	}
	if r := dem.get("/catalog?industry=A"); strings.Contains(r.Body, id) {
		t.Error("search by another industry found the listing")
	}
	if r := dem.get("/listings/" + id); strings.Contains(r.Body, ">level<") {
		t.Error("another member sees the supplier's CSV column")
	}
	if r := anon.get("/catalog"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous search: %d", r.Status)
	}
	page("quotes_public", anon.get("/quotes"), http.StatusOK)

	if r := act(op, "suspend", ""); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "暂停须说明理由") {
		t.Errorf("suspend without reason: %d", r.Status)
	}
	if r := act(op, "suspend", "投诉核查"); r.Status != http.StatusSeeOther {
		t.Errorf("suspend: %d", r.Status)
	}
	if r := dem.get("/catalog"); strings.Contains(r.Body, id) {
		t.Error("suspended listing still found")
	}
	if r := act(op, "resume", ""); r.Status != http.StatusSeeOther {
		t.Errorf("resume: %d", r.Status)
	}
	// A change re-enters review.
	if r := sup.get("/listings/" + id + "/edit"); r.Status != http.StatusOK || !strings.Contains(r.Body, "consumption_level") {
		t.Errorf("edit form: %d", r.Status)
	}
	if r := sup.post("/listings/"+id+"/edit", with(form(wizard(), sup), "title", "城市消费水平标签（修订）")); r.Status != http.StatusSeeOther {
		t.Errorf("edit: %d\n%s", r.Status, r.Body)
	}
	if l, _ := p.Listings.Listing(storetest.Staff(context.Background(), auth.RoleOperator), id); l.Status != catalog.StatusDraft || l.Version != 2 {
		t.Errorf("after the change: %s v%d", l.Status, l.Version)
	}
}
