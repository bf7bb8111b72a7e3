// Package fieldcrypt encrypts the sensitive fields of a node's datasets at
// rest, field by field (C-7, O-5): each field of each dataset version has a
// data key of its own, stored sealed under the node's key-encryption key,
// and each stored value of the field is encrypted under it with a random
// nonce, so that equal values do not look alike — a field of a listed
// dataset has few values, and the gate's published counts would otherwise
// tell which ciphertext is which. The value's subject (its exID), field and
// version are bound in as additional data: a value moved to another row,
// field or version does not open.
//
// Two constructions of the same shape: AES-256-GCM (the default profile)
// and SM4-GCM (the 国密 profile: GB/T 32907-2016 SM4 through
// emmansun/gmsm, its key derived from the data key with HKDF over SM3,
// GB/T 32905-2016). The construction is stored beside each key, so a node
// that changes profile still opens what it wrote before. Nonces are 96
// random bits; a key encrypts one field of one version — at most the
// hundred million rows of the largest dataset, 2^27, well within GCM's 2^32
// bound for random nonces.
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// The constructions, as stored beside each key.
const (
	AESGCM = "aes-256-gcm"
	SM4GCM = "sm4-gcm"
)

// KeySize is the size of a field's data key; the cipher and nonce keys
// are derived from it.
const KeySize = 32

// ErrOpen is returned for a stored value that does not open: the wrong
// key, field or version, or tampered data.
var ErrOpen = errors.New("fieldcrypt: an encrypted value does not open")

// Field encrypts and decrypts the values of one field of one version. A
// Field is used by one goroutine at a time.
type Field struct {
	aead cipher.AEAD
	aad  []byte // the context; the subject's exID is appended per value
	rnd  []byte // random bytes for nonces, read ahead in blocks
}

// New returns the Field for data key dek under construction alg; context
// names the field and version (it is bound into every value).
func New(alg string, dek []byte, context string) (*Field, error) {
	if len(dek) != KeySize {
		return nil, fmt.Errorf("fieldcrypt: a data key is %d bytes, got %d", KeySize, len(dek))
	}
	var key []byte
	var b cipher.Block
	var err error
	switch alg {
	case AESGCM:
		if key, err = hkdf.Key(sha256.New, dek, nil, "hulian/field/enc", 32); err == nil {
			b, err = aes.NewCipher(key)
		}
	case SM4GCM:
		if key, err = hkdf.Key(sm3.New, dek, nil, "hulian/field/enc", 16); err == nil {
			b, err = sm4.NewCipher(key)
		}
	default:
		return nil, fmt.Errorf("fieldcrypt: unknown construction %q", alg)
	}
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Field{aead: aead, aad: []byte("hulian/field/v1\x00" + context + "\x00")}, nil
}

// nonce returns fresh random bytes for one nonce.
func (f *Field) nonce() ([]byte, error) {
	n := f.aead.NonceSize()
	if len(f.rnd) < n {
		f.rnd = make([]byte, 256*n)
		if _, err := rand.Read(f.rnd); err != nil {
			return nil, err
		}
	}
	out := f.rnd[:n]
	f.rnd = f.rnd[n:]
	return out, nil
}

func (f *Field) additional(subject []byte) []byte {
	return append(f.aad[:len(f.aad):len(f.aad)], subject...)
}

// Seal returns v, the value of subject, encrypted, as text: base64 of
// nonce ‖ ciphertext ‖ tag.
func (f *Field) Seal(v string, subject []byte) (string, error) {
	nonce, err := f.nonce()
	if err != nil {
		return "", err
	}
	n := len(nonce)
	out := make([]byte, n, n+len(v)+f.aead.Overhead())
	copy(out, nonce)
	out = f.aead.Seal(out, nonce, []byte(v), f.additional(subject))
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// Open returns the value of subject s encrypts.
func (f *Field) Open(s string, subject []byte) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(s)
	n := f.aead.NonceSize()
	if err != nil || len(b) < n+f.aead.Overhead() {
		return "", ErrOpen
	}
	pt, err := f.aead.Open(b[n:n], b[:n], b[n:], f.additional(subject))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// blockSubject stands for the subject of a column's block: no exID is 7
// bytes long, so a block and a value never share additional data.
var blockSubject = []byte("\x00column")

// SealBlock encrypts a column's whole block as the column store keeps it
// (package colstore): dictionary and codes under one random nonce, so that
// neither its values nor which rows share one can be read. It returns
// nonce ‖ ciphertext ‖ tag.
func (f *Field) SealBlock(p []byte) ([]byte, error) {
	nonce, err := f.nonce()
	if err != nil {
		return nil, err
	}
	n := len(nonce)
	out := make([]byte, n, n+len(p)+f.aead.Overhead())
	copy(out, nonce)
	return f.aead.Seal(out, nonce, p, f.additional(blockSubject)), nil
}

// OpenBlock decrypts what SealBlock returned, in place.
func (f *Field) OpenBlock(b []byte) ([]byte, error) {
	n := f.aead.NonceSize()
	if len(b) < n+f.aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := f.aead.Open(b[n:n], b[:n], b[n:], f.additional(blockSubject))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Row is the Fields of a version's columns, nil where a column is kept in
// clear.
type Row []*Field

// Any reports whether any column is encrypted.
func (r Row) Any() bool {
	for _, f := range r {
		if f != nil {
			return true
		}
	}
	return false
}

// Seal encrypts in place the values of the encrypted columns of subject's
// row.
func (r Row) Seal(vals []string, subject []byte) error {
	for i, f := range r {
		if f != nil && i < len(vals) {
			v, err := f.Seal(vals[i], subject)
			if err != nil {
				return err
			}
			vals[i] = v
		}
	}
	return nil
}

// Open decrypts in place the values of the encrypted columns of subject's
// row.
func (r Row) Open(vals []string, subject []byte) error {
	for i, f := range r {
		if f != nil && i < len(vals) {
			v, err := f.Open(vals[i], subject)
			if err != nil {
				return err
			}
			vals[i] = v
		}
	}
	return nil
}

// Context is the context string of a field of a version, bound into its
// values.
func Context(versionID int64, column string) string {
	return fmt.Sprintf("version=%d column=%s", versionID, column)
}
