// Package rectnotice is the notice of corrections and deletions a
// supplier's node sends the demander's node of an order (X-P4, O-4):
// its plaintext, which is HPKE-sealed to the demander's node under the
// request ID RequestID(notice) and authenticated with the order key.
// docs/rectification.md describes it.
package rectnotice

import (
	"encoding/hex"
	"fmt"

	"hulian/internal/errs"
	"hulian/internal/jsonstrict"
	"hulian/internal/protocol/ordertoken"
)

// Actions.
const (
	Delete  = "delete"
	Correct = "correct"
)

// MaxRows bounds the rows of one notice.
const MaxRows = 10_000

// Body is a notice's plaintext.
type Body struct {
	Version int    `json:"version"`
	Notice  string `json:"notice"`
	Order   string `json:"order"`
	Action  string `json:"action"`
	// Reason: excluded, withdrawn, removed (deletions) or corrected.
	Reason string `json:"reason"`
	// Columns are the order's tag keys the values of a correction are in.
	Columns []string `json:"columns,omitempty"`
	Rows    []Row    `json:"rows"`
}

// Row names one subject by its order token (hex), with a correction's
// values in the order of Columns.
type Row struct {
	Token  string   `json:"token"`
	Values []string `json:"values,omitempty"`
}

// RequestID is the request ID a notice is sealed and authenticated under:
// apart from every delivery's, so that neither can stand for the other.
func RequestID(notice string) string { return "rectify/" + notice }

// Parse reads and checks a notice's plaintext against the notice and
// order it was sent as, and returns it with its tokens decoded.
func Parse(b []byte, notice, order string) (*Body, []ordertoken.Token, error) {
	var body Body
	if err := jsonstrict.Decode(b, "notice", &body); err != nil {
		return nil, nil, err
	}
	switch {
	case body.Version != 1:
		return nil, nil, errs.Invalidf("version", fmt.Sprintf("不支持的通知版本 %d", body.Version), fmt.Sprintf("unsupported notice version %d", body.Version))
	case body.Notice != notice || body.Order != order:
		return nil, nil, errs.Invalidf("notice", "通知内容中的编号或订单与平台转来的不符", "the notice's ID or order differs from what the platform passed on")
	case body.Action != Delete && body.Action != Correct:
		return nil, nil, errs.Invalidf("action", "动作须为 delete 或 correct", "action must be delete or correct")
	case len(body.Rows) == 0 || len(body.Rows) > MaxRows:
		return nil, nil, errs.Invalidf("rows", fmt.Sprintf("通知须涉及 1 至 %d 行", MaxRows), fmt.Sprintf("a notice names 1 to %d rows", MaxRows))
	case body.Action == Correct && len(body.Columns) == 0:
		return nil, nil, errs.Invalidf("columns", "更正通知须列出各值所在的列", "a correction names the columns of its values")
	}
	toks := make([]ordertoken.Token, len(body.Rows))
	for i, r := range body.Rows {
		if n, err := hex.Decode(toks[i][:], []byte(r.Token)); err != nil || n != ordertoken.TokenSize || len(r.Token) != 2*ordertoken.TokenSize {
			return nil, nil, errs.Invalidf(fmt.Sprintf("rows[%d].token", i), "令牌须为 32 位十六进制", "a token is 32 hexadecimal digits")
		}
		want := 0
		if body.Action == Correct {
			want = len(body.Columns)
		}
		if len(r.Values) != want {
			return nil, nil, errs.Invalidf(fmt.Sprintf("rows[%d].values", i), fmt.Sprintf("应有 %d 个值", want), fmt.Sprintf("%d values expected", want))
		}
	}
	return &body, toks, nil
}
