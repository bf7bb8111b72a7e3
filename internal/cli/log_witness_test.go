package cli_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog/logapi"
	"hulian/internal/i18n"
	"hulian/internal/platform/witnesses"
	"hulian/internal/storage/sqlite"
)

// TestLogWitnessCommand: "hulian log witness --once" copies and cosigns
// the log, publishing the cosignature; after an entry is rewritten in the
// platform's database it names the entry, writes the ALARM file and exits
// with status 1.
func TestLogWitnessCommand(t *testing.T) {
	t.Parallel()
	p, dsn, vkey := logPlatform(t, 15)
	mux := http.NewServeMux()
	logapi.Mount(mux, p)
	ws := witnesses.New(p)
	logapi.MountWitnesses(mux, ws)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer hlt_regulator" {
			r = r.WithContext(auth.WithActor(r.Context(), auth.Actor{AccountID: "acc_reg", Role: auth.RoleRegulator}))
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cred := filepath.Join(dir, "token")
	os.WriteFile(cred, []byte("hlt_regulator\n"), 0o600)
	wdir := filepath.Join(dir, "witness")
	args := []string{"log", "witness", "--platform", srv.URL, "--dir", wdir, "--credentials", cred, "--key", vkey, "--once"}
	code, out, errOut := runLog(t, i18n.EN, args...)
	if code != 0 || !strings.Contains(out, "witnessed and cosigned the checkpoint of size") || !strings.Contains(errOut, "cosignature verifier key") {
		t.Fatalf("first run: %d %q %q", code, out, errOut)
	}
	if code, out, errOut = runLog(t, i18n.ZH, args...); code != 0 || !strings.Contains(out, "已见证并联署") {
		t.Fatalf("second run: %d %q %q", code, out, errOut)
	}
	if _, err := ws.Witnessed(t.Context()); err != nil {
		t.Fatalf("no cosigned checkpoint published: %v", err)
	}
	path, _ := sqlite.Path(dsn)
	raw, _ := sql.Open("sqlite", path)
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE log_entries SET payload = '{"i":99}' WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runLog(t, i18n.EN, args...)
	if code != 1 || !strings.Contains(errOut, "witness alarm: entry 7 ") {
		t.Fatalf("rewritten entry: %d %q", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(wdir, "ALARM")); err != nil || !strings.Contains(string(b), "first index 7") {
		t.Errorf("ALARM file: %q %v", b, err)
	}
	// Bad flags are named.
	if code, _, errOut := runLog(t, i18n.EN, "log", "witness", "--platform", srv.URL, "--credentials", cred); code != 2 || !strings.Contains(errOut, "--dir") {
		t.Errorf("no --dir: %d %q", code, errOut)
	}
}
