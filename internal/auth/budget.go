package auth

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"hulian/internal/errs"
)

// Password hashing on a budget. Each argon2id hash takes 64 MiB and tens
// of milliseconds of a core; a login form and the membership application
// are open to anyone, so without a limit a few dozen concurrent requests
// would take the server's memory. At most one hash runs per core; a few
// more requests may wait a moment for a turn; the rest are told the
// service is busy (unavailable, retry), before any memory is spent.
var (
	hashSlots   = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	hashWaiting atomic.Int64
)

// hashQueue is how many requests may wait for a turn, and hashWait how
// long each waits at most. A waiter holds no hashing memory, only its
// request, so the queue can be generous; what it bounds is how long a
// burst keeps people waiting.
const (
	hashQueue = 64
	hashWait  = 10 * time.Second
)

// errBusy is the answer when no turn is free.
var errBusy = errs.New(errs.Unavailable, "", "服务繁忙，请稍后重试", "the service is busy; retry shortly")

// withHashSlot runs fn in one of the hashing turns.
func withHashSlot(ctx context.Context, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	default:
		if hashWaiting.Add(1) > hashQueue {
			hashWaiting.Add(-1)
			return errBusy
		}
		t := time.NewTimer(hashWait)
		select {
		case hashSlots <- struct{}{}:
			hashWaiting.Add(-1)
			t.Stop()
		case <-t.C:
			hashWaiting.Add(-1)
			return errBusy
		case <-ctx.Done():
			hashWaiting.Add(-1)
			t.Stop()
			return ctx.Err()
		}
	}
	defer func() { <-hashSlots }()
	fn()
	// The hash's 64 MiB is garbage now: collect it before the turn is
	// handed on, so that the next hash reuses the memory rather than the
	// heap growing to twice the live hashes before the collector runs
	// (a few milliseconds, against the hash's tens).
	runtime.GC()
	return nil
}

// HashPasswordCtx hashes pw in a hashing turn (see HashPassword).
func HashPasswordCtx(ctx context.Context, pw string) (string, error) {
	var h string
	var err error
	if slotErr := withHashSlot(ctx, func() { h, err = HashPassword(pw) }); slotErr != nil {
		return "", slotErr
	}
	return h, err
}

// CheckPassword reports, in a hashing turn, whether pw matches the
// encoded hash; an error means no turn was free, not a wrong password.
func CheckPassword(ctx context.Context, encoded, pw string) (bool, error) {
	var ok bool
	err := withHashSlot(ctx, func() { ok = VerifyPassword(encoded, pw) })
	return ok, err
}

// CheckNobody spends a check's time for a login that does not exist, so
// that a wrong login and a wrong password look alike.
func CheckNobody(ctx context.Context, pw string) error {
	return withHashSlot(ctx, func() { VerifyNobody(pw) })
}

// VerifyAccount decides a password attempt on an account looked up by its
// login: lookupErr is the lookup's error, hash and disabled the account's
// when it was found. A missing account, a wrong password and a disabled
// account are one Unauthenticated error and take the same time; a lookup
// fault or a busy hasher is returned as it is, never as a refusal.
func VerifyAccount(ctx context.Context, lookupErr error, hash string, disabled bool, password string) error {
	wrong := errs.New(errs.Unauthenticated, "login", "登录名或密码错误", "wrong login or password")
	if errs.Is(lookupErr, errs.NotFound) {
		if err := CheckNobody(ctx, password); err != nil {
			return err
		}
		return wrong
	}
	if lookupErr != nil {
		return lookupErr
	}
	ok, err := CheckPassword(ctx, hash, password)
	if err != nil {
		return err
	}
	if !ok || disabled {
		return wrong
	}
	return nil
}
