package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
	"hulian/internal/platform/throttle"
	"hulian/internal/rpc"
	"hulian/internal/rpc/reqsign"
	"hulian/internal/tlsfiles"
)

// MaxBody is the largest request body the platform reads. Batch deliveries
// are streamed in chunks below this size.
const MaxBody = 32 << 20

// connectErrors writes errors in the protocol of the Connect request they
// answer, so that an API client sees the reason and the field, not only a
// status line.
var connectErrors = connect.NewErrorWriter()

// writeError renders err for a caller that is not the console: a Connect
// error for API calls, plain text otherwise.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	lang := i18n.Parse(r.Header.Get("Accept-Language"))
	if connectErrors.IsSupported(r) {
		connectErrors.Write(w, r, rpc.ConnectError(i18n.With(r.Context(), lang), err))
		return
	}
	http.Error(w, errs.Message(err, lang), errs.KindOf(err).HTTPStatus())
}

// authenticate establishes the actor of a request from, in turn, a node
// signature, a bearer API token or a console session cookie, and puts it
// in the request's context. Requests with none are anonymous; whether that
// is enough is decided by the permission checks in the use cases.
func (m *Main) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		ctx := i18n.With(r.Context(), httpserve.LangOf(r))
		ctx = throttle.WithClient(ctx, httpserve.ClientIP(r))
		var err error
		switch {
		case reqsign.Signed(r):
			ctx, err = m.nodeActor(ctx, r)
		case strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
			ctx, err = m.tokenActor(ctx, r)
		case strings.HasPrefix(r.Header.Get("Authorization"), "Basic "):
			ctx, err = m.passwordActor(ctx, r)
		default:
			ctx, err = m.sessionActor(ctx, r)
		}
		if err != nil {
			if k := errs.KindOf(err); k == errs.Unavailable || k == errs.Internal {
				m.cfg.Logger.ErrorContext(r.Context(), "authentication could not be checked", "path", r.URL.Path, "err", err, "cause", errors.Unwrap(err))
			}
			writeError(w, r, err)
			return
		}
		a := auth.ActorFrom(ctx)
		httpserve.Annotate(ctx, "actor", a.Ref())
		if a.Role == auth.RoleAnonymous && !a.Node {
			// A stranger's body is small and read a bounded number at a
			// time (an application, a login form).
			release, err := m.anonymous.Enter(w, r)
			if err != nil {
				writeError(w, r, err)
				return
			}
			defer release()
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// nodeActor authenticates a node-signed request. The signature is checked
// over the body digest the request declares, and its nonce spent, before
// a byte of the body is read: a caller without the member's key costs the
// platform a key lookup and one signature check, never a body in memory.
func (m *Main) nodeActor(ctx context.Context, r *http.Request) (context.Context, error) {
	memberID := r.Header.Get(reqsign.HeaderMember)
	if m.cfg.TLS.ClientCA != "" {
		// Mutual TLS: the node's connection must carry a certificate
		// from the client CA issued to this member, besides the
		// signature — a stolen node key alone does not get in.
		if name, ok := tlsfiles.VerifiedName(r); !ok || name != memberID {
			return nil, errs.New(errs.Unauthenticated, "certificate", "节点调用须出示由平台信任的 CA 签发、以成员编号为名的客户端证书", "a node's calls must present a client certificate from the CA the platform trusts, named for the member")
		}
	}
	var pub []byte
	err := m.DB.Read(ctx, func(tx *store.Tx) error {
		mem, err := tx.MemberKeys(ctx, memberID)
		if err != nil {
			return err
		}
		pub = mem.Keys.Signing
		return nil
	})
	// Only a member that is not there, or has no key, is refused: a
	// database that cannot answer is "unavailable, retry", never a
	// verdict on the caller.
	if errs.Is(err, errs.NotFound) || err == nil && len(pub) == 0 {
		return nil, errs.New(errs.Unauthenticated, "signature", "该成员没有已注册的节点密钥", "the member has no registered node key")
	}
	if err != nil {
		return nil, err
	}
	now := m.cfg.Now()
	p, digest, err := reqsign.VerifyHeaders(r, pub, now)
	if err != nil {
		return nil, err
	}
	err = m.DB.Transact(ctx, func(tx *store.Tx) error {
		return tx.UseNonce(ctx, p.Member, p.Nonce, now.Add(2*reqsign.MaxSkew))
	})
	if err != nil {
		return nil, err
	}
	body, err := httpserve.ReadBody(r.Body, r.ContentLength, MaxBody)
	if err != nil {
		return nil, errs.New(errs.Invalid, "body", "请求体过大或读取失败", "request body too large or unreadable")
	}
	if err := reqsign.BodyMatches(body, digest); err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return auth.WithActor(ctx, auth.NodeActor(p.Member)), nil
}

// tokenActor resolves a bearer API token. The token's scope decides which
// services it reaches; the account's role decides the rest.
func (m *Main) tokenActor(ctx context.Context, r *http.Request) (context.Context, error) {
	secret := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	t, a, err := m.Platform.TokenAccount(ctx, secret)
	if err != nil {
		return nil, err
	}
	if !t.Scope.Allows(r.URL.Path) {
		return nil, errs.New(errs.PermissionDenied, "token",
			"该令牌的范围（"+t.Scope.Label(i18n.ZH)+"）不含此操作；请另建一个令牌",
			"this token's scope ("+t.Scope.Label(i18n.EN)+") does not cover this call; create another token")
	}
	return auth.WithActor(ctx, a.Actor()), nil
}

// TokenServicePath is the one service that accepts a login and password
// over HTTP Basic authentication: it is how a command line gets its first
// token. Everything else wants a token or a session.
const TokenServicePath = "/hulian.v1.TokenService/"

func (m *Main) passwordActor(ctx context.Context, r *http.Request) (context.Context, error) {
	if !strings.HasPrefix(r.URL.Path, TokenServicePath) {
		return nil, errs.New(errs.Unauthenticated, "authorization",
			"登录名与密码只能用于创建和管理令牌；其他调用请使用 API 令牌",
			"a login and password serve only to manage tokens; other calls need an API token")
	}
	login, password, ok := r.BasicAuth()
	if !ok {
		return nil, errs.New(errs.Unauthenticated, "authorization", "Basic 认证格式不正确", "malformed Basic authorization")
	}
	// Limited before the password is hashed, with the console's budget:
	// an anonymous caller must not buy argon2 work by the request.
	if !m.guard.Allow(r, strings.ToLower(strings.TrimSpace(login)), m.cfg.Now()) {
		return nil, errs.New(errs.ResourceExhausted, "authorization", "登录尝试过于频繁，请一分钟后再试", "too many login attempts; wait a minute and try again")
	}
	var a *store.Account
	err := m.guard.Check(ctx, strings.ToLower(strings.TrimSpace(login)), m.cfg.Now(), func() (err error) {
		a, err = m.Platform.Authenticate(ctx, login, password)
		return err
	})
	if err != nil {
		return nil, err
	}
	return auth.WithActor(ctx, a.Actor()), nil
}

func (m *Main) sessionActor(ctx context.Context, r *http.Request) (context.Context, error) {
	c, err := r.Cookie(httpserve.CookieName(auth.SessionCookie, m.cfg.SecureCookies))
	if err != nil || c.Value == "" {
		return ctx, nil
	}
	s, err := m.Platform.Session(ctx, c.Value)
	switch {
	case errs.Is(err, errs.NotFound) || errs.Is(err, errs.Unauthenticated):
		// A stale cookie, or a disabled account, is no login; the console
		// asks to log in.
		return ctx, nil
	case err != nil:
		// The database could not say: the request fails with its error
		// rather than being taken for anonymous.
		return nil, err
	}
	if !httpserve.SafeMethod(r.Method) {
		if err := httpserve.CheckCSRF(r, s.CSRF); err != nil {
			return nil, err
		}
	}
	ctx = auth.WithActor(ctx, s.Account.Actor())
	return auth.WithCSRF(ctx, s.CSRF), nil
}
