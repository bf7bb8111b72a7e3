package console

import (
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/platform"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
)

// supervisionRoutes are the operator's supervision (X-H1, X-V1, X-G2), the
// members' notices and the public announcements.
func (c *console) supervisionRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /supervision", c.supervision)
	c.handle(mux, "POST /supervision/halts", c.haltStart)
	c.handle(mux, "POST /supervision/halts/{id}/lift", c.haltLift)
	c.handle(mux, "POST /supervision/sanctions", c.sanctionImpose)
	c.handle(mux, "POST /supervision/sanctions/{id}/lift", c.sanctionLift)
	c.handle(mux, "GET /notices", c.notices)
	c.handle(mux, "GET /announcements", c.announcements)
}

type supervisionData struct {
	Volumes   *volumeChart // supervision entries of the log per month
	Halts     []*store.Halt
	Sanctions []*store.Sanction
	Members   []memberOption
	Causes    []string
	Kinds     []string
	CanAct    bool
}

type memberOption struct{ ID, Name string }

// Names for the pages: the causes and kinds in their rule's order.
var (
	haltCauses    = []string{"force_majeure", "accident", "technical_failure", "privacy_security", "other"}
	sanctionKinds = []string{"warning", "correction", "suspension", "termination"}
)

// supervision is the operator's and regulator's page of halts and
// sanctions: those in force first, with the forms to start and impose
// them (operator).
func (c *console) supervision(w http.ResponseWriter, r *http.Request) error {
	v, err := c.supervisionView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "supervision.html", v)
	return nil
}

func (c *console) supervisionView(r *http.Request) (*view, error) {
	ctx := r.Context()
	if err := auth.Require(ctx, auth.PermMemberReadAll); err != nil {
		return nil, err
	}
	d := supervisionData{Causes: haltCauses, Kinds: sanctionKinds, CanAct: auth.Can(auth.ActorFrom(ctx).Role, auth.PermSupervise)}
	var err error
	if d.Volumes, err = volumes(ctx, c.p.DB, c.p.DB.Now()); err != nil {
		return nil, err
	}
	if d.Halts, err = c.x.Halts.List(ctx, false); err != nil {
		return nil, err
	}
	if d.Sanctions, err = c.x.Sanctions.List(ctx, ""); err != nil {
		return nil, err
	}
	ms, err := c.p.Members(ctx, store.MemberFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		d.Members = append(d.Members, memberOption{ID: m.ID, Name: m.Name})
	}
	return &view{Title: "sv.title", Data: d, Notice: supervisionNotices[r.URL.Query().Get("done")]}, nil
}

var supervisionNotices = map[string]string{"halted": "sv.done.halted", "resumed": "sv.done.resumed", "imposed": "sv.done.imposed", "lifted": "sv.done.lifted"}

// supervisionAgain shows the page again with err next to its field.
func (c *console) supervisionAgain(r *http.Request, err error) error {
	v, verr := c.supervisionView(r)
	if verr != nil {
		return verr
	}
	v.Form = submitted(r)
	return again("supervision.html", v, err)
}

func supervisionDone(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, "/supervision?done="+done, http.StatusSeeOther)
}

func (c *console) haltStart(w http.ResponseWriter, r *http.Request) error {
	scope := r.PostFormValue("scope")
	target := strings.TrimSpace(r.PostFormValue("target"))
	if scope == platform.HaltMember {
		target = r.PostFormValue("member")
	}
	if _, err := c.x.Halts.Start(r.Context(), scope, target, r.PostFormValue("cause"), r.PostFormValue("notice")); err != nil {
		return c.supervisionAgain(r, err)
	}
	supervisionDone(w, r, "halted")
	return nil
}

func (c *console) haltLift(w http.ResponseWriter, r *http.Request) error {
	if _, err := c.x.Halts.Lift(r.Context(), r.PathValue("id")); err != nil {
		return c.supervisionAgain(r, err)
	}
	supervisionDone(w, r, "resumed")
	return nil
}

