package exid

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"hulian/internal/errs"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
)

// The conformance kit lets a member that implements the exID protocol from
// docs/protocol.md alone (X-A2, third option) check its implementation:
// Vectors are fixed inputs with every intermediate value under a test
// platform key; the member runs its code on them and Check compares.

// Vectors is the published test-vector file.
type Vectors struct {
	Suite      string     `json:"suite"`
	Seed       string     `json:"platform_key_seed_hex"` // RFC 9497 DeriveKeyPair seed
	Info       string     `json:"platform_key_info"`
	PublicKey  string     `json:"platform_public_key_hex"`
	Epoch      int        `json:"epoch"`
	Normalize  []NormCase `json:"normalize"`
	ExIDs      []ExIDCase `json:"exid"`
	ProofNonce string     `json:"batch_proof_nonce_hex"`
	BatchProof string     `json:"batch_proof_hex"` // one proof over every ExIDs case, in order
}

// NormCase is a normalisation case: the canonical form, or an error.
type NormCase struct {
	Type      string `json:"type"`
	Raw       string `json:"raw"`
	Canonical string `json:"canonical,omitempty"`
	Error     bool   `json:"error,omitempty"`
}

// ExIDCase is one input through the whole protocol.
type ExIDCase struct {
	Type      string `json:"type"`
	Raw       string `json:"raw"`
	Input     string `json:"input_hex"` // type ‖ 0x00 ‖ canonical
	Blind     string `json:"blind_hex"`
	Blinded   string `json:"blinded_hex"`
	Evaluated string `json:"evaluated_hex"`
	Output    string `json:"output_hex"`
	ExID      string `json:"exid"`
}

// conformanceCases are the raw inputs of the kit: every type, with the
// spellings members meet, and values that must be rejected.
var conformanceCases = []NormCase{
	{Type: "mobile", Raw: "13800138000"}, {Type: "mobile", Raw: "+86 138-0013-8000"}, {Type: "mobile", Raw: "008613800138000"},
	{Type: "mobile", Raw: "8613912345678"}, {Type: "mobile", Raw: "12800138000"}, {Type: "mobile", Raw: "+1 415 555 0100"},
	{Type: "idcard", Raw: "11010519491231002x"}, {Type: "idcard", Raw: "110105491231002"}, {Type: "idcard", Raw: "110105194912310021"},
	{Type: "imei", Raw: "49015420323751"}, {Type: "imei", Raw: "490154203237518"}, {Type: "imei", Raw: "490154203237517"},
	{Type: "idfa", Raw: "6d92078a-8246-4ba4-ae5b-76104861e7dc"}, {Type: "idfa", Raw: "00000000-0000-0000-0000-000000000000"},
	{Type: "oaid", Raw: "A1B2C3D4E5F60718293A4B5C6D7E8F90"}, {Type: "android_id", Raw: "9774D56D682E549D"},
	{Type: "email", Raw: " Alice.Wang@Example.COM "}, {Type: "email", Raw: "no-at-sign.example.com"},
	{Type: "mac", Raw: "a4:5e:60:c2:1f:09"}, {Type: "mac", Raw: "A45E.60C2.1F09"}, {Type: "mac", Raw: "ff:ff:ff:ff:ff:ff"},
}

