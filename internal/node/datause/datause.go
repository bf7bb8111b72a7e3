// Package datause governs the member's own use of the data on its node
// (C-9, C-11, C-12, X-P11): a department uses data only through an
// application — purpose, fields, method and term — that a member of the
// data management committee approved; an account uses only the datasets
// of its business domains; every read of personal data is metered per
// account, and a read beyond the account's daily threshold or far beyond
// its own baseline is refused, blocks the account's reads, raises an alert
// on the console and notifies security staff by webhook, until security
// staff unblock it — an explicit, logged act.
package datause

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/colstore"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// Application statuses.
const (
	Submitted = "submitted"
	Approved  = "approved"
	Rejected  = "rejected"
	Revoked   = "revoked"
)

// Methods of use. Only an export application lets its holder take rows
// out of the node.
var Methods = []string{"export", "analysis"}

// Read outcomes.
const (
	Served  = "served"
	Refused = "refused"
	Blocked = "blocked"
)

// Monitoring defaults: an account may be served DefaultThreshold rows a
// Beijing day; a read of more than BaselineFactor times its average daily
// rows over the last BaselineDays (and more than BaselineFloor rows) is
// far beyond its baseline.
const (
	DefaultThreshold = 100_000
	BaselineDays     = 30
	BaselineFactor   = 10
	BaselineFloor    = 1_000
	MaxTermDays      = 366
)

// Uses is the node's data-use governance.
type Uses struct {
	N *node.Node
	// Webhook, if set, is where alerts are posted (JSON), for security
	// staff's own tools; the console shows them in any case.
	Webhook string
	Client  *http.Client
}

// New returns n's data-use governance.
func New(n *node.Node) *Uses { return &Uses{N: n, Client: &http.Client{Timeout: 5 * time.Second}} }

func (u *Uses) logger() *slog.Logger { return u.N.Logger() }

// Apply files an application for acct.
func (u *Uses) Apply(ctx context.Context, acct *nodestore.Account, dataset string, fields []string, purpose, method, from, until string) (*nodestore.UseApplication, error) {
	purpose = strings.TrimSpace(purpose)
	if purpose == "" || utf8.RuneCountInString(purpose) > 2000 {
		return nil, errs.Invalidf("purpose", "须写明使用目的（最长 2000 字）", "state the purpose of the use (at most 2000 characters)")
	}
	if !slices.Contains(Methods, method) {
		return nil, errs.Invalidf("method", "使用方式须为："+strings.Join(Methods, ", "), "the method is one of "+strings.Join(Methods, ", "))
	}
	f, err := calendar.ParseDate(strings.TrimSpace(from))
	if err != nil {
		return nil, errs.Invalidf("valid_from", "起始日期须为 YYYY-MM-DD", "valid_from is YYYY-MM-DD")
	}
	t, err := calendar.ParseDate(strings.TrimSpace(until))
	if err != nil {
		return nil, errs.Invalidf("valid_until", "截止日期须为 YYYY-MM-DD", "valid_until is YYYY-MM-DD")
	}
	if d := f.DaysUntil(t); d < 0 || d > MaxTermDays {
		return nil, errs.Invalidf("valid_until", fmt.Sprintf("期限须在 0 至 %d 天之间（到期后重新申请，以便定期复核）", MaxTermDays), fmt.Sprintf("the term is 0 to %d days (apply again after it, so that grants are reviewed)", MaxTermDays))
	}
	a := &nodestore.UseApplication{ID: auth.NewID("use_"), Login: acct.Login, Dataset: strings.TrimSpace(dataset), Purpose: purpose, Method: method,
		ValidFrom: f.String(), ValidUntil: t.String(), Status: Submitted}
	err = u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		v, err := tx.CurrentDatasetVersion(ctx, a.Dataset)
		if err != nil {
			return err
		}
		if err := inDomain(ctx, tx, acct, a.Dataset); err != nil {
			return err
		}
		for _, name := range fields {
			name = strings.TrimSpace(name)
			if name == "" || slices.Contains(a.Fields, name) {
				continue
			}
			if !slices.Contains(v.Columns, name) {
				return errs.Invalidf("fields", "数据集 "+a.Dataset+" 没有字段「"+name+"」；其字段为："+strings.Join(v.Columns, "、"), "dataset "+a.Dataset+" has no field "+name+"; its fields: "+strings.Join(v.Columns, ", "))
			}
			a.Fields = append(a.Fields, name)
		}
		if len(a.Fields) == 0 {
			return errs.Invalidf("fields", "须列出要使用的字段", "list the fields to use")
		}
		a.Applied = tx.Now()
		if err := tx.InsertUse(ctx, a); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventUseApplied, fmt.Sprintf("%s %s dataset=%s fields=%d method=%s", a.ID, a.Login, a.Dataset, len(a.Fields), a.Method))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetDatasetDomain puts a dataset in a business domain ("" for none).
