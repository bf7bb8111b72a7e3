package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// signAgreement records step 2 (协议签署): the member signs the version the
// page showed; if the operator changed it meanwhile, the use case refuses.
func (c *console) signAgreement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if r.PostFormValue("agree") == "" {
		return c.homeAgain(r, errs.Invalidf("agree", "请阅读协议并勾选同意", "read the agreement and tick the box to agree"))
	}
	if _, err := c.p.SignAgreement(ctx, auth.ActorFrom(ctx).MemberID, r.PostFormValue("agreement_version")); err != nil {
		return c.homeAgain(r, err)
	}
	http.Redirect(w, r, "/home", http.StatusSeeOther)
	return nil
}
