package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random credential with a readable prefix ("hlt_" for
// API tokens, "hls_" for console sessions) and the SHA-256 digest that is
// stored instead of it. A fast hash is enough here: the secret has 256 bits
// of entropy, so there is nothing to brute-force, unlike a password.
func NewSecret(prefix string) (secret string, digest []byte) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic("auth: no randomness: " + err.Error()) // the OS promises crypto/rand never fails
	}
	secret = prefix + strings.ToLower(b32.EncodeToString(raw))
	return secret, Digest(secret)
}

// Digest is the stored form of a secret.
func Digest(secret string) []byte {
	d := sha256.Sum256([]byte(secret))
	return d[:]
}

// NewID returns a random identifier with a type prefix, e.g. "mem_…".
func NewID(prefix string) string {
	raw := make([]byte, 10)
	if _, err := rand.Read(raw); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return prefix + strings.ToLower(b32.EncodeToString(raw))
}
