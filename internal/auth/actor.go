// Package auth says who is acting and what they may do: the actor in ctx, the
// one permission table, password hashing and machine credentials.
package auth

import (
	"context"

	"hulian/internal/errs"
)

// Role is an account's role on the platform (X-M1). Supplier and demander
// are properties of a member organisation, not of its accounts: a member's
// staff act with RoleMember and the member's business roles decide the rest.
type Role string

const (
	RoleOperator  Role = "operator"  // 运营方
	RoleRegulator Role = "regulator" // 监管方
	RoleMember    Role = "member"    // staff or node of a member organisation
	RoleAnonymous Role = ""          // not logged in: may only apply for membership
)

// ParseRole validates a role name given by a person.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOperator, RoleRegulator, RoleMember:
		return r, nil
	}
	return "", errs.Invalidf("role", "角色必须是 operator、regulator 或 member", "role must be operator, regulator or member")
}

// IsStaff reports whether the role belongs to the platform itself.
func (r Role) IsStaff() bool { return r == RoleOperator || r == RoleRegulator }

// Actor is whoever is making a request: an account, a member's node, or the
// system itself (scheduled jobs, start-up). Every state change is attributed
// to an actor (X-M3).
type Actor struct {
	AccountID string // "" for nodes and the system
	MemberID  string // the tenant, "" for platform staff and the system
	Role      Role
	Name      string // for display and the log: login, "node:<member>" or "system"
	Node      bool   // the request was signed by the member's node key
}

// NodeActor is the actor of a request signed by a member's node.
func NodeActor(memberID string) Actor {
	return Actor{MemberID: memberID, Role: RoleMember, Name: "node:" + memberID, Node: true}
}

// System is the actor of changes the platform makes on its own.
var System = Actor{Role: RoleOperator, Name: "system"}

// Ref is how the actor is recorded in the business log.
func (a Actor) Ref() string {
	switch {
	case a.AccountID != "":
		return "account:" + a.AccountID
	case a.Name != "":
		return a.Name
	}
	return "anonymous"
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; the zero Actor (anonymous) if none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// SessionCookie is the console's session cookie. Its value is a secret whose
// SHA-256 is the stored session key.
const SessionCookie = "hulian_session"

// CSRFField is the form field (and, as "X-CSRF-Token", the header) that
// carries a console session's anti-forgery token.
const CSRFField = "csrf"

type csrfKey struct{}

// WithCSRF stores the session's anti-forgery token for pages to embed.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// CSRFFrom returns the session's anti-forgery token, "" without a session.
func CSRFFrom(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey{}).(string)
	return s
}