func (u *Uses) SetDatasetDomain(ctx context.Context, name, domain, by string) error {
	if domain != "" {
		if err := staff.CheckDomain("--domain", domain); err != nil {
			return err
		}
	}
	return u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		ok, err := tx.SetDatasetDomain(ctx, name, domain)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Invalidf("--name", "节点上没有这个数据集："+name, "the node has no dataset named "+name)
		}
		return tx.Record(ctx, nodestore.EventDatasetDomain, fmt.Sprintf("dataset=%s domain=%s by %s", name, domain, by))
	})
}

// inDomain refuses a dataset of a domain the account is not in.
func inDomain(ctx context.Context, tx *nodestore.Tx, acct *nodestore.Account, dataset string) error {
	d, err := tx.DatasetDomain(ctx, dataset)
	if err != nil {
		return err
	}
	if d != "" && !slices.Contains(acct.Domains, d) {
		return errs.New(errs.PermissionDenied, "dataset", "数据集 "+dataset+" 属于「"+d+"」业务域，本账户不在该域", "dataset "+dataset+" belongs to the "+d+" domain, which this account is not in")
	}
	return nil
}

// Decide records the committee's decision on an application: a member of
// the committee who is not the applicant approves it, or rejects it
// saying why.
func (u *Uses) Decide(ctx context.Context, id string, approve bool, note string, by *nodestore.Account) (*nodestore.UseApplication, error) {
	note, err := staff.Decide(by, approve, note, i18n.T("数据使用申请", "data-use applications"))
	if err != nil {
		return nil, err
	}
	status := Rejected
	if approve {
		status = Approved
	}
	var a *nodestore.UseApplication
	err = u.N.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		if a, err = tx.UseByID(ctx, id); err != nil {
			return err
		}
		if staff.Own(by, a.Login) {
			return errs.New(errs.PermissionDenied, "role", "申请人不能审批自己的申请", "an applicant cannot decide on their own application")
		}
		ok, err := tx.SetUseStatus(ctx, id, Submitted, status, by.Login, note)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.FailedPrecondition, "status", "该申请已审批过", "the application was decided already")
		}
		if a, err = tx.UseByID(ctx, id); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventUseDecided, fmt.Sprintf("%s %s by %s", id, status, by.Login))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Revoke ends an approved grant before its term (the periodic review).
func (u *Uses) Revoke(ctx context.Context, id, note string, by *nodestore.Account) error {
	if !by.Has(staff.RoleCommittee) {
		return errs.New(errs.PermissionDenied, "role", "只有数据管理委员会成员可以撤销授权", "only members of the data management committee revoke grants")
	}
	return u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		ok, err := tx.SetUseStatus(ctx, id, Approved, Revoked, by.Login, strings.TrimSpace(note))
		if err != nil {
			return err
		}
		if !ok {
			if _, err := tx.UseByID(ctx, id); err != nil {
				return err
			}
			return errs.New(errs.FailedPrecondition, "status", "只有已批准的申请可以撤销", "only an approved application can be revoked")
		}
		return tx.Record(ctx, nodestore.EventUseRevoked, id+" by "+by.Login)
	})
}

// List lists the applications of login, or all ("").
func (u *Uses) List(ctx context.Context, login string) (out []*nodestore.UseApplication, err error) {
	err = u.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.Uses(ctx, login); return err })
	return out, err
}

// Live reports whether a grant may be used on day.
func Live(a *nodestore.UseApplication, day calendar.Date) bool {
	d := day.String()
	return a.Status == Approved && d >= a.ValidFrom && d <= a.ValidUntil
}

