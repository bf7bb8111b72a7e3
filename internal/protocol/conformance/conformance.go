// Package conformance is the delivery module's conformance kit (X-A2, third
// way): a member that implements order keys, tokens, sealed answers and the
// answer statement from docs/delivery-crypto.md and docs/delivery.md alone
// runs its code on these vectors and checks its results with
// `hulian delivery conformance --results FILE`.
//
// The vectors are fixed inputs: the two key pairs of RFC 7748 §6.1 as the
// nodes' X25519 keys, exIDs, order and request IDs, one sealed answer made
// once (HPKE sealing is randomised, so a sealed answer cannot be
// recomputed, only opened), and an Ed25519 key from a fixed seed for the
// answer statement (Ed25519 signatures are deterministic).
package conformance

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"hulian/internal/errs"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

// Vectors is the published test-vector file.
type Vectors struct {
	Supplier  KeyPair     `json:"supplier_x25519"` // RFC 7748 §6.1 Alice
	Demander  KeyPair     `json:"demander_x25519"` // RFC 7748 §6.1 Bob
	Tokens    []TokenCase `json:"tokens"`
	Sealed    SealCase    `json:"sealed_answer"`
	Statement StmtCase    `json:"answer_statement"`
}

// KeyPair is an X25519 key pair, hex.
type KeyPair struct {
	Private string `json:"private_hex"`
	Public  string `json:"public_hex"`
}

// TokenCase is one exID's token under one order.
type TokenCase struct {
	Order string `json:"order_id"`
	ExID  string `json:"exid"`
	Token string `json:"token_hex"`
}

// SealCase is a sealed answer to the demander's key and what it opens to.
type SealCase struct {
	Recipient  string `json:"recipient_private_hex"` // RFC 9180 A.1.1 skRm
	Order      string `json:"order_id"`
	Request    string `json:"request_id"`
	Sealed     string `json:"sealed_hex"`
	Plaintext  string `json:"plaintext_hex"`
	Commitment string `json:"commitment_hex"`
}

// StmtCase is the supplier node's signed answer statement.
type StmtCase struct {
	Seed    string `json:"ed25519_seed_hex"`
	Public  string `json:"ed25519_public_hex"`
	Queried uint64 `json:"queried"`
	Matched uint64 `json:"matched"`
	Tokens  string `json:"tokens_sha256_hex"` // of the request's tokens, concatenated
	// The demander node's request authenticator over the same request
	// (ordertoken.Key.Authenticator), under ord_example's key.
	Authenticator string `json:"authenticator_hex"`
	Text          string `json:"text"`
	Signature     string `json:"signature_hex"`
}

// Results is what an implementation under test reports: the same shape,
// with the values it computed. Which fields it fills is what it implements.
type Results struct {
	Tokens    []TokenCase `json:"tokens"`
	Opened    string      `json:"opened_plaintext_hex"`
	Commit    string      `json:"commitment_hex"`
	Text      string      `json:"statement_text"`
	Signature string      `json:"statement_signature_hex"`
	Auth      string      `json:"authenticator_hex"`
}

// The fixed inputs.
var (
	alicePriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
	bobPriv   = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
	orders    = []string{"ord_example", "ord_other"}
	exids     = []string{"ex1aeaqeayeaudaocajbifqydiob4ia", "ex1aiaaaaaaaaaaaaaaaaaaaaaaaaaa"}
	// recipient is skRm of RFC 9180 Appendix A.1.1. sealedOnce was sealed
	// once to its public key for ord_example / req_0001 (the vector of
	// docs/delivery-crypto.md); it answers the first exID's token with the
	// values 北 and <<.
	recipient  = "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8"
	sealedOnce = "bf98d18336bd438ea1713fdbd3247b8ae6f7a17088e74ff16ea6151f46ae872f" +
		"6672b929f9a214db2af29a57f862df129729480c10885e1b65e223a94b746117ab41942d7e917b98b2a9"
	seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("conformance: bad built-in hex: " + s)
	}
	return b
}

func x25519(privHex string) *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(unhex(privHex))
	if err != nil {
		panic(err)
	}
	return k
}

