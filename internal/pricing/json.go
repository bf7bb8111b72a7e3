package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// maxPlanJSON bounds the text of a plan; a real one is a few hundred bytes.
const maxPlanJSON = 16 << 10

// ParsePlan reads a plan from JSON: integer fen, the field names of Plan,
// no unknown fields, no trailing data. The plan is validated.
func ParsePlan(data []byte) (Plan, error) {
	var p Plan
	if err := p.UnmarshalJSON(data); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// UnmarshalJSON decodes strictly and validates, so a Plan inside any
// request or stored confirmation is valid once decoded.
func (p *Plan) UnmarshalJSON(data []byte) error {
	if len(data) > maxPlanJSON {
		return errs.Invalidf("plan", "价格方案过长", "price plan too long")
	}
	type plain Plan // no methods: decodes without recursion
	var v plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return &errs.Error{Kind: errs.Invalid, Field: "plan",
			Reason: i18n.T("价格方案不是有效的 JSON："+err.Error(), "price plan is not valid JSON: "+err.Error()), Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalidf("plan", "价格方案之后有多余内容", "unexpected data after the price plan")
	}
	if err := Plan(v).Validate(); err != nil {
		return err
	}
	*p = Plan(v)
	return nil
}
