package server_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/node/console"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/server"
)

// openedPlatform reports the account opened with the node's keys and
// accepts the integration request once.
type openedPlatform struct {
	mu    sync.Mutex
	stage member.Stage
	keys  member.Keys
	down  bool
}

func (p *openedPlatform) Stage(context.Context) (member.Stage, member.Keys, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return "", member.Keys{}, errs.New(errs.Unavailable, "", "无法连接平台", "cannot reach the platform")
	}
	return p.stage, p.keys, nil
}

func (p *openedPlatform) RegisterNodeKeys(context.Context, string, member.Keys) (member.Stage, error) {
	return "", errors.New("not used")
}

func (p *openedPlatform) CompleteIntegration(context.Context) (member.Stage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage = member.StageActive
	return p.stage, nil
}

func start(t *testing.T, cfg server.Config) *server.Main {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	if cfg.Node.DB == "" {
		cfg.Node.DB = "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	}
	m, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		m.Close()
	})
	return m
}

func get(t *testing.T, url string, cookies ...*http.Cookie) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// login creates a console account on m's node and logs in with it,
// returning the session cookie.
func login(t *testing.T, m *server.Main) *http.Cookie {
	t.Helper()
	if _, err := m.Staff.Create(context.Background(), "ops", "运维", "correct horse battery", "test"); err != nil && !errs.Is(err, errs.Conflict) {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(m.URL()+"/login", url.Values{"login": {"ops"}, "password": {"correct horse battery"}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == console.SessionCookie && ck.Value != "" {
			return ck
		}
	}
	t.Fatalf("login: %d, no session cookie", res.StatusCode)
	return nil
}

// escaped is base64 as html/template writes it in text: "+" becomes an
// entity, which a browser shows (and copies) as "+".
func escaped(s string) string { return strings.ReplaceAll(s, "+", "&#43;") }

func TestServes(t *testing.T) {
	t.Parallel()
	m := start(t, server.Config{MetricsListen: "127.0.0.1:0"})
	pub := m.Node.Public()
	session := login(t, m)

	status, h, _ := get(t, m.URL()+"/lang?to=en")
	if status != http.StatusSeeOther || h.Get("Location") != "/" || !strings.Contains(h.Get("Set-Cookie"), "lang=en") {
		t.Errorf("language switch: %d %v", status, h)
	}
	// Metrics count requests (the one above), on their own listener only.
	if status, _, _ := get(t, m.URL()+"/metrics"); status == http.StatusOK {
		t.Error("/metrics served on the console's listener")
	}
	_, _, body := get(t, m.MetricsURL()+"/metrics")
	if !strings.Contains(body, `hulian_node_http_requests_total{code="303",method="GET"}`) {
		t.Errorf("metrics lack the request counter")
	}
	if !strings.Contains(body, `hulian_node_db_errors_total{kind="unavailable"} 0`) {
		t.Errorf("metrics lack the database errors by kind")
	}

	tests := []struct {
		name    string
		path    string
		cookies []*http.Cookie
		status  int
		want    []string
		notWant []string
	}{
		{"healthz", "/healthz", nil, 200, []string{"ok"}, nil},
		{"readyz", "/readyz", nil, 200, []string{`"engine":"sqlite"`, `"read":true`, `"write":true`, `"schema_version":22`, `"schema_expected":22`}, nil},
		{"console needs a login", "/settings", nil, 303, nil, nil},
		{"login page", "/login", nil, 200, []string{"登录节点控制台", `name="password"`}, []string{"hulian node staff add"}},
		{"settings in Chinese by default", "/settings", []*http.Cookie{session}, 200,
			[]string{`lang="zh-CN"`, "成员节点", "节点公钥", escaped(nodekey.Encode(pub.X25519)), escaped(nodekey.Encode(pub.Signing)), "未配置", "运维", `href="/lang?to=en&amp;back=%2fsettings"`},
			[]string{"<script", "http://", "https://"}},
		{"overview in Chinese", "/", []*http.Cookie{session}, 200, []string{"生成节点密钥", "创建控制台账户"}, []string{"keys.generated"}},
		{"settings in English by cookie", "/settings", []*http.Cookie{session, {Name: "lang", Value: "en"}}, 200,
			[]string{`lang="en"`, "Member node", "Public keys", "not configured"}, []string{"节点公钥"}},
		{"stylesheet", "/static/console.css", nil, 200, []string{"font-family"}, nil},
		{"unknown page", "/nope", nil, 404, []string{"没有这个页面"}, nil},
		{"unknown dataset", "/datasets/nope", []*http.Cookie{session, {Name: "lang", Value: "en"}}, 404, []string{"the node has no dataset named nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, h, body := get(t, m.URL()+tt.path, tt.cookies...)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("no CSP: %q", h.Get("Content-Security-Policy"))
			}
		})
	}

}

// TestAutoIntegrate: started with member and platform while the account
// is opened with its keys, the node completes onboarding by itself, and
// its console shows the stage.
func TestAutoIntegrate(t *testing.T) {
	t.Parallel()
	p := &openedPlatform{stage: member.StageOpened}
	newPlatform := func(_, _ string, key crypto.Signer) node.Platform { return p }
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	kek := keyring.NewKEKText()
	// Learn the node's keys first, as the member would with `node keys`.
	pre, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: kek})
	if err != nil {
		t.Fatal(err)
	}
	p.keys = pre.Public()
	pre.Close()

	m := start(t, server.Config{Node: node.Config{DB: dsn, KEKEnv: kek, MemberID: "mem_abc", PlatformURL: "https://platform.test", NewPlatform: newPlatform}})
	select {
	case <-m.Integrated():
	case <-time.After(10 * time.Second):
		t.Fatal("no integration attempt")
	}
	if st, _, _ := p.Stage(context.Background()); st != member.StageActive {
		t.Fatalf("stage %s, want active", st)
	}
	session := login(t, m)
	_, _, body := get(t, m.URL()+"/", session)
	_, _, settings := get(t, m.URL()+"/settings", session)
	body += settings
	for _, w := range []string{"mem_abc", "https://platform.test", "接入联调已通过", `<li class="done">接入联调`, "接入联调通过"} {
		if !strings.Contains(body, w) {
			t.Errorf("console lacks %q", w)
		}
	}

	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	_, _, body = get(t, m.URL()+"/", session, &http.Cookie{Name: "lang", Value: "en"})
	if !strings.Contains(body, "cannot reach the platform") {
		t.Errorf("console does not say the platform is unreachable")
	}
}
