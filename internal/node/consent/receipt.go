package consent

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
	"hulian/internal/sig"
)

// A consent receipt is what the subject (or an auditor) can hold of one
// consent: the fields of the Kantara Initiative's Consent Receipt
// Specification v1.1, as a JSON Web Token signed by the node's Ed25519 key
// (JWS compact serialisation, "alg": "EdDSA", RFC 8037), so that anyone
// with the node's public key can check it offline.

// ReceiptVersion is the Kantara specification the receipt follows.
const ReceiptVersion = "KI-CR-v1.1.0"

// Receipt holds the Kantara v1.1 fields.
type Receipt struct {
	Version          string            `json:"version"`
	Jurisdiction     string            `json:"jurisdiction"`
	ConsentTimestamp int64             `json:"consentTimestamp"`
	CollectionMethod string            `json:"collectionMethod"`
	ConsentReceiptID string            `json:"consentReceiptID"`
	Language         string            `json:"language"`
	PIIPrincipalID   string            `json:"piiPrincipalId"`
	PIIControllers   []ReceiptParty    `json:"piiControllers"`
	PolicyURL        string            `json:"policyUrl"`
	Services         []ReceiptService  `json:"services"`
	Sensitive        bool              `json:"sensitive"`
	SPICat           []string          `json:"spiCat"`
	Extensions       map[string]string `json:"hulian,omitempty"` // the ledger's own facts: basis, notice version, event and its hash
}

// ReceiptParty is a PII controller.
type ReceiptParty struct {
	PIIController string `json:"piiController"`
	OnBehalf      bool   `json:"onBehalf"`
	Contact       string `json:"contact"`
}

// ReceiptService is a service and its purposes.
type ReceiptService struct {
	Service  string           `json:"service"`
	Purposes []ReceiptPurpose `json:"purposes"`
}

// ReceiptPurpose is one purpose consented to.
type ReceiptPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Receipt issues the signed receipt of the consent in force in a
// subject's history for purpose. policyURL is where the notice version is
// published.
func (l *Ledger) Receipt(ctx context.Context, id []byte, purpose, policyURL string) (string, *Receipt, error) {
	var last *nodestore.ConsentEvent
	var notices map[int]*Notice
	err := l.N.DB.Read(ctx, func(tx *nodestore.Tx) error {
		var err error
		if notices, _, err = noticesIn(ctx, tx); err != nil {
			return err
		}
		for from := int64(1); ; {
			page, err := tx.ConsentEvents(ctx, id, from, 1000)
			if err != nil {
				return err
			}
			for _, e := range page {
				if e.Purpose == purpose {
					last = e
				}
			}
			if len(page) < 1000 {
				return nil
			}
			from = page[len(page)-1].Seq + 1
		}
	})
	if err != nil {
		return "", nil, err
	}
	if last == nil || last.Action != Given || last.Basis != BasisConsent {
		return "", nil, errs.New(errs.NotFound, "purpose", "该主体对此目的没有有效的同意", "the subject has no consent in force for this purpose")
	}
	n := notices[last.NoticeVersion]
	p := n.Find(purpose)
	consentType := "EXPRESSED"
	r := &Receipt{Version: ReceiptVersion, Jurisdiction: "CN", ConsentTimestamp: last.At.Unix(), CollectionMethod: last.Method,
		ConsentReceiptID: fmt.Sprintf("%s-%d", l.N.MemberID(), last.Seq), Language: "zh-CN", PIIPrincipalID: exid.ExID(last.ExID).String(),
		PIIControllers: []ReceiptParty{{PIIController: n.Controller, Contact: n.Contact}}, PolicyURL: policyURL,
		Services: []ReceiptService{{Service: n.Controller, Purposes: []ReceiptPurpose{{Purpose: p.NameZH + " / " + p.NameEN, PurposeCategory: []string{p.Code},
			ConsentType: consentType, PIICategory: p.Categories, PrimaryPurpose: true, Termination: p.Retention, ThirdPartyDisclosure: p.ThirdParty,
			ThirdPartyName: strings.Join(p.Recipients, "; ")}}}},
		Sensitive: p.Sensitive, SPICat: []string{},
		Extensions: map[string]string{"basis": last.Basis, "notice_version": fmt.Sprint(last.NoticeVersion), "event": fmt.Sprint(last.Seq),
			"event_hash": fmt.Sprintf("%x", last.Hash), "separate": fmt.Sprint(last.Separate), "guardian": fmt.Sprint(last.Guardian)}}
	if p.Sensitive {
		r.SPICat = p.Categories
	}
	jwt, err := SignReceipt(r, l.N.Keys.Signer)
	return jwt, r, err
}

var b64 = base64.RawURLEncoding

// jwsAlg is the JWS "alg" of a signing key: EdDSA (RFC 8037) for Ed25519;
// for SM2 with SM3, which the IANA JOSE registry does not list, the name
// "SM2SM3", private to the parties of the exchange.
func jwsAlg(alg string) string {
	if alg == sig.SM2 {
		return "SM2SM3"
	}
	return "EdDSA"
}

// SignReceipt signs r as a JWS compact token with key.
func SignReceipt(r *Receipt, key crypto.Signer) (string, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString([]byte(`{"alg":"`+jwsAlg(sig.AlgOfKey(key))+`","typ":"JWT"}`)) + "." + b64.EncodeToString(payload)
	return input + "." + b64.EncodeToString(sig.Sign(key, []byte(input))), nil
}

// VerifyReceipt checks a receipt token's signature with the node's public
// key and returns its fields.
func VerifyReceipt(token string, pub []byte) (*Receipt, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil, errors.New("consent receipt: not a JWS compact token")
	}
	alg, err := sig.AlgOf(pub)
	if err != nil {
		return nil, fmt.Errorf("consent receipt: %w", err)
	}
	var hdr struct{ Alg string }
	h, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(h, &hdr) != nil || hdr.Alg != jwsAlg(alg) {
		return nil, errors.New("consent receipt: the header is not " + jwsAlg(alg) + ", the node key's algorithm")
	}
	signature, err := b64.DecodeString(parts[2])
	if err != nil || !sig.Verify(pub, []byte(parts[0]+"."+parts[1]), signature) {
		return nil, errors.New("consent receipt: the signature does not verify with the node's key")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("consent receipt: the payload is not base64url")
	}
	var r Receipt
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, fmt.Errorf("consent receipt: %w", err)
	}
	if r.Version != ReceiptVersion {
		return nil, fmt.Errorf("consent receipt: version %q", r.Version)
	}
	return &r, nil
}
