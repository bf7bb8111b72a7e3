package console

import (
	"net/http"
	"strconv"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform/store"
)

// stages are the onboarding stages in the order a member passes them.
var stages = []member.Stage{member.StageApplied, member.StageRejected, member.StageQualified, member.StageAgreed, member.StageOpened, member.StageActive}

type membersData struct {
	Members   []*member.Member
	Stage     member.Stage // the filter, "" for all
	Stages    []member.Stage
	CanReview bool
	Ticked    map[string]bool // applications ticked for bulk rejection
	Rejected  int             // how many the last bulk rejection rejected
}

// members is the staff's list of members with their onboarding stage:
// the operator's review queue, the regulator's read-only view.
func (c *console) members(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := auth.Require(ctx, auth.PermMemberReadAll); err != nil {
		return err
	}
	stage := member.Stage(r.URL.Query().Get("stage"))
	if stage != "" && !knownStage(stage) {
		return errs.Invalidf("stage", "未知的开户阶段", "unknown onboarding stage")
	}
	ms, err := c.p.Members(ctx, store.MemberFilter{Stage: stage, Limit: 500})
	if err != nil {
		return err
	}
	rejected, _ := strconv.Atoi(r.URL.Query().Get("rejected"))
	c.render(w, r, http.StatusOK, "members.html", &view{Title: "members.title", Data: membersData{
		Rejected:  rejected,
		Members:   ms,
		Stage:     stage,
		Stages:    stages,
		CanReview: auth.Can(auth.ActorFrom(ctx).Role, auth.PermReviewQualif),
	}})
	return nil
}

func knownStage(s member.Stage) bool {
	for _, k := range stages {
		if k == s {
			return true
		}
	}
	return false
}
