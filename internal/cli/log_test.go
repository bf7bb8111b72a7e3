package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/bizlog/logapi"
	"hulian/internal/cli"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/sig"
	"hulian/internal/storage/sqlite"
)

func runLog(t *testing.T, lang i18n.Lang, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, Lang: lang})
	return code, out.String(), errOut.String()
}

// logPlatform is a platform on a SQLite file with a log of n entries and a
// checkpoint at every multiple of 10.
func logPlatform(t *testing.T, n int) (p *logkeeper.Keeper, dsn, vkey string) {
	t.Helper()
	ctx := context.Background()
	dsn = "sqlite://" + filepath.Join(t.TempDir(), "platform.db")
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p = logkeeper.New(platform.New(db, nil))
	kek, _ := keyring.ParseKEK("kek", keyring.NewKEKText())
	sealer, _ := keyring.NewAESGCM(kek)
	p.P.UseSealer(sealer)
	if vkey, err = p.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	appendEntries(t, p, n)
	return p, dsn, vkey
}

func appendEntries(t *testing.T, p *logkeeper.Keeper, n int) {
	t.Helper()
	staff := auth.WithActor(context.Background(), auth.Actor{AccountID: "acc_op", Role: auth.RoleOperator})
	for i := 0; i < n; i++ {
		err := p.P.DB.Transact(staff, func(tx *store.Tx) error {
			_, err := tx.Append(staff, []string{"mem_a", "mem_b"}[i%2], bizlog.KindMemberQualified, "obj", bizlog.P{"i": i})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var size int64
		p.P.DB.Read(staff, func(tx *store.Tx) (err error) { size, err = tx.LogSize(staff); return err })
		if size%10 == 0 {
			if _, err := p.Checkpoint(staff); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := p.Checkpoint(staff); err != nil {
		t.Fatal(err)
	}
}

func TestLogVerifyDB(t *testing.T) {
	t.Parallel()
	_, dsn, vkey := logPlatform(t, 25)
	code, out, errOut := runLog(t, i18n.EN, "log", "verify", "--db", dsn, "--key", vkey)
	if code != 0 || !strings.Contains(out, "log intact:") {
		t.Fatalf("intact log: code %d, %q %q", code, out, errOut)
	}
	path, _ := sqlite.Path(dsn)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE log_entries SET object = 'forged' WHERE seq = 17`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang i18n.Lang
		want string
	}{{i18n.EN, "entry 17:"}, {i18n.ZH, "第 17 条记录"}} {
		code, _, errOut = runLog(t, tc.lang, "log", "verify", "--db", dsn)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("tampered log (%s): code %d, %q", tc.lang, code, errOut)
		}
	}
}

func TestLogExportBundle(t *testing.T) {
	t.Parallel()
	p, dsn, vkey := logPlatform(t, 33)
	var size int64
	p.P.DB.Read(context.Background(), func(tx *store.Tx) (err error) { size, err = tx.LogSize(context.Background()); return err })
	first := size - 33 // entries before the test's record the platform's keys
	dir := t.TempDir()
	for _, r := range [][2]string{{"0", "0"}, {"5", "20"}, {"20", "20"}, {"13", "34"}} {
		out := filepath.Join(dir, "b"+r[0]+"-"+r[1]+".jsonl.gz")
		if code, _, errOut := runLog(t, i18n.EN, "log", "export", "--db", dsn, "--from", r[0], "--to", r[1], "--out", out); code != 0 {
			t.Fatalf("export %v: %s", r, errOut)
		}
		if code, stdout, errOut := runLog(t, i18n.EN, "log", "verify", "--bundle", out, "--key", vkey); code != 0 {
			t.Fatalf("verify bundle %v: %s %s", r, stdout, errOut)
		}
	}
	// Change one entry inside a bundle: caught, and named.
	b, _ := os.ReadFile(filepath.Join(dir, "b5-20.jsonl.gz"))
	zr, _ := gzip.NewReader(bytes.NewReader(b))
	plain, _ := io.ReadAll(zr)
	forged := bytes.Replace(plain, []byte(`"payload":{"i":11}`), []byte(`"payload":{"i":99}`), 1)
	if bytes.Equal(forged, plain) {
		t.Fatal("entry 11 not found in the bundle")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(forged)
	zw.Close()
	bad := filepath.Join(dir, "forged.jsonl.gz")
	os.WriteFile(bad, buf.Bytes(), 0o600)
	if code, _, errOut := runLog(t, i18n.EN, "log", "verify", "--bundle", bad, "--key", vkey); code != 1 || !strings.Contains(errOut, fmt.Sprintf("entry %d:", first+11)) {
		t.Errorf("forged bundle: code %d, %q", code, errOut)
	}
	// Another key than the platform's is refused.
	_, other, _ := bizlog.GenerateKey(sig.Ed25519, logkeeper.DefaultOrigin)
	if code, _, _ := runLog(t, i18n.EN, "log", "verify", "--bundle", filepath.Join(dir, "b5-20.jsonl.gz"), "--key", other); code != 1 {
		t.Errorf("bundle under a foreign key: code %d", code)
	}
}

func TestLogWitnessAndReceipts(t *testing.T) {
	t.Parallel()
	p, dsn, vkey := logPlatform(t, 12)
	mux := http.NewServeMux()
	logapi.Mount(mux, p)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	witness := filepath.Join(t.TempDir(), "witness.json")
	for round := 0; round < 3; round++ {
		if code, out, errOut := runLog(t, i18n.EN, "log", "verify", "--platform", srv.URL, "--witness", witness); code != 0 {
			t.Fatalf("round %d: %s %s", round, out, errOut)
		}
		appendEntries(t, p, 7)
	}
	b, _ := os.ReadFile(witness)
	if !strings.Contains(string(b), strings.ReplaceAll(vkey, "+", "\\u002b")) && !strings.Contains(string(b), vkey) {
		t.Errorf("witness file does not pin the key: %s", b)
	}
	// A platform that rolls its log back is caught.
	path, _ := sqlite.Path(dsn)
	raw, _ := sql.Open("sqlite", path)
	defer raw.Close()
	if code, _, _ := runLog(t, i18n.EN, "log", "verify", "--platform", srv.URL, "--witness", witness); code != 0 {
		t.Fatal("witness before rollback")
	}
	raw.Exec(`DELETE FROM log_checkpoints WHERE size = (SELECT MAX(size) FROM log_checkpoints)`)
	if code, _, errOut := runLog(t, i18n.EN, "log", "verify", "--platform", srv.URL, "--witness", witness); code != 1 || !strings.Contains(errOut, "rolled back") {
		t.Errorf("rollback: code %d %q", code, errOut)
	}

	// Members get receipts for their own entries only, each verifying with
	// the platform's key alone.
	mctx := auth.WithActor(context.Background(), auth.Actor{AccountID: "acc_a", MemberID: "mem_a", Role: auth.RoleMember})
	rs, err := p.Receipts(mctx, "mem_b", 0, 1000)
	if err != nil || len(rs) == 0 {
		t.Fatalf("receipts: %d, %v", len(rs), err)
	}
	for _, r := range rs {
		if r.Entry.Member != "mem_a" {
			t.Errorf("member a got a receipt for %s", r.Entry.Member)
		}
		if err := r.Verify(vkey); err != nil {
			t.Errorf("receipt %d: %v", r.Entry.Seq, err)
		}
	}
	r := rs[0]
	r.Entry.Object = "forged"
	if r.Verify(vkey) == nil {
		t.Error("a changed receipt verifies")
	}
	if _, err := p.Receipts(context.Background(), "", 0, 10); err == nil {
		t.Error("anonymous receipts")
	}
	// The HTTP surface: key, checkpoint and proofs.
	for _, path := range []string{"/log/v1/key", "/log/v1/checkpoint", "/log/v1/proof/consistency?from=3&to=10", "/log/v1/checkpoint?size=10"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", path, resp.Status, err)
		}
		resp.Body.Close()
	}
	if resp, _ := http.Get(srv.URL + "/log/v1/receipts"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous receipts over HTTP: %s", resp.Status)
	}
	rep, err := p.Verify(auth.WithActor(context.Background(), auth.Actor{AccountID: "acc_r", Role: auth.RoleRegulator}))
	if err != nil || !rep.OK() {
		t.Errorf("platform Verify: %+v %v", rep, err)
	}
	if _, err := p.Verify(mctx); err == nil {
		t.Error("a member may run Verify")
	}
}
