// Package evidence holds the three signed texts of a delivery, the
// evidence each party keeps (docs/delivery.md):
//
//   - Answer: the supplier node's Ed25519 signature over what it answered
//     (order, request, counts, the hash of the tokens asked, the commitment
//     to the sealed answer). The platform verifies it before it charges,
//     and logs it, so the supplier cannot later deny an answer it was paid
//     for nor claim one it did not give.
//   - Receipt: the platform's signed note over the delivery as it was
//     metered, charged and logged. The demander keeps it; it verifies with
//     the log's verifier key, the same key that signs checkpoints.
//   - Relay: the platform's signed note over a request it forwards to a
//     supplier node, so that a node answers only the platform, only once
//     per nonce, and only the body the platform sent.
//
// Each text starts with its own version line, so no signature over one can
// be taken for another, nor for a log checkpoint (whose first line is the
// log's origin).
package evidence

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/sig"
)

// Hash is a SHA-256, or an SM3 under the 国密 profile: the hash goes with
// the key that signs the statement it is in (package digest).
type Hash [sha256.Size]byte

// HashOf returns the SHA-256 of b.
func HashOf(b []byte) Hash { return sha256.Sum256(b) }

// HashWith returns the hash of b under alg.
func HashWith(alg digest.Alg, b []byte) Hash { return alg.Sum(b) }

// AlgOfNoteKey is the hash that goes with the platform's note key.
func AlgOfNoteKey(vkey string) digest.Alg {
	alg, _ := sig.NoteAlgOf(vkey)
	return digest.ForSigner(alg)
}

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

func parseHash(field, s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) || hex.EncodeToString(b) != s {
		return h, bad(field, "须为 64 位小写十六进制", "must be 64 lower-case hex digits")
	}
	copy(h[:], b)
	return h, nil
}

func bad(field, zh, en string) error {
	return errs.Invalidf(field, "签名文本格式错误："+zh, "malformed signed statement: "+en)
}

// checkID rejects identifiers that could break the line format.
func checkID(field, s string) error {
	if s == "" || len(s) > 200 || strings.ContainsAny(s, "\n\r\t ") {
		return bad(field, "不能为空、过长或含空白", "must be non-empty, short and without white space")
	}
	return nil
}

// lines parses text made of exactly the named "key value" lines, in order,
// after the version line.
func lines(text, version string, keys ...string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(text, version+"\n")
	if !ok {
		return nil, bad("version", "首行应为 "+version, "the first line must be "+version)
	}
	if !strings.HasSuffix(rest, "\n") {
		return nil, bad("text", "须以换行结束", "must end with a newline")
	}
	ls := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
	if len(ls) != len(keys) {
		return nil, bad("text", fmt.Sprintf("应有 %d 行", len(keys)+1), fmt.Sprintf("must have %d lines", len(keys)+1))
	}
	out := make(map[string]string, len(keys))
	for i, k := range keys {
		v, ok := strings.CutPrefix(ls[i], k+" ")
		if !ok || v == "" {
			return nil, bad(k, "第 "+strconv.Itoa(i+2)+" 行应为 "+k, "line "+strconv.Itoa(i+2)+" must be "+k)
		}
		out[k] = v
	}
	return out, nil
}

func parseCount(field, s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, bad(field, "须为十进制非负整数", "must be a decimal count")
	}
	return n, nil
}

// AnswerVersion is the first line of an answer statement.
const AnswerVersion = "hulian answer v1"

// Answer is what a supplier node signs for each answer it gives.
type Answer struct {
	OrderID    string
	RequestID  string
	Queried    uint64 // tokens asked
	Matched    uint64 // tokens answered
	Tokens     Hash   // SHA-256 of the tokens as sent, concatenated
	Commitment Hash   // SHA-256 of the sealed answer (seal.Commitment)
}

// Text is the signed text.
func (a Answer) Text() []byte {
	return fmt.Appendf(nil, "%s\norder %s\nrequest %s\nqueried %d\nmatched %d\ntokens %s\ncommitment %s\n",
		AnswerVersion, a.OrderID, a.RequestID, a.Queried, a.Matched, a.Tokens, a.Commitment)
}

// Check validates the statement's fields.
func (a Answer) Check() error {
	if err := checkID("order", a.OrderID); err != nil {
		return err
	}
	if err := checkID("request", a.RequestID); err != nil {
		return err
	}
	if a.Matched > a.Queried {
		return bad("matched", "应答数不能多于查询数", "matched must not exceed queried")
	}
	return nil
}

// Sign signs the statement with the supplier node's key.
func (a Answer) Sign(key crypto.Signer) ([]byte, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	return sig.Sign(key, a.Text()), nil
}

// Verify checks sig over the statement with the supplier node's registered
// key.
func (a Answer) Verify(pub []byte, signature []byte) error {
	if err := a.Check(); err != nil {
		return err
	}
	if !sig.Verify(pub, a.Text(), signature) {
		return errs.New(errs.Unauthenticated, "signature", "供应方节点的应答签名无效", "the supplier node's answer signature does not verify")
	}
	return nil
}

