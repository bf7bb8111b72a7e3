// Package staff is who may open a member node's console: the node's own
// accounts and their sessions, under the platform's rules for passwords
// (argon2id, 12 characters at least), logins and session lifetime. The
// node's accounts are not the platform's: the member who runs the node
// decides who reads its datasets and deliveries, without asking the
// operator.
package staff

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/nodestore"
)

// Roles of a node's accounts. Every account reads the console; roles say
// who may decide: the data management committee approves collection
// plans and data-use applications (C-2, C-9), security staff act on
// alerts (C-12), administrators manage the node.
const (
	RoleAdmin     = "admin"
	RoleCommittee = "committee"
	RoleSecurity  = "security"
	RoleStaff     = "staff"
)

// Roles lists the roles, in the order they are shown.
var Roles = []string{RoleAdmin, RoleCommittee, RoleSecurity, RoleStaff}

// DefaultRoles are an account's roles when none are given: those of the
// accounts made before roles existed, which could do everything.
var DefaultRoles = []string{RoleAdmin, RoleCommittee}

// ParseRoles reads a comma-separated list of roles.
func ParseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, errs.Invalidf("--roles", "未知的角色 "+r+"；可用："+strings.Join(Roles, ", "), "unknown role "+r+"; the roles are "+strings.Join(Roles, ", "))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("--roles", "至少给出一个角色："+strings.Join(Roles, ", "), "give at least one role: "+strings.Join(Roles, ", "))
	}
	return out, nil
}

// Staff manages a node's accounts and sessions.
type Staff struct {
	db     *nodestore.DB
	Logger *slog.Logger
}

// New returns the staff of the node whose database is db.
func New(db *nodestore.DB) *Staff { return &Staff{db: db, Logger: slog.New(slog.DiscardHandler)} }

// Create adds an account. by names who created it (a console account's
// login, or "cli:<user>" from the command line); the creation is recorded
// in the node's activity in the same transaction.
// With no roles it gets DefaultRoles.
func (s *Staff) Create(ctx context.Context, login, name, password, by string, roles ...string) (*nodestore.Account, error) {
	if len(roles) == 0 {
		roles = DefaultRoles
	}
	roles, err := ParseRoles(strings.Join(roles, ","))
	if err != nil {
		return nil, err
	}
	login, name, hash, err := auth.NewAccountSecret(ctx, login, name, password)
	if err != nil {
		return nil, err
	}
	a := &nodestore.Account{ID: auth.NewID("nac_"), Login: login, DisplayName: name, PasswordHash: hash, CreatedBy: by, Roles: roles}
	err = s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventAccountCreated, login+" roles="+strings.Join(roles, ",")+" by "+by)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetPassword replaces an account's password and ends its sessions.
func (s *Staff) SetPassword(ctx context.Context, login, password, by string) error {
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := auth.HashPasswordCtx(ctx, password)
	if err != nil {
		return err
	}
	login, err = auth.CheckLogin(login)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		a, err := tx.AccountByLogin(ctx, login)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, a.ID, hash); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventPasswordSet, a.Login+" by "+by)
	})
}

// SetRoles replaces an account's roles.
func (s *Staff) SetRoles(ctx context.Context, login string, roles []string, by string) error {
	roles, err := ParseRoles(strings.Join(roles, ","))
	if err != nil {
		return err
	}
	login, err = auth.CheckLogin(login)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		a, err := tx.AccountByLogin(ctx, login)
		if err != nil {
			return err
		}
		if err := tx.SetRoles(ctx, a.ID, roles); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventRolesSet, a.Login+" roles="+strings.Join(roles, ",")+" by "+by)
	})
}

// CheckDomain validates a business domain's name, given by flag.
func CheckDomain(flag, d string) error {
	if d == "" || len(d) > 32 || strings.Trim(d, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return errs.Invalidf(flag, "业务域名称为 1 至 32 个小写字母、数字、- 或 _，如 marketing："+d, "a domain is 1 to 32 lower-case letters, digits, - or _, e.g. marketing: "+d)
	}
	return nil
}

// SetDomains replaces an account's business domains (marketing, finance,
// …): it uses only the datasets of those domains.
func (s *Staff) SetDomains(ctx context.Context, login string, domains []string, by string) error {
	var ds []string
	for _, d := range domains {
		d = strings.TrimSpace(d)
		if d == "" || slices.Contains(ds, d) {
			continue
		}
		if err := CheckDomain("--domains", d); err != nil {
			return err
		}
		ds = append(ds, d)
	}
	login, err := auth.CheckLogin(login)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		a, err := tx.AccountByLogin(ctx, login)
		if err != nil {
			return err
		}
		if err := tx.SetDomains(ctx, a.ID, ds); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventAccountDomains, a.Login+" domains="+strings.Join(ds, ",")+" by "+by)
	})
}

