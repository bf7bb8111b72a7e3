package node_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/sig"
)

// fakePlatform plays the platform's onboarding side: it accepts keys with
// the right token and integration only from a caller holding the
// registered Ed25519 key.
type fakePlatform struct {
	mu     sync.Mutex
	token  string
	stage  member.Stage
	keys   member.Keys
	calls  []string
	signer ed25519.PublicKey // the key the node's client signs with
}

func (f *fakePlatform) client(_, _ string, key crypto.Signer) node.Platform {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signer = key.Public().(ed25519.PublicKey)
	return f
}

func (f *fakePlatform) signedOK() bool { return bytes.Equal(f.signer, f.keys.Signing) }

func (f *fakePlatform) Stage(context.Context) (member.Stage, member.Keys, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Stage")
	if !f.signedOK() {
		return "", member.Keys{}, errs.New(errs.Unauthenticated, "signature", "未登记", "not registered")
	}
	return f.stage, f.keys, nil
}

func (f *fakePlatform) RegisterNodeKeys(_ context.Context, token string, k member.Keys) (member.Stage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "RegisterNodeKeys")
	if token != f.token {
		return "", errs.New(errs.Unauthenticated, "token", "令牌无效", "bad token")
	}
	if f.stage != member.StageAgreed {
		return "", errs.New(errs.FailedPrecondition, "stage", "阶段不对", "wrong stage")
	}
	f.keys, f.stage = k, member.StageOpened
	return f.stage, nil
}

func (f *fakePlatform) CompleteIntegration(context.Context) (member.Stage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "CompleteIntegration")
	if !f.signedOK() {
		return "", errs.New(errs.Unauthenticated, "signature", "签名不符", "bad signature")
	}
	if f.stage != member.StageOpened {
		return "", errs.New(errs.FailedPrecondition, "stage", "阶段不对", "wrong stage")
	}
	f.stage = member.StageActive
	return f.stage, nil
}

func open(t *testing.T, cfg node.Config) *node.Node {
	t.Helper()
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKeysPersistEncrypted: keys are made on first start, the same on the
// next, and no private key byte string is anywhere in the database files.
func TestKeysPersistEncrypted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := "sqlite://" + filepath.Join(dir, "node.db")
	n := open(t, node.Config{DB: dsn})
	first := n.Keys
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = open(t, node.Config{DB: dsn})
	if !n.Keys.X25519.Equal(first.X25519) || !bytes.Equal(sig.Seed(n.Keys.Signer), sig.Seed(first.Signer)) {
		t.Fatal("keys changed across restarts")
	}
	es, err := n.Events(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Kind != nodestore.EventKeysGenerated {
		t.Errorf("events %+v, want one keys.generated", es)
	}
	n.Close()

	fi, err := os.Stat(filepath.Join(dir, "node.db.kek"))
	if err != nil {
		t.Fatalf("generated KEK file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("KEK file mode %v", fi.Mode().Perm())
	}
	secrets := map[string][]byte{
		"x25519 scalar":    first.X25519.Bytes(),
		"ed25519 seed":     sig.Seed(first.Signer),
		"ed25519 expanded": first.Signer.(ed25519.PrivateKey),
	}
	files, _ := filepath.Glob(filepath.Join(dir, "node.db*"))
	found, public := 0, false
	for _, f := range files {
		if filepath.Ext(f) == ".kek" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found++
		// A positive control: the public keys, stored in the clear next
		// to the sealed private keys, are found by the same search.
		if bytes.Contains(b, first.Public().Signing) {
			public = true
		}
		for name, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s found in the clear in %s", name, filepath.Base(f))
			}
		}
	}
	if found == 0 || !public {
		t.Fatalf("searched %d database files, public key found: %v", found, public)
	}
}

func TestWrongKEK(t *testing.T) {
	t.Parallel()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	open(t, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText()}).Close()
	_, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: keyring.NewKEKText()})
	if !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("other KEK: got %v, want FailedPrecondition", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Field != "--kek-file" {
		t.Errorf("error %v does not name --kek-file", err)
	}
}

// TestConcurrentFirstStart: processes starting together on one database
// settle on one set of keys.
func TestConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	kek := keyring.NewKEKText()
	const n = 4
	pubs := make([]member.Keys, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nd, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: kek})
			if err != nil {
				t.Error(err)
				return
			}
			defer nd.Close()
			pubs[i] = nd.Public()
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if d := cmp.Diff(pubs[0], pubs[i]); d != "" {
			t.Errorf("starter %d has other keys:\n%s", i, d)
		}
	}
}

