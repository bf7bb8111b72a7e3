package console

import (
	"net/http"

	"hulian/internal/i18n"
	"hulian/internal/node/inspections"
	"hulian/internal/node/response"
)

// inspectionsData is the inspections page: whether the quarter's
// inspection is due, the runs with each item, and the findings.
type inspectionsData struct {
	*inspections.State
	Checklist []inspections.Item
	Response  *response.State // the incident response plan and its drills (C-13)
	Steps     []string        // the plan's steps, in their order
	StepNames map[string]i18n.Text
}

func (c *console) inspectionsView(r *http.Request) (*inspectionsData, error) {
	st, err := inspections.New(c.Node).Status(r.Context())
	if err != nil {
		return nil, err
	}
	rs, err := response.New(c.Node).Status(r.Context())
	if err != nil {
		return nil, err
	}
	return &inspectionsData{State: st, Checklist: inspections.Checklist, Response: rs, Steps: response.Steps, StepNames: response.StepNames}, nil
}

func (c *console) inspectionsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := c.inspectionsView(r)
	if err != nil {
		return err
	}
	v.Title, v.Data = "inspections", d
	c.render(w, http.StatusOK, "inspections.html", v)
	return nil
}

// inspectionsAfter shows the page again with err, or goes back to it.
func (c *console) inspectionsAfter(w http.ResponseWriter, r *http.Request, v *view, err error) error {
	v.Title = "inspections"
	if err == nil {
		http.Redirect(w, r, "/inspections", http.StatusSeeOther)
		return nil
	}
	d, verr := c.inspectionsView(r)
	if verr != nil {
		return verr
	}
	v.Data = d
	return &formError{page: "inspections.html", err: err}
}

func (c *console) inspectionsRun(w http.ResponseWriter, r *http.Request, v *view) error {
	kind := inspections.Quarterly
	if r.PostFormValue("kind") == inspections.Special {
		kind = inspections.Special
	}
	_, _, err := inspections.New(c.Node).Run(r.Context(), kind, r.PostFormValue("trigger"), "console:"+v.Account.Login)
	return c.inspectionsAfter(w, r, v, err)
}

func (c *console) inspectionsRemedy(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.inspectionsAfter(w, r, v, inspections.New(c.Node).Remedy(r.Context(), r.PathValue("id"), r.PostFormValue("note"), "console:"+v.Account.Login))
}
