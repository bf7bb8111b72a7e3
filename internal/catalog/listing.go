// Package catalog is the exchange's catalog of interconnection objects
// (互联对象, X-M4): the six elements of a dataset listing (X-E1..X-E12),
// their validation, and the review states a listing goes through before
// members can find it.
package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/errs"
	"hulian/internal/pricing"
	"hulian/internal/protocol/ident"
)

// Kind is the kind of interconnection object (X-M4). Only datasets are
// standardised; toolsets and appsets are described, not standardised.
type Kind string

const (
	Dataset Kind = "dataset"
	Toolset Kind = "toolset"
	Appset  Kind = "appset"
)

// SubjectKind is who or what a dataset's ID names (X-E1).
type SubjectKind string

const (
	SubjectPerson SubjectKind = "person"
	SubjectThing  SubjectKind = "thing"
	SubjectGroup  SubjectKind = "group"
)

// ValueType is how a tag is valued (X-E7).
type ValueType string

const (
	ValueSingle  ValueType = "single"  // 单值列表: one value from a list
	ValueMulti   ValueType = "multi"   // 多值列表: several values from a list
	ValueSegment ValueType = "segment" // 分段: a band of a numeric range
	ValueHit     ValueType = "hit"     // 命中: whether the subject is in a set
	ValueItem    ValueType = "item"    // 数据项: a data item of a stated format
)

// Tag is one tag of a dataset: its key (标签维度, X-E5) and its value
// domain (标签赋值, X-E7).
type Tag struct {
	Key         string    `json:"key"`              // stable machine name, e.g. "consumption_level"
	Name        string    `json:"name"`             // 标签名称
	Category    string    `json:"category"`         // second-level taxonomy code
	Description string    `json:"description"`      // 标签描述
	Constraints string    `json:"constraints"`      // constraints on use or meaning
	ValueType   ValueType `json:"value_type"`       // 标签赋值类型
	Values      []string  `json:"values,omitempty"` // the value domain for single, multi and segment tags
	Format      string    `json:"format,omitempty"` // for data items: the item's format and unit
	Column      string    `json:"column,omitempty"` // the supplier's CSV column; never published
}

// Limit is the general constraint 一般约束 (X-E9 required, X-E10 optional).
type Limit struct {
	Description    string   `json:"description"`     // 互联对象描述
	Keywords       []string `json:"keywords"`        // 关键词
	Language       string   `json:"language"`        // 语种, BCP 47 ("zh", "en")
	SourceIndustry string   `json:"source_industry"` // 来源行业, GB/T 4754 code
	Processing     string   `json:"processing"`      // 加工方式: direct | indirect

	Sensitivity       string    `json:"sensitivity,omitempty"`  // 敏感度: high | medium | low
	Association       string    `json:"association,omitempty"`  // 关联度: strong | weak | none
	Verification      string    `json:"verification,omitempty"` // 验证方式: one_step | two_step
	Scenarios         []string  `json:"scenarios,omitempty"`    // 应用场景约束
	Traversal         Traversal `json:"traversal"`              // 遍历方式约束
	Coverage          int64     `json:"coverage,omitempty"`     // 覆盖度: number of subjects covered
	Members           []string  `json:"members,omitempty"`      // 成员约束: member IDs admitted ("" = any)
	Industries        []string  `json:"industries,omitempty"`   // 行业约束: demander industries admitted
	EnterpriseNatures []string  `json:"enterprise_natures,omitempty"`
	DataSource        string    `json:"data_source,omitempty"` // 数据来源: accumulated | purchased | crawled | other
	Quality           Scores    `json:"quality"`               // 质量评分
	SecurityScore     int       `json:"security_score,omitempty"`
	RiskScore         int       `json:"risk_score,omitempty"`
}

// Traversal limits how fast one demander may walk a dataset (遍历方式约束).
// Zero means no limit from the listing; the order may set stricter ones.
type Traversal struct {
	IDsPerRequest     int   `json:"ids_per_request,omitempty"`
	IDsPerDay         int64 `json:"ids_per_day,omitempty"`
	RequestsPerMinute int   `json:"requests_per_minute,omitempty"`
}

