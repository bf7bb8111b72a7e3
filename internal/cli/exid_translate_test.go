package cli_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"hulian/internal/auth"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/issuance"
	pserver "hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// lockedBuffer collects the platform's log output from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Bytes is a copy of what was written so far.
func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// exchange is a running platform with one onboarded member and a
// credentials file holding the member's API token.
type exchange struct {
	m           *pserver.Main
	dbPath      string
	logs        *lockedBuffer
	credentials string
}

func startExchange(t testing.TB) *exchange {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	x := &exchange{dbPath: filepath.Join(dir, "platform.db"), logs: &lockedBuffer{}}
	m, err := pserver.Open(ctx, pserver.Config{Listen: "127.0.0.1:0", DB: "sqlite://" + x.dbPath, KEKEnv: keyring.NewKEKText(),
		Logger: slog.New(slog.NewTextHandler(x.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	x.m = m
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; m.Close() })

	p := m.Exchange
	op, err := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "a long operator password", true)
	if err != nil {
		t.Fatal(err)
	}
	mem, acct, err := p.Apply(ctx, platform.Application{Application: member.Application{Name: "上海供应方", USCC: storetest.USCC(77), Industry: "I64",
		ContactName: "赵六", ContactPhone: "021-55556666", ContactEmail: "ops@supplier.example.cn", StorageRegion: "CN-SH", Supplier: true},
		Login: "supplier", DisplayName: "赵六", Password: "a long member password"})
	if err != nil {
		t.Fatal(err)
	}
	mctx := auth.WithActor(ctx, acct.Actor())
	p.Review(auth.WithActor(ctx, op.Actor()), mem.ID, true, "")
	p.SignAgreement(mctx, mem.ID, p.Agreement)
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	xk := make([]byte, 32)
	rand.Read(xk)
	p.RegisterKeys(mctx, mem.ID, member.Keys{X25519: xk, Signing: pub})
	if _, err := p.PassIntegration(auth.WithActor(ctx, auth.NodeActor(mem.ID)), mem.ID); err != nil {
		t.Fatal(err)
	}
	token, _, err := p.CreateToken(mctx, "translate", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
	if err != nil {
		t.Fatal(err)
	}
	x.credentials = filepath.Join(dir, "credentials")
	os.WriteFile(x.credentials, []byte(token+"\n"), 0o600)
	return x
}

func phone(i int) string { return fmt.Sprintf("1%d%09d", 3+i%7, i*7919%1_000_000_000) }

// TestTranslatePrivacy translates a file of phone numbers through a real
// platform and then searches the platform's database files and its log
// output for every number in every form the platform could have learnt it
// in: raw, E.164, the OPRF input, and SHA-256 or SM3 of each in hex, base64
// or binary. None may be there (DESIGN.md trust boundaries, X-P9).
func TestTranslatePrivacy(t *testing.T) {
	n := 100_000
	if raceEnabled || testing.Short() {
		n = 5_000
	}
	x := startExchange(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "base.csv"), filepath.Join(dir, "base.exid.csv")
	var b strings.Builder
	b.WriteString("customer,phone,segment\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "c%d,%s,A\n", i, phone(i))
	}
	os.WriteFile(in, []byte(b.String()), 0o600)
	code, stdout, stderr := runCLI(t, nil, "exid", "translate", "--platform", x.m.URL(), "--credentials", x.credentials,
		"--type", "mobile", "--in", in, "--column", "phone", "--out", out)
	if code != 0 {
		t.Fatalf("translate exit %d: %s %s", code, stdout, stderr)
	}
	f, _ := os.Open(out)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != n+1 || strings.Join(recs[0], ",") != "customer,segment,exid" {
		t.Fatalf("output: %v, %d rows, header %v", err, len(recs), recs[0])
	}
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		if _, err := exid.Parse(r[2]); err != nil || seen[r[2]] {
			t.Fatalf("bad or repeated exID %q: %v", r[2], err)
		}
		seen[r[2]] = true
	}

	// Every form of every number, by length, for one pass over the files.
	needles := map[int]map[string]bool{}
	add := func(s string) {
		if needles[len(s)] == nil {
			needles[len(s)] = map[string]bool{}
		}
		needles[len(s)][s] = true
	}
	for i := 0; i < n; i++ {
		raw := phone(i)
		canon, _ := ident.Normalize(ident.Mobile, raw)
		input := string(ident.Input(ident.Mobile, canon))
		for _, form := range []string{raw, canon, input} {
			add(form)
			s256, s3 := sha256.Sum256([]byte(form)), sm3.Sum([]byte(form))
			for _, d := range [][]byte{s256[:], s3[:]} {
				add(string(d))
				add(hex.EncodeToString(d))
				add(strings.ToUpper(hex.EncodeToString(d)))
				add(base64.StdEncoding.EncodeToString(d))
				add(base64.RawURLEncoding.EncodeToString(d))
			}
		}
	}
	x.m.DB.Close() // flush the WAL so that everything is in the files
	files, _ := filepath.Glob(x.dbPath + "*")
	logged := x.logs.Bytes()
	haystacks := map[string][]byte{"platform log output": logged}
	for _, f := range files {
		haystacks[f], _ = os.ReadFile(f)
	}
	for name, h := range haystacks {
		for l, set := range needles {
			for i := 0; i+l <= len(h); i++ {
				if set[string(h[i:i+l])] {
					t.Fatalf("%s contains a number in some form at offset %d: %q", name, i, h[i:i+l])
				}
			}
		}
	}
	if len(files) == 0 || len(logged) == 0 {
		t.Fatal("nothing was searched")
	}
}

// TestTranslateRealTime is the demander's path: IDs on the command line,
// one exID per line, the same as the file translation gives.
func TestTranslateRealTime(t *testing.T) {
	x := startExchange(t)
	code, stdout, stderr := runCLI(t, nil, "exid", "translate", "--platform", x.m.URL(), "--credentials", x.credentials,
		"--type", "mobile", "--", "138 0013 8000", "+8613800138000", "12345")
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != 2 || len(lines) != 3 || lines[0] != lines[1] || lines[2] != "" || !strings.Contains(stderr, "12345") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A pinned key that is not the platform's aborts before anything is sent.
	code, _, stderr = runCLI(t, nil, "exid", "translate", "--platform", x.m.URL(), "--credentials", x.credentials,
		"--type", "mobile", "--public-key", strings.Repeat("ab", 32), "13800138000")
	if code == 0 || !strings.Contains(stderr, "pinned") {
		t.Errorf("wrong pinned key: exit %d, %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "cred")
	os.WriteFile(bad, []byte("not a token"), 0o600)
	code, _, stderr = runCLI(t, nil, "exid", "translate", "--platform", x.m.URL(), "--credentials", bad, "--type", "mobile", "13800138000")
	if code != 2 || !strings.Contains(stderr, "--credentials") {
		t.Errorf("bad credentials: exit %d, %s", code, stderr)
	}
}

// TestExidKeyRotate rotates the key from the command line: a new epoch
// whose exIDs differ, with the same key-encryption key file.
func TestExidKeyRotate(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "platform.db")
	for want := 2; want <= 3; want++ {
		code, stdout, stderr := runCLI(t, nil, "platform", "exid-key", "rotate", "--db", db)
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("epoch %d", want)) {
			t.Fatalf("rotate: exit %d, %q %q", code, stdout, stderr)
		}
	}
	code, _, stderr := runCLI(t, map[string]string{"HULIAN_KEK": keyring.NewKEKText()}, "platform", "exid-key", "rotate", "--db", db)
	if code == 0 {
		t.Errorf("rotated with another key-encryption key: %s", stderr)
	}
}

// TestTranslateRetried: answers lost on the way back and a platform that
// refuses for a moment do not stop a file translation. Each batch is sent
// again with its request ID until it is answered, and the platform meters
// and logs every batch once, however often it was sent.
func TestTranslateRetried(t *testing.T) {
	x := startExchange(t)
	target, _ := url.Parse(x.m.URL())
	var calls atomic.Int32
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(res *http.Response) error {
		if strings.HasSuffix(res.Request.URL.Path, "/Evaluate") {
			switch calls.Add(1) {
			case 1, 3: // the platform answered; the answer is lost
				return errors.New("connection reset")
			}
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusServiceUnavailable) }
	proxy := httptest.NewServer(rp)
	defer proxy.Close()

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	var b strings.Builder
	b.WriteString("mobile\n")
	for i := range 50 {
		b.WriteString(phone(i) + "\n")
	}
	os.WriteFile(in, []byte(b.String()), 0o600)
	code, _, stderr := runCLI(t, nil, "exid", "translate", "--platform", proxy.URL, "--credentials", x.credentials,
		"--type", "mobile", "--in", in, "--out", out, "--column", "mobile", "--batch", "10", "--workers", "1", "--retry-for", "30s")
	if code != 0 || strings.Count(stderr, "waiting for the platform") != 2 {
		t.Fatalf("exit %d; want 0 after two waits: %s", code, stderr)
	}
	if n := calls.Load(); n != 7 {
		t.Errorf("%d Evaluate calls; want 5 batches and 2 retries", n)
	}
	ctx := auth.WithActor(context.Background(), auth.System)
	err := x.m.Exchange.DB.Read(ctx, func(tx *store.Tx) error {
		es, err := tx.LogEntries(ctx, store.LogFilter{Kind: issuance.KindExIDIssued})
		if err != nil {
			return err
		}
		total := 0
		for _, e := range es {
			var p struct{ Count int }
			json.Unmarshal(e.Payload, &p)
			total += p.Count
		}
		if len(es) != 5 || total != 50 {
			t.Errorf("%d issuance entries for %d elements; want 5 for 50", len(es), total)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The platform gone for longer than --retry-for: the command waits,
	// then stops with the reason.
	proxy.Close()
	code, _, stderr = runCLI(t, nil, "exid", "translate", "--platform", proxy.URL, "--credentials", x.credentials,
		"--type", "mobile", "--retry-for", "1s", "--", "13800138000")
	if code == 0 || !strings.Contains(stderr, "waiting for the platform") || !strings.Contains(stderr, "cannot reach the platform") {
		t.Errorf("translated with the platform gone: exit %d, %s", code, stderr)
	}
}
