package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/member"
)

type memberData struct {
	M         *member.Member
	Steps     []stepRow
	CanReview bool
	Next      string // where a review returns to
	Agreement string // the version to sign, on the member's own page
}

// stepRow is one line of the onboarding record: what happened, when and by
// whom (X-M3: every step attributed).
type stepRow struct {
	Label string // message key
	member.Step
	Note string // agreement version or rejection reason
}

func steps(m *member.Member) []stepRow {
	review := "step.qualified"
	if m.Stage == member.StageRejected {
		review = "step.rejected"
	}
	qualified := m.Qualified
	if m.Stage == member.StageApplied {
		// A resubmitted application awaits a new review; the earlier
		// rejection is in the business log.
		qualified = member.Step{}
	}
	return []stepRow{
		{Label: "step.applied", Step: m.Applied},
		{Label: review, Step: qualified, Note: m.RejectReason},
		{Label: "step.agreed", Step: m.Agreed, Note: m.Agreement},
		{Label: "step.opened", Step: m.Opened},
		{Label: "step.integrated", Step: m.Integrated},
	}
}

// member shows one member's application and onboarding record. Members
// see only their own: the data layer answers "not found" for others.
func (c *console) member(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := c.p.Member(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "member.html", &view{Title: "member.title", Data: memberData{
		M:         m,
		Steps:     steps(m),
		CanReview: auth.Can(auth.ActorFrom(ctx).Role, auth.PermReviewQualif),
		Next:      "/members/" + m.ID,
	}, fields: []string{"reason"}})
	return nil
}