// Export writes the rows of a grant's dataset — the exID and the granted
// fields, excluded subjects left out — as CSV to w, for the applicant only,
// within the grant's term, unless the read is abnormal: then it is refused,
// the account's reads are blocked and security staff alerted. Every
// attempt is metered and logged.
func (u *Uses) Export(ctx context.Context, acct *nodestore.Account, id string, w io.Writer) (int64, error) {
	var a *nodestore.UseApplication
	var v *nodestore.DatasetVersion
	var fresh *nodestore.Account
	refuse := func(err error) (int64, error) {
		dataset, fields := "", []string(nil)
		if a != nil {
			dataset, fields = a.Dataset, a.Fields
		}
		if rerr := u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			// A refused attempt at a sensitive field is an access to it
			// too, and is found among them (C-7).
			sensitive, err := grading.Sensitive(ctx, tx, dataset, fields)
			if err != nil {
				return err
			}
			if err := tx.RecordRead(ctx, &nodestore.DataRead{Login: acct.Login, Application: id, Dataset: dataset, Fields: fields, Sensitive: sensitive, Outcome: Refused, At: tx.Now()}); err != nil {
				return err
			}
			return tx.Record(ctx, nodestore.EventReadRefused, fmt.Sprintf("%s application=%s: %s", acct.Login, id, errs.Message(err, "en")))
		}); rerr != nil {
			return 0, rerr
		}
		return 0, err
	}
	var threshold, today, history int64
	now := u.N.Now()
	err := u.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if fresh, err = tx.AccountByLogin(ctx, acct.Login); err != nil {
			return err
		}
		if a, err = tx.UseByID(ctx, id); err != nil {
			return err
		}
		if v, err = tx.CurrentDatasetVersion(ctx, a.Dataset); err != nil {
			return err
		}
		if err := inDomain(ctx, tx, fresh, a.Dataset); err != nil {
			return err
		}
		if threshold, err = readThreshold(ctx, tx); err != nil {
			return err
		}
		start := calendar.DateOf(now).Start()
		if today, err = tx.RowsRead(ctx, acct.Login, start, now.Add(time.Second)); err != nil {
			return err
		}
		history, err = tx.RowsRead(ctx, acct.Login, start.AddDate(0, 0, -BaselineDays), start)
		return err
	})
	switch {
	case errs.Is(err, errs.NotFound) || errs.Is(err, errs.PermissionDenied):
		return refuse(err)
	case err != nil:
		return 0, err
	case a.Login != acct.Login:
		return refuse(errs.New(errs.PermissionDenied, "application", "授权属于申请人本人，不能由他人使用", "a grant is its applicant's alone"))
	case a.Method != "export":
		return refuse(errs.New(errs.PermissionDenied, "application", "该授权的使用方式不是导出", "the grant's method is not export"))
	case !Live(a, calendar.DateOf(now)):
		return refuse(errs.New(errs.PermissionDenied, "application", "授权未获批准、已撤销或不在期限内（"+a.ValidFrom+" 至 "+a.ValidUntil+"）", "the grant is not approved, was revoked, or is outside its term ("+a.ValidFrom+" to "+a.ValidUntil+")"))
	case fresh.ReadsBlocked != nil:
		return refuse(errs.New(errs.PermissionDenied, "account", "本账户的数据读取已因异常而被阻断，须由安全管理员解除", "this account's reads are blocked after an abnormal one; security staff must unblock them"))
	}
	cols := make([]int, len(a.Fields))
	for i, f := range a.Fields {
		if cols[i] = slices.Index(v.Columns, f); cols[i] < 0 {
			return refuse(errs.New(errs.FailedPrecondition, "fields", "数据集当前版本已没有字段「"+f+"」", "the dataset's current version no longer has the field "+f))
		}
	}
	asked := v.Rows
	baseline := history / BaselineDays
	reason := ""
	switch {
	case today+asked > threshold:
		reason = "threshold"
	case baseline > 0 && asked > BaselineFloor && asked > BaselineFactor*baseline:
		reason = "baseline"
	}
	if reason != "" {
		return 0, u.block(ctx, acct.Login, a, asked, today, threshold, baseline, reason)
	}

	var served int64
	var sensitive []string
	err = u.N.DB.Read(ctx, func(tx *nodestore.Tx) error {
		ex, err := tx.Exclusions(ctx, a.Dataset)
		if err != nil {
			return err
		}
		excluded := make(map[string]bool, len(ex))
		for _, id := range ex {
			excluded[string(id)] = true
		}
		fields, err := grading.Ciphers(ctx, u.N, tx, v)
		if err != nil {
			return err
		}
		if sensitive, err = grading.Sensitive(ctx, tx, a.Dataset, a.Fields); err != nil {
			return err
		}
		data, err := colstore.Read(ctx, tx, v, fields)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(append([]string{"exid"}, a.Fields...))
		rec := make([]string, 1+len(cols))
		for row, id := range data.IDs {
			if excluded[string(id[:])] {
				continue
			}
			rec[0] = id.String()
			for i, c := range cols {
				if c < len(data.Cols) {
					rec[i+1] = data.Cols[c].Text(row)
				}
			}
			served++
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return served, err
	}
	err = u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.RecordRead(ctx, &nodestore.DataRead{Login: acct.Login, Application: a.ID, Dataset: a.Dataset, Fields: a.Fields, Sensitive: sensitive, Rows: served, Outcome: Served, At: tx.Now()}); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventDataRead, fmt.Sprintf("%s application=%s dataset=%s rows=%d sensitive=%s", acct.Login, a.ID, a.Dataset, served, strings.Join(sensitive, ",")))
	})
	return served, err
}

