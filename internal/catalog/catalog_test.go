package catalog_test

import (
	"strings"
	"testing"

	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/errs"
	"hulian/internal/pricing"
)

func refs(t *testing.T) (*catalog.Taxonomy, *catalog.Industries) {
	t.Helper()
	tax, err := catalog.ParseTaxonomy(catalog.DefaultTaxonomy)
	if err != nil {
		t.Fatal(err)
	}
	ind, err := catalog.ParseIndustries(catalog.DefaultIndustries)
	if err != nil {
		t.Fatal(err)
	}
	return tax, ind
}

func TestReferenceData(t *testing.T) {
	t.Parallel()
	tax, ind := refs(t)
	// X-E6: four first-level categories with 3 + 8 + 3 + 1 second-level ones.
	if n := len(tax.Categories); n != 4 {
		t.Errorf("%d first-level categories", n)
	}
	if c, ok := tax.Leaf("behaviour.litigation"); !ok || c.ZH != "涉诉行为" || tax.Parent("behaviour.litigation") != "behaviour" {
		t.Errorf("litigation category: %+v", c)
	}
	// GB/T 4754-2017: 20 sections, 97 divisions.
	if n := len(ind.All()); n != 20+97 {
		t.Errorf("%d industries", n)
	}
	if i, ok := ind.Lookup("I64"); !ok || i.ZH != "互联网和相关服务" {
		t.Errorf("I64: %+v", i)
	}
	for name, body := range map[string]string{
		"unknown field": `{"version":"x","categories":[],"extra":1}`,
		"empty":         `{"version":"x","categories":[]}`,
		"no version":    `{"categories":[{"code":"a","zh":"甲","en":"A","children":[{"code":"a.b","zh":"乙","en":"B"}]}]}`,
		"duplicate":     `{"version":"x","categories":[{"code":"a","zh":"甲","en":"A","children":[{"code":"a","zh":"乙","en":"B"}]}]}`,
	} {
		if _, err := catalog.ParseTaxonomy([]byte(body)); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s taxonomy: %v", name, err)
		}
	}
}

