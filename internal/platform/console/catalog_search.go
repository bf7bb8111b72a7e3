package console

import (
	"net/http"
	"strings"

	"hulian/internal/catalog"
	"hulian/internal/platform/api"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
)

type catalogData struct {
	Listings []*catalog.Listing
	Taxonomy *catalog.Taxonomy
	Sections []catalog.Section
	Searched bool
}

// catalogSearch is the members' search of published listings by category,
// tag, keyword, industry and price range (in yuan).
func (c *console) catalogSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := &view{Title: "catalog.title", Form: q, fields: []string{"category", "tag", "q", "industry", "min", "max"}}
	d := catalogData{Taxonomy: c.p.Taxonomy()}
	if in := c.p.Industries(); in != nil {
		d.Sections = in.Sections
	}
	v.Data = d
	lq := store.ListingQuery{Status: catalog.StatusPublished, Category: q.Get("category"), Tag: strings.TrimSpace(q.Get("tag")),
		Keyword: strings.TrimSpace(q.Get("q")), Industry: q.Get("industry")}
	var err error
	if lq.MinFen, err = yuan(q, "min"); err != nil {
		return again("catalog.html", v, err)
	}
	if lq.MaxFen, err = yuan(q, "max"); err != nil {
		return again("catalog.html", v, err)
	}
	if err := api.CheckListingQuery(&lq); err != nil {
		return again("catalog.html", v, searchField(err))
	}
	if d.Listings, err = c.x.Listings.SearchListings(ctx, lq); err != nil {
		return err
	}
	d.Searched = len(q) > 0
	v.Data = d
	c.render(w, r, http.StatusOK, "catalog.html", v)
	return nil
}

// searchField names the form's inputs in an error about the query.
func searchField(err error) error {
	return renameField(err, map[string]string{"keyword": "q", "min_fen": "min", "max_fen": "max"})
}

// yuanOf formats fen for the pages.
func yuanOf(fen int64) string { return pricing.FormatYuan(fen) }
