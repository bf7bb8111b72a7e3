package store

import (
	"context"
	"slices"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// tenant returns the member the actor in ctx is confined to, or "" with
// all=true for platform staff and the system. Anonymous callers see nothing.
func tenant(ctx context.Context) (memberID string, all bool, err error) {
	a := auth.ActorFrom(ctx)
	switch {
	case a.Role.IsStaff():
		return "", true, nil
	case a.Role == auth.RoleMember && a.MemberID != "":
		return a.MemberID, false, nil
	}
	return "", false, errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
}

// canSee reports whether the actor in ctx may see member's objects.
func canSee(ctx context.Context, member string) error {
	own, all, err := tenant(ctx)
	if err != nil {
		return err
	}
	if all || own == member {
		return nil
	}
	// Another tenant's object is reported as absent, not forbidden, so that
	// its existence does not leak.
	return errs.New(errs.NotFound, "member", "找不到该成员", "no such member")
}

// partyTo checks that the actor in ctx is platform staff or one of members,
// the members party to an object. Anyone else gets missing(): another
// tenant's object does not exist for them.
func partyTo(ctx context.Context, missing func() error, members ...string) error {
	own, all, err := tenant(ctx)
	if err != nil {
		return err
	}
	if all || slices.Contains(members, own) {
		return nil
	}
	return missing()
}