func (c *console) sanctionImpose(w http.ResponseWriter, r *http.Request) error {
	m := sanctions.Measure{Member: r.PostFormValue("member"), Kind: r.PostFormValue("kind"), Public: r.PostFormValue("public") == "on",
		Basis: r.PostFormValue("basis"), Reason: r.PostFormValue("reason"), AuthorityRef: r.PostFormValue("authority_ref"), CorrectBy: r.PostFormValue("correct_by")}
	if _, err := c.x.Sanctions.Impose(r.Context(), m); err != nil {
		return c.supervisionAgain(r, err)
	}
	supervisionDone(w, r, "imposed")
	return nil
}

func (c *console) sanctionLift(w http.ResponseWriter, r *http.Request) error {
	if _, err := c.x.Sanctions.Lift(r.Context(), r.PathValue("id"), r.PostFormValue("lift_reason")); err != nil {
		return c.supervisionAgain(r, err)
	}
	supervisionDone(w, r, "lifted")
	return nil
}

type noticesData struct {
	Notices   []*store.Notice
	Sanctions []*store.Sanction
}

// notices is a member's inbox: the notices the operator's measures and
// halts sent it, and its sanctions. Opening it marks them read.
func (c *console) notices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := auth.ActorFrom(ctx)
	if a.Role != auth.RoleMember {
		http.Redirect(w, r, "/supervision", http.StatusSeeOther)
		return nil
	}
	var d noticesData
	var err error
	if d.Notices, err = c.p.Notices(ctx, a.MemberID); err != nil {
		return err
	}
	if d.Sanctions, err = c.x.Sanctions.List(ctx, a.MemberID); err != nil {
		return err
	}
	if err := c.p.MarkNoticesRead(ctx, a.MemberID); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "notices.html", &view{Title: "sv.notices", Data: d})
	return nil
}

type announcementsData struct {
	InForce, Past []*store.Halt
	Warnings      []*store.Sanction
}

// announcements is the platform's public announcements page: technical
// halts in force and past, with their notices, and the warnings published
// against members (X-V1 网站警示). Anyone may read it.
func (c *console) announcements(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	hs, err := c.x.Halts.List(ctx, false)
	if err != nil {
		return err
	}
	var d announcementsData
	for _, h := range hs {
		if h.Lifted.IsZero() {
			d.InForce = append(d.InForce, h)
		} else if len(d.Past) < 50 {
			d.Past = append(d.Past, h)
		}
	}
	if d.Warnings, err = c.x.Sanctions.Published(ctx); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "announcements.html", &view{Title: "sv.announcements", Data: d})
	return nil
}

// HaltTarget names a halt's target for people: a member by name, a
// listing and a category as they are known.
func (v *view) HaltTarget(h *store.Halt) string {
	switch h.Scope {
	case platform.HaltMember:
		return v.Member(h.Target)
	case platform.HaltListing:
		return v.names.listing(h.Target)
	case platform.HaltCategory:
		if c, ok := v.taxonomyLeaf(h.Target); ok {
			return c
		}
	}
	return h.Target
}

// taxonomyLeaf is a second-level category's name in the page's language.
func (v *view) taxonomyLeaf(code string) (string, bool) {
	if v.names == nil || v.names.p == nil {
		return "", false
	}
	c, ok := v.names.p.Taxonomy().Leaf(code)
	if !ok {
		return "", false
	}
	return c.Name(v.Lang), true
}

// HaltCause is a halt's cause in the page's language.
func (v *view) HaltCause(cause string) string { return platform.HaltCauses[cause].In(v.Lang) }

// SanctionKind and SanctionBasis name a sanction's kind and basis.
func (v *view) SanctionKind(kind string) string   { return sanctions.Kinds[kind].In(v.Lang) }
func (v *view) SanctionBasis(basis string) string { return sanctions.Bases[basis].In(v.Lang) }

// NoticeTitle is a notice's title in the page's language.
func (v *view) NoticeTitle(n *store.Notice) string {
	if v.Lang == "en" {
		return n.TitleEN
	}
	return n.TitleZH
}
