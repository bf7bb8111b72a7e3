package keyring

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// ParseKEK reads a KEK written as base64 (standard or URL alphabet, padded
// or not) or as 64 hexadecimal digits, surrounded by any whitespace.
func ParseKEK(field, text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	bad := errs.Invalidf(field, "密钥加密密钥须为 32 字节，以 base64 或 64 位十六进制书写", "the key-encryption key must be 32 bytes written in base64 or as 64 hex digits")
	if len(s) == 2*KEKSize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KEKSize {
				return nil, bad
			}
			return k, nil
		}
	}
	return nil, bad
}

// KEKSource says where the KEK may come from, in order of preference.
type KEKSource struct {
	EnvName string // the environment variable the KEK may come from, for messages
	Env     string // its value, if set
	File    string // --kek-file, if given
	// Beside is the SQLite database file: with neither of the above, a KEK
	// file is generated next to it. Empty for PostgreSQL, where there is
	// no local file to put it beside and a KEK must be given.
	Beside string
}

// KEK is a loaded key-encryption key and where it came from.
type KEK struct {
	Key       []byte
	Origin    string // "env", or the path of the file
	Generated bool   // a new file was created just now
	// Loose reports a KEK file readable by group or others: it is used,
	// but the operator should tighten it.
	Loose bool
}

// LoadKEK finds the KEK: the environment variable, else the --kek-file, else
// a generated file beside the SQLite database. Generating is a convenience
// for a single machine; the caller warns, because a key file beside the
// database is lost or copied together with it.
func LoadKEK(src KEKSource) (*KEK, error) {
	switch {
	case src.Env != "":
		k, err := ParseKEK(src.EnvName, src.Env)
		if err != nil {
			return nil, err
		}
		return &KEK{Key: k, Origin: "env"}, nil
	case src.File != "":
		return readKEKFile("--kek-file", src.File)
	case src.Beside != "":
		path := src.Beside + ".kek"
		created, err := CreateKEKFile(path)
		if err != nil {
			return nil, err
		}
		k, err := readKEKFile("--kek-file", path)
		if err != nil {
			return nil, err
		}
		k.Generated = created
		return k, nil
	}
	return nil, errs.Invalidf("--kek-file",
		"使用 PostgreSQL 时须通过环境变量 "+src.EnvName+" 或 --kek-file 提供密钥加密密钥。生成一个：hulian kek new --out hulian.kek；请把它与数据库备份分开妥善保存——丢失后，用它封存的密钥（日志签名、exID、节点密钥）将无法打开",
		"with PostgreSQL, give the key-encryption key in "+src.EnvName+" or with --kek-file. Make one with hulian kek new --out hulian.kek and keep a copy apart from the database's backups: without it the keys sealed under it (log signing, exID, node keys) cannot be opened")
}

func readKEKFile(field, path string) (*KEK, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Invalid, Field: field, Reason: i18n.T("无法读取密钥加密密钥文件 "+path, "cannot read the key-encryption key file "+path), Err: err}
	}
	k, err := ParseKEK(field, string(b))
	if err != nil {
		return nil, err
	}
	out := &KEK{Key: k, Origin: path}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		out.Loose = true
	}
	return out, nil
}

// CreateKEKFile writes a fresh random KEK to path with mode 0600 unless the
// file exists (created is then false). It writes a temporary file and
// links it into place, so a concurrent starter never reads a half-written
// key and exactly one key wins.
func CreateKEKFile(path string) (created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	k := make([]byte, KEKSize)
	if _, err := rand.Read(k); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kek-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// NewKEKText returns a fresh KEK in the base64 form LoadKEK reads, for
// operators setting the environment variable or writing a --kek-file.
func NewKEKText() string {
	k := make([]byte, KEKSize)
	rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}