// Generate computes the vectors from the fixed inputs, with sealed as the
// sealed answer (Sealed in the published file; a fresh one when
// regenerating the file).
func Generate(sealed []byte) (*Vectors, error) {
	sup, dem := x25519(alicePriv), x25519(bobPriv)
	v := &Vectors{
		Supplier: KeyPair{alicePriv, hex.EncodeToString(sup.PublicKey().Bytes())},
		Demander: KeyPair{bobPriv, hex.EncodeToString(dem.PublicKey().Bytes())},
	}
	var first ordertoken.Token
	for _, o := range orders {
		k, err := ordertoken.Derive(dem, sup.PublicKey(), o)
		if err != nil {
			return nil, err
		}
		for _, text := range exids {
			id, err := exid.Parse(text)
			if err != nil {
				return nil, err
			}
			t := k.Token(id)
			if o == orders[0] && text == exids[0] {
				first = t
			}
			v.Tokens = append(v.Tokens, TokenCase{Order: o, ExID: text, Token: hex.EncodeToString(t[:])})
		}
	}
	plain, err := seal.Answer{Matches: []seal.Match{{Token: first, Values: []string{"北", "<<"}}}}.MarshalBinary()
	if err != nil {
		return nil, err
	}
	rcpt := x25519(recipient)
	if sealed == nil {
		if sealed, err = seal.Seal(rcpt.PublicKey(), orders[0], "req_0001", plain); err != nil {
			return nil, err
		}
	}
	opened, err := seal.Open(rcpt, orders[0], "req_0001", sealed)
	if err != nil {
		return nil, fmt.Errorf("conformance: the sealed answer does not open: %w", err)
	}
	if hex.EncodeToString(opened) != hex.EncodeToString(plain) {
		return nil, fmt.Errorf("conformance: the sealed answer opens to another plaintext")
	}
	c := seal.Commitment(sealed)
	v.Sealed = SealCase{Recipient: recipient, Order: orders[0], Request: "req_0001", Sealed: hex.EncodeToString(sealed), Plaintext: hex.EncodeToString(plain), Commitment: hex.EncodeToString(c[:])}

	// The statement is over a request of both exIDs' tokens in ord_example,
	// of which the first matched.
	var req []byte
	for _, tc := range v.Tokens[:len(exids)] {
		req = append(req, unhex(tc.Token)...)
	}
	k, err := ordertoken.Derive(dem, sup.PublicKey(), orders[0])
	if err != nil {
		return nil, err
	}
	mac := k.Authenticator("req_0001", evidence.HashOf(req))
	key := ed25519.NewKeyFromSeed(unhex(seed))
	a := evidence.Answer{OrderID: orders[0], RequestID: "req_0001", Queried: 2, Matched: 1, Tokens: evidence.HashOf(req), Commitment: c}
	sig, err := a.Sign(key)
	if err != nil {
		return nil, err
	}
	v.Statement = StmtCase{Seed: seed, Public: hex.EncodeToString(key.Public().(ed25519.PublicKey)), Queried: 2, Matched: 1,
		Tokens: a.Tokens.String(), Authenticator: hex.EncodeToString(mac[:]), Text: string(a.Text()), Signature: hex.EncodeToString(sig)}
	return v, nil
}

// Builtin returns the published vectors.
func Builtin() (*Vectors, error) { return Generate(unhex(sealedOnce)) }

// Mismatch is one difference between an implementation and the vectors,
// reported as the exID kit reports them.
type Mismatch = exid.Mismatch

// Check compares an implementation's results with the vectors and returns
// the number of checks made and every mismatch.
func Check(v *Vectors, r *Results) (checks int, bad []Mismatch) {
	cmp := func(name, field, want, got string) {
		checks++
		if want != got {
			bad = append(bad, Mismatch{Case: name, Field: field, Want: want, Got: got})
		}
	}
	for i, want := range v.Tokens {
		name := fmt.Sprintf("tokens[%d] %s %s", i, want.Order, want.ExID)
		got := TokenCase{}
		if i < len(r.Tokens) {
			got = r.Tokens[i]
		}
		cmp(name, "token_hex", want.Token, got.Token)
	}
	cmp("sealed_answer", "opened_plaintext_hex", v.Sealed.Plaintext, r.Opened)
	cmp("sealed_answer", "commitment_hex", v.Sealed.Commitment, r.Commit)
	cmp("answer_statement", "statement_text", v.Statement.Text, r.Text)
	cmp("answer_statement", "statement_signature_hex", v.Statement.Signature, r.Signature)
	cmp("answer_statement", "authenticator_hex", v.Statement.Authenticator, r.Auth)
	return checks, bad
}

