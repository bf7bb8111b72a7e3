package console

import (
	"context"
	"net/http"
	"net/url"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/member"
)

// homeFields are the inputs of the next-step forms on a member's home.
var homeFields = append([]string{"agree", "agreement_version", "x25519_public_key", "ed25519_public_key"}, applicationFields...)

// home is a member's own page: its onboarding state and the form for the
// next step.
func (c *console) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := auth.ActorFrom(ctx)
	if a.Role.IsStaff() {
		http.Redirect(w, r, "/members", http.StatusSeeOther)
		return nil
	}
	v, err := c.homeView(ctx, nil)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "home.html", v)
	return nil
}

// homeView reads the actor's own member for its home page. The form shown
// again after an error is form; nil fills the resubmission form with the
// application on file.
func (c *console) homeView(ctx context.Context, form url.Values) (*view, error) {
	a := auth.ActorFrom(ctx)
	if a.AccountID == "" || a.MemberID == "" {
		return nil, errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
	}
	m, err := c.p.Member(ctx, a.MemberID)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = applicationForm(m.Application)
	}
	return &view{Title: "home.title", Path: "/home", Form: form, fields: homeFields, Data: memberData{
		M:         m,
		Steps:     steps(m),
		Agreement: c.p.Agreement,
	}}, nil
}

// homeAgain shows the member's home again with err next to its field.
func (c *console) homeAgain(r *http.Request, err error) error {
	v, verr := c.homeView(r.Context(), submitted(r))
	if verr != nil {
		return verr
	}
	return again("home.html", v, err)
}

func applicationForm(a member.Application) url.Values {
	v := url.Values{
		"name":           {a.Name},
		"uscc":           {a.USCC},
		"industry":       {a.Industry},
		"contact_name":   {a.ContactName},
		"contact_phone":  {a.ContactPhone},
		"contact_email":  {a.ContactEmail},
		"storage_region": {a.StorageRegion},
	}
	if a.Supplier {
		v.Set("supplier", "on")
	}
	if a.Demander {
		v.Set("demander", "on")
	}
	return v
}
