package platform

import (
	"context"
	"slices"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
)

// Scopes of a technical halt (X-H1): the whole platform, one member, one
// listing, or every listing tagged in a category.
const (
	HaltPlatform = "platform"
	HaltMember   = "member"
	HaltListing  = "listing"
	HaltCategory = "category"
)

// HaltCauses are the causes 《数据互联规则》 §13 allows a technical halt
// for, with their names.
var HaltCauses = map[string]i18n.Text{
	"force_majeure":     i18n.T("不可抗力", "force majeure"),
	"accident":          i18n.T("意外事件", "an accident"),
	"technical_failure": i18n.T("技术故障", "a technical failure"),
	"privacy_security":  i18n.T("数据隐私与安全风险", "a data privacy and security risk"),
	"other":             i18n.T("运营方认定的其他异常情况", "another anomaly the operator determined"),
}

// Touches is what a call reaches, for the halts check: the members acting
// or party to it and the listing it uses.
type Touches struct {
	Members []string
	Listing string
}

// CheckHalts refuses a call that a technical halt in force covers, saying
// which halt, why and what its notice says. It reads the halts in tx, so
// a halt committed before the call's transaction stops it; with none in
// force it costs one read of an empty index.
func CheckHalts(ctx context.Context, tx *store.Tx, t Touches) error {
	hs, err := tx.Halts(ctx, true, 0)
	if err != nil || len(hs) == 0 {
		return err
	}
	var cats []string
	loaded := false
	for _, h := range hs {
		hit := false
		switch h.Scope {
		case HaltPlatform:
			hit = true
		case HaltMember:
			hit = slices.Contains(t.Members, h.Target)
		case HaltListing:
			hit = t.Listing != "" && t.Listing == h.Target
		case HaltCategory:
			if t.Listing == "" {
				continue
			}
			if !loaded {
				if cats, err = tx.ListingCategoriesOf(ctx, t.Listing); err != nil {
					return err
				}
				loaded = true
			}
			hit = slices.ContainsFunc(cats, func(c string) bool { return c == h.Target || strings.HasPrefix(c, h.Target+".") })
		}
		if hit {
			return Halted(h)
		}
	}
	return nil
}

// Halted is the error of a call a halt stops.
func Halted(h *store.Halt) error {
	cause := HaltCauses[h.Cause]
	return errs.New(errs.FailedPrecondition, "halt", "数据互联服务因"+cause.ZH+"已技术性暂停（"+h.ID+"）："+h.Notice,
		"the exchange is halted for "+cause.EN+" ("+h.ID+"): "+h.Notice)
}
