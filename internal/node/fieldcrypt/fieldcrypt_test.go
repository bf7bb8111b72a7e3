package fieldcrypt_test

import (
	"bytes"
	"errors"
	"testing"

	"hulian/internal/node/fieldcrypt"
)

func TestRoundTrip(t *testing.T) {
	dek := bytes.Repeat([]byte{7}, fieldcrypt.KeySize)
	subject, other := []byte("subject-1"), []byte("subject-2")
	for _, alg := range []string{fieldcrypt.AESGCM, fieldcrypt.SM4GCM} {
		t.Run(alg, func(t *testing.T) {
			f, err := fieldcrypt.New(alg, dek, fieldcrypt.Context(1, "贷款意向"))
			if err != nil {
				t.Fatal(err)
			}
			a, err := f.Seal("贷款意向强", subject)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.Seal("贷款意向强", subject)
			if err != nil {
				t.Fatal(err)
			}
			if a == b {
				t.Error("equal values encrypt alike: the gate's published counts would tell them apart")
			}
			for _, s := range []string{a, b} {
				if v, err := f.Open(s, subject); err != nil || v != "贷款意向强" {
					t.Errorf("Open = %q, %v", v, err)
				}
			}
			// Moved to another subject, field, version or key: refused.
			if _, err := f.Open(a, other); !errors.Is(err, fieldcrypt.ErrOpen) {
				t.Errorf("another subject's row: %v, want ErrOpen", err)
			}
			for _, g := range []struct {
				alg, ctx string
				key      []byte
			}{
				{alg, fieldcrypt.Context(1, "other"), dek},
				{alg, fieldcrypt.Context(2, "贷款意向"), dek},
				{alg, fieldcrypt.Context(1, "贷款意向"), bytes.Repeat([]byte{8}, fieldcrypt.KeySize)},
			} {
				o, err := fieldcrypt.New(g.alg, g.key, g.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := o.Open(a, subject); !errors.Is(err, fieldcrypt.ErrOpen) {
					t.Errorf("%s: %v, want ErrOpen", g.ctx, err)
				}
			}
			for _, bad := range []string{"", "!!", a[:len(a)-2], "A" + a[1:]} {
				if _, err := f.Open(bad, subject); !errors.Is(err, fieldcrypt.ErrOpen) {
					t.Errorf("Open(%q) = %v, want ErrOpen", bad, err)
				}
			}
			row := fieldcrypt.Row{nil, f}
			if !row.Any() || (fieldcrypt.Row{nil}).Any() {
				t.Error("Any")
			}
			vals := []string{"high", "贷款意向弱"}
			if err := row.Seal(vals, subject); err != nil {
				t.Fatal(err)
			}
			if vals[0] != "high" || vals[1] == "贷款意向弱" {
				t.Fatalf("sealed row %q", vals)
			}
			if err := row.Open(vals, subject); err != nil || vals[1] != "贷款意向弱" {
				t.Fatalf("opened row %q, %v", vals, err)
			}
		})
	}
	if _, err := fieldcrypt.New("rot13", dek, ""); err == nil {
		t.Error("an unknown construction was accepted")
	}
	if _, err := fieldcrypt.New(fieldcrypt.AESGCM, dek[:16], ""); err == nil {
		t.Error("a short key was accepted")
	}
}

// The two constructions are not interchangeable: a value written under
// one does not open under the other with the same key.
func TestProfilesApart(t *testing.T) {
	dek := bytes.Repeat([]byte{9}, fieldcrypt.KeySize)
	a, _ := fieldcrypt.New(fieldcrypt.AESGCM, dek, "c")
	g, _ := fieldcrypt.New(fieldcrypt.SM4GCM, dek, "c")
	s, err := a.Seal("v", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Open(s, nil); err == nil {
		t.Error("an AES-GCM value opened under SM4-GCM")
	}
}

func BenchmarkOpen(b *testing.B) {
	dek := bytes.Repeat([]byte{7}, fieldcrypt.KeySize)
	for _, alg := range []string{fieldcrypt.AESGCM, fieldcrypt.SM4GCM} {
		b.Run(alg, func(b *testing.B) {
			f, _ := fieldcrypt.New(alg, dek, fieldcrypt.Context(1, "c"))
			subject := bytes.Repeat([]byte{1}, 17)
			s, _ := f.Seal("贷款意向强", subject)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Open(s, subject); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