// GenerateVectors computes the kit under a key derived from a fixed seed.
// Blinds and the proof nonce are derived from the case index, so the file
// is reproducible.
func GenerateVectors() (*Vectors, error) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(0xa0 + i)
	}
	info := "hulian exid conformance v1"
	key, err := oprf.DeriveKeyPair(seed, []byte(info))
	if err != nil {
		return nil, err
	}
	pub, _ := key.Public().MarshalBinary()
	v := &Vectors{Suite: "RFC 9497 VOPRF, ristretto255-SHA512", Seed: hex.EncodeToString(seed), Info: info, PublicKey: hex.EncodeToString(pub), Epoch: 1}
	var inputs [][]byte
	var blinds []oprf.Scalar
	var blinded []oprf.Element
	for _, c := range conformanceCases {
		canon, err := ident.Normalize(ident.Type(c.Type), c.Raw)
		if err != nil {
			v.Normalize = append(v.Normalize, NormCase{Type: c.Type, Raw: c.Raw, Error: true})
			continue
		}
		v.Normalize = append(v.Normalize, NormCase{Type: c.Type, Raw: c.Raw, Canonical: canon})
		in := ident.Input(ident.Type(c.Type), canon)
		blind, err := scalarFor(fmt.Sprintf("blind %d", len(inputs)))
		if err != nil {
			return nil, err
		}
		b, err := oprf.DeterministicBlind(in, blind)
		if err != nil {
			return nil, err
		}
		inputs, blinds, blinded = append(inputs, in), append(blinds, blind), append(blinded, b)
		v.ExIDs = append(v.ExIDs, ExIDCase{Type: c.Type, Raw: c.Raw, Input: hex.EncodeToString(in)})
	}
	nonce, err := scalarFor("proof nonce")
	if err != nil {
		return nil, err
	}
	evaluated, proof, err := oprf.BlindEvaluateBatchWithNonce(key, blinded, nonce)
	if err != nil {
		return nil, err
	}
	outs, err := oprf.VerifyAndFinalize(key.Public(), inputs, blinds, blinded, evaluated, proof)
	if err != nil {
		return nil, err
	}
	for i := range v.ExIDs {
		bl, _ := blinds[i].MarshalBinary()
		bd, _ := blinded[i].MarshalBinary()
		ev, _ := evaluated[i].MarshalBinary()
		v.ExIDs[i].Blind, v.ExIDs[i].Blinded, v.ExIDs[i].Evaluated = hex.EncodeToString(bl), hex.EncodeToString(bd), hex.EncodeToString(ev)
		v.ExIDs[i].Output, v.ExIDs[i].ExID = hex.EncodeToString(outs[i]), FromOutput(uint8(v.Epoch), outs[i]).String()
	}
	nb, _ := nonce.MarshalBinary()
	pb, _ := proof.MarshalBinary()
	v.ProofNonce, v.BatchProof = hex.EncodeToString(nb), hex.EncodeToString(pb)
	return v, nil
}

// scalarFor makes a reproducible non-zero scalar from a label: the label's
// bytes as a little-endian number, far below the group order. Such blinds
// are fine for published vectors, whose every value is public anyway; real
// blinds are uniformly random.
func scalarFor(label string) (oprf.Scalar, error) {
	var s oprf.Scalar
	b := make([]byte, 32)
	copy(b, label)
	b[31] = 0
	if err := s.UnmarshalBinary(b); err != nil {
		return s, err
	}
	return s, nil
}

// Results is what an implementation under test reports for the vectors'
// cases, in the same order: its canonical forms (or errors), and for every
// exID case the blinded element it computed with the given blind, its
// output after finalising with the given evaluation, its exID, and whether
// it verified the batch proof.
type Results struct {
	Normalize     []NormCase `json:"normalize"`
	ExIDs         []ExIDCase `json:"exid"`
	ProofVerified bool       `json:"batch_proof_verified"`
}

// Mismatch is one difference between an implementation and the vectors.
type Mismatch struct {
	Case  string `json:"case"`
	Field string `json:"field"`
	Want  string `json:"want"`
	Got   string `json:"got"`
}