// Self runs this module's own implementation over the vectors: the
// reference for what Results holds.
func Self(v *Vectors) (*Results, error) {
	var err error
	field := func(name, s string) []byte {
		b, e := hex.DecodeString(s)
		if e != nil && err == nil {
			err = errs.Invalidf(name, "不是十六进制", "not hex")
		}
		return b
	}
	demPriv, supPub, rcptPriv := field("demander_x25519.private_hex", v.Demander.Private), field("supplier_x25519.public_hex", v.Supplier.Public),
		field("sealed_answer.recipient_private_hex", v.Sealed.Recipient)
	sealed, seedB := field("sealed_answer.sealed_hex", v.Sealed.Sealed), field("answer_statement.ed25519_seed_hex", v.Statement.Seed)
	if err != nil {
		return nil, err
	}
	if len(seedB) != ed25519.SeedSize {
		return nil, errs.Invalidf("answer_statement.ed25519_seed_hex", "须为 32 字节", "must be 32 bytes")
	}
	dem, err := ecdh.X25519().NewPrivateKey(demPriv)
	if err != nil {
		return nil, err
	}
	sup, err := ecdh.X25519().NewPublicKey(supPub)
	if err != nil {
		return nil, err
	}
	rcpt, err := ecdh.X25519().NewPrivateKey(rcptPriv)
	if err != nil {
		return nil, err
	}
	r := &Results{}
	var req []byte // the tokens of the statement's request: the first order's
	for _, tc := range v.Tokens {
		k, err := ordertoken.Derive(dem, sup, tc.Order)
		if err != nil {
			return nil, err
		}
		id, err := exid.Parse(tc.ExID)
		if err != nil {
			return nil, err
		}
		t := k.Token(id)
		if tc.Order == v.Sealed.Order {
			req = append(req, t[:]...)
		}
		r.Tokens = append(r.Tokens, TokenCase{Order: tc.Order, ExID: tc.ExID, Token: hex.EncodeToString(t[:])})
	}
	opened, err := seal.Open(rcpt, v.Sealed.Order, v.Sealed.Request, sealed)
	if err != nil {
		return nil, err
	}
	r.Opened = hex.EncodeToString(opened)
	c := seal.Commitment(sealed)
	r.Commit = hex.EncodeToString(c[:])
	a := evidence.Answer{OrderID: v.Sealed.Order, RequestID: v.Sealed.Request, Queried: v.Statement.Queried, Matched: v.Statement.Matched,
		Tokens: evidence.HashOf(req), Commitment: c}
	sig, err := a.Sign(ed25519.NewKeyFromSeed(seedB))
	if err != nil {
		return nil, err
	}
	r.Text, r.Signature = string(a.Text()), hex.EncodeToString(sig)
	k, err := ordertoken.Derive(dem, sup, v.Sealed.Order)
	if err != nil {
		return nil, err
	}
	mac := k.Authenticator(v.Sealed.Request, evidence.HashOf(req))
	r.Auth = hex.EncodeToString(mac[:])
	return r, nil
}

// ParseVectors and ParseResults read the kit's JSON files, refusing fields
// they do not know so that a misspelt field is not silently unchecked.
func ParseVectors(b []byte) (*Vectors, error) {
	var v Vectors
	return &v, strictJSON(b, &v)
}

func ParseResults(b []byte) (*Results, error) {
	var r Results
	return &r, strictJSON(b, &r)
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Invalidf("file", "JSON 格式错误："+err.Error(), "malformed JSON: "+err.Error())
	}
	if dec.More() {
		return errs.Invalidf("file", "JSON 之后还有多余内容", "trailing data after the JSON")
	}
	return nil
}
