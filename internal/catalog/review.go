package catalog

import (
	"strings"

	"hulian/internal/errs"
)

// The review of a listing (X-W1 挂牌发布): a supplier submits, the operator
// reviews and approves or rejects with reasons, the supplier publishes; any
// change re-enters review; the operator may suspend, the supplier withdraw.

func wrongStatus(l *Listing, zh, en string) error {
	return errs.New(errs.FailedPrecondition, "status", "挂牌当前状态为 "+string(l.Status)+"，"+zh, "the listing is "+string(l.Status)+"; "+en)
}

// Submit sends a draft, a rejected listing or a changed listing to review.
func (l *Listing) Submit() error {
	switch l.Status {
	case StatusDraft, StatusRejected, StatusApproved, StatusPublished, StatusSuspended:
	default:
		return wrongStatus(l, "不能提交审核", "it cannot be submitted for review")
	}
	l.Status = StatusSubmitted
	l.ReviewNote = ""
	return nil
}

// StartReview takes a submitted listing into review.
func (l *Listing) StartReview() error {
	if l.Status != StatusSubmitted {
		return wrongStatus(l, "只有已提交的挂牌可以开始审核", "only a submitted listing can be taken into review")
	}
	l.Status = StatusInReview
	return nil
}

// Decide records the operator's decision; a rejection needs reasons.
func (l *Listing) Decide(approve bool, note string) error {
	if l.Status != StatusInReview {
		return wrongStatus(l, "只有审核中的挂牌可以审批", "only a listing in review can be decided")
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return errs.Invalidf("note", "驳回须说明理由", "a rejection needs reasons")
	}
	l.ReviewNote = note
	if approve {
		l.Status = StatusApproved
	} else {
		l.Status = StatusRejected
	}
	return nil
}

// Publish makes an approved listing visible to members.
func (l *Listing) Publish() error {
	if l.Status != StatusApproved {
		return wrongStatus(l, "只有审核通过的挂牌可以发布", "only an approved listing can be published")
	}
	l.Status = StatusPublished
	return nil
}

// Suspend takes a published listing off the market (operator, X-G3, X-H1).
func (l *Listing) Suspend(reason string) error {
	if l.Status != StatusPublished {
		return wrongStatus(l, "只有已发布的挂牌可以暂停", "only a published listing can be suspended")
	}
	if strings.TrimSpace(reason) == "" {
		return errs.Invalidf("reason", "暂停须说明理由", "a suspension needs a reason")
	}
	l.Status = StatusSuspended
	l.ReviewNote = strings.TrimSpace(reason)
	return nil
}

// Resume republishes a suspended listing.
func (l *Listing) Resume() error {
	if l.Status != StatusSuspended {
		return wrongStatus(l, "只有暂停的挂牌可以恢复", "only a suspended listing can be resumed")
	}
	l.Status = StatusPublished
	l.ReviewNote = ""
	return nil
}

// Withdraw ends a listing for good (supplier).
func (l *Listing) Withdraw() error {
	if l.Status == StatusWithdrawn {
		return wrongStatus(l, "已撤回", "it is already withdrawn")
	}
	l.Status = StatusWithdrawn
	return nil
}

// Editable reports whether the supplier may change the listing's content;
// the change then needs a new review.
func (l *Listing) Editable() error {
	if l.Status == StatusWithdrawn || l.Status == StatusSubmitted || l.Status == StatusInReview {
		return wrongStatus(l, "当前不能修改", "it cannot be changed now")
	}
	return nil
}
