package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
)

// TestNodeDatasetImportResumes: `hulian node dataset import --id-type`
// stopped by the platform part-way is run again and translates only the
// batches it had not; the rerun says how many rows it resumed.
func TestNodeDatasetImportResumes(t *testing.T) {
	x := startExchange(t)
	target, _ := url.Parse(x.m.URL())
	var calls atomic.Int32
	var refuseFrom atomic.Int32
	refuseFrom.Store(4)
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/Evaluate") {
			if c := calls.Add(1); refuseFrom.Load() > 0 && c >= refuseFrom.Load() {
				// Not a fault to wait out: the import stops.
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"code":"permission_denied","message":"quota exhausted"}`)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
	listing := filepath.Join(dir, "listing.json")
	writeDatasetFile(t, listing, `{"id":"lst_cli","version":1,"subject":"person","k":2,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]}]}`)
	var b strings.Builder
	b.WriteString("mobile,level\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%s,%s\n", phone(i), []string{"high", "low"}[i%2])
	}
	data := filepath.Join(dir, "data.csv")
	writeDatasetFile(t, data, b.String())
	args := []string{"node", "dataset", "import", "--db", db, "--name", "members", "--listing", listing, "--in", data, "--id-column", "mobile",
		"--id-type", "mobile", "--platform", proxy.URL, "--credentials", x.credentials, "--batch", "10", "--region", "CN-SH", "--source", "会员消费记录，依会员协议收集"}

	code, stdout, stderr := runCLI(t, env, args...)
	if code == 0 || strings.Contains(stdout, "now current") || !strings.Contains(stderr, "quota exhausted") {
		t.Fatalf("an import the platform stopped: exit %d\n%s%s", code, stdout, stderr)
	}
	refuseFrom.Store(0)
	calls.Store(0)
	code, stdout, stderr = runCLI(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "50 rows, now current") || !strings.Contains(stdout, "resumed an interrupted import: 30 rows") {
		t.Fatalf("the import run again: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d batches translated when run again; want the 2 not translated before", n)
	}
}
