package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node/demand"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
)

// stepErase: one of the supplier's customers whose profile the batch
// delivered asks the supplier's privacy centre to delete their data; the
// supplier's staff do it; the supplier's node tells the demanders that
// received the data, through the platform, and the demander's node deletes
// the person's values from its results file and confirms (X-P4, O-4, PIPL
// Art. 47). The same run tells the real-time order's demander about the
// customers who withdrew consent earlier.
func (d *Demo) stepErase(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	held := d.supplierHolds()
	var who *customer
	for i, c := range cs {
		if held[c.mobile] && !d.w.unsigned[c.id] && !d.w.withdrawn[c.id] {
			who = &cs[i]
			break
		}
	}
	if who == nil {
		return errs.New(errs.Internal, "population", "演示人群中没有可删除的客户", "the population has no customer to delete")
	}
	if got, err := resultsRow(d.w.resultsFile, who.id); err != nil || len(got) < 2 || got[1] != "1" {
		return errs.New(errs.Internal, "results", fmt.Sprintf("批量结果中该客户的行为 %v（%v）", got, err), fmt.Sprintf("the customer's row of the batch results is %v (%v)", got, err))
	}

	// The customer asks in the centre, by the supplier's app's link.
	key, err := d.Supplier.Privacy.LinkKey(ctx)
	if err != nil {
		return err
	}
	link := d.Supplier.URL() + "/privacy/enter?t=" + privacy.MintLink(key, who.id, d.Supplier.Node.Now(), 5*time.Minute)
	v, err := newVisitor(ctx)
	if err != nil {
		return err
	}
	page, err := v.do("GET", link, nil)
	if err != nil {
		return err
	}
	u, _ := url.Parse(link)
	base := u.Scheme + "://" + u.Host
	if !strings.Contains(page, `id="provided-`+d.w.bt.orderID+`"`) {
		return errs.New(errs.Internal, "provided", "隐私中心未列出该客户的数据提供给了批量订单的需求方", "the privacy centre does not show that the customer's data went to the batch order's demander")
	}
	if _, err := v.do("POST", base+"/privacy/request", url.Values{"csrf": {field(page, "csrf")}, "kind": {"delete"}, "details": {"请删除我的全部信息"}}); err != nil {
		return err
	}
	rs, err := d.Supplier.Privacy.Requests(ctx, who.id[:])
	if err != nil {
		return err
	}
	reqID := ""
	for _, r := range rs {
		if r.Kind == "delete" && r.Status == "open" {
			reqID = r.ID
		}
	}
	if reqID == "" {
		return errs.New(errs.Internal, "request", "隐私中心没有记下删除请求", "the privacy centre recorded no deletion request")
	}
	// The supplier's staff do it: the person leaves every dataset's
	// answers.
	if _, err := d.Supplier.Privacy.Close(ctx, reqID, "done", "已从全部数据集中删除，并通知已获得数据的需求方删除", "demo:staff"); err != nil {
		return err
	}

	// The supplier's node notices; the demander's node applies.
	out, err := d.Supplier.Supply.Rectify(ctx)
	if err != nil {
		return err
	}
	in, err := d.Demander.Demand.ApplyRectifications(ctx)
	if err != nil {
		return err
	}
	got, err := resultsRow(d.w.resultsFile, who.id)
	if err != nil {
		return err
	}
	if len(got) < 2 || got[1] != demand.MatchedDeleted || strings.Join(got[2:], "") != "" {
		return errs.New(errs.Internal, "results", fmt.Sprintf("删除通知执行后该客户的行为 %v", got), fmt.Sprintf("after the notice the customer's row is %v", got))
	}
	d.w.summary.Erased = 1
	d.w.summary.Notices = out.Made
	d.n.say("一位客户在供应方的隐私中心看到其信息经批量订单 %s 提供给了需求方，提出删除；供应方办结后，节点发出更正与删除通知 %d 份（涉及 %d 人，含此前撤回同意者的实时配送），经平台转给需求方（平台只知道订单、动作与人数，并记入业务日志）；需求方节点核验通知确由供方发出，改写结果文件 %d 行（该客户一行的标签已清空，标记为 %s），%d 人因实时配送而不在节点持有的文件中，已向平台确认",
		"a customer saw in the supplier's privacy centre that their information went to the demander under batch order %s and asked for deletion; once the supplier did it, its node made %d correction and deletion notices (%d people, the earlier withdrawals' real-time deliveries included), passed through the platform to the demander (the platform learns the order, the action and the count, and logs them); the demander's node checked that the supplier made them, rewrote %d rows of its results file (the customer's tags emptied, marked %s), found %d people only in real-time answers it does not hold, and confirmed to the platform",
		d.w.bt.orderID, out.Made, out.Subjects, in.Applied, demand.MatchedDeleted, in.Absent)
	return nil
}

// resultsRow is the results file's row for id.
func resultsRow(path string, id exid.ExID) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	key := id.String()
	for {
		rec, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("%s: no row for the customer: %w", path, err)
		}
		if rec[0] == key {
			return rec, nil
		}
	}
}
