package server_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"hulian/internal/protocol/evidence"
)

// TestAnonymousAnswersCostNothing: 200 connections that post a maximal
// Answer with a forged relay header, send 64 KiB and hold, cost the
// supplier's node no memory to speak of: the header is refused before the
// body is read. Not parallel, so that the heap it measures is its own.
func TestAnonymousAnswersCostNothing(t *testing.T) {
	x := newExchange(t, "sqlite", 0)
	u, _ := url.Parse(x.supplier.URL())
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	chunk := make([]byte, 64<<10)
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for range 200 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		fmt.Fprintf(c, "POST /hulian.v1.AnswerService/Answer HTTP/1.1\r\nHost: %s\r\nContent-Type: application/proto\r\nContent-Length: %d\r\n%s: %s\r\n\r\n",
			u.Host, 64<<20, evidence.HeaderRelay, "Zm9yZ2Vk")
		c.Write(chunk)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	res, err := http.Get(x.supplier.URL() + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapInuse) - int64(before)
	t.Logf("200 half-sent forged answers: heap in use grew %d MiB; /healthz in %v", grown>>20, took)
	if grown > 64<<20 || took > 2*time.Second {
		t.Errorf("heap grew %d MiB, /healthz took %v", grown>>20, took)
	}
}
