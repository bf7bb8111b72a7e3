package console

import (
	"net/http"

	"hulian/internal/bizlog"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
	"hulian/internal/sig"
)

type settingsData struct {
	PlatformURL     string
	Engine          string
	Region          string
	PublicURL       string
	VerifierKey     string
	Fingerprint     string // of VerifierKey, compared with the operator's out of band
	X25519, Signing string
	SigningAlg      string // Ed25519 or SM2
	Accounts        []*nodestore.Account
}

// settings shows what the node is configured with, its public keys (which
// the member registers on the platform) and who may log in here.
func (c *console) settings(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	n := c.Node
	pub := n.Public()
	d := settingsData{PlatformURL: n.PlatformURL(), Engine: n.DB.Engine(), Region: n.Region(),
		X25519: nodekey.Encode(pub.X25519), Signing: nodekey.Encode(pub.Signing), SigningAlg: sig.Name(sig.AlgOfKey(c.Node.Keys.Signer))}
	var err error
	if d.PublicURL, err = n.PublicURL(ctx); err != nil {
		return err
	}
	if d.VerifierKey, err = n.VerifierKey(ctx); err != nil {
		return err
	}
	if d.VerifierKey != "" {
		d.Fingerprint = bizlog.Fingerprint(d.VerifierKey)
	}
	if d.Accounts, err = c.Staff.Accounts(ctx); err != nil {
		return err
	}
	v.Title, v.Data = "settings", d
	c.render(w, http.StatusOK, "settings.html", v)
	return nil
}
