package console

import (
	"net/http"

	"hulian/internal/catalog"
	"hulian/internal/i18n"
	"hulian/internal/node/supply"
)

var subjectLabels = map[catalog.SubjectKind]i18n.Text{
	catalog.SubjectPerson: i18n.T("个人", "persons"),
	catalog.SubjectThing:  i18n.T("物", "things"),
	catalog.SubjectGroup:  i18n.T("群体", "groups"),
}

// datasetRow is a dataset version as the pages show it.
type datasetRow struct {
	*supply.Dataset
	Subject string
}

func rowsOf(ds []*supply.Dataset, lang i18n.Lang) []datasetRow {
	out := make([]datasetRow, 0, len(ds))
	for _, d := range ds {
		s := string(d.Subject)
		if l, ok := subjectLabels[d.Subject]; ok {
			s = l.In(lang)
		}
		out = append(out, datasetRow{Dataset: d, Subject: s})
	}
	return out
}

// datasets lists the datasets the node holds (X-A1: they stay here), each
// at its current version with its gate verdict.
func (c *console) datasets(w http.ResponseWriter, r *http.Request, v *view) error {
	ds, err := c.Supply.Datasets(r.Context())
	if err != nil {
		return err
	}
	v.Title, v.Data = "datasets", rowsOf(ds, v.Lang)
	c.render(w, http.StatusOK, "datasets.html", v)
	return nil
}

type datasetData struct {
	Name     string
	Current  datasetRow
	Versions []datasetRow
	Storage  map[int]*supply.Storage // by version
}

// dataset shows one dataset's versions, newest first, how each is kept
// (its chunks in the database, and whether it is loaded to answer), and
// the signed gate report of each: the k-anonymity counts per tag value and the number of
// prohibited-content findings the listing was checked against.
func (c *console) dataset(w http.ResponseWriter, r *http.Request, v *view) error {
	ds, err := c.Supply.DatasetHistory(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	st, err := c.Supply.DatasetStorage(r.Context(), ds[0].Name)
	if err != nil {
		return err
	}
	rows := rowsOf(ds, v.Lang)
	v.Title, v.Data = "datasets", datasetData{Name: ds[0].Name, Current: rows[0], Versions: rows, Storage: st}
	c.render(w, http.StatusOK, "dataset.html", v)
	return nil
}
