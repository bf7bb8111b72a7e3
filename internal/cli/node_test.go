package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/cli"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/platform"
	pserver "hulian/internal/platform/server"
	"hulian/internal/platform/store/storetest"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }, Lang: i18n.EN,
	}
	code = cli.Main(context.Background(), args, e)
	return code, out.String(), errb.String()
}

// TestNodeKeys: `hulian node keys` prints the two public keys, the same on
// every run, generating them (and a key-encryption key file) the first time.
func TestNodeKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	code, first, stderr := runCLI(t, nil, "node", "keys", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "key-encryption key") {
		t.Errorf("no warning about the generated key-encryption key: %q", stderr)
	}
	lines := strings.Split(strings.TrimSpace(first), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", first)
	}
	for i, name := range []string{"x25519", "ed25519"} {
		f := strings.Fields(lines[i])
		if len(f) != 2 || f[0] != name {
			t.Fatalf("line %q, want %s KEY", lines[i], name)
		}
		if k, err := base64.StdEncoding.DecodeString(f[1]); err != nil || len(k) != 32 {
			t.Errorf("%s key %q: %v", name, f[1], err)
		}
	}
	// HULIAN_DB is honoured, and the keys stay the same.
	code, again, _ := runCLI(t, map[string]string{"HULIAN_DB": db}, "node", "keys")
	if code != 0 || again != first {
		t.Errorf("second run: exit %d, %q, want %q", code, again, first)
	}
	// The wrong key-encryption key is refused, naming what to fix.
	code, _, stderr = runCLI(t, map[string]string{"HULIAN_NODE_KEK": base64.StdEncoding.EncodeToString(make([]byte, 32))}, "node", "keys", "--db", db)
	if code == 0 || !strings.Contains(stderr, "--kek-file") {
		t.Errorf("other KEK: exit %d, %q", code, stderr)
	}
}

func TestNodeCommandErrors(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"register without token file", []string{"node", "register-keys", "--db", db}, 2, "--token-file"},
		{"token as a flag value is not a flag", []string{"node", "register-keys", "--token", "hlt_x", "--db", db}, 2, "unknown flag"},
		{"missing token file", []string{"node", "register-keys", "--db", db, "--token-file", "/nonexistent/token"}, 2, "cannot read the token file"},
		{"integrate without a node", []string{"node", "integrate", "--db", db}, 2, "there is no node database"},
		{"bad member ID", []string{"node", "integrate", "--db", db, "--platform", "http://127.0.0.1:1", "--member", "M1"}, 2, "--member"},
		{"bad platform URL", []string{"node", "integrate", "--db", db, "--platform", "platform.example", "--member", "mem_a"}, 2, "--platform"},
		{"bad database URL", []string{"node", "keys", "--db", "mysql://x"}, 2, "--db"},
		{"bad log format", []string{"node", "--db", db, "--log-format", "xml"}, 2, "--log-format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	// A node that exists but was never linked to a platform says so.
	made := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	if code, _, stderr := runCLI(t, nil, "node", "keys", "--db", made); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(t, nil, "node", "integrate", "--db", made); code != 1 || !strings.Contains(stderr, "not configured") {
		t.Errorf("integrate unconfigured: exit %d, %q", code, stderr)
	}
}

// TestNodeOnboardingCommands drives steps 3 and 4 with the commands a
// member's administrator types, against a platform on ":0".
func TestNodeOnboardingCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pm, err := pserver.Open(ctx, pserver.Config{Listen: "127.0.0.1:0", DB: storetest.DSN(t, "sqlite"), KEKEnv: keyring.NewKEKText(), AllowEndpoints: netguard.Loopback})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pm.Run(rctx) }()
	defer func() { cancel(); <-done; pm.Close() }()
	p := pm.Exchange

	m, acct, err := p.Apply(ctx, platform.Application{
		Application: member.Application{Name: "命令行测试公司", USCC: storetest.USCC(int(time.Now().UnixNano() % 1e9)), Industry: "I64", ContactName: "王五",
			ContactPhone: "010-12345678", ContactEmail: "it@example.cn", StorageRegion: "CN-BJ", Supplier: true},
		Login: storetest.Name("cli"), DisplayName: "王五", Password: "correct horse battery staple",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Review(storetest.Staff(ctx, auth.RoleOperator), m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	mctx := auth.WithActor(ctx, acct.Actor())
	if _, err := p.SignAgreement(mctx, m.ID, p.Agreement); err != nil {
		t.Fatal(err)
	}
	secret, _, err := p.CreateToken(mctx, "node", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(dir, "node.db")

	code, out, stderr := runCLI(t, nil, "node", "register-keys", "--db", db, "--platform", pm.URL(), "--member", m.ID, "--token-file", tokenFile)
	if code != 0 || !strings.Contains(out, "onboarding stage: opened") {
		t.Fatalf("register-keys: exit %d, %q, %q", code, out, stderr)
	}
	// The node remembers member and platform: integrate needs neither.
	code, out, stderr = runCLI(t, nil, "node", "integrate", "--db", db)
	if code != 0 || !strings.Contains(out, "onboarding stage: active") {
		t.Fatalf("integrate: exit %d, %q, %q", code, out, stderr)
	}
	got, err := p.Member(storetest.Staff(ctx, auth.RoleOperator), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != member.StageActive || got.Integrated.By != "node:"+m.ID {
		t.Errorf("member %s, step 4 by %q", got.Stage, got.Integrated.By)
	}
	code, _, stderr = runCLI(t, nil, "node", "integrate", "--db", db)
	if code == 0 || !strings.Contains(stderr, "the platform says") {
		t.Errorf("second integrate: exit %d, %q", code, stderr)
	}
}