// Check compares an implementation's results with the vectors and returns
// the number of checks made and every mismatch.
func Check(v *Vectors, r *Results) (checks int, bad []Mismatch) {
	cmp := func(name, field, want, got string) {
		checks++
		if want != got {
			bad = append(bad, Mismatch{Case: name, Field: field, Want: want, Got: got})
		}
	}
	for i, want := range v.Normalize {
		name := fmt.Sprintf("normalize[%d] %s %q", i, want.Type, want.Raw)
		if i >= len(r.Normalize) {
			cmp(name, "present", "yes", "no")
			continue
		}
		got := r.Normalize[i]
		cmp(name, "error", fmt.Sprint(want.Error), fmt.Sprint(got.Error))
		cmp(name, "canonical", want.Canonical, got.Canonical)
	}
	for i, want := range v.ExIDs {
		name := fmt.Sprintf("exid[%d] %s %q", i, want.Type, want.Raw)
		if i >= len(r.ExIDs) {
			cmp(name, "present", "yes", "no")
			continue
		}
		got := r.ExIDs[i]
		cmp(name, "input_hex", want.Input, got.Input)
		cmp(name, "blinded_hex", want.Blinded, got.Blinded)
		cmp(name, "output_hex", want.Output, got.Output)
		cmp(name, "exid", want.ExID, got.ExID)
	}
	cmp("batch proof", "batch_proof_verified", "true", fmt.Sprint(r.ProofVerified))
	return checks, bad
}

// ParseVectors and ParseResults read the kit's JSON files strictly.
func ParseVectors(b []byte) (*Vectors, error) {
	var v Vectors
	return &v, strictJSON(b, &v)
}

func ParseResults(b []byte) (*Results, error) {
	var r Results
	return &r, strictJSON(b, &r)
}

func strictJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return errs.Invalidf("file", "JSON 格式错误："+err.Error(), "malformed JSON: "+err.Error())
	}
	return nil
}

// SelfResults runs this package's own implementation over the vectors, as a
// reference for what Results should contain.
func SelfResults(v *Vectors) (*Results, error) {
	pubBytes, err := hex.DecodeString(v.PublicKey)
	if err != nil {
		return nil, err
	}
	var pk oprf.PublicKey
	if err := pk.UnmarshalBinary(pubBytes); err != nil {
		return nil, err
	}
	r := &Results{}
	for _, c := range v.Normalize {
		canon, err := ident.Normalize(ident.Type(c.Type), c.Raw)
		r.Normalize = append(r.Normalize, NormCase{Type: c.Type, Raw: c.Raw, Canonical: canon, Error: err != nil})
	}
	var inputs [][]byte
	var blinds []oprf.Scalar
	var blinded, evaluated []oprf.Element
	for _, c := range v.ExIDs {
		canon, err := ident.Normalize(ident.Type(c.Type), c.Raw)
		if err != nil {
			return nil, err
		}
		in := ident.Input(ident.Type(c.Type), canon)
		bb, _ := hex.DecodeString(c.Blind)
		var blind oprf.Scalar
		if err := blind.UnmarshalBinary(bb); err != nil {
			return nil, err
		}
		bd, err := oprf.DeterministicBlind(in, blind)
		if err != nil {
			return nil, err
		}
		eb, _ := hex.DecodeString(c.Evaluated)
		var ev oprf.Element
		if err := ev.UnmarshalBinary(eb); err != nil {
			return nil, err
		}
		inputs, blinds, blinded, evaluated = append(inputs, in), append(blinds, blind), append(blinded, bd), append(evaluated, ev)
	}
	pb, _ := hex.DecodeString(v.BatchProof)
	var proof oprf.Proof
	if err := proof.UnmarshalBinary(pb); err != nil {
		return nil, err
	}
	outs, err := oprf.VerifyAndFinalize(pk, inputs, blinds, blinded, evaluated, proof)
	r.ProofVerified = err == nil
	for i, c := range v.ExIDs {
		bd, _ := blinded[i].MarshalBinary()
		got := ExIDCase{Type: c.Type, Raw: c.Raw, Input: hex.EncodeToString(inputs[i]), Blinded: hex.EncodeToString(bd)}
		if err == nil {
			got.Output, got.ExID = hex.EncodeToString(outs[i]), FromOutput(uint8(v.Epoch), outs[i]).String()
		}
		r.ExIDs = append(r.ExIDs, got)
	}
	return r, nil
}
