// Package complaints is the right holders' complaints (X-G3, 《数据互联
// 规则》 §12.2): anyone who believes an exchange infringes their privacy or
// trade secret files a complaint with evidence, without an account, and
// gets a receipt code to follow it. When the operator accepts it for
// handling, the exchange it concerns — an order — is suspended in the same
// transaction, so no delivery that commits after is charged or delivered,
// and both members are notified at once. A member party to the exchange
// answers with counter-evidence; the operator restores the exchange or
// upholds the complaint. The complainant's name and contact stay in the
// complaint's row; the business log holds each step and the evidence's
// SHA-256.
package complaints

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/catalog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/store"
	"hulian/internal/platform/throttle"
	"hulian/internal/platform/trading"
)

// Log entry kinds.
const (
	KindFiled    = "complaint.filed"
	KindAccepted = "complaint.accepted"
	KindRejected = "complaint.rejected"
	KindAnswered = "complaint.answered"
	KindRestored = "complaint.restored"
	KindUpheld   = "complaint.upheld"
)

// Statuses.
const (
	Received = "received"
	Accepted = "accepted"
	Rejected = "rejected"
	Answered = "answered"
	Restored = "restored"
	Upheld   = "upheld"
)

// Limits of what a stranger may send: small, so that filing costs the
// platform little (the console's anonymous bodies are capped at 64 KiB).
const (
	MaxFiles        = 3
	MaxEvidence     = 48 << 10 // all of a filing's files together
	MaxMemberFile   = 1 << 20  // a member's counter-evidence, authenticated
	MaxText         = 2000
	MaxContact      = 200
	allowedTypeText = "PDF、PNG、JPEG 或纯文本"
)

// allowed are the evidence types accepted, by the type the content is
// sniffed as (net/http's MIME sniffing) — what a file claims to be is not
// trusted.
var allowed = map[string]string{"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg", "text/plain; charset=utf-8": "text"}

// Complaints files and handles complaints.
type Complaints struct {
	DB       *store.DB
	Market   *trading.Market
	Listings *listings.Registry
	Throttle *throttle.Throttle // filings per client address and network
}

// alg is the platform's hash (SM3 under the 国密 profile).
func (c *Complaints) alg() digest.Alg { return c.Market.P.Digest() }

// New returns the complaints room.
func New(mk *trading.Market, ls *listings.Registry) *Complaints {
	return &Complaints{DB: mk.P.DB, Market: mk, Listings: ls, Throttle: mk.P.Throttle}
}

// File is an evidence file as uploaded.
type File struct {
	Name string
	Data []byte
}

// Filing is a complaint as the complainant files it.
type Filing struct {
	Kind        string // privacy or trade_secret
	Complainant string
	Contact     string
	Concerns    string // the order, listing or member concerned, as the complainant knows it
	Description string
	Files       []File
}

func (f *Filing) check(alg digest.Alg) ([]*store.Evidence, error) {
	f.Complainant, f.Contact, f.Concerns, f.Description = strings.TrimSpace(f.Complainant), strings.TrimSpace(f.Contact), strings.TrimSpace(f.Concerns), strings.TrimSpace(f.Description)
	switch {
	case f.Kind != "privacy" && f.Kind != "trade_secret":
		return nil, errs.Invalidf("kind", "请选择侵犯隐私或侵犯商业秘密", "choose privacy or trade secret")
	case f.Complainant == "" || utf8.RuneCountInString(f.Complainant) > MaxContact:
		return nil, errs.Invalidf("complainant", "请填写投诉人（最长 200 字）", "give the complainant's name (at most 200 characters)")
	case f.Contact == "" || utf8.RuneCountInString(f.Contact) > MaxContact:
		return nil, errs.Invalidf("contact", "请填写联系方式（最长 200 字）", "give a way to reach you (at most 200 characters)")
	case f.Concerns == "" || utf8.RuneCountInString(f.Concerns) > MaxContact:
		return nil, errs.Invalidf("concerns", "请写明投诉涉及的订单、挂牌或成员", "name the order, listing or member concerned")
	case f.Description == "" || utf8.RuneCountInString(f.Description) > MaxText:
		return nil, errs.Invalidf("description", "请说明被侵犯的情况（最长 2000 字）", "describe the infringement (at most 2000 characters)")
	case len(f.Files) == 0:
		return nil, errs.Invalidf("evidence", "投诉须附证据", "a complaint needs evidence")
	case len(f.Files) > MaxFiles:
		return nil, errs.Invalidf("evidence", fmt.Sprintf("证据至多 %d 个文件", MaxFiles), fmt.Sprintf("at most %d evidence files", MaxFiles))
	}
	total := 0
	for _, file := range f.Files {
		total += len(file.Data)
	}
	if total > MaxEvidence {
		return nil, errs.Invalidf("evidence", fmt.Sprintf("证据合计不得超过 %d KiB；更多材料请在受理后联系运营方", MaxEvidence>>10),
			fmt.Sprintf("the evidence must not exceed %d KiB in all; send more once the complaint is accepted", MaxEvidence>>10))
	}
	return evidenceOf(alg, f.Files, "complainant")
}

