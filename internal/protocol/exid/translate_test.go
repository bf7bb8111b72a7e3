package exid_test

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
)

// localEval is the platform's evaluation without the network.
type localEval struct {
	key      *oprf.PrivateKey
	elements atomic.Int64
	failAt   int64 // fail once this many elements have been evaluated (0: never)
}

func (e *localEval) Evaluate(_ context.Context, _ int, blinded [][]byte) ([][]byte, []byte, error) {
	if e.failAt > 0 && e.elements.Load()+int64(len(blinded)) > e.failAt {
		return nil, nil, errors.New("connection reset")
	}
	e.elements.Add(int64(len(blinded)))
	elems := make([]oprf.Element, len(blinded))
	for i, b := range blinded {
		if err := elems[i].UnmarshalBinary(b); err != nil {
			return nil, nil, err
		}
	}
	ev, proof, err := oprf.BlindEvaluateBatch(e.key, elems, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	out := make([][]byte, len(ev))
	for i := range ev {
		out[i], _ = ev[i].MarshalBinary()
	}
	p, _ := proof.MarshalBinary()
	return out, p, nil
}

var platformKey, _ = oprf.DeriveKeyPair([]byte("hulian test platform key seed 32"), []byte("test"))

func translator(eval exid.Evaluator) *exid.Translator {
	return &exid.Translator{Eval: eval, Epoch: 1, Key: platformKey.Public(), Type: ident.Mobile}
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	tr := translator(&localEval{key: platformKey})
	res, err := tr.Translate(context.Background(), []string{"13800138000", "+86 138-0013-8000", "12345", "13900139000"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].ExID != res[1].ExID || res[0].ExID.Epoch() != 1 {
		t.Errorf("same number written twice: %v %v", res[0], res[1])
	}
	if !errs.Is(res[2].Err, errs.Invalid) {
		t.Errorf("invalid number: %v", res[2].Err)
	}
	if res[3].ExID == res[0].ExID {
		t.Error("two numbers share an exID")
	}
	// A platform that evaluates with another key is caught by the proof.
	other, _ := oprf.GenerateKey(rand.Reader)
	bad := translator(&localEval{key: other})
	if _, err := bad.Translate(context.Background(), []string{"13800138000"}); err != exid.ErrProof {
		t.Errorf("wrong key: %v", err)
	}
}

func writeInput(t testing.TB, path string, n int, gz bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var w io.Writer = f
	var z *gzip.Writer
	if gz {
		z = gzip.NewWriter(f)
		w = z
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"customer", "phone", "city"})
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("1%d%09d", 3+i%7, i)
		if i%97 == 0 {
			phone = "not-a-phone"
		}
		cw.Write([]string{fmt.Sprintf("c%d", i), phone, "上海"})
	}
	cw.Flush()
	if z != nil {
		z.Close()
	}
	f.Close()
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestTranslateCSV(t *testing.T) {
	t.Parallel()
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			suffix := ".csv"
			if gz {
				suffix = ".csv.gz"
			}
			in, out := filepath.Join(dir, "in"+suffix), filepath.Join(dir, "out"+suffix)
			writeInput(t, in, 3000, gz)
			p, err := translator(&localEval{key: platformKey}).TranslateCSV(context.Background(), exid.Job{In: in, Out: out, Column: "phone", Batch: 500})
			if err != nil {
				t.Fatal(err)
			}
			rejected := int64((3000 + 96) / 97)
			if p.Rows != 3000 || p.Rejected != rejected || p.Translated != 3000-rejected {
				t.Errorf("progress %+v", p)
			}
			recs := readCSV(t, out)
			if strings.Join(recs[0], ",") != "customer,city,exid" || int64(len(recs)) != 1+p.Translated {
				t.Fatalf("output header %v, %d rows", recs[0], len(recs))
			}
			if _, err := exid.Parse(recs[1][2]); err != nil || recs[1][0] != "c1" {
				t.Errorf("first row %v: %v", recs[1], err)
			}
			rej := readCSV(t, filepath.Join(dir, "out.rejects.csv"))
			if len(rej) != int(1+rejected) || rej[1][0] != "1" || rej[1][1] != "not-a-phone" || rej[1][2] == "" {
				t.Errorf("rejects %v", rej[:2])
			}
			if _, err := os.Stat(out + ".progress"); !os.IsNotExist(err) {
				t.Error("progress file left after a finished run")
			}
		})
	}
}

