package console_test

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"

	"hulian/internal/auth"
	"hulian/internal/member"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is where the platform clock starts in these tests, so that
// pages showing times are stable.
var testNow = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

const password = "correct horse battery"

// clock is the platform's stubbed clock. It stands still unless a test
// moves it, which also means the login rate limits never refill.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// platformT is a platform served on a loopback port, as the binary runs it.
type platformT struct {
	*server.Main
	clock *clock
}

func startPlatform(t testing.TB, secure bool) *platformT {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	clk := &clock{t: testNow}
	m, err := server.Open(ctx, server.Config{
		Listen:        "127.0.0.1:0",
		DB:            storetest.DSN(t, "sqlite"),
		SecureCookies: secure,
		Now:           clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("platform: %v", err)
		}
		m.Close()
	})
	return &platformT{Main: m, clock: clk}
}

// cheapHash is an argon2id hash of password with the smallest parameters.
// Fixture accounts use it: the production parameters cost over a second a
// hash on a small machine, and these tests are about pages, not hashing.
// VerifyPassword reads the parameters from the hash, so logins work as
// usual; accounts made through the use cases (the browser test, the apply
// form) keep the real cost.
var cheapHash = func() string {
	salt := []byte("console-fixture!")
	key := argon2.IDKey([]byte(password), salt, 1, 8, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=8,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
}()

// staff stores a platform staff account that logs in with password.
func (p *platformT) staff(t testing.TB, role auth.Role, login string) *store.Account {
	t.Helper()
	a := &store.Account{ID: auth.NewID("acc_"), Role: role, Login: login, DisplayName: login, PasswordHash: cheapHash, CreatedBy: "system"}
	p.transact(t, func(ctx context.Context, tx *store.Tx) error { return tx.CreateAccount(ctx, a) })
	return a
}

// apply stores a member in review with its first account, as the apply
// form leaves it.
func (p *platformT) apply(t testing.TB, n int, name, login string) *member.Member {
	t.Helper()
	a := &store.Account{ID: auth.NewID("acc_"), Role: auth.RoleMember, Login: login, DisplayName: "Li Lei", PasswordHash: cheapHash}
	a.CreatedBy = a.Actor().Ref()
	m := &member.Member{ID: auth.NewID("mem_"), Application: application(n, name), Stage: member.StageApplied, Standing: member.StandingGood}
	a.MemberID = m.ID
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		m.Applied = member.Step{At: tx.Now(), By: a.CreatedBy}
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		return tx.CreateAccount(ctx, a)
	})
	return m
}

func (p *platformT) transact(t testing.TB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.System)
	if err := p.DB.Transact(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func application(n int, name string) member.Application {
	return member.Application{
		Name:          name,
		USCC:          storetest.USCC(n),
		Industry:      "I64",
		ContactName:   "李雷",
		ContactPhone:  "021-12345678",
		ContactEmail:  "lilei@example.com",
		StorageRegion: "CN-SH",
		Supplier:      true,
	}
}

// approve moves a member through qualification review.
func (p *platformT) approve(t testing.TB, id string) {
	t.Helper()
	if _, err := p.Platform.Review(storetest.Staff(context.Background(), auth.RoleOperator), id, true, ""); err != nil {
		t.Fatal(err)
	}
}

// stage reads a member's stage from the database.
func (p *platformT) stage(t testing.TB, id string) member.Stage {
	t.Helper()
	m, err := p.Platform.Member(storetest.Staff(context.Background(), auth.RoleRegulator), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Stage
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see where the console sends them.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	lang string
}

func (p *platformT) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: p.URL(), c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// response is what a test looks at.
type response struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
	Cookies  []*http.Cookie
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	if b.lang != "" {
		req.AddCookie(&http.Cookie{Name: "lang", Value: b.lang})
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(body), Header: res.Header, Cookies: res.Cookies()}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, header ...string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// login logs in and fails the test unless the console redirects.
func (b *browser) login(login string) {
	b.t.Helper()
	r := b.post("/login", url.Values{"login": {login}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d\n%s", login, r.Status, r.Body)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's anti-forgery token from a page, as a form would.
func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfRe.FindStringSubmatch(b.get("/apply").Body)
	if m == nil {
		b.t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// golden compares a page with testdata/name.golden after replacing what
// changes from run to run (random IDs and tokens, the asset hash).
func golden(t *testing.T, name, got string) {
	t.Helper()
	for _, r := range []struct{ re, with string }{
		{`mem_[a-z2-7]+`, "mem_ID"},
		{`acc_[a-z2-7]+`, "acc_ID"},
		{`name="csrf" value="[^"]+"`, `name="csrf" value="CSRF"`},
		{`console\.css\?v=[0-9a-f]+`, "console.css?v=HASH"},
	} {
		got = regexp.MustCompile(r.re).ReplaceAllString(got, r.with)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s missing: run go test -run %s -update", path, t.Name())
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run with -update if the change is intended:\n%s", path, diff)
	}
}
