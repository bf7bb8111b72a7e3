package privacy

import (
	"bytes"
	"context"
	"strings"
	"unicode/utf8"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// maxContact is the longest name or contact the operator's form takes.
const maxContact = 200

// Escalate hands one of the person's complaints over to the exchange
// operator (X-G3, X-P5): the node files it with the platform's public
// complaint procedure, in the person's name and with the contact they
// give, saying which member and request it concerns, and keeps the
// complaint's ID and the code that follows it, shown to the person in the
// centre. The person's exID is not sent: the operator contacts them.
func (c *Centre) Escalate(ctx context.Context, id exid.ExID, reqID, complainant, contact string) (*nodestore.SubjectRequest, error) {
	complainant, contact = strings.TrimSpace(complainant), strings.TrimSpace(contact)
	switch {
	case complainant == "" || utf8.RuneCountInString(complainant) > maxContact:
		return nil, errs.Invalidf("complainant", "请填写您的姓名（最长 200 字）", "give your name (at most 200 characters)")
	case contact == "" || utf8.RuneCountInString(contact) > maxContact:
		return nil, errs.Invalidf("contact", "请填写运营方联系您的方式（最长 200 字）", "say how the operator can reach you (at most 200 characters)")
	}
	// One hand-over at a time: a second click must not file twice.
	c.escalateMu.Lock()
	defer c.escalateMu.Unlock()
	var r *nodestore.SubjectRequest
	err := c.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { r, err = tx.SubjectRequest(ctx, reqID); return err })
	switch {
	case errs.Is(err, errs.NotFound) || (err == nil && !bytes.Equal(r.ExID, id[:])):
		return nil, errs.New(errs.NotFound, "request", "找不到您的这一请求", "no such request of yours")
	case err != nil:
		return nil, err
	case r.Kind != "complain":
		return nil, errs.Invalidf("request", "只有投诉可以转交平台运营方", "only a complaint can be handed over to the operator")
	case r.EscalatedID != "":
		return nil, errs.New(errs.Conflict, "request", "该投诉已转交平台运营方", "the complaint has been handed over already")
	}
	cid, code, err := c.N.FileComplaint(ctx, node.Complaint{Complainant: complainant, Contact: contact,
		Concerns:    "成员 " + c.N.MemberID() + "（经其节点隐私中心转交，请求 " + r.ID + "）",
		Description: "个人于 " + r.Filed.In(calendar.Shanghai).Format("2006-01-02 15:04") + " 向成员提出的投诉：\n" + r.Details})
	if err != nil {
		return nil, err
	}
	r.EscalatedID, r.EscalatedCode, r.Escalated = cid, code, c.N.Now().UTC()
	err = c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.EscalateSubjectRequest(ctx, r); err != nil {
			return err
		}
		return tx.Record(ctx, "privacy.complaint_escalated", r.ID+" "+cid)
	})
	if err != nil {
		// Filed but not recorded here: say so, with what the person needs
		// to follow it, rather than let them file again.
		c.N.Logger().Error("a complaint handed over to the operator was not recorded", "request", r.ID, "complaint", cid, "err", err)
		return nil, errs.New(errs.Unavailable, "request", "投诉已转交平台运营方（编号 "+cid+"，查询码 "+code+"），但本节点未能记录，请保存以上信息",
			"the complaint was handed over to the operator (ID "+cid+", code "+code+") but this node could not record it: keep these")
	}
	return r, nil
}