// evidenceOf checks each file's type by its content and hashes it under
// alg, the platform's hash.
func evidenceOf(alg digest.Alg, files []File, by string) ([]*store.Evidence, error) {
	var out []*store.Evidence
	for i, file := range files {
		name := strings.TrimSpace(file.Name)
		if name == "" || utf8.RuneCountInString(name) > 200 {
			name = fmt.Sprintf("evidence-%d", i+1)
		}
		typ := http.DetectContentType(file.Data)
		if _, ok := allowed[typ]; !ok || len(file.Data) == 0 {
			return nil, errs.Invalidf("evidence", fmt.Sprintf("证据文件 %s 须为 %s", name, allowedTypeText), fmt.Sprintf("evidence file %s must be PDF, PNG, JPEG or plain text", name))
		}
		sum := alg.Sum(file.Data)
		out = append(out, &store.Evidence{Name: name, ContentType: typ, Hash: alg, Digest: hex.EncodeToString(sum[:]), Data: file.Data, AddedBy: by})
	}
	return out, nil
}

// Receipt is what the complainant keeps: the complaint's ID and the code
// that shows its status to whoever holds both.
type Receipt struct{ ID, Code string }

var code32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// codeHash is what the platform keeps of a complainant's code: its digest
// under alg, the platform's hash.
func codeHash(alg digest.Alg, code string) string {
	sum := alg.Sum([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}

// File records a complaint. Anyone may file one: what it concerns is not
// checked here, so that filing tells nobody whether an order or member
// exists; the operator identifies the exchange when accepting it.
func (c *Complaints) File(ctx context.Context, f Filing) (*Receipt, error) {
	ev, err := f.check(c.alg())
	if err != nil {
		return nil, err
	}
	if err := c.Throttle.Pass(ctx, throttle.Complaint); err != nil {
		return nil, err
	}
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	rc := &Receipt{ID: auth.NewID("cpl_"), Code: code32.EncodeToString(raw)}
	err = c.DB.Transact(ctx, func(tx *store.Tx) error {
		cp := &store.Complaint{ID: rc.ID, CodeDigest: codeHash(c.alg(), rc.Code), Kind: f.Kind, Complainant: f.Complainant, Contact: f.Contact,
			Concerns: f.Concerns, Description: f.Description, Status: Received, Filed: tx.Now()}
		if err := tx.InsertComplaint(ctx, cp); err != nil {
			return err
		}
		hashes := make([]string, len(ev))
		for i, e := range ev {
			e.N, e.Added = i+1, tx.Now()
			if err := tx.AddEvidence(ctx, cp.ID, e); err != nil {
				return err
			}
			hashes[i] = e.Digest
		}
		sys := auth.WithActor(ctx, auth.System)
		_, err := tx.Append(sys, "", KindFiled, cp.ID, bizlog.P{"kind": f.Kind, bizlog.CommitField("evidence", c.alg()): strings.Join(hashes, ",")})
		return err
	})
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// Status is what the complainant sees: the complaint's status and when
// each step happened, without the members' names.
func (c *Complaints) Status(ctx context.Context, id, code string) (*store.Complaint, error) {
	var cp *store.Complaint
	err := c.DB.Read(ctx, func(tx *store.Tx) (err error) {
		cp, err = tx.ComplaintByCode(ctx, id, codeHash(c.alg(), code))
		if errs.Is(err, errs.NotFound) && c.alg() != digest.SHA256 {
			// Codes given before the 国密 profile hashed them with SM3.
			cp, err = tx.ComplaintByCode(ctx, id, codeHash(digest.SHA256, code))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := *cp
	out.Order, out.Demander, out.Supplier, out.Answer, out.AnsweredBy = "", "", "", "", ""
	return &out, nil
}

// step runs an operator's or member's step on a complaint, locked, then
// saves it; fn returns the log entry's kind and payload, written under the
// exchange's members.
func (c *Complaints) step(ctx context.Context, id string, fn func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error)) (*store.Complaint, error) {
	var cp *store.Complaint
	err := c.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		if cp, err = tx.Complaint(ctx, id, true); err != nil {
			return err
		}
		kind, p, err := fn(tx, cp)
		if err != nil {
			return err
		}
		if err := tx.SaveComplaint(ctx, cp); err != nil {
			return err
		}
		members := []string{cp.Demander, cp.Supplier}
		if cp.Demander == "" {
			members = []string{""}
		}
		for _, m := range members {
			if _, err := tx.Append(ctx, m, kind, cp.ID, p); err != nil {
				return err
			}
		}
		return nil
	})
	return cp, err
}

func note(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > MaxText {
		return "", errs.Invalidf("note", "请写明处理意见（最长 2000 字）", "write the decision's grounds (at most 2000 characters)")
	}
	return s, nil
}

func wrongStatus(cp *store.Complaint, zh, en string) error {
	return errs.New(errs.FailedPrecondition, "complaint", "投诉当前状态为 "+cp.Status+"，"+zh, "the complaint is "+cp.Status+"; "+en)
}

// Accept accepts a complaint for handling (operator), naming the order or
// the listing it concerns: the order is suspended — or the listing, with
// every active order under it — in the same transaction, and the members
// are notified.
func (c *Complaints) Accept(ctx context.Context, id, target, grounds string) (*store.Complaint, error) {
	switch target = strings.TrimSpace(target); {
	case strings.HasPrefix(target, "lst_"), strings.HasPrefix(target, "mem_"):
		return c.acceptWhole(ctx, id, target, grounds)
	}
	return c.acceptOrder(ctx, id, target, grounds)
}

func (c *Complaints) acceptOrder(ctx context.Context, id, orderID, grounds string) (*store.Complaint, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	grounds, err := note(grounds)
	if err != nil {
		return nil, err
	}
	return c.step(ctx, id, func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error) {
		if cp.Status != Received {
			return "", nil, wrongStatus(cp, "不能再次受理", "it cannot be accepted again")
		}
		o, err := c.Market.SuspendOrderIn(ctx, tx, strings.TrimSpace(orderID), "投诉 "+cp.ID+" 已受理，暂停数据互联")
		if errs.Is(err, errs.NotFound) {
			return "", nil, errs.Invalidf("order", "找不到订单："+orderID, "no such order: "+orderID)
		}
		if err != nil {
			return "", nil, err
		}
		cp.Status, cp.Order, cp.Demander, cp.Supplier, cp.OperatorNote, cp.Accepted = Accepted, o.ID, o.Terms.Demander, o.Terms.Supplier, grounds, tx.Now()
		cp.SuspendedOrders = []string{o.ID}
		for _, m := range []string{o.Terms.Demander, o.Terms.Supplier} {
			if err := tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: m, Kind: KindAccepted, Object: cp.ID, Created: tx.Now(),
				TitleZH: "订单 " + o.ID + " 因投诉已暂停，请提交抗辩证据", TitleEN: "Order " + o.ID + " is suspended on a complaint: answer with counter-evidence",
				Body: grounds}); err != nil {
				return "", nil, err
			}
		}
		return KindAccepted, bizlog.P{"order": o.ID, "note": grounds}, nil
	})
}

