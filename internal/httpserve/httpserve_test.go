package httpserve_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"hulian/internal/httpserve"
)

func TestObserveAndServe(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {
		httpserve.Annotate(r.Context(), "actor", "account:acc_1")
		io.WriteString(w, "fine")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	srv, err := httpserve.Listen("127.0.0.1:0", httpserve.Observe(reg, "test", logger, mux), logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	for path, want := range map[string]int{"/ok?secret=x": 200, "/panic": 500} {
		res, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("graceful shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
	if n := testutil.CollectAndCount(reg, "test_http_requests_total"); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
	out := logs.String()
	if !strings.Contains(out, "actor=account:acc_1") || !strings.Contains(out, "panic serving request") || strings.Contains(out, "secret") {
		t.Errorf("log output:\n%s", out)
	}
}

func TestReadBody(t *testing.T) {
	for _, c := range []struct {
		body    string
		n, max  int64
		want    string
		wantErr bool
	}{
		{"hello", 5, 10, "hello", false},
		{"hello", -1, 10, "hello", false}, // undeclared: read all
		{"hello", 20, 10, "hello", false}, // declared beyond max: read all, bounded by the caller
		{"hello", 3, 10, "", true},        // longer than declared
		{"hel", 5, 10, "", true},          // shorter than declared
	} {
		got, err := httpserve.ReadBody(strings.NewReader(c.body), c.n, c.max)
		if (err != nil) != c.wantErr || (!c.wantErr && string(got) != c.want) {
			t.Errorf("ReadBody(%q, %d, %d) = %q, %v", c.body, c.n, c.max, got, err)
		}
	}
}