// Scores are quality scores from 0 to 100 by who assessed them.
type Scores struct {
	Supplier   int `json:"supplier,omitempty"`    // 供应方自评
	ThirdParty int `json:"third_party,omitempty"` // 第三方评估
	Demander   int `json:"demander,omitempty"`    // 需求方后评估 (the mean of demanders' assessments)
}

// Term is the time constraint 时间约束 (X-E11).
type Term struct {
	UpdateFrequency  string `json:"update_frequency"`  // realtime | daily | weekly | monthly | quarterly | yearly | once
	StatisticsPeriod string `json:"statistics_period"` // e.g. "近 12 个月"
	RetentionDays    int    `json:"retention_days"`    // 数据留存期限 after delivery
}

// Enterprise natures admitted by a listing (企业性质约束).
var EnterpriseNatures = []string{"state_owned", "private", "foreign", "joint_venture", "collective", "public_institution", "other"}

// Status is where a listing is in review (X-W1 listing publication).
type Status string

const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusInReview  Status = "in_review"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	StatusPublished Status = "published"
	StatusSuspended Status = "suspended"
	StatusWithdrawn Status = "withdrawn"
)

// Listing is an interconnection object offered by a supplier (挂牌).
type Listing struct {
	ID       string       `json:"id"`
	MemberID string       `json:"member_id"`
	Kind     Kind         `json:"kind"`
	Title    string       `json:"title"`
	Subject  SubjectKind  `json:"subject"` // X-E1
	IDType   ident.Type   `json:"id_type"` // the raw ID type the exIDs were made from
	Tags     []Tag        `json:"tags"`
	Limit    Limit        `json:"limit"`
	Term     Term         `json:"term"`
	Price    pricing.Plan `json:"price"` // X-E12: billing mode and listed price in fen

	Version     int       `json:"version"`
	Status      Status    `json:"status"`
	ReviewNote  string    `json:"review_note,omitempty"`
	GateDigest  string    `json:"gate_digest,omitempty"` // of the accepted gate report, under the platform's hash (SM3 under the 国密 profile)
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	PublishedAt time.Time `json:"published_at"`
}

func oneOf(field, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return errs.Invalidf(field, "取值须为 "+strings.Join(allowed, "、")+" 之一", "must be one of "+strings.Join(allowed, ", "))
}

func optional(field, value string, allowed ...string) error {
	if value == "" {
		return nil
	}
	return oneOf(field, value, allowed...)
}

func text(field string, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return errs.Invalidf(field, "不能为空", "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return errs.Invalidf(field, fmt.Sprintf("不能超过 %d 字", max), fmt.Sprintf("must be at most %d characters", max))
	}
	return nil
}

func score(field string, v int) error {
	if v < 0 || v > 100 {
		return errs.Invalidf(field, "评分须在 0 到 100 之间", "scores range from 0 to 100")
	}
	return nil
}

