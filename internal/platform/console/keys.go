package console

import (
	"encoding/base64"
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/member"
)

// registerKeys records step 3 (账户开通): the member pastes the public keys
// its node printed.
func (c *console) registerKeys(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	x, err := publicKey(r.PostFormValue("x25519_public_key"), "x25519_public_key")
	if err != nil {
		return c.homeAgain(r, err)
	}
	ed, err := publicKey(r.PostFormValue("ed25519_public_key"), "ed25519_public_key")
	if err != nil {
		return c.homeAgain(r, err)
	}
	if _, err := c.p.RegisterKeys(ctx, auth.ActorFrom(ctx).MemberID, member.Keys{X25519: x, Signing: ed}); err != nil {
		return c.homeAgain(r, err)
	}
	http.Redirect(w, r, "/home", http.StatusSeeOther)
	return nil
}

// publicKey decodes a pasted key. Standard and URL-safe base64, with or
// without padding, are accepted: people copy keys from many tools.
func publicKey(s, field string) ([]byte, error) {
	s = strings.TrimRight(strings.Join(strings.Fields(s), ""), "=")
	if s == "" {
		return nil, errs.Invalidf(field, "请粘贴节点打印的公钥", "paste the public key the node printed")
	}
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, errs.Invalidf(field, "公钥不是有效的 Base64 编码", "the public key is not valid base64")
	}
	return b, nil
}
