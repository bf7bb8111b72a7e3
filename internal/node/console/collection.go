package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/compliance/necessity"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/collection"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/protocol/ident"
)

// collectionData is the collection governance page: the plans with their
// findings and decisions, the form to propose one, and the batches.
type collectionData struct {
	Plans       []*nodestore.Plan
	Batches     []batchRow
	Names       map[string]string // plan ID → name
	Committee   bool              // the account may decide
	Scenarios   []string
	Methods     []string
	MethodNames map[string]i18n.Text
	Frequencies []string
	FreqNames   map[string]i18n.Text
	IDTypes     []ident.Type
	Form        planForm
}

// batchRow is a batch with its quality report read.
type batchRow struct {
	*nodestore.Batch
	Q collection.Quality
}

// planForm is the proposal form as the person filled it, kept on an error.
type planForm struct {
	Name, Purpose, Serves, Necessity, Scenario string
	Sources, Formats, Fields                   string
	Methods                                    []string
	Frequency, From, Until                     string
}

func (c *console) collectionView(r *http.Request, v *view) (*collectionData, error) {
	ps := collection.New(c.Node)
	plans, err := ps.List(r.Context())
	if err != nil {
		return nil, err
	}
	batches, err := ps.Batches(r.Context(), "", 200)
	if err != nil {
		return nil, err
	}
	cat, err := necessity.Default()
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(c.Node.Now())
	d := &collectionData{Plans: plans, Names: map[string]string{}, Committee: v.Account.Has(staff.RoleCommittee),
		Methods: collection.Methods, MethodNames: collection.MethodNames, Frequencies: collection.Frequencies, FreqNames: collection.FrequencyNames, IDTypes: ident.Types(),
		Form: planForm{Frequency: "continuous", From: today.String(), Until: today.AddDays(365).String(), Formats: "csv"}}
	for _, p := range plans {
		d.Names[p.ID] = p.Name
	}
	for _, b := range batches {
		row := batchRow{Batch: b}
		if err := json.Unmarshal(b.Quality, &row.Q); err != nil {
			return nil, fmt.Errorf("batch %s: quality: %w", b.ID, err)
		}
		d.Batches = append(d.Batches, row)
	}
	for _, t := range cat.Types {
		d.Scenarios = append(d.Scenarios, t.Name)
	}
	return d, nil
}

// collectionPage shows the page.
func (c *console) collectionPage(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := c.collectionView(r, v)
	if err != nil {
		return err
	}
	v.Title, v.Data = "collection", d
	c.render(w, http.StatusOK, "collection.html", v)
	return nil
}

// planFields reads the form's fields, one a line: the name, then, after
// commas, 必填 (or required) and an identifier type.
func planFields(text string) ([]nodestore.PlanField, error) {
	var out []nodestore.PlanField
	for i, line := range strings.Split(text, "\n") {
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' || r == '、' })
		if len(parts) == 0 || strings.TrimSpace(strings.Join(parts, "")) == "" {
			continue
		}
		f := nodestore.PlanField{Name: strings.TrimSpace(parts[0])}
		for _, p := range parts[1:] {
			switch p = strings.TrimSpace(p); {
			case p == "必填" || strings.EqualFold(p, "required"):
				f.Required = true
			case p == "":
			default:
				if _, err := ident.ParseType(p); err != nil {
					return nil, errs.Invalidf("fields", fmt.Sprintf("第 %d 行：无法识别「%s」（应为“必填”或标识类型）", i+1, p), fmt.Sprintf("line %d: %q is neither 必填/required nor an identifier type", i+1, p))
				}
				f.IDType = strings.ToLower(p)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// collectionPropose submits a plan from the form.
func (c *console) collectionPropose(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "collection"
	f := planForm{Name: r.PostFormValue("name"), Purpose: r.PostFormValue("purpose"), Serves: r.PostFormValue("serves"), Necessity: r.PostFormValue("necessity"),
		Scenario: r.PostFormValue("scenario"), Sources: r.PostFormValue("sources"), Formats: r.PostFormValue("formats"), Fields: r.PostFormValue("fields"),
		Methods: r.PostForm["methods"], Frequency: r.PostFormValue("frequency"), From: r.PostFormValue("valid_from"), Until: r.PostFormValue("valid_until")}
	fields, err := planFields(f.Fields)
	if err == nil {
		_, err = collection.New(c.Node).Propose(r.Context(), &collection.PlanInput{Name: f.Name, Purpose: f.Purpose, Serves: f.Serves, Necessity: f.Necessity,
			Scenario: f.Scenario, Sources: lines(f.Sources), Methods: f.Methods, Frequency: f.Frequency, Formats: strings.FieldsFunc(f.Formats, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }),
			Fields: fields, From: f.From, Until: f.Until}, "console:"+v.Account.Login)
	}
	if err != nil {
		d, verr := c.collectionView(r, v)
		if verr != nil {
			return verr
		}
		d.Form = f
		v.Data = d
		return &formError{page: "collection.html", err: err}
	}
	http.Redirect(w, r, "/collection#plans", http.StatusSeeOther)
	return nil
}

// collectionDecide records the committee's decision on a plan.
func (c *console) collectionDecide(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "collection"
	decision := r.PostFormValue("decision")
	if !slices.Contains([]string{"approve", "reject"}, decision) {
		return errs.Invalidf("decision", "请选择批准或驳回", "choose to approve or reject")
	}
	_, err := collection.New(c.Node).Decide(r.Context(), r.PathValue("id"), decision == "approve", r.PostFormValue("note"), v.Account)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		d, verr := c.collectionView(r, v)
		if verr != nil {
			return verr
		}
		v.Data = d
		return &formError{page: "collection.html", err: err}
	}
	http.Redirect(w, r, "/collection#plan-"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}
