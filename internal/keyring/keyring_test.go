package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hulian/internal/errs"
)

func testKEK(b byte) []byte { return bytes.Repeat([]byte{b}, KEKSize) }

func TestAESGCM(t *testing.T) {
	t.Parallel()
	s, err := NewAESGCM(testKEK(1))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewAESGCM(testKEK(2))
	sealed, err := s.Seal([]byte("secret"), []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	if s.KeyID() == other.KeyID() || len(s.KeyID()) != 16 {
		t.Errorf("key IDs %q and %q", s.KeyID(), other.KeyID())
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		sealer Sealer
		sealed []byte
		aad    string
		ok     bool
	}{
		{"right key and context", s, sealed, "ctx", true},
		{"other context", s, sealed, "ctx2", false},
		{"other key", other, sealed, "ctx", false},
		{"tampered", s, flipped, "ctx", false},
		{"truncated", s, sealed[:5], "ctx", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pt, err := tt.sealer.Open(tt.sealed, []byte(tt.aad))
			if tt.ok != (err == nil) {
				t.Fatalf("Open: err %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && string(pt) != "secret" {
				t.Errorf("got %q", pt)
			}
			if !tt.ok && !errors.Is(err, ErrOpen) {
				t.Errorf("err %v, want ErrOpen", err)
			}
		})
	}
	if _, err := NewAESGCM(make([]byte, 16)); err == nil {
		t.Error("16-byte KEK accepted")
	}
}

func TestParseKEK(t *testing.T) {
	t.Parallel()
	k := testKEK(0xab)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"base64", base64.StdEncoding.EncodeToString(k), true},
		{"base64 with newline", base64.StdEncoding.EncodeToString(k) + "\n", true},
		{"raw url base64", base64.RawURLEncoding.EncodeToString(k), true},
		{"hex", hex.EncodeToString(k), true},
		{"hex upper", strings.ToUpper(hex.EncodeToString(k)), true},
		{"short", base64.StdEncoding.EncodeToString(k[:16]), false},
		{"empty", "", false},
		{"junk", "not a key!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseKEK("f", tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && !bytes.Equal(got, k) {
				t.Errorf("got %x", got)
			}
			if !tt.ok && !errs.Is(err, errs.Invalid) {
				t.Errorf("err %v, want Invalid", err)
			}
		})
	}
}

func FuzzParseKEK(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(testKEK(1)))
	f.Add(hex.EncodeToString(testKEK(2)))
	f.Add("  \n")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKEK("f", s)
		if err == nil && len(k) != KEKSize {
			t.Fatalf("accepted %d-byte key", len(k))
		}
	})
}

func TestLoadKEK(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := NewKEKText()
	want, _ := ParseKEK("", text)
	file := filepath.Join(dir, "given.kek")
	if err := os.WriteFile(file, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "loose.kek")
	if err := os.WriteFile(loose, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		src    KEKSource
		origin string
		loose  bool
		ok     bool
	}{
		{"env wins", KEKSource{Env: text, File: filepath.Join(dir, "missing"), Beside: filepath.Join(dir, "x.db")}, "env", false, true},
		{"file", KEKSource{File: file}, file, false, true},
		{"loose file still used", KEKSource{File: loose}, loose, true, true},
		{"missing file", KEKSource{File: filepath.Join(dir, "missing")}, "", false, false},
		{"bad env", KEKSource{Env: "short"}, "", false, false},
		{"postgres without a KEK", KEKSource{}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := LoadKEK(tt.src)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok {
				if !errs.Is(err, errs.Invalid) {
					t.Errorf("err %v, want Invalid", err)
				}
				return
			}
			if !bytes.Equal(k.Key, want) || k.Origin != tt.origin || k.Loose != tt.loose || k.Generated {
				t.Errorf("got origin %q loose %v generated %v", k.Origin, k.Loose, k.Generated)
			}
		})
	}
}

// TestGeneratedKEK: with no KEK given, concurrent starters beside one
// SQLite file agree on one generated, owner-only key file.
func TestGeneratedKEK(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "node.db")
	const n = 8
	keys := make([]*KEK, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := LoadKEK(KEKSource{Beside: db})
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		})
	}
	wg.Wait()
	generated := 0
	for _, k := range keys {
		if k == nil {
			t.FailNow()
		}
		if !bytes.Equal(k.Key, keys[0].Key) {
			t.Fatal("starters disagree on the key")
		}
		if k.Generated {
			generated++
		}
	}
	if generated != 1 {
		t.Errorf("%d starters generated the key, want 1", generated)
	}
	fi, err := os.Stat(db + ".kek")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(db))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
