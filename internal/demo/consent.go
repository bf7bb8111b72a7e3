package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node/consent"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
)

// SupplierConsents is the supplier's feed of its customers' consents, as
// its app recorded them.
const SupplierConsents = "supplier-files/consents.csv"

// demoWithdrawals is how many of the supplier's customers withdraw their
// consent in the privacy centre between two deliveries.
const demoWithdrawals = 3

// supplierNotice is the supplier's privacy notice: provision of consumer
// tags to demanders through the exchange, with separate consent, and its
// own marketing.
func supplierNotice() *consent.Notice {
	return &consent.Notice{Version: 1, Controller: "演示供应方（上海）数据有限公司", Contact: "privacy@supplier.demo.example.cn",
		TextZH: "我们收集您的消费记录，加工为消费画像标签；经您单独同意，通过上海数据交易所的数据互联平台向需求方提供，需求方只能在订单约定的目的、范围与期限内使用。您可随时在隐私中心撤回同意。",
		TextEN: "We collect your purchases and derive consumer profile tags; with your separate consent we provide them to demanders through the Shanghai Data Exchange's interconnection platform, who may use them only within an order's agreed purpose, scope and term. You may withdraw consent at any time in the privacy centre.",
		Purposes: []consent.Purpose{
			{Code: "exchange", NameZH: "经数据交易所向需求方提供消费画像标签", NameEN: "providing consumer profile tags to demanders through the data exchange",
				Categories: []string{"年龄段", "性别", "常住省份", "消费水平", "兴趣偏好"}, Methods: []string{"collect", "store", "process", "provide"},
				Recipients: []string{"经上海数据交易所撮合、签署确认单的需求方"}, Retention: "1 年", ThirdParty: true},
			{Code: "marketing", NameZH: "向您推荐本公司产品", NameEN: "recommending our own products to you", Categories: []string{"消费水平"},
				Methods: []string{"use"}, Retention: "1 年"},
		}}
}

// stepConsent: the supplier's node publishes its notice and records its
// customers' separate consents to provision, fed from its app's records.
func (d *Demo) stepConsent(ctx context.Context) error {
	l := consent.New(d.Supplier.Node)
	if _, err := l.Publish(ctx, supplierNotice(), "demo"); err != nil {
		return err
	}
	d.n.say("供应方节点发布第 1 版隐私告知：逐项列出目的（经交易所提供标签、本公司营销）、信息种类、处理方式、接收方与保存期限；自此节点实行同意台账，每次配送都核对",
		"the supplier's node published notice version 1: each purpose (tags through the exchange, its own marketing) with its categories, methods, recipients and retention; from now on the node runs its consent ledger and every delivery is checked against it")
	path := d.Path(SupplierConsents)
	n, err := writeConsents(d.w.supplierExIDs, path, d.Supplier.Node.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	res, err := l.Import(ctx, SupplierConsents, f, "", "demo")
	if err != nil {
		return err
	}
	d.n.say("导入 App 记录的单独同意 %s 条（每行：exID、目的、依据“同意”、告知版本、方式“App 内主动勾选”、证据编号、时间、单独同意）：逐行核对后一次写入，哈希链相连（%s）",
		"imported %s separate consents recorded by the app (each row: exID, purpose, basis consent, notice version, method app opt-in, evidence reference, time, separate): every row checked, then written in one transaction, chained by hashes (%s)",
		thousands(res.Rows), secs(time.Since(start)))
	if res.Rows != n {
		return errs.New(errs.Internal, "consents", "导入条数与文件行数不符", "the import's count differs from the file's")
	}
	return nil
}

// writeConsents writes a consent feed for every subject of the supplier's
// exID file and returns how many.
func writeConsents(exids, out string, at time.Time) (int, error) {
	in, err := os.Open(exids)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	r := csv.NewReader(in)
	hdr, err := r.Read()
	if err != nil {
		return 0, err
	}
	col := -1
	for i, h := range hdr {
		if h == "exid" {
			col = i
		}
	}
	if col < 0 {
		return 0, fmt.Errorf("%s: no exid column", exids)
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"exid", "purpose", "action", "basis", "notice_version", "method", "evidence", "at", "separate"})
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Close()
			return 0, err
		}
		n++
		w.Write([]string{rec[col], "exchange", consent.Given, consent.BasisConsent, "1", "app_opt_in", fmt.Sprintf("app-consent-%07d", n), at.UTC().Format(time.RFC3339), "true"})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return 0, err
	}
	return n, nil
}