// ParseAnswer parses an answer statement's text.
func ParseAnswer(text []byte) (Answer, error) {
	f, err := lines(string(text), AnswerVersion, "order", "request", "queried", "matched", "tokens", "commitment")
	if err != nil {
		return Answer{}, err
	}
	a := Answer{OrderID: f["order"], RequestID: f["request"]}
	if a.Queried, err = parseCount("queried", f["queried"]); err != nil {
		return Answer{}, err
	}
	if a.Matched, err = parseCount("matched", f["matched"]); err != nil {
		return Answer{}, err
	}
	if a.Tokens, err = parseHash("tokens", f["tokens"]); err != nil {
		return Answer{}, err
	}
	if a.Commitment, err = parseHash("commitment", f["commitment"]); err != nil {
		return Answer{}, err
	}
	if err := a.Check(); err != nil {
		return Answer{}, err
	}
	if !bytes.Equal(a.Text(), text) {
		return Answer{}, bad("text", "不是规范形式", "not in canonical form")
	}
	return a, nil
}

// ReceiptVersion is the first line of a delivery receipt.
const ReceiptVersion = "hulian delivery receipt v1"

// Receipt is the platform's record of one delivery as it was charged and
// logged, signed with the log key.
type Receipt struct {
	OrderID     string
	RequestID   string
	Demander    string
	Supplier    string
	Queried     uint64
	Matched     uint64
	ChargeFen   int64
	Commitment  Hash      // of the sealed answer delivered
	Seq         int64     // the delivery's log entry
	At          time.Time // when it was logged, UTC
	RetainUntil string    // YYYY-MM-DD, Asia/Shanghai: destroy by the end of this day
}

// Text is the signed note's text.
func (r Receipt) Text() string {
	return fmt.Sprintf("%s\norder %s\nrequest %s\ndemander %s\nsupplier %s\nqueried %d\nmatched %d\ncharge_fen %d\ncommitment %s\nseq %d\nat %s\nretain_until %s\n",
		ReceiptVersion, r.OrderID, r.RequestID, r.Demander, r.Supplier, r.Queried, r.Matched, r.ChargeFen, r.Commitment, r.Seq,
		r.At.UTC().Format(time.RFC3339Nano), r.RetainUntil)
}

func (r Receipt) check() error {
	for _, f := range []struct{ name, v string }{{"order", r.OrderID}, {"request", r.RequestID}, {"demander", r.Demander}, {"supplier", r.Supplier}, {"retain_until", r.RetainUntil}} {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	if r.Matched > r.Queried {
		return bad("matched", "查得数不能多于查询数", "matched must not exceed queried")
	}
	if r.ChargeFen < 0 || r.Seq < 0 {
		return bad("charge_fen", "金额和序号不能为负", "charge and sequence number must not be negative")
	}
	if _, err := time.Parse(time.DateOnly, r.RetainUntil); err != nil {
		return bad("retain_until", "须为 YYYY-MM-DD", "must be YYYY-MM-DD")
	}
	return nil
}

// Sign returns the receipt as a signed note.
func (r Receipt) Sign(s note.Signer) (string, error) {
	if err := r.check(); err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: r.Text()}, s)
	return string(msg), err
}

// OpenReceipt verifies a receipt against the platform's log verifier key
// and parses it.
func OpenReceipt(msg, vkey string) (*Receipt, error) {
	text, err := open(msg, vkey, "receipt")
	if err != nil {
		return nil, err
	}
	f, err := lines(text, ReceiptVersion, "order", "request", "demander", "supplier", "queried", "matched", "charge_fen", "commitment", "seq", "at", "retain_until")
	if err != nil {
		return nil, err
	}
	r := &Receipt{OrderID: f["order"], RequestID: f["request"], Demander: f["demander"], Supplier: f["supplier"], RetainUntil: f["retain_until"]}
	if r.Queried, err = parseCount("queried", f["queried"]); err != nil {
		return nil, err
	}
	if r.Matched, err = parseCount("matched", f["matched"]); err != nil {
		return nil, err
	}
	charge, err := parseCount("charge_fen", f["charge_fen"])
	if err != nil || charge > 1<<62 {
		return nil, bad("charge_fen", "金额无效", "invalid amount")
	}
	r.ChargeFen = int64(charge)
	if r.Commitment, err = parseHash("commitment", f["commitment"]); err != nil {
		return nil, err
	}
	seq, err := parseCount("seq", f["seq"])
	if err != nil || seq > 1<<62 {
		return nil, bad("seq", "序号无效", "invalid sequence number")
	}
	r.Seq = int64(seq)
	if r.At, err = time.Parse(time.RFC3339Nano, f["at"]); err != nil {
		return nil, bad("at", "须为 RFC 3339 时间", "must be an RFC 3339 time")
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.Text() != text {
		return nil, bad("text", "不是规范形式", "not in canonical form")
	}
	return r, nil
}

// open verifies a signed note against vkey and returns its text.
func open(msg, vkey, what string) (string, error) {
	v, err := sig.NewNoteVerifier(vkey)
	if err != nil {
		return "", errs.Invalidf("verifier_key", "平台验证密钥格式错误", "malformed platform verifier key")
	}
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		return "", errs.New(errs.Unauthenticated, what, "平台签名无效："+what, "the platform's signature on the "+what+" does not verify")
	}
	return n.Text, nil
}

