package console

import (
	"net/http"

	"hulian/internal/i18n"
	"hulian/internal/node/collection"
	"hulian/internal/node/thirdparty"
)

// thirdPartyData is the register of third parties and entrusted
// processors, and the two lists the member publishes, printable.
type thirdPartyData struct {
	Register    []*thirdparty.Entry
	Collection  []thirdparty.CollectionRow
	Sharing     []thirdparty.SharingRow
	Routes      map[string]i18n.Text
	MethodNames map[string]i18n.Text
}

func (c *console) thirdPartiesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	reg := thirdparty.New(c.Node)
	d := &thirdPartyData{Routes: thirdparty.RouteNames, MethodNames: collection.MethodNames}
	var err error
	if d.Register, err = reg.List(r.Context()); err != nil {
		return err
	}
	if d.Collection, err = reg.CollectionList(r.Context()); err != nil {
		return err
	}
	if d.Sharing, err = reg.SharingList(r.Context()); err != nil {
		return err
	}
	v.Title, v.Data = "thirdparties", d
	c.render(w, http.StatusOK, "thirdparties.html", v)
	return nil
}