// bindOrder binds an order to the supplier's purpose "exchange".
func (d *Demo) bindOrder(ctx context.Context, order string) error {
	if err := consent.New(d.Supplier.Node).Bind(ctx, order, "exchange", "demo"); err != nil {
		return err
	}
	d.n.say("供应方节点把订单 %s 约定的使用目的对应到隐私告知中的目的“经交易所提供标签”：只为单独同意仍有效的人应答", "the supplier's node bound order %s's agreed purpose to its notice's purpose \"tags through the exchange\": it answers only for people whose separate consent is in force", order)
	return nil
}

func (d *Demo) stepBindRealtime(ctx context.Context) error { return d.bindOrder(ctx, d.w.rt.orderID) }

// stepWithdraw: a few of the supplier's customers, whom the demander also
// serves, withdraw their consent in the privacy centre between two
// deliveries of the same request; the second matches exactly that many
// fewer.
func (d *Demo) stepWithdraw(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	held := d.supplierHolds()
	var ids []exid.ExID
	mobiles := map[exid.ExID]string{}
	for _, c := range cs {
		if held[c.mobile] && !d.w.unsigned[c.id] && len(ids) < 10 {
			ids = append(ids, c.id)
			mobiles[c.id] = c.mobile
		}
	}
	if len(ids) <= demoWithdrawals {
		return errs.New(errs.Internal, "population", "演示人群太小，不足以演示撤回同意", "the population is too small to show withdrawals")
	}
	before, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids)
	if err != nil {
		return err
	}
	d.w.summary.RealtimeQueried += len(ids)
	d.w.summary.RealtimeMatched += before.Matched
	d.w.summary.ChargedFen += before.ChargeFen
	d.w.withdrawn = map[exid.ExID]bool{}
	key, err := d.Supplier.Privacy.LinkKey(ctx)
	if err != nil {
		return err
	}
	var start time.Time
	for i, id := range ids[:demoWithdrawals] {
		start = time.Now()
		if i == 0 {
			// The first customer has no link: they prove their number with
			// a code sent to it, and the centre computes their exID
			// through the platform's OPRF only then.
			if err := withdrawByCode(ctx, d.Supplier.URL(), mobiles[id], d.w.outbox, "exchange"); err != nil {
				return err
			}
		} else {
			// The supplier's app signs a link for its logged-in customer;
			// the customer withdraws on the privacy centre's page.
			link := d.Supplier.URL() + "/privacy/enter?t=" + privacy.MintLink(key, id, d.Supplier.Node.Now(), 5*time.Minute)
			if err := withdrawInCentre(ctx, link, "exchange"); err != nil {
				return err
			}
		}
		d.w.withdrawn[id] = true
	}
	after, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids)
	if err != nil {
		return err
	}
	took := time.Since(start)
	d.w.summary.RealtimeQueried += len(ids)
	d.w.summary.RealtimeMatched += after.Matched
	d.w.summary.ChargedFen += after.ChargeFen
	d.w.summary.Withdrawn = demoWithdrawals
	if before.Matched-after.Matched != demoWithdrawals {
		return errs.New(errs.Internal, "matched", fmt.Sprintf("撤回 %d 人后查得 %d → %d", demoWithdrawals, before.Matched, after.Matched),
			fmt.Sprintf("after %d withdrawals the matches went %d → %d", demoWithdrawals, before.Matched, after.Matched))
	}
	d.n.say("同一请求（%d 个 exID）先查得 %d 个；随后其中 %d 人进入供应方的隐私中心，在页面上撤回同意（记入同意台账，哈希链相连）：第一人以发到手机的验证码进入（验证码见 %s），其余经供应方 App 的签名链接进入；紧接着的下一次请求查得 %d 个，正好少 %d 个（从最后一次撤回到应答共 %d ms）。平台对此一无所知：它只见到令牌与计数",
		"the same request (%d exIDs) first matched %d; then %d of them entered the supplier's privacy centre and withdrew consent on its page (recorded in the consent ledger, chained by hashes) — the first by a code sent to their phone (the codes are in %s), the others by a signed link from the supplier's app; the very next request matched %d, exactly %d fewer (%d ms from the last withdrawal to the answer). The platform knows nothing of it: it sees tokens and counts",
		len(ids), before.Matched, demoWithdrawals, d.Path(PrivacyOutbox), after.Matched, demoWithdrawals, took.Milliseconds())
	return nil
}