// Disable stops an account from logging in and ends its sessions.
func (s *Staff) Disable(ctx context.Context, login, by string) error {
	login, err := auth.CheckLogin(login)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		a, err := tx.AccountByLogin(ctx, login)
		if err != nil {
			return err
		}
		changed, err := tx.DisableAccount(ctx, a.ID)
		if err != nil || !changed {
			return err
		}
		return tx.Record(ctx, nodestore.EventAccountDisabled, a.Login+" by "+by)
	})
}

// Accounts lists the node's accounts.
func (s *Staff) Accounts(ctx context.Context) ([]*nodestore.Account, error) {
	var as []*nodestore.Account
	err := s.db.Read(ctx, func(tx *nodestore.Tx) (err error) {
		as, err = tx.Accounts(ctx)
		return err
	})
	return as, err
}

// NeedsBootstrap reports whether no account can log in yet: the console
// then says how to create the first one from the command line.
func (s *Staff) NeedsBootstrap(ctx context.Context) (bool, error) {
	var n int
	err := s.db.Read(ctx, func(tx *nodestore.Tx) (err error) {
		n, err = tx.CountAccounts(ctx)
		return err
	})
	return n == 0, err
}

// Authenticate checks a login and password. A wrong login, a wrong
// password and a disabled account are one Unauthenticated error and take
// the same time; a database fault is the database's error.
func (s *Staff) Authenticate(ctx context.Context, login, password string) (*nodestore.Account, error) {
	var a *nodestore.Account
	err := s.db.Read(ctx, func(tx *nodestore.Tx) (err error) {
		a, err = tx.AccountByLogin(ctx, normal(login))
		return err
	})
	var hash string
	var disabled bool
	if err == nil {
		hash, disabled = a.PasswordHash, a.Disabled != nil
	}
	if err := auth.VerifyAccount(ctx, err, hash, disabled, password); err != nil {
		return nil, err
	}
	return a, nil
}

// Login checks a password and opens a session. It returns the cookie
// secret, which only the browser keeps: the node stores its digest.
func (s *Staff) Login(ctx context.Context, login, password string) (string, *nodestore.Session, error) {
	a, err := s.Authenticate(ctx, login, password)
	if err != nil {
		return "", nil, err
	}
	secret, digest := auth.NewSecret("hns_")
	sess := &nodestore.Session{Account: a, CSRF: auth.NewCSRF()}
	err = s.db.Transact(ctx, func(tx *nodestore.Tx) error {
		sess.Expires = tx.Now().Add(auth.SessionTTL)
		return tx.CreateSession(ctx, digest, a.ID, sess.CSRF, sess.Expires)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// Session resolves a cookie secret: NotFound when the session is unknown,
// expired or its account disabled.
func (s *Staff) Session(ctx context.Context, secret string) (*nodestore.Session, error) {
	var sess *nodestore.Session
	digest := auth.Digest(secret)
	err := s.db.Read(ctx, func(tx *nodestore.Tx) (err error) {
		sess, err = tx.SessionByDigest(ctx, digest)
		return err
	})
	if err == nil && auth.SessionStale(sess.Seen, s.db.Now()) {
		// Recording the use keeps the session from idling out; a database
		// that takes no writes just now must not turn a valid login away.
		if terr := s.db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.TouchSession(ctx, digest) }); terr != nil {
			s.Logger.WarnContext(ctx, "could not record a console session's use", "err", terr)
		}
	}
	return sess, err
}

// Logout ends a session.
func (s *Staff) Logout(ctx context.Context, secret string) error {
	return s.db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.DeleteSession(ctx, auth.Digest(secret)) })
}

// normal is a login as stored; an invalid one finds nothing.
func normal(login string) string {
	l, err := auth.CheckLogin(login)
	if err != nil {
		return ""
	}
	return l
}

// Decide checks a decision of the data management committee before it is
// made: by is on the committee, and a rejection says why, in at most 2000
// characters. what names what is decided ("collection plans"), for the
// refusal. It returns the note trimmed.
func Decide(by *nodestore.Account, approve bool, note string, what i18n.Text) (string, error) {
	if !by.Has(RoleCommittee) {
		return "", errs.New(errs.PermissionDenied, "role", "只有数据管理委员会成员可以审批"+what.ZH, "only members of the data management committee decide on "+what.EN)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 || (!approve && note == "") {
		return "", errs.Invalidf("note", "驳回须写明理由（最长 2000 字）", "a rejection states its reason (at most 2000 characters)")
	}
	return note, nil
}

// Own reports whether a record made by made — a login as the console or
// the data layer writes it, bare or as "console:LOGIN" — is by's own: no
// one decides on their own proposal.
func Own(by *nodestore.Account, made string) bool {
	return made == by.Login || made == "console:"+by.Login
}
