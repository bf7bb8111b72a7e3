package console

import (
	"net/http"
	"slices"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/node/datause"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// datauseData is the data-use page: the account's own applications and
// the datasets it may apply for; for the committee, the applications to
// decide and every live grant for review; for security staff, the alerts.
type datauseData struct {
	Mine      []useRow
	Datasets  []*nodestore.DatasetVersion // of the account's domains
	Committee bool
	Security  bool
	Pending   []useRow // others' applications awaiting a decision
	Grants    []useRow // every approved grant, for the periodic review
	Alerts    []*nodestore.ReadAlert
	Blocked   bool // the account's own reads are blocked
	From      string
	Until     string
}

type useRow struct {
	*nodestore.UseApplication
	Live bool
}

func (c *console) datauseView(r *http.Request, v *view) (*datauseData, error) {
	ctx := r.Context()
	today := calendar.DateOf(c.Node.Now())
	d := &datauseData{Committee: v.Account.Has(staff.RoleCommittee), Security: v.Account.Has(staff.RoleSecurity), Blocked: v.Account.ReadsBlocked != nil,
		From: today.String(), Until: today.AddDays(90).String()}
	all, err := c.Uses.List(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		row := useRow{UseApplication: a, Live: datause.Live(a, today)}
		if a.Login == v.Account.Login {
			d.Mine = append(d.Mine, row)
		}
		if d.Committee && a.Status == datause.Submitted && a.Login != v.Account.Login {
			d.Pending = append(d.Pending, row)
		}
		if d.Committee && a.Status == datause.Approved {
			d.Grants = append(d.Grants, row)
		}
	}
	err = c.Node.DB.Read(ctx, func(tx *nodestore.Tx) error {
		sets, err := tx.Datasets(ctx)
		if err != nil {
			return err
		}
		for _, s := range sets {
			dom, err := tx.DatasetDomain(ctx, s.Dataset)
			if err != nil {
				return err
			}
			if dom == "" || slices.Contains(v.Account.Domains, dom) {
				d.Datasets = append(d.Datasets, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.Security {
		if d.Alerts, err = c.Uses.Alerts(ctx); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (c *console) datausePage(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := c.datauseView(r, v)
	if err != nil {
		return err
	}
	v.Title, v.Data = "datause", d
	c.render(w, http.StatusOK, "datause.html", v)
	return nil
}

// datauseAfter shows the page again with err, or goes back to it.
func (c *console) datauseAfter(w http.ResponseWriter, r *http.Request, v *view, err error, anchor string) error {
	v.Title = "datause"
	if err == nil {
		http.Redirect(w, r, "/datause#"+anchor, http.StatusSeeOther)
		return nil
	}
	if errs.KindOf(err) == errs.NotFound {
		return err
	}
	d, verr := c.datauseView(r, v)
	if verr != nil {
		return verr
	}
	v.Data = d
	return &formError{page: "datause.html", err: err}
}

func (c *console) datauseApply(w http.ResponseWriter, r *http.Request, v *view) error {
	_, err := c.Uses.Apply(r.Context(), v.Account, r.PostFormValue("dataset"), r.PostForm["fields"], r.PostFormValue("purpose"), r.PostFormValue("method"),
		r.PostFormValue("valid_from"), r.PostFormValue("valid_until"))
	return c.datauseAfter(w, r, v, err, "mine")
}

func (c *console) datauseDecide(w http.ResponseWriter, r *http.Request, v *view) error {
	decision := r.PostFormValue("decision")
	var err error
	if decision != "approve" && decision != "reject" {
		err = errs.Invalidf("decision", "请选择批准或驳回", "choose to approve or reject")
	} else {
		_, err = c.Uses.Decide(r.Context(), r.PathValue("id"), decision == "approve", r.PostFormValue("note"), v.Account)
	}
	return c.datauseAfter(w, r, v, err, "pending")
}

func (c *console) datauseRevoke(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.datauseAfter(w, r, v, c.Uses.Revoke(r.Context(), r.PathValue("id"), r.PostFormValue("note"), v.Account), "grants")
}

func (c *console) datauseUnblock(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.datauseAfter(w, r, v, c.Uses.Unblock(r.Context(), strings.TrimSpace(r.PostFormValue("login")), r.PostFormValue("note"), v.Account), "alerts")
}

// lazyCSV sets the download's headers at its first byte, so that a
// refused export is still shown as a page.
type lazyCSV struct {
	w    http.ResponseWriter
	name string
	sent bool
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if !l.sent {
		l.sent = true
		l.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		l.w.Header().Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// datauseExport downloads a grant's rows as CSV, through the grant's
// checks and the read monitor.
func (c *console) datauseExport(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	out := &lazyCSV{w: w, name: id + ".csv"}
	_, err := c.Uses.Export(r.Context(), v.Account, id, out)
	if err != nil && out.sent {
		// Rows already went out: the download is cut short, which the
		// browser reports; the node's log has the error.
		c.Logger.Error("an export failed part way", "application", id, "err", err)
		return nil
	}
	if err != nil {
		// The account may have just been blocked: show its state.
		if s, serr := c.Staff.Accounts(r.Context()); serr == nil {
			for _, a := range s {
				if a.Login == v.Account.Login {
					v.Account = a
				}
			}
		}
		return c.datauseAfter(w, r, v, err, "mine")
	}
	return nil
}
