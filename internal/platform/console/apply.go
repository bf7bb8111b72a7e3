package console

import (
	"net/http"
	"net/url"

	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform"
)

// applicationFields are the inputs of the qualification form, named as the
// errors of member.Application.Validate name them.
var applicationFields = []string{"name", "uscc", "industry", "contact_name", "contact_phone", "contact_email", "storage_region", "roles"}

var applyFields = append(append([]string{}, applicationFields...), "login", "display_name", "password", "password_confirm")

func (c *console) applyForm(w http.ResponseWriter, r *http.Request) error {
	c.render(w, r, http.StatusOK, "apply.html", &view{Title: "apply.title", Form: url.Values{}, fields: applyFields})
	return nil
}

// apply submits a membership application with its first account, then
// sends the applicant to log in and follow the review.
func (c *console) apply(w http.ResponseWriter, r *http.Request) error {
	v := &view{Title: "apply.title", Path: "/apply", Form: submitted(r, "password", "password_confirm"), fields: applyFields}
	a := platform.Application{
		Application: applicationFrom(r),
		Login:       r.PostFormValue("login"),
		DisplayName: r.PostFormValue("display_name"),
		Password:    r.PostFormValue("password"),
	}
	if a.Password != r.PostFormValue("password_confirm") {
		return again("apply.html", v, errs.Invalidf("password_confirm", "两次输入的密码不一致", "the two passwords differ"))
	}
	if _, _, err := c.p.Apply(r.Context(), a); err != nil {
		return again("apply.html", v, err)
	}
	http.Redirect(w, r, "/login?applied=1", http.StatusSeeOther)
	return nil
}

func applicationFrom(r *http.Request) member.Application {
	return member.Application{
		Name:          r.PostFormValue("name"),
		USCC:          r.PostFormValue("uscc"),
		Industry:      r.PostFormValue("industry"),
		ContactName:   r.PostFormValue("contact_name"),
		ContactPhone:  r.PostFormValue("contact_phone"),
		ContactEmail:  r.PostFormValue("contact_email"),
		StorageRegion: r.PostFormValue("storage_region"),
		Supplier:      r.PostFormValue("supplier") != "",
		Demander:      r.PostFormValue("demander") != "",
	}
}

// submitted is the posted form without secrets, for showing it again.
func submitted(r *http.Request, secret ...string) url.Values {
	r.ParseForm()
	v := url.Values{}
	for k, vs := range r.PostForm {
		v[k] = vs
	}
	for _, k := range secret {
		v.Del(k)
	}
	v.Del("csrf")
	return v
}
