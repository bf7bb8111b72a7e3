package cli_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

var benchRows = flag.Int("translate.rows", 200_000, "rows BenchmarkTranslateEndToEnd translates")

// BenchmarkTranslateEndToEnd runs the hulian binary's `exid translate` on a
// generated file against a platform on the same machine, as a member would,
// and reports IDs per second and the client's peak resident memory.
func BenchmarkTranslateEndToEnd(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "hulian")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/hulian").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	x := startExchange(b)
	in := filepath.Join(dir, "base.csv")
	f, _ := os.Create(in)
	w := bufio.NewWriter(f)
	w.WriteString("customer,phone\n")
	for i := 0; i < *benchRows; i++ {
		fmt.Fprintf(w, "c%d,%s\n", i, phone(i))
	}
	w.Flush()
	f.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, fmt.Sprintf("out%d.csv", i))
		cmd := exec.Command(bin, "exid", "translate", "--platform", x.m.URL(), "--credentials", x.credentials,
			"--type", "mobile", "--in", in, "--column", "phone", "--out", out)
		start := time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("translate: %v\n%s", err, msg)
		}
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(*benchRows)/secs, "IDs/s")
		b.ReportMetric(float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024, "client-maxRSS-MB")
	}
}
