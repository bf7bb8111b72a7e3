package auth

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Scope names a part of the platform's API an API token may call. A token
// is scoped to one or more of them; within its scope the account's role
// still decides what it may do. A token that leaks thus exposes only what
// its job needed: the token of an exID batch cannot place orders.
type Scope string

const (
	ScopeAll     Scope = "all"     // everything the account may do, token management included
	ScopeExID    Scope = "exid"    // ExIDService: hulian exid translate, hulian query --id-type
	ScopeCatalog Scope = "catalog" // CatalogService: listings and the catalogue
	ScopeMarket  Scope = "market"  // MarketService and DeliveryService: demands, offers, orders, deliveries
	ScopeQuota   Scope = "quota"   // QuotaService: balances and movements
	ScopeMember  Scope = "member"  // MemberService: the member's own organisation and onboarding
	// ScopeSettlement is SettlementService: statements, disputes, invoices
	// and the book, for a finance team's systems.
	ScopeSettlement Scope = "settlement"
	// ScopeLog is the business log's HTTP routes under /log/v1/: reading
	// entries and, for the regulator's witness, publishing cosignatures.
	ScopeLog Scope = "log"
)

type scopeInfo struct {
	services []string // Connect service names
	label    i18n.Text
}

var scopes = map[Scope]scopeInfo{
	ScopeAll:        {nil, i18n.T("全部（含令牌管理）", "everything (token management included)")},
	ScopeExID:       {[]string{"hulian.v1.ExIDService"}, i18n.T("exID 转换", "exID translation")},
	ScopeCatalog:    {[]string{"hulian.v1.CatalogService"}, i18n.T("挂牌与目录", "listings and catalogue")},
	ScopeMarket:     {[]string{"hulian.v1.MarketService", "hulian.v1.DeliveryService"}, i18n.T("需求、报价、订单与配送", "demands, offers, orders and deliveries")},
	ScopeQuota:      {[]string{"hulian.v1.QuotaService"}, i18n.T("额度查询", "quota")},
	ScopeMember:     {[]string{"hulian.v1.MemberService"}, i18n.T("成员资料与入驻", "organisation and onboarding")},
	ScopeSettlement: {[]string{"hulian.v1.SettlementService"}, i18n.T("结算、发票与账务", "settlement, invoices and accounts")},
	ScopeLog:        {[]string{"log"}, i18n.T("业务日志（见证者）", "business log (witnesses)")},
}

// Scopes lists every scope, in the order a form shows them.
func Scopes() []Scope {
	return []Scope{ScopeExID, ScopeCatalog, ScopeMarket, ScopeQuota, ScopeSettlement, ScopeMember, ScopeLog, ScopeAll}
}

// Label is the scope's name for people.
func (s Scope) Label() i18n.Text { return scopes[s].label }

// ScopeSet is a token's scopes, stored as "exid,market".
type ScopeSet []Scope

// ParseScopes reads a comma-separated list of scope names. An empty list
// is refused: a token is made for a purpose.
func ParseScopes(s string) (ScopeSet, error) {
	var out ScopeSet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if part == "" {
			continue
		}
		sc := Scope(part)
		if _, ok := scopes[sc]; !ok {
			return nil, errs.Invalidf("scope", "未知的令牌范围「"+part+"」；可选 exid、catalog、market、quota、member、all",
				"unknown token scope "+strconv.Quote(part)+"; choose from exid, catalog, market, quota, member, all")
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("scope", "须至少指定一个令牌范围", "a token needs at least one scope")
	}
	if slices.Contains(out, ScopeAll) {
		return ScopeSet{ScopeAll}, nil
	}
	slices.Sort(out)
	return out, nil
}

// String is the stored form.
func (ss ScopeSet) String() string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// Label names the scopes for people.
func (ss ScopeSet) Label(lang i18n.Lang) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Label().In(lang)
	}
	sep := "、"
	if lang == i18n.EN {
		sep = ", "
	}
	return strings.Join(parts, sep)
}

// Allows reports whether a token of these scopes may call the API path
// "/hulian.v1.Service/Method". Paths outside the Connect services (the
// console, the log's tiles) are for ScopeAll only.
func (ss ScopeSet) Allows(path string) bool {
	if slices.Contains(ss, ScopeAll) {
		return true
	}
	service, _, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return false
	}
	for _, s := range ss {
		if slices.Contains(scopes[s].services, service) {
			return true
		}
	}
	return false
}

// Token lifetimes: a token expires; a person chooses when, within a year.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 365 * 24 * time.Hour
)

// TokenTTL validates a lifetime in days; 0 is the default of 90.
func TokenTTL(days int) (time.Duration, error) {
	switch {
	case days == 0:
		return DefaultTokenTTL, nil
	case days < 1 || days > 365:
		return 0, errs.Invalidf("ttl_days", "令牌有效期须为 1 到 365 天", "a token lives 1 to 365 days")
	}
	return time.Duration(days) * 24 * time.Hour, nil
}