func readThreshold(ctx context.Context, tx *nodestore.Tx) (int64, error) {
	s, err := tx.Setting(ctx, nodestore.SettingReadThreshold)
	if err != nil || s == "" {
		return DefaultThreshold, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// SetThreshold sets the rows an account may be served a day.
func (u *Uses) SetThreshold(ctx context.Context, rows int64, by string) error {
	if rows < 1 {
		return errs.Invalidf("--rows", "阈值须为正整数", "the threshold is a positive number of rows")
	}
	return u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.SetSetting(ctx, nodestore.SettingReadThreshold, strconv.FormatInt(rows, 10)); err != nil {
			return err
		}
		return tx.Record(ctx, "datause.threshold_set", fmt.Sprintf("rows=%d by %s", rows, by))
	})
}

// block refuses an abnormal read: the account's reads are blocked and an
// alert raised in one transaction, then security staff are notified.
func (u *Uses) block(ctx context.Context, login string, a *nodestore.UseApplication, asked, today, threshold, baseline int64, reason string) error {
	al := &nodestore.ReadAlert{ID: auth.NewID("alr_"), Login: login, RowsAsked: asked, RowsToday: today, Threshold: threshold, Baseline: baseline, Reason: reason}
	err := u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		al.Raised = tx.Now()
		sensitive, err := grading.Sensitive(ctx, tx, a.Dataset, a.Fields)
		if err != nil {
			return err
		}
		if err := tx.RecordRead(ctx, &nodestore.DataRead{Login: login, Application: a.ID, Dataset: a.Dataset, Fields: a.Fields, Sensitive: sensitive, Rows: asked, Outcome: Blocked, At: al.Raised}); err != nil {
			return err
		}
		if err := tx.InsertAlert(ctx, al); err != nil {
			return err
		}
		at := al.Raised
		if err := tx.BlockReads(ctx, login, &at); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventReadAlert, fmt.Sprintf("%s %s asked=%d today=%d threshold=%d baseline=%d: reads blocked", al.ID, login, asked, today, threshold, baseline))
	})
	if err != nil {
		return err
	}
	outcome := u.notify(ctx, al)
	if err := u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error { return tx.SetAlertNotified(ctx, al.ID, outcome) }); err != nil {
		u.logger().Warn("could not record an alert's notification", "alert", al.ID, "err", err)
	}
	u.logger().Warn("an abnormal read was blocked", "alert", al.ID, "login", login, "rows", asked, "reason", reason, "notified", outcome)
	return errs.New(errs.PermissionDenied, "rows", fmt.Sprintf("读取 %d 行超出本账户的正常范围（今日已读 %d 行，阈值 %d，基线 %d 行/天），已阻断本账户的数据读取并通知安全管理员", asked, today, threshold, baseline),
		fmt.Sprintf("reading %d rows is beyond this account's normal (%d read today, threshold %d, baseline %d a day): its reads are blocked and security staff notified", asked, today, threshold, baseline))
}

// notify posts an alert to the webhook and says how it went.
func (u *Uses) notify(ctx context.Context, al *nodestore.ReadAlert) string {
	if u.Webhook == "" {
		return "console"
	}
	body, _ := json.Marshal(map[string]any{"kind": "mass_download", "alert": al.ID, "member": u.N.MemberID(), "login": al.Login, "rows_asked": al.RowsAsked,
		"rows_today": al.RowsToday, "threshold": al.Threshold, "baseline": al.Baseline, "reason": al.Reason, "raised_at": al.Raised.UTC().Format(time.RFC3339)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.Webhook, bytes.NewReader(body))
	if err != nil {
		return "webhook: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := u.Client.Do(req)
	if err != nil {
		return "webhook: " + err.Error()
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return "webhook: " + res.Status
	}
	return "webhook: delivered"
}

// Unblock lifts an account's block and clears its alerts: security staff
// only, saying why.
func (u *Uses) Unblock(ctx context.Context, login, note string, by *nodestore.Account) error {
	if !by.Has(staff.RoleSecurity) {
		return errs.New(errs.PermissionDenied, "role", "只有安全管理员可以解除阻断", "only security staff lift a block")
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > 2000 {
		return errs.Invalidf("note", "须写明解除的理由（最长 2000 字）", "state why the block is lifted (at most 2000 characters)")
	}
	return u.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		a, err := tx.AccountByLogin(ctx, login)
		if err != nil {
			return err
		}
		if a.ReadsBlocked == nil {
			return errs.New(errs.FailedPrecondition, "login", "该账户未被阻断", "the account is not blocked")
		}
		if err := tx.BlockReads(ctx, login, nil); err != nil {
			return err
		}
		n, err := tx.ClearAlerts(ctx, login, by.Login, note)
		if err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventReadsUnblocked, fmt.Sprintf("%s alerts=%d by %s: %s", login, n, by.Login, note))
	})
}

// Alerts lists the alerts, the open ones first.
func (u *Uses) Alerts(ctx context.Context) (out []*nodestore.ReadAlert, err error) {
	err = u.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.Alerts(ctx, 200); return err })
	return out, err
}