// acceptWhole accepts a complaint about a listing, or a member as a
// whole: the listing (or every published listing of the member) and every
// active order under it (or the member is party to) are suspended in one
// transaction; the listing's supplier (or the member) answers; every
// member concerned is told.
func (c *Complaints) acceptWhole(ctx context.Context, id, target, grounds string) (*store.Complaint, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	grounds, err := note(grounds)
	if err != nil {
		return nil, err
	}
	return c.step(ctx, id, func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error) {
		if cp.Status != Received {
			return "", nil, wrongStatus(cp, "不能再次受理", "it cannot be accepted again")
		}
		reason := "投诉 " + cp.ID + " 已受理，暂停数据互联"
		var ls []*catalog.Listing
		var os []*market.Order
		if strings.HasPrefix(target, "lst_") {
			l, err := tx.Listing(ctx, target, false)
			if errs.Is(err, errs.NotFound) {
				return "", nil, errs.Invalidf("order", "找不到挂牌："+target, "no such listing: "+target)
			}
			if err != nil {
				return "", nil, err
			}
			ls = []*catalog.Listing{l}
			if os, err = tx.ActiveOrdersOfListing(ctx, l.MemberID, l.ID); err != nil {
				return "", nil, err
			}
			cp.Listing, cp.Supplier = l.ID, l.MemberID
		} else {
			if _, err := tx.Member(ctx, target, false); err != nil {
				return "", nil, errs.Invalidf("order", "找不到成员："+target, "no such member: "+target)
			}
			var err error
			if ls, err = tx.SearchListings(ctx, store.ListingQuery{Status: catalog.StatusPublished, Member: target, Limit: 1000}); err != nil {
				return "", nil, err
			}
			if os, err = tx.ActiveOrdersOfMember(ctx, target); err != nil {
				return "", nil, err
			}
			cp.Member, cp.Supplier = target, target
		}
		told := map[string]bool{cp.Supplier: true}
		for _, l := range ls {
			if l.Status != catalog.StatusPublished {
				continue
			}
			if _, err := c.Listings.SuspendListingIn(ctx, tx, l.ID, reason); err != nil {
				return "", nil, err
			}
			cp.SuspendedListings = append(cp.SuspendedListings, l.ID)
		}
		for _, o := range os {
			if _, err := c.Market.SuspendOrderIn(ctx, tx, o.ID, reason); err != nil {
				return "", nil, err
			}
			cp.SuspendedOrders = append(cp.SuspendedOrders, o.ID)
			told[o.Terms.Demander], told[o.Terms.Supplier] = true, true
		}
		cp.Status, cp.OperatorNote, cp.Accepted = Accepted, grounds, tx.Now()
		for m := range told {
			if err := tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: m, Kind: KindAccepted, Object: cp.ID, Created: tx.Now(),
				TitleZH: "数据互联因投诉已暂停，请提交抗辩证据", TitleEN: "An exchange is suspended on a complaint: answer with counter-evidence",
				Body: grounds}); err != nil {
				return "", nil, err
			}
		}
		return KindAccepted, bizlog.P{"listing": cp.Listing, "member": cp.Member, "listings": strings.Join(cp.SuspendedListings, ","),
			"orders": strings.Join(cp.SuspendedOrders, ","), "note": grounds}, nil
	})
}

