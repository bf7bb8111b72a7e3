package console

import (
	"net/http"
	"net/url"
	"strconv"

	"hulian/internal/auth"
	"hulian/internal/member"
	"hulian/internal/platform/store"
)

// rejectApplications rejects the ticked applications of the review queue
// with one reason: how the operator clears a wave of spam applications.
// All or none: an application that cannot be rejected is named and the
// queue shown again with the ticks and the reason kept.
func (c *console) rejectApplications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.ParseForm()
	ids := r.PostForm["id"]
	n, err := c.p.RejectApplications(ctx, ids, r.PostFormValue("reason"))
	if err != nil {
		ms, merr := c.p.Members(ctx, store.MemberFilter{Stage: member.StageApplied, Limit: 500})
		if merr != nil {
			return merr
		}
		ticked := map[string]bool{}
		for _, id := range ids {
			ticked[id] = true
		}
		return again("members.html", &view{
			Title:  "members.title",
			Path:   "/members?stage=applied",
			Form:   submitted(r),
			fields: []string{"id", "reason"},
			Data: membersData{Members: ms, Stage: member.StageApplied, Stages: stages, Ticked: ticked,
				CanReview: auth.Can(auth.ActorFrom(ctx).Role, auth.PermReviewQualif)},
		}, err)
	}
	http.Redirect(w, r, "/members?stage=applied&rejected="+url.QueryEscape(strconv.Itoa(n)), http.StatusSeeOther)
	return nil
}
