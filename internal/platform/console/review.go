package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// review approves or rejects a qualification (资质审核) from the member
// list or the member page, then returns to where it came from.
func (c *console) review(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return errs.Invalidf("decision", "请选择批准或驳回", "choose approve or reject")
	}
	_, err := c.p.Review(ctx, id, approve, r.PostFormValue("reason"))
	if err != nil {
		// Show the member's page with the error next to the reason; if the
		// member cannot be read either, that error is the one to show.
		m, merr := c.p.Member(ctx, id)
		if merr != nil {
			return merr
		}
		return again("member.html", &view{
			Title: "member.title",
			Path:  "/members/" + id,
			Form:  submitted(r),
			Data: memberData{
				M:         m,
				Steps:     steps(m),
				CanReview: auth.Can(auth.ActorFrom(ctx).Role, auth.PermReviewQualif),
				Next:      localPath(r.PostFormValue("next")),
			},
			fields: []string{"reason"},
		}, err)
	}
	next := localPath(r.PostFormValue("next"))
	if next == "/" {
		next = "/members/" + id
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
