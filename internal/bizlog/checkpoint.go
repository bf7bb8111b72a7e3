package bizlog

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a commitment to the log's first Size entries: the body of a
// signed note, "origin\nsize\nbase64(root)\n", the format shared by
// transparency logs (the Go checksum database, Sigstore, transparency-dev).
type Checkpoint struct {
	Origin string
	Size   int64
	Root   []byte
}

// Body is the checkpoint's note text.
func (c Checkpoint) Body() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

// ParseCheckpoint parses a note text. Lines after the third are extension
// lines and are ignored, as the format allows.
func ParseCheckpoint(text string) (*Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return nil, errors.New("checkpoint: want origin, size and root lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return nil, fmt.Errorf("checkpoint: bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != HashSize {
		return nil, fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	return &Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// Sign returns the signed note of c.
func (c Checkpoint) Sign(s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Body()}, s)
}

// OpenCheckpoint verifies a signed checkpoint note with the verifier key
// vkey and parses it. The origin must be the key's name: one key, one log.
func OpenCheckpoint(msg []byte, vkey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	if c.Origin != v.Name() {
		return nil, fmt.Errorf("checkpoint origin %q is not the key's log %q", c.Origin, v.Name())
	}
	return c, nil
}

// GenerateKey makes a log signing key for the log named origin, returning
// the signed-note signer and verifier keys.
func GenerateKey(origin string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, origin)
}

// KEKSize is the size of a key-encryption key: AES-256.
const KEKSize = 32

// ParseKEK reads a key-encryption key written as 64 hex digits or as
// standard base64 of 32 bytes (surrounding white space ignored).
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KEKSize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KEKSize {
		return k, nil
	}
	return nil, errors.New("key-encryption key must be 32 bytes, as 64 hex digits or base64")
}

// NewKEK makes a random key-encryption key, hex encoded.
func NewKEK() string {
	k := make([]byte, KEKSize)
	rand.Read(k)
	return hex.EncodeToString(k)
}

// sealAD binds a sealed signer key to its verifier key, so that a sealed key
// swapped between rows does not open.
func sealAD(vkey string) []byte { return []byte("hulian log signing key v1\n" + vkey) }

// SealKey encrypts the signer key skey under kek with AES-256-GCM:
// nonce ‖ ciphertext.
func SealKey(kek []byte, skey, vkey string) ([]byte, error) {
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(skey), sealAD(vkey)), nil
}

// OpenKey decrypts a sealed signer key and checks it matches vkey.
func OpenKey(kek, sealed []byte, vkey string) (note.Signer, error) {
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed log key too short")
	}
	skey, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], sealAD(vkey))
	if err != nil {
		return nil, errors.New("the log signing key does not open with this key-encryption key")
	}
	s, err := note.NewSigner(string(skey))
	if err != nil {
		return nil, err
	}
	// The verifier key must be the signer's: sign and open a probe.
	probe, err := note.Sign(&note.Note{Text: "probe\n"}, s)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	if _, err := note.Open(probe, note.VerifierList(v)); err != nil || !bytes.Equal([]byte(v.Name()), []byte(s.Name())) {
		return nil, errors.New("the log signing key does not match its verifier key")
	}
	return s, nil
}

func gcm(kek []byte) (cipher.AEAD, error) {
	if len(kek) != KEKSize {
		return nil, errors.New("key-encryption key must be 32 bytes")
	}
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
