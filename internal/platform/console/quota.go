package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// chartDays is how far back the quota page charts use.
const chartDays = 30

type quotaData struct {
	Member    string
	Q         *platform.QuotaView
	Balance   Money
	Available Money
	Credit    Money
	Threshold Money
	Moves     []moveRow
	Banner    []bannerRow
	Chart     useChartView
	Admin     bool           // the operator's top-up and credit forms
	Choices   []memberChoice // staff choose the member by name
	Alerts    bool           // may set the threshold and webhook
	Secret    string         // a new webhook secret, shown once
	Webhooks  []*store.WebhookEvent
}

// memberChoice is one option of the staff's member picker.
type memberChoice struct{ ID, Name string }

type bannerRow struct {
	Kind      string
	Available Money
}

type moveRow struct {
	store.Movement
	Amount    Money
	Balance   Money
	Available Money
}

// quotaFields are the inputs of the quota page's forms.
var quotaFields = []string{"amount_fen", "payment_reference", "note", "credit_fen", "expires", "reason", "threshold_fen", "webhook_url"}

// quota is a member's quota 可用额度 (X-S3): the balance and what is
// available now, the low-balance banner, the chart of use over the last
// 30 days, the movements, and the forms of who may change it. Members see
// their own; staff choose the member with ?member=.
func (c *console) quota(w http.ResponseWriter, r *http.Request) error {
	v, err := c.quotaView(r.Context(), r.URL.Query().Get("member"), nil)
	if err != nil {
		return err
	}
	v.Notice = marketNotice(r)
	c.render(w, r, http.StatusOK, "quota.html", v)
	return nil
}

func (c *console) quotaView(ctx context.Context, member string, form url.Values) (*view, error) {
	a := auth.ActorFrom(ctx)
	if a.MemberID != "" {
		member = a.MemberID
	}
	if a.AccountID == "" && !a.Node {
		return nil, errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
	}
	d := quotaData{Member: member, Admin: auth.Can(a.Role, auth.PermQuotaAdmin)}
	d.Alerts = d.Admin || a.MemberID == member
	var book *nameBook
	if a.Role.IsStaff() {
		var names map[string]string
		if err := c.p.DB.Read(ctx, func(tx *store.Tx) (err error) { names, err = tx.MemberNames(ctx); return err }); err != nil {
			return nil, err
		}
		for id, name := range names {
			d.Choices = append(d.Choices, memberChoice{ID: id, Name: name})
		}
		slices.SortFunc(d.Choices, func(x, y memberChoice) int { return strings.Compare(x.Name, y.Name) })
		// The page names the member from the same load.
		book = &nameBook{ctx: ctx, p: c.p, members: names}
	}
	if member == "" {
		// Staff who have not chosen a member yet see the chooser only.
		return &view{Title: "quota.title", Path: "/quota", Form: url.Values{}, Data: d, names: book}, nil
	}
	q, err := c.p.Quota(ctx, member)
	if err != nil {
		return nil, err
	}
	now := c.p.DB.Now()
	moves, err := c.p.QuotaMovements(ctx, member, now.AddDate(0, 0, -chartDays))
	if err != nil {
		return nil, err
	}
	d.Q, d.Balance, d.Available = q, Money(q.Account.BalanceFen), Money(q.AvailableFen)
	if now.Before(q.Account.CreditExpires) {
		d.Credit = Money(q.Account.CreditFen)
	}
	d.Threshold = Money(q.Account.ThresholdFen)
	for _, n := range q.Banner {
		d.Banner = append(d.Banner, bannerRow{Kind: n.Kind, Available: Money(n.AvailableFen)})
	}
	for i := len(moves) - 1; i >= 0; i-- { // newest first
		m := moves[i]
		d.Moves = append(d.Moves, moveRow{Movement: m, Amount: Money(m.AmountFen), Balance: Money(m.BalanceFen), Available: Money(m.AvailableFen)})
	}
	d.Chart = useChart(moves, now, chartDays)
	if d.Alerts {
		if err := c.p.DB.Read(ctx, func(tx *store.Tx) (err error) { d.Webhooks, err = tx.WebhookEvents(ctx, member, 20); return err }); err != nil {
			return nil, err
		}
	}
	if form == nil {
		form = url.Values{"threshold_fen": {Money(q.Account.ThresholdFen).Yuan()}, "webhook_url": {q.Account.WebhookURL},
			"expires": {now.Add(30 * 24 * time.Hour).In(cst).Format("2006-01-02")}}
	}
	return &view{Title: "quota.title", Path: "/quota?member=" + url.QueryEscape(member), Form: form, fields: quotaFields, Data: d, names: book}, nil
}

// quotaAgain shows the quota page again with err next to its field.
func (c *console) quotaAgain(r *http.Request, member string, err error) error {
	v, verr := c.quotaView(r.Context(), member, submitted(r))
	if verr != nil {
		return verr
	}
	return again("quota.html", v, err)
}

// quotaDone returns to the quota page with a confirmation.
func quotaDone(w http.ResponseWriter, r *http.Request, member, done string) {
	http.Redirect(w, r, "/quota?member="+url.QueryEscape(member)+"&done="+done, http.StatusSeeOther)
}

// WebhookStatus names a webhook attempt's outcome: an HTTP status by its
// number, anything else in the reader's language.
func (v *view) WebhookStatus(s string) string {
	if _, err := strconv.Atoi(s); err == nil {
		return "HTTP " + s
	}
	if m, ok := messages["quota.webhook.status."+s]; ok {
		return m.In(v.Lang)
	}
	return s
}
