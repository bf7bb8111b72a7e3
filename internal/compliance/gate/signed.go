package gate

import (
	"crypto"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/catalog"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/sig"
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
	// Status and Source are the supplier's declaration of the data (P-6,
	// O-7): de-identified or anonymised, and where it came from on what
	// lawful basis. Reports made before they existed carry neither.
	Status    string `json:"status,omitempty"`
	Source    string `json:"source,omitempty"`
	Signature []byte `json:"signature,omitempty"`
}

// Data statuses (PIPL Art. 73): de-identified data can be linked to a
// person again with additional information kept apart — the exchange
// matches people by exID, so only such data can be listed; anonymised data
// cannot be linked to anyone and is no longer personal information.
const (
	Deidentified = "deidentified"
	Anonymised   = "anonymised"
)

// Declaration is what a supplier declares of a dataset when it imports it.
type Declaration struct {
	Status string
	Source string // the data's source and the lawful basis it was collected on
}

// Check refuses an incomplete declaration, naming the flag.
func (d Declaration) Check() error {
	if d.Status != Deidentified && d.Status != Anonymised {
		return errs.Invalidf("--status", "须声明数据为 deidentified（去标识化）或 anonymised（匿名化）", "declare the data deidentified or anonymised")
	}
	if s := strings.TrimSpace(d.Source); s == "" || utf8.RuneCountInString(s) > 500 {
		return errs.Invalidf("--source", "须写明数据的来源及其合法依据（最长 500 字），如“自有会员系统，依会员协议第 5 条收集”", "state the data's source and the lawful basis it was collected on (at most 500 characters), e.g. our membership system, collected under clause 5 of the membership agreement")
	}
	return nil
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
func (r *SignedReport) Sign(key crypto.Signer) {
	r.Signature = sig.Sign(key, r.SignedBytes())
}

// Check verifies the report's signature with the supplier node's key and
// that it covers this listing version: every tag, every listed value at
// least k subjects, and no prohibited findings. The first failure is
// reported with the tag and value concerned.
func (r *SignedReport) Check(l *catalog.Listing, nodeKey []byte, k int) error {
	if k < MinK {
		k = MinK
	}
	bad := func(field, zh, en string) error { return errs.Invalidf("gate_report."+field, zh, en) }
	if !sig.Verify(nodeKey, r.SignedBytes(), r.Signature) {
		return bad("signature", "合规检查报告的签名与供应方节点密钥不符", "the gate report's signature does not match the supplier node's key")
	}
	if r.Status != Deidentified {
		return bad("status", "只有供方声明为去标识化的数据可以挂牌（匿名化数据无法与个人关联，也就无法按 exID 配送）", "only data its supplier declares de-identified can be listed (anonymised data cannot be linked to anyone, so cannot be delivered by exID)")
	}
	if strings.TrimSpace(r.Source) == "" {
		return bad("source", "只有来源明确、合法的数据可以挂牌：报告未写明数据来源", "only data of a known, lawful source can be listed: the report states no source")
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
func NewSignedReport(l Listing, t Report, findings []scan.Finding, d Declaration, now time.Time) *SignedReport {
	r := &SignedReport{ListingID: l.ID, Version: l.Version, Rows: int64(t.Rows), Subjects: int64(t.Subjects), K: t.K,
		Counts: make([]ValueCount, 0, len(t.Values)), Created: now.UTC(), Status: d.Status, Source: strings.TrimSpace(d.Source)}
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
