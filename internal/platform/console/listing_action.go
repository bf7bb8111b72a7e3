package console

import (
	"net/http"

	"hulian/internal/errs"
)

// listingAction is a supplier's publish or withdraw, or an operator's
// review step, from the listing page or the review queue; it returns to
// where it came from.
func (c *console) listingAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	note := r.PostFormValue("note")
	var err error
	done := r.PostFormValue("action")
	switch done {
	case "publish":
		_, err = c.x.Listings.PublishListing(ctx, id)
		done = "published"
	case "withdraw":
		_, err = c.x.Listings.WithdrawListing(ctx, id)
		done = "withdrawn"
	case "start_review":
		_, err = c.x.Listings.StartReview(ctx, id)
		done = "review_started"
	case "approve":
		_, err = c.x.Listings.DecideListing(ctx, id, true, note)
		done = "approved"
	case "reject":
		_, err = c.x.Listings.DecideListing(ctx, id, false, note)
		done = "rejected"
	case "suspend":
		_, err = c.x.Listings.SuspendListing(ctx, id, note)
		done = "suspended"
	case "resume":
		_, err = c.x.Listings.ResumeListing(ctx, id)
		done = "resumed"
	default:
		return errs.Invalidf("action", "未知的操作", "unknown action")
	}
	if err != nil {
		l, lerr := c.x.Listings.Listing(ctx, id)
		if lerr != nil {
			return lerr
		}
		// The form has one reason input for rejections and suspensions.
		if e, ok := err.(*errs.Error); ok && e.Field == "reason" {
			c := *e
			c.Field = "note"
			err = &c
		}
		return again("listing.html", &view{Title: "listing.title", Path: "/listings/" + id, Form: submitted(r),
			Data: c.listingData(r, l), fields: []string{"note"}}, err)
	}
	next := localPath(r.PostFormValue("next"))
	if next == "/" {
		next = "/listings/" + id
	}
	http.Redirect(w, r, next+sep(next)+"done="+done, http.StatusSeeOther)
	return nil
}

func sep(path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] == '?' {
			return "&"
		}
	}
	return "?"
}
