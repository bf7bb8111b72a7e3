package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"hulian/internal/errs"
)

// Argon2id parameters: RFC 9106 §4's second recommended option (64 MiB, 3
// passes), with one lane since the platform serves many logins on few cores.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLen is the shortest password accepted for console accounts.
const MinPasswordLen = 12

// CheckPasswordPolicy rejects passwords too weak for an account that can
// approve members or read the whole log.
func CheckPasswordPolicy(pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return errs.Invalidf("password", fmt.Sprintf("密码至少 %d 个字符", MinPasswordLen), fmt.Sprintf("password must have at least %d characters", MinPasswordLen))
	}
	return nil
}

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the encoded hash. The parameters
// are read from the hash so that stronger settings can be rolled out later.
func VerifyPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || t == 0 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is hashed once, on first use, so that a command that never
// checks a password never pays for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("hulian-timing-equaliser")
	return h
})

// VerifyNobody does the work of VerifyPassword for a login that does not
// exist, so that a wrong login and a wrong password take the same time.
func VerifyNobody(pw string) { VerifyPassword(dummyHash(), pw) }