// TestTranslateCSVResume interrupts a translation and reruns it: the rerun
// spends issuance only on unfinished rows and the result is the same as an
// uninterrupted run's.
func TestTranslateCSVResume(t *testing.T) {
	t.Parallel()
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			suffix := ".csv"
			if gz {
				suffix = ".csv.gz"
			}
			in := filepath.Join(dir, "in.csv")
			writeInput(t, in, 5000, false)
			whole, cut := filepath.Join(dir, "whole"+suffix), filepath.Join(dir, "cut"+suffix)
			if _, err := translator(&localEval{key: platformKey}).TranslateCSV(context.Background(), exid.Job{In: in, Out: whole, Column: "phone", Batch: 400, Workers: 1}); err != nil {
				t.Fatal(err)
			}
			first := &localEval{key: platformKey, failAt: 2500}
			if _, err := translator(first).TranslateCSV(context.Background(), exid.Job{In: in, Out: cut, Column: "phone", Batch: 400, Workers: 2}); err == nil {
				t.Fatal("interrupted run reported success")
			}
			second := &localEval{key: platformKey}
			p, err := translator(second).TranslateCSV(context.Background(), exid.Job{In: in, Out: cut, Column: "phone", Batch: 400, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if p.Resumed == 0 {
				t.Fatal("the rerun did not resume")
			}
			// The rerun evaluates exactly the valid rows the first run did not
			// finish. (The first run may have spent a little on batches in
			// flight when it failed; those rows were not finished.)
			valid := int64(5000 - (5000+96)/97)
			doneBefore := p.Resumed - (p.Resumed+96)/97
			if spent := second.elements.Load(); spent != valid-doneBefore {
				t.Errorf("rerun spent issuance on %d IDs, want %d (resumed %d rows)", spent, valid-doneBefore, p.Resumed)
			}
			// exIDs are deterministic, so the files must be identical row for row.
			a, b := readCSV(t, whole), readCSV(t, cut)
			if len(a) != len(b) {
				t.Fatalf("%d rows vs %d", len(a), len(b))
			}
			for i := range a {
				if strings.Join(a[i], ",") != strings.Join(b[i], ",") {
					t.Fatalf("row %d differs: %v vs %v", i, a[i], b[i])
				}
			}
		})
	}
}

func TestTranslateCSVBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tr := translator(&localEval{key: platformKey})
	in := filepath.Join(dir, "in.csv")
	writeInput(t, in, 10, false)
	_, err := tr.TranslateCSV(context.Background(), exid.Job{In: in, Out: filepath.Join(dir, "o.csv"), Column: "mobile"})
	if e, ok := err.(*errs.Error); !ok || e.Field != "--column" {
		t.Errorf("wrong column: %v", err)
	}
	ragged := filepath.Join(dir, "ragged.csv")
	os.WriteFile(ragged, []byte("id,phone\n1,13800138000\n2\n"), 0o600)
	_, err = tr.TranslateCSV(context.Background(), exid.Job{In: ragged, Out: filepath.Join(dir, "o2.csv"), Column: "phone"})
	if e, ok := err.(*errs.Error); !ok || e.Row != 3 {
		t.Errorf("ragged row: %v", err)
	}
	gbk := filepath.Join(dir, "gbk.csv")
	os.WriteFile(gbk, []byte("\xd0\xd5\xc3\xfb,phone\n\xd5\xc5\xc8\xfd,13800138000\n"), 0o600) // 姓名 / 张三 in GBK
	if _, err := tr.TranslateCSV(context.Background(), exid.Job{In: gbk, Out: filepath.Join(dir, "o3.csv"), Column: "phone"}); err != nil {
		t.Errorf("GBK input is converted: %v", err)
	}
	truncated := filepath.Join(dir, "t.csv.gz")
	writeInput(t, truncated, 2000, true)
	b, _ := os.ReadFile(truncated)
	os.WriteFile(truncated, b[:len(b)/2], 0o600)
	if _, err := tr.TranslateCSV(context.Background(), exid.Job{In: truncated, Out: filepath.Join(dir, "o4.csv"), Column: "phone"}); err == nil {
		t.Error("truncated gzip accepted")
	}
	if _, err := tr.TranslateCSV(context.Background(), exid.Job{In: filepath.Join(dir, "missing.csv"), Out: filepath.Join(dir, "o5.csv"), Column: "phone"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("missing input: %v", err)
	}
}

func BenchmarkTranslateCSV(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.csv")
	const rows = 20000
	writeInput(b, in, rows, false)
	tr := translator(&localEval{key: platformKey})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.TranslateCSV(context.Background(), exid.Job{In: in, Out: filepath.Join(dir, "out.csv"), Column: "phone"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "IDs/s")
}