var keyRe = func(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Validate checks a listing's six elements field by field against the
// reference data. It does not look at content (the gate does).
func (l *Listing) Validate(tax *Taxonomy, ind *Industries) error {
	if err := oneOf("kind", string(l.Kind), string(Dataset), string(Toolset), string(Appset)); err != nil {
		return err
	}
	if err := text("title", l.Title, 100, true); err != nil {
		return err
	}
	if err := l.validateLimit(ind); err != nil {
		return err
	}
	if err := l.Price.Validate(); err != nil {
		if e, ok := err.(*errs.Error); ok {
			c := *e
			c.Field = "price." + c.Field
			return &c
		}
		return err
	}
	if l.Kind != Dataset {
		// Toolsets and appsets are described, not standardised (X-M4).
		if len(l.Tags) > 0 {
			return errs.Invalidf("tags", "只有数据集有标签", "only datasets have tags")
		}
		return nil
	}
	if err := oneOf("subject", string(l.Subject), string(SubjectPerson), string(SubjectThing), string(SubjectGroup)); err != nil {
		return err
	}
	if _, err := ident.ParseType(string(l.IDType)); err != nil {
		return errs.Invalidf("id_type", "不支持的主体标识类型", "unsupported subject ID type")
	}
	if len(l.Tags) == 0 || len(l.Tags) > 200 {
		return errs.Invalidf("tags", "数据集须有 1 到 200 个标签", "a dataset needs 1 to 200 tags")
	}
	keys := map[string]bool{}
	for i, t := range l.Tags {
		if err := t.validate(tax); err != nil {
			e := *err.(*errs.Error)
			e.Field = fmt.Sprintf("tags[%d].%s", i, e.Field)
			return &e
		}
		if keys[t.Key] {
			return errs.Invalidf(fmt.Sprintf("tags[%d].key", i), "标签维度重复", "duplicate tag key")
		}
		keys[t.Key] = true
	}
	return l.validateTerm()
}

func (t Tag) validate(tax *Taxonomy) error {
	if !keyRe(t.Key) {
		return errs.Invalidf("key", "须为小写字母开头的字母、数字或下划线，最长 64", "must be lower-case letters, digits or _, starting with a letter, at most 64")
	}
	if err := text("name", t.Name, 50, true); err != nil {
		return err
	}
	if _, ok := tax.Leaf(t.Category); !ok {
		return errs.Invalidf("category", "不在标签分类表中（须为二级分类代码）", "not in the tag taxonomy (use a second-level code)")
	}
	if err := text("description", t.Description, 500, true); err != nil {
		return err
	}
	if err := text("constraints", t.Constraints, 500, false); err != nil {
		return err
	}
	switch t.ValueType {
	case ValueSingle, ValueMulti, ValueSegment:
		if len(t.Values) < 2 || len(t.Values) > 1000 {
			return errs.Invalidf("values", "列表和分段须列出 2 到 1000 个取值", "list and segment tags list 2 to 1000 values")
		}
		seen := map[string]bool{}
		for _, v := range t.Values {
			if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > 100 || seen[v] {
				return errs.Invalidf("values", "取值不能为空、不能重复、不超过 100 字", "values must be non-empty, distinct and at most 100 characters")
			}
			seen[v] = true
		}
	case ValueHit:
		if len(t.Values) != 0 {
			return errs.Invalidf("values", "命中型标签没有取值列表", "hit tags have no value list")
		}
	case ValueItem:
		if err := text("format", t.Format, 200, true); err != nil {
			return err
		}
	default:
		return oneOf("value_type", string(t.ValueType), string(ValueSingle), string(ValueMulti), string(ValueSegment), string(ValueHit), string(ValueItem))
	}
	return nil
}

func (l *Listing) validateLimit(ind *Industries) error {
	m := l.Limit
	if err := text("limit.description", m.Description, 2000, true); err != nil {
		return err
	}
	if len(m.Keywords) == 0 || len(m.Keywords) > 20 {
		return errs.Invalidf("limit.keywords", "须有 1 到 20 个关键词", "give 1 to 20 keywords")
	}
	for _, k := range m.Keywords {
		if err := text("limit.keywords", k, 30, true); err != nil {
			return err
		}
	}
	if err := oneOf("limit.language", m.Language, "zh", "en", "zh-en"); err != nil {
		return err
	}
	if _, ok := ind.Lookup(m.SourceIndustry); !ok {
		return errs.Invalidf("limit.source_industry", "不是国民经济行业分类中的代码", "not a code of the industry classification")
	}
	if err := oneOf("limit.processing", m.Processing, "direct", "indirect"); err != nil {
		return err
	}
	if err := optional("limit.sensitivity", m.Sensitivity, "high", "medium", "low"); err != nil {
		return err
	}
	if err := optional("limit.association", m.Association, "strong", "weak", "none"); err != nil {
		return err
	}
	if err := optional("limit.verification", m.Verification, "one_step", "two_step"); err != nil {
		return err
	}
	// X-E10: association is used with a verification method; a strongly
	// associated value may only be queried with the subject's authorisation.
	if (m.Association == "strong" || m.Association == "weak") && m.Verification == "" {
		return errs.Invalidf("limit.verification", "强关联或弱关联的标签须指定验证方式", "strong or weak association needs a verification method")
	}
	if m.Association == "strong" && m.Verification != "two_step" {
		return errs.Invalidf("limit.verification", "强关联须采用二次验证", "strong association requires two-step verification")
	}
	for _, s := range m.Scenarios {
		if err := text("limit.scenarios", s, 100, true); err != nil {
			return err
		}
	}
	if m.Traversal.IDsPerRequest < 0 || m.Traversal.IDsPerDay < 0 || m.Traversal.RequestsPerMinute < 0 {
		return errs.Invalidf("limit.traversal", "遍历限制不能为负数", "traversal limits cannot be negative")
	}
	if m.Traversal.IDsPerRequest > 10000 {
		return errs.Invalidf("limit.traversal.ids_per_request", "实时请求最多 10000 个标识", "a real-time request carries at most 10,000 IDs")
	}
	if m.Coverage < 0 {
		return errs.Invalidf("limit.coverage", "覆盖度不能为负数", "coverage cannot be negative")
	}
	for _, code := range m.Industries {
		if _, ok := ind.Lookup(code); !ok {
			return errs.Invalidf("limit.industries", "行业约束含有未知行业代码 "+code, "industry constraint has an unknown code "+code)
		}
	}
	for _, n := range m.EnterpriseNatures {
		if err := oneOf("limit.enterprise_natures", n, EnterpriseNatures...); err != nil {
			return err
		}
	}
	if err := optional("limit.data_source", m.DataSource, "accumulated", "purchased", "crawled", "other"); err != nil {
		return err
	}
	for field, v := range map[string]int{"limit.quality.supplier": m.Quality.Supplier, "limit.quality.third_party": m.Quality.ThirdParty, "limit.quality.demander": m.Quality.Demander, "limit.security_score": m.SecurityScore, "limit.risk_score": m.RiskScore} {
		if err := score(field, v); err != nil {
			return err
		}
	}
	return nil
}

func (l *Listing) validateTerm() error {
	if err := oneOf("term.update_frequency", l.Term.UpdateFrequency, "realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "once"); err != nil {
		return err
	}
	if err := text("term.statistics_period", l.Term.StatisticsPeriod, 100, true); err != nil {
		return err
	}
	// Rights exhaustion (X-P12) needs a finite retention period.
	if l.Term.RetentionDays < 1 || l.Term.RetentionDays > 3650 {
		return errs.Invalidf("term.retention_days", "数据留存期限须为 1 到 3650 天", "the retention period must be 1 to 3,650 days")
	}
	return nil
}

// Admits reports whether a demander may license this listing under its
// member, industry and enterprise-nature constraints (X-E10).
func (l *Listing) Admits(memberID, industry, nature string) error {
	m := l.Limit
	if len(m.Members) > 0 && !slices.Contains(m.Members, memberID) {
		return errs.New(errs.PermissionDenied, "limit.members", "该挂牌仅向指定成员开放", "this listing is open only to named members")
	}
	if len(m.Industries) > 0 && !slices.ContainsFunc(m.Industries, func(code string) bool {
		return code == industry || (len(code) == 1 && strings.HasPrefix(industry, code))
	}) {
		return errs.New(errs.PermissionDenied, "limit.industries", "需求方所属行业不在该挂牌的行业约束内", "the demander's industry is not admitted by this listing")
	}
	if len(m.EnterpriseNatures) > 0 && !slices.Contains(m.EnterpriseNatures, nature) {
		return errs.New(errs.PermissionDenied, "limit.enterprise_natures", "需求方企业性质不在该挂牌的约束内", "the demander's enterprise nature is not admitted by this listing")
	}
	return nil
}

// ListedFen is a listing's headline price 挂牌价格 in fen, the figure that
// search filters and market quotes compare: the unit price per billable ID
// for per-call plans, the first tier's unit price for tiered plans, and the
// monthly fee (of the first band) for monthly plans.
func ListedFen(p pricing.Plan) int64 {
	switch p.Mode {
	case pricing.PerCall:
		return p.UnitPrice
	case pricing.Tiered:
		if len(p.Tiers) > 0 {
			return p.Tiers[0].UnitPrice
		}
	case pricing.Monthly:
		return p.MonthlyFee
	case pricing.MonthlyTiered:
		if len(p.Bands) > 0 {
			return p.Bands[0].Fee
		}
	}
	return 0
}

// TagKeys are the keys of l's tags in order: the columns an order of it
// licenses.
func (l *Listing) TagKeys() []string {
	keys := make([]string, 0, len(l.Tags))
	for _, t := range l.Tags {
		keys = append(keys, t.Key)
	}
	return keys
}
