package demo

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/node/demand"
	"hulian/internal/protocol/exid"
)

// Authorisations is the demander's file of its customers' signed query
// authorisations (X-E10), which its node imports.
const Authorisations = "demander-files/authorisations.csv"

// unsignedEvery: one customer in this many has not signed the query
// authorisation, so that the demo shows them left out of every request.
const unsignedEvery = 20

// stepAuthorisations has the demander's node import the records of its
// customers' signed query authorisations: the listing's tags are weakly
// associated with individuals, so its orders need one-step verification.
// The signed documents stay with the demander; the node keeps their
// SHA-256 and dates.
func (d *Demo) stepAuthorisations(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	path := d.Path(Authorisations)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"exid", "agreement_sha256", "signed_on", "expires_on"})
	today := calendar.DateOf(time.Now())
	d.w.unsigned = map[exid.ExID]bool{}
	for i, c := range cs {
		if i%unsignedEvery == unsignedEvery-1 {
			d.w.unsigned[c.id] = true
			continue
		}
		signed := today.AddDays(-(i % 300))
		doc := fmt.Sprintf("数据查询授权协议 v1\n授权人：%s\n被授权方：%s\n用途：会员分层运营与营销人群筛选\n签署日期：%s\n", c.mobile, d.w.dem.memberID, signed)
		sum := sha256.Sum256([]byte(doc))
		w.Write([]string{c.id.String(), hex.EncodeToString(sum[:]), signed.String(), signed.AddDays(365).String()})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	res, err := d.Demander.Demand.ImportAuthorisations(ctx, demand.AuthorisationImport{In: path})
	if err != nil {
		return err
	}
	d.n.say("挂牌的标签与个人弱关联，验证方式为“一次验证”：需求方只能查询本人签署了数据查询授权协议的客户。需求方节点导入 %s 份授权记录（协议原件留在需求方，节点只保存其 SHA-256 与签署、到期日期）；%s 个客户未签署，配送时不会被查询",
		"the listing's tags are weakly associated with individuals and its verification is one-step: the demander may query only customers who signed a query authorisation. The demander's node imported %s records (the signed documents stay with the demander; the node keeps their SHA-256 and dates); %s customers did not sign and will not be queried",
		thousands(res.Rows), thousands(len(d.w.unsigned)))
	d.n.say("每次配送，节点为每个令牌附上对其授权记录的承诺值（加盐哈希）：平台核对每个令牌都有承诺、级别满足挂牌要求，并把承诺值的哈希写入日志，却不知道记录内容，也不知道是谁",
		"with each delivery the node attaches to every token a commitment (a salted hash) to its authorisation record: the platform checks that every token has one at the listing's level and logs their hash, without learning the records or whose they are")
	return nil
}