// visitor is a person's browser in the privacy centre: cookies kept,
// redirects followed.
type visitor struct {
	ctx context.Context
	c   *http.Client
}

func newVisitor(ctx context.Context) (*visitor, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &visitor{ctx: ctx, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}, nil
}

// do sends a request and returns the final page, which must be 200 OK.
func (v *visitor) do(method, u string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(v.ctx, method, u, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := v.c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("privacy centre: %s answered %s", u, res.Status)
	}
	return string(b), err
}

// field is the value of the first input named name on page.
func field(page, name string) string {
	_, rest, ok := strings.Cut(page, `name="`+name+`" value="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// withdraw presses "withdraw my consent" for purpose on the centre's page.
func (v *visitor) withdraw(base, page, purpose string) error {
	csrf := field(page, "csrf")
	if csrf == "" {
		return errors.New("privacy centre: the page has no form")
	}
	after, err := v.do(http.MethodPost, base+"/privacy/choice", url.Values{"csrf": {csrf}, "purpose": {purpose}, "action": {"withdraw"}})
	if err != nil {
		return err
	}
	if !strings.Contains(after, `data-state="withdrawn"`) {
		return errors.New("privacy centre: the withdrawal is not shown")
	}
	return nil
}

// withdrawInCentre is a customer in the privacy centre: follow the app's
// link, read the page, press "withdraw my consent" for purpose.
func withdrawInCentre(ctx context.Context, link, purpose string) error {
	v, err := newVisitor(ctx)
	if err != nil {
		return err
	}
	page, err := v.do(http.MethodGet, link, nil)
	if err != nil {
		return err
	}
	u, _ := url.Parse(link)
	return v.withdraw(u.Scheme+"://"+u.Host, page, purpose)
}

// withdrawByCode is a customer without the app's link: give the mobile
// number, read the code the centre sent (from the outbox), enter it, and
// withdraw on the page.
func withdrawByCode(ctx context.Context, base, mobile string, outbox *privacy.Outbox, purpose string) error {
	v, err := newVisitor(ctx)
	if err != nil {
		return err
	}
	page, err := v.do(http.MethodPost, base+"/privacy/start", url.Values{"channel": {string(privacy.ByMobile)}, "address": {mobile}})
	if err != nil {
		return err
	}
	id := field(page, "id")
	sent := outbox.Sent()
	if id == "" || len(sent) == 0 {
		return errors.New("privacy centre: no code was sent")
	}
	code := codeIn(sent[len(sent)-1].Text)
	if page, err = v.do(http.MethodPost, base+"/privacy/code", url.Values{"id": {id}, "code": {code}}); err != nil {
		return err
	}
	return v.withdraw(base, page, purpose)
}

// codeIn is the six-digit code in a message.
func codeIn(text string) string {
	for i := 0; i+6 <= len(text); i++ {
		s := text[i : i+6]
		if strings.Trim(s, "0123456789") == "" && (i == 0 || text[i-1] < '0' || text[i-1] > '9') && (i+6 == len(text) || text[i+6] < '0' || text[i+6] > '9') {
			return s
		}
	}
	return ""
}