func TestOnboarding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	fp := &fakePlatform{token: "hlt_secret", stage: member.StageAgreed}

	offline := open(t, node.Config{DB: dsn})
	if st := offline.Status(ctx); st.Configured || !errs.Is(st.Err, errs.FailedPrecondition) {
		t.Errorf("unconfigured status %+v", st)
	}
	if _, err := offline.Integrate(ctx); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("integrate unconfigured: %v", err)
	}
	offline.Close()

	n := open(t, node.Config{DB: dsn, MemberID: "mem_abc234", PlatformURL: "https://platform.example:8080/", NewPlatform: fp.client})
	if n.PlatformURL() != "https://platform.example:8080" {
		t.Errorf("platform URL %q kept its slash", n.PlatformURL())
	}
	st := n.Status(ctx)
	if !st.Reachable || !errs.Is(st.Err, errs.Unauthenticated) {
		t.Errorf("status before keys: %+v", st)
	}
	if done, err := n.IntegrateIfOpened(ctx); done || err == nil {
		t.Errorf("integrated before keys: %v %v", done, err)
	}
	if _, err := n.RegisterKeys(ctx, "hlt_wrong"); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := n.RegisterKeys(ctx, "  \n"); !errs.Is(err, errs.Invalid) {
		t.Errorf("empty token: %v", err)
	}
	stage, err := n.RegisterKeys(ctx, "hlt_secret\n")
	if err != nil || stage != member.StageOpened {
		t.Fatalf("register: %v %v", stage, err)
	}
	if d := cmp.Diff(n.Public(), fp.keys); d != "" {
		t.Errorf("registered keys (-node +platform):\n%s", d)
	}
	n.Close()

	// A restart without flags keeps serving the same member and platform,
	// and integrates by itself.
	n = open(t, node.Config{DB: dsn, NewPlatform: fp.client})
	defer n.Close()
	if n.MemberID() != "mem_abc234" {
		t.Errorf("member ID not remembered: %q", n.MemberID())
	}
	done, err := n.IntegrateIfOpened(ctx)
	if err != nil || !done {
		t.Fatalf("IntegrateIfOpened: %v %v", done, err)
	}
	if st := n.Status(ctx); st.Stage != member.StageActive || !st.KeysMatch || st.Err != nil {
		t.Errorf("final status %+v", st)
	}
	if done, err := n.IntegrateIfOpened(ctx); done || err != nil {
		t.Errorf("integrated twice: %v %v", done, err)
	}
	es, err := n.Events(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, e.Kind)
	}
	if d := cmp.Diff([]string{nodestore.EventIntegrated, nodestore.EventKeysRegistered, nodestore.EventKeysGenerated}, kinds); d != "" {
		t.Errorf("node events (-want +got):\n%s", d)
	}
}

func TestCheckInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, member, url string
		ok                bool
	}{
		{"good", "mem_abcdefghij234567", "https://hulian.example.cn", true},
		{"path", "mem_a", "http://127.0.0.1:8080/hulian/", true},
		{"no prefix", "abc", "https://x", false},
		{"upper case", "mem_ABC", "https://x", false},
		{"empty id", "mem_", "https://x", false},
		{"ftp", "mem_a", "ftp://x", false},
		{"no host", "mem_a", "https://", false},
		{"credentials", "mem_a", "https://u:p@x", false},
		{"query", "mem_a", "https://x/?a=b", false},
		{"plain http on the internet", "mem_a", "http://hulian.example.cn", false},
		{"plain http on a private network", "mem_a", "http://10.1.2.3:8080", true},
		{"plain http to localhost", "mem_a", "http://localhost:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := node.CheckMemberID("--member", tt.member)
			if err == nil {
				_, err = node.CheckPlatformURL("--platform", tt.url, false)
			}
			if tt.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Errorf("err %v, want Invalid", err)
			}
		})
	}
}

func FuzzCheckPlatformURL(f *testing.F) {
	for _, s := range []string{"https://hulian.example.cn", "http://127.0.0.1:8080/", "://", "http://[::1]:80/x", "https://u@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := node.CheckPlatformURL("f", s, true)
		if err != nil {
			return
		}
		// An accepted URL is stable: checking it again changes nothing.
		again, err := node.CheckPlatformURL("f", u, true)
		if err != nil || again != u {
			t.Fatalf("%q → %q → %q, %v", s, u, again, err)
		}
	})
}

func FuzzCheckMemberID(f *testing.F) {
	for _, s := range []string{"mem_abc234", "mem_", "MEM_A", "mem_a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if node.CheckMemberID("f", s) == nil && (len(s) < 5 || len(s) > 64) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	dsn := "sqlite://" + filepath.Join(b.TempDir(), "node.db")
	kek := keyring.NewKEKText()
	open := func() {
		n, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: kek})
		if err != nil {
			b.Fatal(err)
		}
		n.Close()
	}
	open()
	b.ResetTimer()
	for b.Loop() {
		open()
	}
}
