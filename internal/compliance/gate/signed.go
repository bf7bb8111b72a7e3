package gate

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
)

// MinK is the smallest number of individuals any tag value may point to
// (X-E8). A platform may require more, never less.
const MinK = 1000

// SignedReport is what a supplier's node reports after running the gate on
// its own rows: the platform never receives the rows, only these counts,
// signed with the node's registered Ed25519 key.
type SignedReport struct {
	ListingID string       `json:"listing_id"`
	Version   int          `json:"version"` // the listing version the rows were checked against
	Rows      int64        `json:"rows"`
	Subjects  int64        `json:"subjects"`
	K         int          `json:"k"`
	Findings  int          `json:"findings"` // prohibited-content findings (X-F1..X-F5, X-E4); must be 0
	Counts    []ValueCount `json:"counts"`
	Created   time.Time    `json:"created"`
	Signature []byte       `json:"signature,omitempty"`
}

// ValueCount is the number of distinct subjects with one tag value.
type ValueCount struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Subjects int64  `json:"subjects"`
}

// SignedBytes is the canonical encoding the signature covers: the report
// as JSON without its signature, with a domain-separation prefix.
func (r *SignedReport) SignedBytes() []byte {
	c := *r
	c.Signature = nil
	c.Created = c.Created.UTC()
	b, _ := json.Marshal(&c) // a struct of plain fields always encodes
	return append([]byte("hulian-gate-report-v1\n"), b...)
}

// Sign signs the report with a node key.
func (r *SignedReport) Sign(key ed25519.PrivateKey) {
	r.Signature = ed25519.Sign(key, r.SignedBytes())
}

// Check verifies the report's signature with the supplier node's key and
// that it covers this listing version: every tag, every listed value at
// least k subjects, and no prohibited findings. The first failure is
// reported with the tag and value concerned.
func (r *SignedReport) Check(l *catalog.Listing, nodeKey ed25519.PublicKey, k int) error {
	if k < MinK {
		k = MinK
	}
	bad := func(field, zh, en string) error { return errs.Invalidf("gate_report."+field, zh, en) }
	if len(nodeKey) != ed25519.PublicKeySize || !ed25519.Verify(nodeKey, r.SignedBytes(), r.Signature) {
		return bad("signature", "合规检查报告的签名与供应方节点密钥不符", "the gate report's signature does not match the supplier node's key")
	}
	if r.ListingID != l.ID || r.Version != l.Version {
		return bad("listing_id", "合规检查报告不是针对该挂牌的当前版本", "the gate report is not for this listing's current version")
	}
	if r.K < k {
		return bad("k", fmt.Sprintf("合规检查的 k 值须不小于 %d", k), fmt.Sprintf("the gate must be run with k of at least %d", k))
	}
	if r.Findings != 0 {
		return bad("findings", fmt.Sprintf("数据含有 %d 处禁止内容，不能挂牌", r.Findings), fmt.Sprintf("the data has %d prohibited findings and cannot be listed", r.Findings))
	}
	counts := map[string]map[string]int64{}
	for _, c := range r.Counts {
		if counts[c.Key] == nil {
			counts[c.Key] = map[string]int64{}
		}
		counts[c.Key][c.Value] = c.Subjects
	}
	for _, t := range l.Tags {
		got, ok := counts[t.Key]
		if !ok {
			return bad("counts", "报告缺少标签 "+t.Key, "the report lacks tag "+t.Key)
		}
		want := t.Values
		if t.ValueType == catalog.ValueHit {
			want = []string{"1"}
		}
		if t.ValueType == catalog.ValueItem {
			want = nil
			for v := range got {
				want = append(want, v)
			}
			slices.Sort(want)
		}
		for _, v := range want {
			if n := got[v]; n < int64(k) {
				return errs.Invalidf("gate_report.counts", fmt.Sprintf("标签 %s 的取值 %q 仅指向 %d 个个体，少于 %d（X-E8）", t.Key, v, n, k),
					fmt.Sprintf("tag %s value %q points to only %d individuals, fewer than %d (X-E8)", t.Key, v, n, k))
			}
		}
	}
	return nil
}

// NewSignedReport turns the gate's table and the scanner's findings into
// the report the platform checks against the listing: one count per tag
// value and the number of prohibited findings. The node signs it.
func NewSignedReport(l Listing, t Report, findings []scan.Finding, now time.Time) *SignedReport {
	r := &SignedReport{ListingID: l.ID, Version: l.Version, Rows: int64(t.Rows), Subjects: int64(t.Subjects), K: t.K,
		Counts: make([]ValueCount, 0, len(t.Values)), Created: now.UTC()}
	for _, f := range findings {
		if scan.Prohibited(f) {
			r.Findings++
		}
	}
	for _, v := range t.Values {
		r.Counts = append(r.Counts, ValueCount{Key: v.Key, Value: v.Value, Subjects: int64(v.Subjects)})
	}
	return r
}
