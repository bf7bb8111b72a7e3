package sig

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Signed notes (golang.org/x/mod/sumdb/note, the C2SP signed-note format)
// carry the log's checkpoints and the platform's receipts. Their keys are
// written "name+hash+base64(algorithm byte ‖ key)". The format assigns the
// byte 0x01 to Ed25519; under the 国密 profile the platform's key is SM2
// with SM3, marked by the byte NoteAlgSM2, which the format has not
// assigned, and its signatures are the DER encoding GB/T 32918.2 and
// GB/T 35276-2017 give. The key hash stays the format's (SHA-256): it
// names the key, it is not a signature.
const (
	noteAlgEd25519 = 0x01
	NoteAlgSM2     = 0x53 // 'S'
)

var errNoteKey = errors.New("sig: malformed note key")

func noteKeyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func validNoteName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// GenerateNoteKey makes a note signer key and its verifier key of alg for
// name.
func GenerateNoteKey(alg, name string) (skey, vkey string, err error) {
	if alg == Ed25519 {
		return note.GenerateKey(rand.Reader, name)
	}
	if alg != SM2 {
		return "", "", fmt.Errorf("sig: unknown algorithm %q", alg)
	}
	if !validNoteName(name) {
		return "", "", errNoteKey
	}
	s, err := Generate(SM2)
	if err != nil {
		return "", "", err
	}
	pub := append([]byte{NoteAlgSM2}, Public(s)...)
	priv := append([]byte{NoteAlgSM2}, Seed(s)...)
	h := fmt.Sprintf("%08x", noteKeyHash(name, pub))
	return "PRIVATE+KEY+" + name + "+" + h + "+" + base64.StdEncoding.EncodeToString(priv),
		name + "+" + h + "+" + base64.StdEncoding.EncodeToString(pub), nil
}

// NoteAlgOf returns the signature algorithm of a note verifier key.
func NoteAlgOf(vkey string) (string, error) {
	_, _, key, err := splitVerifierKey(vkey)
	if err != nil {
		return "", err
	}
	switch key[0] {
	case noteAlgEd25519:
		return Ed25519, nil
	case NoteAlgSM2:
		return SM2, nil
	}
	return "", errNoteKey
}

func splitVerifierKey(vkey string) (name string, hash uint32, key []byte, err error) {
	name, rest, _ := strings.Cut(vkey, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	h, err1 := strconv.ParseUint(hash16, 16, 32)
	key, err2 := base64.StdEncoding.DecodeString(key64)
	if len(hash16) != 8 || err1 != nil || err2 != nil || !validNoteName(name) || len(key) == 0 {
		return "", 0, nil, errNoteKey
	}
	if uint32(h) != noteKeyHash(name, key) {
		return "", 0, nil, errors.New("sig: note key hash mismatch")
	}
	return name, uint32(h), key, nil
}

// NewNoteVerifier returns the verifier of a note verifier key of either
// algorithm.
func NewNoteVerifier(vkey string) (note.Verifier, error) {
	name, hash, key, err := splitVerifierKey(vkey)
	if err != nil {
		return nil, err
	}
	switch key[0] {
	case noteAlgEd25519:
		return note.NewVerifier(vkey)
	case NoteAlgSM2:
		pub := key[1:]
		if len(pub) != SM2PublicSize {
			return nil, errNoteKey
		}
		if _, err := sm2Public(pub); err != nil {
			return nil, err
		}
		return &noteVerifier{name: name, hash: hash, pub: pub}, nil
	}
	return nil, errors.New("sig: unknown note key algorithm")
}

// NewNoteSigner returns the signer of a note signer key of either
// algorithm.
func NewNoteSigner(skey string) (note.Signer, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return nil, errNoteKey
	}
	name, hash16, key64 := parts[2], parts[3], parts[4]
	key, err := base64.StdEncoding.DecodeString(key64)
	h, err1 := strconv.ParseUint(hash16, 16, 32)
	if err != nil || err1 != nil || len(hash16) != 8 || !validNoteName(name) || len(key) == 0 {
		return nil, errNoteKey
	}
	switch key[0] {
	case noteAlgEd25519:
		return note.NewSigner(skey)
	case NoteAlgSM2:
		s, err := FromSeed(SM2, key[1:])
		if err != nil {
			return nil, err
		}
		if uint32(h) != noteKeyHash(name, append([]byte{NoteAlgSM2}, Public(s)...)) {
			return nil, errors.New("sig: note key hash mismatch")
		}
		return &noteSigner{name: name, hash: uint32(h), s: s}, nil
	}
	return nil, errors.New("sig: unknown note key algorithm")
}

type noteVerifier struct {
	name string
	hash uint32
	pub  []byte
}

func (v *noteVerifier) Name() string                      { return v.name }
func (v *noteVerifier) KeyHash() uint32                   { return v.hash }
func (v *noteVerifier) Verify(msg, signature []byte) bool { return Verify(v.pub, msg, signature) }

type noteSigner struct {
	name string
	hash uint32
	s    crypto.Signer
}

func (s *noteSigner) Name() string                    { return s.name }
func (s *noteSigner) KeyHash() uint32                 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return Sign(s.s, msg), nil }
