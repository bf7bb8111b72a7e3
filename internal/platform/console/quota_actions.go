package console

import (
	"net/http"
	"strings"
	"time"

	"hulian/internal/errs"
)

// quotaTopUp records a payment (operator).
func (c *console) quotaTopUp(w http.ResponseWriter, r *http.Request) error {
	member := r.PathValue("member")
	amount, err := parseYuan("amount_fen", r.PostFormValue("amount_fen"))
	if err != nil {
		return c.quotaAgain(r, member, err)
	}
	if _, err := c.p.TopUp(r.Context(), member, amount, strings.TrimSpace(r.PostFormValue("payment_reference")), r.PostFormValue("note")); err != nil {
		return c.quotaAgain(r, member, err)
	}
	quotaDone(w, r, member, "topped_up")
	return nil
}

// quotaCredit sets the temporary adjustment 临时调整 until the end of the
// chosen day in China (operator).
func (c *console) quotaCredit(w http.ResponseWriter, r *http.Request) error {
	member := r.PathValue("member")
	credit, err := parseYuan("credit_fen", r.PostFormValue("credit_fen"))
	if err != nil {
		return c.quotaAgain(r, member, err)
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(r.PostFormValue("expires")), cst)
	if err != nil {
		return c.quotaAgain(r, member, errs.Invalidf("expires", "请选择到期日期", "choose the expiry date"))
	}
	if _, err := c.p.SetCredit(r.Context(), member, credit, day.AddDate(0, 0, 1), r.PostFormValue("reason")); err != nil {
		return c.quotaAgain(r, member, err)
	}
	quotaDone(w, r, member, "credit")
	return nil
}

// quotaAlerts sets the low-balance threshold and webhook (the member or
// the operator).
func (c *console) quotaAlerts(w http.ResponseWriter, r *http.Request) error {
	member := r.PathValue("member")
	threshold, err := parseYuan("threshold_fen", r.PostFormValue("threshold_fen"))
	if err != nil {
		return c.quotaAgain(r, member, err)
	}
	_, secret, err := c.p.SetQuotaAlerts(r.Context(), member, threshold, strings.TrimSpace(r.PostFormValue("webhook_url")))
	if err != nil {
		if errs.KindOf(err) == errs.PermissionDenied {
			return err
		}
		return c.quotaAgain(r, member, err)
	}
	if secret == "" {
		quotaDone(w, r, member, "alerts")
		return nil
	}
	// A new secret is shown on this page, this once: it is in no URL and
	// no later page.
	v, err := c.quotaView(r.Context(), member, nil)
	if err != nil {
		return err
	}
	d := v.Data.(quotaData)
	d.Secret = secret
	v.Data, v.Notice = d, "quota.webhook.secret.notice"
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, http.StatusOK, "quota.html", v)
	return nil
}
