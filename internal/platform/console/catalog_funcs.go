package console

import (
	"net/http"
	"strings"

	"hulian/internal/catalog"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// langOf is the language the page will be rendered in.
func langOf(r *http.Request) i18n.Lang { return i18n.From(r.Context()) }

// renameField gives an error the name its input has on the page.
func renameField(err error, names map[string]string) error {
	e, ok := err.(*errs.Error)
	if !ok {
		return err
	}
	if n, ok := names[e.Field]; ok {
		c := *e
		c.Field = n
		return &c
	}
	return err
}

// Label is the message key of an input's label: "lf.title", and for the
// inputs of every tag section the one key "lf.tag.key" and so on.
func (f fieldView) Label() string {
	name := f.Name
	if strings.HasPrefix(name, "tags[") {
		if i := strings.Index(name, "]."); i > 0 {
			name = "tag." + name[i+2:]
		}
	}
	return "lf." + name
}

// options are the values a select of the listing pages offers, in order;
// their labels are the messages "opt.<value>".
var options = map[string][]string{
	"kind":                     {"dataset", "toolset", "appset"},
	"subject":                  {"person", "thing", "group"},
	"value_type":               {"single", "multi", "segment", "hit", "item"},
	"limit.language":           {"zh", "en", "zh-en"},
	"limit.processing":         {"direct", "indirect"},
	"limit.sensitivity":        {"high", "medium", "low"},
	"limit.association":        {"strong", "weak", "none"},
	"limit.verification":       {"one_step", "two_step"},
	"limit.data_source":        {"accumulated", "purchased", "crawled", "other"},
	"limit.enterprise_natures": catalog.EnterpriseNatures,
	"term.update_frequency":    {"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "once"},
	"price.mode":               {"per_call", "monthly"},
	"price.basis":              {"query", "hit"},
}

// Options are the values of the select named field.
func (v *view) Options(field string) []string { return options[field] }

// Yuan writes an amount in fen as yuan.
func (v *view) Yuan(fen int64) string { return yuanOf(fen) }

// Listed is a listing's headline price in yuan.
func (v *view) Listed(l *catalog.Listing) string { return yuanOf(catalog.ListedFen(l.Price)) }

// reviewForm is what the "reviewform" template needs about one listing.
type reviewForm struct {
	V    *view
	L    *catalog.Listing
	Next string
}

// Review bundles a listing for the review actions' form.
func (v *view) Review(l *catalog.Listing, next string) reviewForm {
	return reviewForm{V: v, L: l, Next: next}
}

type reviewRows struct {
	V        *view
	Listings []*catalog.Listing
}

// Rows bundles listings for the review queue's table.
func (v *view) Rows(ls []*catalog.Listing) reviewRows { return reviewRows{V: v, Listings: ls} }

// OptKey is the message key of one option of a select: the price's
// billing basis and mode share words with other fields ("hit", "monthly")
// but not their meaning.
func (f fieldView) OptKey(value string) string {
	switch f.Name {
	case "price.basis":
		return "opt.basis." + value
	case "price.mode":
		return "opt.mode." + value
	}
	return "opt." + value
}