// Reject declines a complaint (operator): not accepted, nothing suspended.
func (c *Complaints) Reject(ctx context.Context, id, grounds string) (*store.Complaint, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	grounds, err := note(grounds)
	if err != nil {
		return nil, err
	}
	return c.step(ctx, id, func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error) {
		if cp.Status != Received {
			return "", nil, wrongStatus(cp, "不能不予受理", "it cannot be declined")
		}
		cp.Status, cp.OperatorNote, cp.Resolved = Rejected, grounds, tx.Now()
		return KindRejected, bizlog.P{"note": grounds}, nil
	})
}

// Answer records a member's counter-evidence (a party to the suspended
// order): a statement and, optionally, files.
func (c *Complaints) Answer(ctx context.Context, id, text string, files []File) (*store.Complaint, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxText {
		return nil, errs.Invalidf("answer", "请写明抗辩意见（最长 2000 字）", "write your answer (at most 2000 characters)")
	}
	for _, f := range files {
		if len(f.Data) > MaxMemberFile {
			return nil, errs.Invalidf("evidence", "每个抗辩证据文件不得超过 1 MiB", "each counter-evidence file must be at most 1 MiB")
		}
	}
	ev, err := evidenceOf(c.alg(), files, a.MemberID)
	if err != nil {
		return nil, err
	}
	return c.step(ctx, id, func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error) {
		if cp.Status != Accepted {
			return "", nil, wrongStatus(cp, "不能抗辩", "it cannot be answered")
		}
		have, err := tx.EvidenceOf(ctx, cp.ID, false)
		if err != nil {
			return "", nil, err
		}
		hashes := make([]string, len(ev))
		for i, e := range ev {
			e.N, e.Added = len(have)+i+1, tx.Now()
			if err := tx.AddEvidence(ctx, cp.ID, e); err != nil {
				return "", nil, err
			}
			hashes[i] = e.Digest
		}
		cp.Status, cp.Answer, cp.AnsweredBy, cp.Answered = Answered, text, a.MemberID, tx.Now()
		return KindAnswered, bizlog.P{"by": a.MemberID, bizlog.CommitField("evidence", c.alg()): strings.Join(hashes, ",")}, nil
	})
}

