package bizlog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hulian/internal/sig"

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
	v, err := sig.NewNoteVerifier(vkey)
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
// the signed-note signer and verifier keys: Ed25519, or SM2 under the 国密
// profile (package sig).
func GenerateKey(alg, origin string) (skey, vkey string, err error) {
	return sig.GenerateNoteKey(alg, origin)
}

// KeyAD is the additional data the log signer key is sealed with: it binds
// the sealed key to its verifier key, so that a sealed key moved to another
// row does not open.
func KeyAD(vkey string) []byte { return []byte("hulian log signing key v1\n" + vkey) }

// Signer makes the note signer of skey, checking that vkey is its verifier
// key (by signing and opening a probe).
func Signer(skey, vkey string) (note.Signer, error) {
	s, err := sig.NewNoteSigner(skey)
	if err != nil {
		return nil, err
	}
	v, err := sig.NewNoteVerifier(vkey)
	if err != nil {
		return nil, err
	}
	probe, err := note.Sign(&note.Note{Text: "probe\n"}, s)
	if err != nil {
		return nil, err
	}
	if _, err := note.Open(probe, note.VerifierList(v)); err != nil {
		return nil, errors.New("the log signing key does not match its verifier key")
	}
	return s, nil
}

// Fingerprint is a short form of a verifier key for people to compare out
// of band (on the phone, against the operator's published value): the
// first 128 bits of the SHA-256 of the key's text, in eight groups of four
// hex digits.
func Fingerprint(vkey string) string {
	sum := sha256.Sum256([]byte(vkey))
	h := hex.EncodeToString(sum[:16])
	groups := make([]string, 0, 8)
	for i := 0; i < len(h); i += 4 {
		groups = append(groups, h[i:i+4])
	}
	return strings.Join(groups, " ")
}
