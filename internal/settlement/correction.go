package settlement

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"hulian/internal/digest"
	"hulian/internal/errs"
)

// KindCorrected is a correction's entry (X-S2): a new statement that
// corrects an earlier one of the same chain, never an edit of it.
const KindCorrected = "settlement.statement_corrected"

// Adjustment is one credit a correction grants on one of the statement's
// lines, with its reason. What the log charged is the ceiling: a
// correction only credits, and a line's credits never exceed its charge.
type Adjustment struct {
	Order     string `json:"order"`
	AmountFen int64  `json:"amount_fen"` // negative
	Reason    string `json:"reason"`
}

// MaxReason is the longest reason, in characters, a person may give.
const MaxReason = 500

// AdjustmentsHash is the digest under alg of the adjustments' canonical JSON.
func AdjustmentsHash(alg digest.Alg, adjs []Adjustment) string {
	b, _ := json.Marshal(adjs) // plain structs: cannot fail
	sum := alg.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Root is the ID of the original statement of a chain: corrections are
// numbered after it (stm_…_c1, stm_…_c2).
func Root(id string) string {
	if i := strings.LastIndex(id, "_c"); i > 0 && strings.Count(id[:i], "_") == 2 {
		if _, err := strconv.Atoi(id[i+2:]); err == nil {
			return id[:i]
		}
	}
	return id
}

// Correct returns the statement correcting prev (the chain's latest) for
// dispute by the credits adds; nothing about prev changes. Each credit must
// name one of prev's orders, be negative, give a reason, and leave the
// line's credits within its charge: errors name the adjustment and field.
func Correct(prev *Statement, n int, dispute string, adds []Adjustment) (*Statement, error) {
	if len(adds) == 0 {
		return nil, errs.Invalidf("adjustments", "更正须至少包含一项调整", "a correction needs at least one adjustment")
	}
	st := &Statement{
		ID: Root(prev.ID) + "_c" + strconv.Itoa(n), Month: prev.Month, From: prev.From, Demander: prev.Demander, Supplier: prev.Supplier,
		Lines: prev.Lines, Hash: prev.Hash, LinesDigest: prev.LinesDigest, Corrects: prev.ID, Dispute: dispute,
		Adjustments: append(append([]Adjustment(nil), prev.Adjustments...), adds...),
	}
	for i, a := range adds {
		a.Reason = strings.TrimSpace(a.Reason)
		st.Adjustments[len(prev.Adjustments)+i].Reason = a.Reason
		row := fmt.Sprintf("adjustments[%d]", i)
		switch {
		case a.AmountFen >= 0:
			return nil, errs.Invalidf(row+".amount_fen", fmt.Sprintf("第 %d 项调整：金额须为负数（向需方退还）", i+1), fmt.Sprintf("adjustment %d: the amount must be negative (a credit to the demander)", i+1))
		case a.Reason == "" || utf8.RuneCountInString(a.Reason) > MaxReason:
			return nil, errs.Invalidf(row+".reason", fmt.Sprintf("第 %d 项调整：须说明理由（最长 %d 字）", i+1, MaxReason), fmt.Sprintf("adjustment %d: give a reason (at most %d characters)", i+1, MaxReason))
		}
	}
	if err := checkAdjustments(st); err != nil {
		return nil, err
	}
	st.AdjustmentsDigest = AdjustmentsHash(st.Alg(), st.Adjustments)
	st.TotalFen = st.linesTotal() + st.credits()
	return st, nil
}

func (st *Statement) linesTotal() int64 {
	var n int64
	for _, l := range st.Lines {
		n += l.ChargeFen
	}
	return n
}

func (st *Statement) credits() int64 {
	var n int64
	for _, a := range st.Adjustments {
		n += a.AmountFen
	}
	return n
}

// checkAdjustments checks that each adjustment names a line and credits
// it no more than its charge, in total over the chain.
func checkAdjustments(st *Statement) error {
	charge := map[string]int64{}
	for _, l := range st.Lines {
		charge[l.Order] += l.ChargeFen // a period of several months has a line per month
	}
	credited := map[string]int64{}
	for i, a := range st.Adjustments {
		c, ok := charge[a.Order]
		row := fmt.Sprintf("adjustments[%d]", i)
		switch {
		case !ok:
			return errs.Invalidf(row+".order", fmt.Sprintf("第 %d 项调整：订单 %s 不在该结算单中", i+1, a.Order), fmt.Sprintf("adjustment %d: order %s is not on the statement", i+1, a.Order))
		case a.AmountFen >= 0:
			return errs.Invalidf(row+".amount_fen", fmt.Sprintf("第 %d 项调整：金额须为负数", i+1), fmt.Sprintf("adjustment %d: the amount must be negative", i+1))
		}
		credited[a.Order] -= a.AmountFen
		if credited[a.Order] > c {
			return errs.Invalidf(row+".amount_fen", fmt.Sprintf("第 %d 项调整：订单 %s 的退还合计超过其计费 %d 分", i+1, a.Order, c),
				fmt.Sprintf("adjustment %d: the credits on order %s exceed its charge of %d fen", i+1, a.Order, c))
		}
	}
	return nil
}

// SameCorrection reports whether st is a correct correction of prev: the
// same pair, month and lines, prev's adjustments followed by new ones,
// credits within each line's charge, and the total and hashes they make.
func SameCorrection(prev, st *Statement) error {
	switch {
	case st.Corrects != prev.ID || Root(st.ID) != Root(prev.ID):
		return fmt.Errorf("statement %s: does not follow %s in its chain", st.ID, prev.ID)
	case st.Month != prev.Month || st.From != prev.From || st.Demander != prev.Demander || st.Supplier != prev.Supplier:
		return fmt.Errorf("statement %s: another pair or month than %s", st.ID, prev.ID)
	case st.Alg() != prev.Alg():
		return fmt.Errorf("statement %s: its hash is %s, that of %s is %s", st.ID, st.Alg(), prev.ID, prev.Alg())
	case st.LinesDigest != prev.LinesDigest || LinesHash(st.Alg(), st.Lines) != st.LinesDigest:
		return fmt.Errorf("statement %s: its lines differ from those of %s", st.ID, prev.ID)
	case len(st.Adjustments) <= len(prev.Adjustments) || !slices.Equal(st.Adjustments[:len(prev.Adjustments)], prev.Adjustments):
		return fmt.Errorf("statement %s: its adjustments do not extend those of %s", st.ID, prev.ID)
	case AdjustmentsHash(st.Alg(), st.Adjustments) != st.AdjustmentsDigest:
		return fmt.Errorf("statement %s: its adjustments do not match their hash", st.ID)
	case st.TotalFen != st.linesTotal()+st.credits():
		return fmt.Errorf("statement %s: total %d fen, its lines and adjustments make %d", st.ID, st.TotalFen, st.linesTotal()+st.credits())
	}
	if err := checkAdjustments(st); err != nil {
		return fmt.Errorf("statement %s: %w", st.ID, err)
	}
	return nil
}
