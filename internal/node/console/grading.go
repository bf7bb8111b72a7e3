package console

import (
	"net/http"
	"slices"
	"strconv"

	"hulian/internal/compliance/classify"
	"hulian/internal/i18n"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// gradingData is the classification and grading page: every field of
// every dataset with its class, grade and encryption at rest, the form
// that confirms it, the catalogue and the reads of sensitive fields.
type gradingData struct {
	Fields     []*grading.Field
	Catalogue  *classify.Catalogue
	Grades     []gradeOption
	Reads      []*nodestore.DataRead
	CanConfirm bool
	Confirmed  *grading.Confirmed // the confirmation just made, if any
}

type gradeOption struct {
	N    int
	Name i18n.Text
}

// maxReadsShown bounds the access table of the page.
const maxReadsShown = 50

func (c *console) gradingView(r *http.Request, acct *nodestore.Account) (*gradingData, error) {
	fs, err := grading.List(r.Context(), c.Node)
	if err != nil {
		return nil, err
	}
	reads, err := grading.Access(r.Context(), c.Node, maxReadsShown)
	if err != nil {
		return nil, err
	}
	cat := classify.Default()
	d := &gradingData{Fields: fs, Catalogue: cat, Reads: reads, CanConfirm: acct.Has(staff.RoleCommittee) || acct.Has(staff.RoleSecurity)}
	for g, name := range cat.Grades {
		d.Grades = append(d.Grades, gradeOption{N: g, Name: name})
	}
	slices.SortFunc(d.Grades, func(a, b gradeOption) int { return a.N - b.N })
	return d, nil
}

func (c *console) gradingPage(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := c.gradingView(r, v.Account)
	if err != nil {
		return err
	}
	v.Title, v.Data = "grading", d
	c.render(w, http.StatusOK, "grading.html", v)
	return nil
}

func (c *console) gradingConfirm(w http.ResponseWriter, r *http.Request, v *view) error {
	grade, _ := strconv.Atoi(r.PostFormValue("grade"))
	done, err := grading.Confirm(r.Context(), c.Node, v.Account, r.PostFormValue("dataset"), r.PostFormValue("column"), r.PostFormValue("class"), grade, r.PostFormValue("note"))
	d, verr := c.gradingView(r, v.Account)
	if verr != nil {
		return verr
	}
	v.Title, v.Data = "grading", d
	if err != nil {
		return &formError{page: "grading.html", err: err}
	}
	d.Confirmed = done
	c.render(w, http.StatusOK, "grading.html", v)
	return nil
}