// RelayVersion is the first line of a relayed request's note.
const RelayVersion = "hulian relay v1"

// HeaderRelay carries a relayed request's signed note, base64 (a header is
// one line; a note is several).
const HeaderRelay = "Hulian-Relay"

// MaxRelaySkew is how far a relayed request's time may be from the
// node's clock; nodes remember nonces for twice as long.
const MaxRelaySkew = 5 * time.Minute

// Relay is the platform's signature on a request it forwards to a
// supplier node.
type Relay struct {
	OrderID   string
	RequestID string
	Supplier  string // the member whose node is asked
	Nonce     string // random, base64url, unique per forwarded call
	At        time.Time
	Body      Hash // hash of the HTTP request body, by the platform key's algorithm
	alg       digest.Alg
}

// Text is the signed note's text.
func (r Relay) Text() string {
	return fmt.Sprintf("%s\norder %s\nrequest %s\nsupplier %s\nnonce %s\nat %d\nbody %s\n",
		RelayVersion, r.OrderID, r.RequestID, r.Supplier, r.Nonce, r.At.Unix(), r.Body)
}

// Header returns the signed note for the Hulian-Relay header.
func (r Relay) Header(s note.Signer) (string, error) {
	for _, f := range []struct{ name, v string }{{"order", r.OrderID}, {"request", r.RequestID}, {"supplier", r.Supplier}, {"nonce", r.Nonce}} {
		if err := checkID(f.name, f.v); err != nil {
			return "", err
		}
	}
	msg, err := note.Sign(&note.Note{Text: r.Text()}, s)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(msg), nil
}

// OpenRelayHeader verifies a Hulian-Relay header (the platform's
// signature and the time) without the body, which the caller then reads
// and checks against Relay.Body: a node that is sent a large body with a
// forged header refuses it before reading it.
func OpenRelayHeader(header, vkey string, now time.Time) (*Relay, error) {
	unauth := func(zh, en string) error {
		return errs.New(errs.Unauthenticated, HeaderRelay, "转发请求的平台签名无效："+zh, "the platform's signature on the relayed request is invalid: "+en)
	}
	raw, err := base64.StdEncoding.DecodeString(header)
	if header == "" || err != nil {
		return nil, unauth("缺少或无法解码", "missing or not base64")
	}
	text, err := open(string(raw), vkey, "relay")
	if err != nil {
		return nil, err
	}
	f, err := lines(text, RelayVersion, "order", "request", "supplier", "nonce", "at", "body")
	if err != nil {
		return nil, err
	}
	r := &Relay{OrderID: f["order"], RequestID: f["request"], Supplier: f["supplier"], Nonce: f["nonce"], alg: AlgOfNoteKey(vkey)}
	unix, err := strconv.ParseInt(f["at"], 10, 64)
	if err != nil {
		return nil, bad("at", "须为 Unix 秒", "must be Unix seconds")
	}
	r.At = time.Unix(unix, 0).UTC()
	if r.Body, err = parseHash("body", f["body"]); err != nil {
		return nil, err
	}
	if r.Text() != text {
		return nil, bad("text", "不是规范形式", "not in canonical form")
	}
	if d := now.Sub(r.At); d > MaxRelaySkew || d < -MaxRelaySkew {
		return nil, unauth("时间超出允许偏差（请检查时钟）", "its time is outside the allowed skew (check the clocks)")
	}
	return r, nil
}

// CheckBody reports an error unless body is the one the relay note signs.
func (r *Relay) CheckBody(body []byte) error {
	alg := r.alg
	if alg == "" {
		alg = digest.SHA256
	}
	if r.Body != HashWith(alg, body) {
		return errs.New(errs.Unauthenticated, HeaderRelay, "转发请求的平台签名无效：请求体与签名不符", "the platform's signature on the relayed request is invalid: the body does not match the signature")
	}
	return nil
}

// OpenRelay verifies a Hulian-Relay header against the platform's
// verifier key and the request body, and checks its time against now. The
// caller checks the nonce against those it has seen, and that the order and
// request in the body are the note's.
func OpenRelay(header string, body []byte, vkey string, now time.Time) (*Relay, error) {
	r, err := OpenRelayHeader(header, vkey, now)
	if err != nil {
		return nil, err
	}
	if err := r.CheckBody(body); err != nil {
		return nil, err
	}
	return r, nil
}
