package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"hulian/internal/storage/sqlite"
)

// TestFileModes: a new database, its -wal and -shm files and the folder
// made for it are their owner's only; an existing file readable by others
// is reported.
func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "folder")
	dsn := "sqlite://" + filepath.Join(dir, "x.db")
	w, r, err := sqlite.Engine{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	if _, err := w.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.db", "x.db-wal", "x.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", fi.Mode().Perm())
	}
	if _, loose := sqlite.Loose(dsn); loose {
		t.Error("a private file reported loose")
	}
	os.Chmod(filepath.Join(dir, "x.db"), 0o644)
	if path, loose := sqlite.Loose(dsn); !loose || path != filepath.Join(dir, "x.db") {
		t.Errorf("a world-readable file not reported: %q %v", path, loose)
	}
}
