package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/errs"
)

// SessionTTL is how long a console login lasts, on the platform and on a
// node alike.
const SessionTTL = 12 * time.Hour

// SessionIdle is how long a console login lasts unused: a console left
// open on an unattended desk does not stay logged in for the day.
const SessionIdle = 30 * time.Minute

// SessionTouch is how stale a session's last use may be before a request
// records it again: one write a minute per active session, not one per
// request.
const SessionTouch = time.Minute

// SessionStale reports whether a session last seen at seen should be
// recorded as seen at now.
func SessionStale(seen, now time.Time) bool { return now.Sub(seen) >= SessionTouch }

// CheckLogin normalises a login name (trimmed, lower case) and validates
// it: 3 to 64 of a–z, 0–9 and . _ - @. The platform's and the nodes'
// consoles share the rule, so a person can use one name everywhere.
func CheckLogin(login string) (string, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	ok := len(login) >= 3 && len(login) <= 64
	for _, c := range login {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '@') {
			ok = false
		}
	}
	if !ok {
		return "", errs.Invalidf("login", "登录名须为 3 到 64 个小写字母、数字或 . _ - @", "login must be 3 to 64 lower-case letters, digits or . _ - @")
	}
	return login, nil
}

// CheckDisplayName trims and validates a person's display name.
func CheckDisplayName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", errs.Invalidf("display_name", "姓名不能为空，且不超过 100 字", "display name is required and at most 100 characters")
	}
	return name, nil
}

// NewAccountSecret validates a new account's login, name and password and
// returns the normalised login and name and the password's hash.
func NewAccountSecret(ctx context.Context, login, name, password string) (string, string, string, error) {
	login, err := CheckLogin(login)
	if err != nil {
		return "", "", "", err
	}
	if name, err = CheckDisplayName(name); err != nil {
		return "", "", "", err
	}
	if err := CheckPasswordPolicy(password); err != nil {
		return "", "", "", err
	}
	hash, err := HashPasswordCtx(ctx, password)
	if err != nil {
		return "", "", "", err
	}
	return login, name, hash, nil
}

// NewCSRF returns a session's anti-forgery token.
func NewCSRF() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails: see NewSecret
	return base64.RawURLEncoding.EncodeToString(b)
}
