package gate_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"hulian/internal/catalog/catalogtest"
	"hulian/internal/compliance/gate"
)

// TestGateReport checks X-E8 at listing: every value at least 1000
// individuals, the node's signature, the version, and no findings.
func TestGateReport(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	l := catalogtest.Dataset()
	l.ID, l.Version = "lst_1", 2
	if err := catalogtest.Report(l, key, 1000).Check(l, pub, 1000); err != nil {
		t.Fatalf("good report: %v", err)
	}
	if err := catalogtest.Report(l, key, 999).Check(l, pub, 1000); err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("k = 999: %v", err)
	}
	if err := catalogtest.Report(l, key, 5000).Check(l, otherPub, 1000); err == nil {
		t.Error("report signed by another key accepted")
	}
	r := catalogtest.Report(l, key, 5000)
	r.Counts[0].Subjects = 1 // tampered after signing
	if err := r.Check(l, pub, 1000); err == nil {
		t.Error("tampered report accepted")
	}
	old := *l
	old.Version = 1
	if err := catalogtest.Report(&old, key, 5000).Check(l, pub, 1000); err == nil {
		t.Error("report for an older version accepted")
	}
	r = catalogtest.Report(l, key, 5000)
	r.Findings = 3
	r.Sign(key)
	if err := r.Check(l, pub, 1000); err == nil {
		t.Error("report with prohibited findings accepted")
	}
	r = catalogtest.Report(l, key, 5000)
	r.K = 10
	r.Sign(key)
	if err := r.Check(l, pub, 1000); err == nil {
		t.Error("report run with k = 10 accepted")
	}
	// P-6, O-7: only de-identified data of a stated source is listed.
	r = catalogtest.Report(l, key, 5000)
	r.Status = gate.Anonymised
	r.Sign(key)
	if err := r.Check(l, pub, 1000); err == nil || !strings.Contains(err.Error(), "gate_report.status") {
		t.Errorf("anonymised data: %v", err)
	}
	r = catalogtest.Report(l, key, 5000)
	r.Source = ""
	r.Sign(key)
	if err := r.Check(l, pub, 1000); err == nil || !strings.Contains(err.Error(), "gate_report.source") {
		t.Errorf("no source: %v", err)
	}
	if err := (gate.Declaration{Status: "raw", Source: "x"}).Check(); err == nil {
		t.Error("an unknown status declared")
	}
}