func FuzzParseTaxonomy(f *testing.F) {
	f.Add(catalog.DefaultTaxonomy)
	f.Add([]byte(`{"version":"1","categories":[{"code":"a","zh":"甲","en":"A","children":[{"code":"a.b","zh":"乙","en":"B"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tax, err := catalog.ParseTaxonomy(b)
		if err == nil && tax.Version == "" {
			t.Fatal("accepted a taxonomy without a version")
		}
	})
}

func FuzzParseIndustries(f *testing.F) {
	f.Add(catalog.DefaultIndustries)
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := catalog.ParseIndustries(b)
		if err == nil && len(in.All()) == 0 {
			t.Fatal("accepted an empty classification")
		}
	})
}

// TestListingValidate checks each element of X-E1..X-E12 is required or
// enumerated as the rules say, naming the field.
func TestListingValidate(t *testing.T) {
	t.Parallel()
	tax, ind := refs(t)
	if err := catalogtest.Dataset().Validate(tax, ind); err != nil {
		t.Fatalf("valid dataset: %v", err)
	}
	cases := map[string]func(l *catalog.Listing){
		"kind":                            func(l *catalog.Listing) { l.Kind = "dataframe" },
		"subject":                         func(l *catalog.Listing) { l.Subject = "animal" },
		"id_type":                         func(l *catalog.Listing) { l.IDType = "passport" },
		"tags":                            func(l *catalog.Listing) { l.Tags = nil },
		"tags[0].category":                func(l *catalog.Listing) { l.Tags[0].Category = "behaviour" },
		"tags[0].key":                     func(l *catalog.Listing) { l.Tags[0].Key = "Bad Key" },
		"tags[0].values":                  func(l *catalog.Listing) { l.Tags[0].Values = []string{"x"} },
		"tags[0].value_type":              func(l *catalog.Listing) { l.Tags[0].ValueType = "range" },
		"tags[1].key":                     func(l *catalog.Listing) { l.Tags[1].Key = l.Tags[0].Key },
		"limit.description":               func(l *catalog.Listing) { l.Limit.Description = "" },
		"limit.keywords":                  func(l *catalog.Listing) { l.Limit.Keywords = nil },
		"limit.language":                  func(l *catalog.Listing) { l.Limit.Language = "fr" },
		"limit.source_industry":           func(l *catalog.Listing) { l.Limit.SourceIndustry = "Z99" },
		"limit.processing":                func(l *catalog.Listing) { l.Limit.Processing = "magic" },
		"limit.sensitivity":               func(l *catalog.Listing) { l.Limit.Sensitivity = "extreme" },
		"limit.verification":              func(l *catalog.Listing) { l.Limit.Association = "strong"; l.Limit.Verification = "one_step" },
		"limit.traversal.ids_per_request": func(l *catalog.Listing) { l.Limit.Traversal.IDsPerRequest = 20000 },
		"limit.data_source":               func(l *catalog.Listing) { l.Limit.DataSource = "stolen" },
		"limit.quality.supplier":          func(l *catalog.Listing) { l.Limit.Quality.Supplier = 101 },
		"limit.enterprise_natures":        func(l *catalog.Listing) { l.Limit.EnterpriseNatures = []string{"alien"} },
		"term.update_frequency":           func(l *catalog.Listing) { l.Term.UpdateFrequency = "sometimes" },
		"term.retention_days":             func(l *catalog.Listing) { l.Term.RetentionDays = 0 },
		"price.":                          func(l *catalog.Listing) { l.Price = pricing.Plan{Mode: "barter", Basis: pricing.PerHit} },
	}
	for field, mutate := range cases {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			l := catalogtest.Dataset()
			mutate(l)
			err := l.Validate(tax, ind)
			e, ok := err.(*errs.Error)
			if !ok || e.Kind != errs.Invalid {
				t.Fatalf("got %v, want Invalid", err)
			}
			if !strings.HasPrefix(e.Field, field) {
				t.Errorf("field %q, want %q", e.Field, field)
			}
		})
	}
	tool := catalogtest.Dataset()
	tool.Kind, tool.Tags = catalog.Toolset, nil
	if err := tool.Validate(tax, ind); err != nil {
		t.Errorf("toolset without tags (described, not standardised): %v", err)
	}
}

func TestReviewStates(t *testing.T) {
	t.Parallel()
	l := catalogtest.Dataset()
	l.Status = catalog.StatusDraft
	mustFail := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("transition allowed out of order")
		}
	}
	mustFail(l.Publish())
	mustFail(l.StartReview())
	if err := l.Submit(); err != nil {
		t.Fatal(err)
	}
	mustFail(l.Decide(true, ""))
	l.StartReview()
	mustFail(l.Decide(false, " "))
	l.Decide(false, "标签描述不清")
	mustFail(l.Publish())
	l.Submit()
	l.StartReview()
	l.Decide(true, "")
	if err := l.Publish(); err != nil || l.Status != catalog.StatusPublished {
		t.Fatalf("publish: %v %s", err, l.Status)
	}
	mustFail(l.Suspend(""))
	l.Suspend("投诉处理中")
	mustFail(l.Publish())
	l.Resume()
	l.Withdraw()
	mustFail(l.Submit())
	mustFail(l.Editable())
}

func TestAdmits(t *testing.T) {
	t.Parallel()
	l := catalogtest.Dataset()
	l.Limit.Industries = []string{"J", "F52"}
	l.Limit.EnterpriseNatures = []string{"private"}
	if err := l.Admits("mem_a", "J66", "private"); err != nil {
		t.Errorf("admitted section: %v", err)
	}
	if err := l.Admits("mem_a", "F51", "private"); err == nil {
		t.Error("industry outside the constraint admitted")
	}
	if err := l.Admits("mem_a", "F52", "state_owned"); err == nil {
		t.Error("enterprise nature outside the constraint admitted")
	}
	l.Limit.Members = []string{"mem_b"}
	if err := l.Admits("mem_a", "F52", "private"); err == nil {
		t.Error("member outside the constraint admitted")
	}
}