// Restore restores the exchange on the member's counter-evidence
// (operator): the order resumes and both members are told.
func (c *Complaints) Restore(ctx context.Context, id, grounds string) (*store.Complaint, error) {
	return c.resolve(ctx, id, grounds, Restored)
}

// Uphold upholds the complaint (operator): the order stays suspended; the
// parties take their dispute to the competent bodies (§12.2).
func (c *Complaints) Uphold(ctx context.Context, id, grounds string) (*store.Complaint, error) {
	return c.resolve(ctx, id, grounds, Upheld)
}

func (c *Complaints) resolve(ctx context.Context, id, grounds, outcome string) (*store.Complaint, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	grounds, err := note(grounds)
	if err != nil {
		return nil, err
	}
	kind := map[string]string{Restored: KindRestored, Upheld: KindUpheld}[outcome]
	return c.step(ctx, id, func(tx *store.Tx, cp *store.Complaint) (string, bizlog.P, error) {
		if cp.Status != Accepted && cp.Status != Answered {
			return "", nil, wrongStatus(cp, "不能作出处理决定", "it cannot be decided")
		}
		told := map[string]bool{cp.Supplier: true}
		if cp.Demander != "" {
			told[cp.Demander] = true
		}
		if outcome == Restored {
			// The listings it suspended, unless something else has
			// changed them since.
			for _, lid := range cp.SuspendedListings {
				l, err := tx.Listing(ctx, lid, false)
				if err != nil {
					return "", nil, err
				}
				if l.Status != catalog.StatusSuspended || !strings.Contains(l.ReviewNote, cp.ID) {
					continue
				}
				if _, err := c.Listings.ResumeListingIn(ctx, tx, lid); err != nil {
					return "", nil, err
				}
			}
			// Exactly the orders accepting the complaint suspended, where
			// nothing else has ended or suspended them since. (A complaint
			// accepted before the orders were kept names its one order.)
			suspended := cp.SuspendedOrders
			if len(suspended) == 0 && cp.Order != "" {
				suspended = []string{cp.Order}
			}
			for _, oid := range suspended {
				o, err := tx.Order(ctx, oid, true)
				if err != nil {
					return "", nil, err
				}
				if o.Status != market.Suspended || !strings.Contains(o.Reason, cp.ID) {
					continue
				}
				if _, err := c.Market.ResumeOrderIn(ctx, tx, oid); err != nil {
					return "", nil, err
				}
				told[o.Terms.Demander] = true
			}
		}
		cp.Status, cp.OperatorNote, cp.Resolved = outcome, grounds, tx.Now()
		zh, en := "投诉已处理：维持暂停", "The complaint is upheld: the exchange stays suspended"
		if outcome == Restored {
			zh, en = "投诉已处理：数据互联恢复", "The complaint is decided: the exchange resumes"
		}
		for m := range told {
			if err := tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: m, Kind: kind, Object: cp.ID, Created: tx.Now(), TitleZH: zh, TitleEN: en, Body: grounds}); err != nil {
				return "", nil, err
			}
		}
		return kind, bizlog.P{"order": cp.Order, "listing": cp.Listing, "member": cp.Member, "note": grounds}, nil
	})
}

// List lists complaints: staff all (or of a status), a member those about
// its exchanges.
func (c *Complaints) List(ctx context.Context, status string) ([]*store.Complaint, error) {
	var out []*store.Complaint
	err := c.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Complaints(ctx, status, 0); return err })
	return out, err
}

// Get returns one complaint with its evidence (without the files' data).
func (c *Complaints) Get(ctx context.Context, id string) (*store.Complaint, []*store.Evidence, error) {
	var cp *store.Complaint
	var ev []*store.Evidence
	err := c.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if cp, err = tx.Complaint(ctx, id, false); err != nil {
			return err
		}
		ev, err = tx.EvidenceOf(ctx, id, false)
		return err
	})
	return cp, ev, err
}

// EvidenceFile returns one evidence file, for whoever may see the complaint.
func (c *Complaints) EvidenceFile(ctx context.Context, id string, n int) (*store.Evidence, error) {
	var out *store.Evidence
	err := c.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.Complaint(ctx, id, false); err != nil {
			return err
		}
		ev, err := tx.EvidenceOf(ctx, id, true)
		if err != nil {
			return err
		}
		for _, e := range ev {
			if e.N == n {
				out = e
				return nil
			}
		}
		return errs.New(errs.NotFound, "evidence", "找不到该证据文件", "no such evidence file")
	})
	return out, err
}
