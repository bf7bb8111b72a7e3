package platform

import (
	"context"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/platform/throttle"
)

// SessionTTL is how long a console login lasts.
const SessionTTL = auth.SessionTTL

// newAccount validates login, name and password and hashes the password.
func newAccount(ctx context.Context, login, name, password string) (*store.Account, error) {
	login, name, hash, err := auth.NewAccountSecret(ctx, login, name, password)
	if err != nil {
		return nil, err
	}
	return &store.Account{ID: auth.NewID("acc_"), Login: login, DisplayName: name, PasswordHash: hash}, nil
}

// CreateStaff creates an operator or regulator account. With bootstrap set
// it may run without an actor, but only while the platform has no operator:
// that is how the first operator account is made.
func (p *Platform) CreateStaff(ctx context.Context, role auth.Role, login, name, password string, bootstrap bool) (*store.Account, error) {
	if !role.IsStaff() {
		return nil, errs.Invalidf("role", "平台账户角色须为 operator 或 regulator", "platform account role must be operator or regulator")
	}
	if !bootstrap {
		if err := auth.Require(ctx, auth.PermAccountCreate); err != nil {
			return nil, err
		}
	}
	acct, err := newAccount(ctx, login, name, password)
	if err != nil {
		return nil, err
	}
	acct.Role = role
	err = p.DB.Transact(ctx, func(tx *store.Tx) error {
		if bootstrap {
			n, err := tx.CountStaff(ctx, auth.RoleOperator)
			if err != nil {
				return err
			}
			if n > 0 {
				return errs.New(errs.FailedPrecondition, "", "平台已有运营方账户；请由运营方登录后创建新账户", "the platform already has an operator; log in as one to create accounts")
			}
			ctx = auth.WithActor(ctx, auth.System)
		}
		acct.CreatedBy = auth.ActorFrom(ctx).Ref()
		if err := tx.CreateAccount(ctx, acct); err != nil {
			return err
		}
		_, err := tx.Append(ctx, "", bizlog.KindAccountCreated, acct.ID, bizlog.P{"login": acct.Login, "role": string(acct.Role)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return acct, nil
}

// NeedsBootstrap reports whether no operator account exists yet.
func (p *Platform) NeedsBootstrap(ctx context.Context) (bool, error) {
	var n int
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.CountStaff(ctx, auth.RoleOperator)
		return err
	})
	return n == 0, err
}

// Authenticate checks a login and password and returns the live account.
// A wrong login, a wrong password and a disabled account are the same
// Unauthenticated error and take the same time; a database fault is the
// database's error, never Unauthenticated.
func (p *Platform) Authenticate(ctx context.Context, login, password string) (*store.Account, error) {
	// The shared budget of the client's address and network, before the
	// password is hashed (the doors' own guards ran before this).
	if err := p.Throttle.Pass(ctx, throttle.Login); err != nil {
		return nil, err
	}
	login = strings.ToLower(strings.TrimSpace(login))
	var acct *store.Account
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		acct, err = tx.AccountByLogin(ctx, login)
		return err
	})
	var hash string
	var disabled bool
	if err == nil {
		hash, disabled = acct.PasswordHash, !acct.Disabled.IsZero()
	}
	if err := auth.VerifyAccount(ctx, err, hash, disabled, password); err != nil {
		return nil, err
	}
	return acct, nil
}

// Login checks a password and opens a console session. It returns the
// cookie secret (shown to the browser only) and the session's CSRF token.
func (p *Platform) Login(ctx context.Context, login, password string) (secret string, s *store.Session, err error) {
	acct, err := p.Authenticate(ctx, login, password)
	if err != nil {
		return "", nil, err
	}
	secret, digest := auth.NewSecret("hls_")
	s = &store.Session{Digest: digest, Account: acct, CSRF: auth.NewCSRF()}
	err = p.DB.Transact(ctx, func(tx *store.Tx) error {
		s.Expires = tx.Now().Add(SessionTTL)
		return tx.CreateSession(ctx, digest, acct.ID, s.CSRF, s.Expires)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, s, nil
}

// Session resolves a console cookie secret.
func (p *Platform) Session(ctx context.Context, secret string) (*store.Session, error) {
	var s *store.Session
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		s, err = tx.SessionByDigest(ctx, auth.Digest(secret))
		return err
	})
	if err == nil && auth.SessionStale(s.Seen, p.DB.Now()) {
		// Recording the use keeps the session from idling out. A database
		// that takes no writes just now (read-only after a failover) must
		// not turn a valid login away: the next request tries again.
		if terr := p.DB.Transact(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, s.Digest) }); terr != nil {
			p.Logger.WarnContext(ctx, "could not record a console session's use", "err", terr)
		}
	}
	return s, err
}

// Logout ends a console session.
func (p *Platform) Logout(ctx context.Context, secret string) error {
	return p.DB.Transact(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, auth.Digest(secret)) })
}
