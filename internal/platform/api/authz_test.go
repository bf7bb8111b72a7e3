package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/member"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/protocol/oprf"
	"hulian/internal/rpc"
	"hulian/internal/rpc/reqsign"
)

// A role is one way of calling the API. Every procedure is tried as every
// role; member A is the target of every call that has one.
type role struct {
	name string
	// prepare authenticates r as the role.
	prepare func(f *fixture, r *http.Request) http.RoundTripper
}

var roles = []role{
	{"anonymous", func(f *fixture, r *http.Request) http.RoundTripper { return http.DefaultTransport }},
	{"operator", bearer(func(f *fixture) string { return f.OpToken })},
	{"regulator", bearer(func(f *fixture) string { return f.RegToken })},
	{"memberA", bearer(func(f *fixture) string { return f.A.Token })},
	{"memberB", bearer(func(f *fixture) string { return f.B.Token })},
	{"forgedToken", bearer(func(f *fixture) string { return "hlt_" + strings.Repeat("a", 52) })},
	{"nodeA", node(func(f *fixture) (string, ed25519.PrivateKey) { return f.A.ID, f.A.Node })},
	{"nodeB", node(func(f *fixture) (string, ed25519.PrivateKey) { return f.B.ID, f.B.Node })},
	{"nodeAWrongKey", node(func(f *fixture) (string, ed25519.PrivateKey) {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		return f.A.ID, k
	})},
	{"nodeAUnsigned", func(f *fixture, r *http.Request) http.RoundTripper {
		// The node's headers without a signature are no credential at all.
		r.Header.Set(reqsign.HeaderMember, f.A.ID)
		r.Header.Set(reqsign.HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
		r.Header.Set(reqsign.HeaderNonce, "AAAAAAAAAAAAAAAAAAAAAA")
		return http.DefaultTransport
	}},
	{"memberACookieNoCSRF", func(f *fixture, r *http.Request) http.RoundTripper {
		r.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: f.A.Cookie})
		return http.DefaultTransport
	}},
}

func bearer(token func(*fixture) string) func(*fixture, *http.Request) http.RoundTripper {
	return func(f *fixture, r *http.Request) http.RoundTripper {
		r.Header.Set("Authorization", "Bearer "+token(f))
		return http.DefaultTransport
	}
}

func node(key func(*fixture) (string, ed25519.PrivateKey)) func(*fixture, *http.Request) http.RoundTripper {
	return func(f *fixture, r *http.Request) http.RoundTripper {
		id, k := key(f)
		return &rpc.NodeTransport{Member: id, Key: k}
	}
}

// seesA are the roles that may read member A's objects.
var seesA = []string{"operator", "regulator", "memberA", "nodeA"}

// public are the roles that count as anonymous: no credential at all.
var public = []string{"anonymous", "nodeAUnsigned"}

// rule says who may call a procedure, the stage member A must be in for
// the call to be able to succeed, and the JSON request.
type rule struct {
	allowed []string
	stage   member.Stage
	body    func(t *testing.T, f *fixture) string
}

func jsonApplication(a member.Application) string {
	return fmt.Sprintf(`{"name":%q,"uscc":%q,"industry":%q,"contact_name":%q,"contact_phone":%q,"contact_email":%q,"storage_region":%q,"roles":["MEMBER_ROLE_SUPPLIER"]}`,
		a.Name, a.USCC, a.Industry, a.ContactName, a.ContactPhone, a.ContactEmail, a.StorageRegion)
}

// rules is the authorization table of the API. A procedure missing here
// fails the test: a new endpoint must say who may call it.
var rules = map[string]rule{
	"/hulian.v1.MemberService/Apply": {
		allowed: append([]string{"memberA", "memberB", "nodeA", "nodeB"}, public...),
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"application":%s,"login":"new%d","display_name":"新申请人","password":%q}`, jsonApplication(application()), uniq(), testPassword)
		},
	},
	"/hulian.v1.MemberService/GetAgreement": {
		allowed: append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...),
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.MemberService/GetMember": {
		allowed: seesA,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"id":%q}`, f.A.ID) },
	},
	"/hulian.v1.MemberService/ListMembers": {
		allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.MemberService/Resubmit": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageRejected,
		body: func(t *testing.T, f *fixture) string {
			a := application()
			a.USCC = f.snapshot(t).A.USCC
			return fmt.Sprintf(`{"id":%q,"application":%s}`, f.A.ID, jsonApplication(a))
		},
	},
	"/hulian.v1.MemberService/ReviewQualification": {
		allowed: []string{"operator"},
		stage:   member.StageApplied,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"id":%q,"approve":true}`, f.A.ID) },
	},
	"/hulian.v1.MemberService/SignAgreement": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageQualified,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"agreement_version":%q}`, f.A.ID, f.M.Platform.Agreement)
		},
	},
	"/hulian.v1.MemberService/RegisterNodeKeys": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageAgreed,
		body: func(t *testing.T, f *fixture) string {
			b64 := base64.StdEncoding.EncodeToString
			return fmt.Sprintf(`{"id":%q,"x25519_public_key":%q,"ed25519_public_key":%q}`, f.A.ID, b64(f.A.X25519), b64(f.A.Node.Public().(ed25519.PublicKey)))
		},
	},
	"/hulian.v1.MemberService/CompleteIntegration": {
		allowed: []string{"nodeA"},
		stage:   member.StageOpened,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"id":%q}`, f.A.ID) },
	},
	"/hulian.v1.ExIDService/PublicKeys": {
		allowed: append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...),
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.ExIDService/Evaluate": {
		allowed: []string{"memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.setStage(t, f.B, member.StageActive)
			_, blinded, err := oprf.Blind([]byte("mobile\x00+8613800138000"), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := blinded.MarshalBinary()
			return fmt.Sprintf(`{"blinded":[%q]}`, base64.StdEncoding.EncodeToString(b))
		},
	},
	"/hulian.v1.ExIDService/RotateKey": {
		allowed: []string{"operator"},
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.TokenService/CreateToken": {
		allowed: []string{"operator", "regulator", "memberA", "memberB"},
		body:    func(t *testing.T, f *fixture) string { return `{"name":"authz","scopes":["all"]}` },
	},
	"/hulian.v1.TokenService/ListTokens": {
		allowed: []string{"operator", "regulator", "memberA", "memberB"},
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.TokenService/RevokeToken": {
		allowed: []string{"memberA"},
		body: func(t *testing.T, f *fixture) string {
			// A fresh token of member A's account for each call, so that
			// revoking it does not lock member A out of the next calls.
			_, tok, err := f.M.Platform.CreateToken(auth.WithActor(context.Background(), f.A.actor()), "to revoke", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
			if err != nil {
				t.Fatal(err)
			}
			f.A.extraTokens = append(f.A.extraTokens, tok.ID)
			return fmt.Sprintf(`{"id":%q}`, tok.ID)
		},
	},
	"/hulian.v1.CatalogService/GetTaxonomy": {
		allowed: append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...),
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.CatalogService/GetIndustries": {
		allowed: append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...),
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.CatalogService/GetQuotes": {
		allowed: append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...),
		body:    func(t *testing.T, f *fixture) string { return `{}` },
	},
	"/hulian.v1.CatalogService/PutReference": {
		allowed: []string{"operator"},
		body:    func(t *testing.T, f *fixture) string { return putTaxonomyBody(t) },
	},
	"/hulian.v1.CatalogService/CreateListing": {
		allowed: []string{"memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.setStage(t, f.B, member.StageActive)
			return `{"content":` + jsonContent(t) + `}`
		},
	},
	"/hulian.v1.CatalogService/UpdateListing": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.setStage(t, f.B, member.StageActive)
			return fmt.Sprintf(`{"id":%q,"content":%s}`, f.listingOfA(t, catalog.StatusDraft).ID, jsonContent(t))
		},
	},
	"/hulian.v1.CatalogService/SubmitListing": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.setStage(t, f.B, member.StageActive)
			l := f.listingOfA(t, catalog.StatusDraft)
			return fmt.Sprintf(`{"id":%q,"gate_report":%s}`, l.ID, jsonGateReport(t, catalogtest.Report(l, f.A.Node, 5000)))
		},
	},
	"/hulian.v1.CatalogService/StartReview": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q}`, f.listingOfA(t, catalog.StatusSubmitted).ID)
		},
	},
	"/hulian.v1.CatalogService/DecideListing": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"approve":false,"note":"标签描述不清"}`, f.listingOfA(t, catalog.StatusInReview).ID)
		},
	},
	"/hulian.v1.CatalogService/PublishListing": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.setStage(t, f.B, member.StageActive)
			return fmt.Sprintf(`{"id":%q}`, f.listingOfA(t, catalog.StatusApproved).ID)
		},
	},
	"/hulian.v1.CatalogService/SuspendListing": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"reason":"投诉核查中"}`, f.listingOfA(t, catalog.StatusPublished).ID)
		},
	},
	"/hulian.v1.CatalogService/ResumeListing": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q}`, f.listingOfA(t, catalog.StatusSuspended).ID)
		},
	},
	"/hulian.v1.CatalogService/WithdrawListing": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q}`, f.listingOfA(t, catalog.StatusDraft).ID)
		},
	},
	"/hulian.v1.CatalogService/GetListing": {
		allowed: seesA,
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q}`, f.listingOfA(t, catalog.StatusDraft).ID)
		},
	},
	"/hulian.v1.CatalogService/SearchListings": {
		// Drafts only: another member must not find member A's.
		allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.listingOfA(t, catalog.StatusDraft)
			return `{"status":"draft"}`
		},
	},
	// Market and quota (market_test.go has the helpers).
	"/hulian.v1.MarketService/PublishDemand": {
		allowed: []string{"memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.market(t)
			return `{"demand":` + jsonDemand() + `}`
		},
	},
	"/hulian.v1.MarketService/WithdrawDemand": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"id":%q}`, f.demandOfA(t).ID) },
	},
	"/hulian.v1.MarketService/GetDemand": {
		// A withdrawn demand: open ones are the market's to see.
		allowed: seesA,
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			d := f.demandOfA(t)
			if _, err := f.M.Market.WithdrawDemand(auth.WithActor(context.Background(), f.A.actor()), d.ID); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q}`, d.ID)
		},
	},
	"/hulian.v1.MarketService/ListDemands": {
		allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.demandOfA(t)
			return `{"mine":true}`
		},
	},
	"/hulian.v1.MarketService/Match": {
		allowed: seesA,
		stage:   member.StageActive,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"demand_id":%q}`, f.demandOfA(t).ID) },
	},
	"/hulian.v1.MarketService/MakeOffer": {
		// Member A answers member C's demand with its own listing.
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			m := f.market(t)
			d, err := f.M.Market.PublishDemand(auth.WithActor(context.Background(), m.C.actor()), newDemand())
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"demand_id":%q,"listing_id":%q}`, d.ID, f.listingOfA(t, catalog.StatusPublished).ID)
		},
	},
	"/hulian.v1.MarketService/ListOffers": {
		// Another member sees only its own offers: none.
		allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"demand_id":%q}`, f.offerOnA(t).DemandID) },
	},
	"/hulian.v1.MarketService/SelectOffer": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"offer_id":%q}`, f.offerOnA(t).ID) },
	},
	"/hulian.v1.MarketService/SignConfirmation": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			o := f.orderOfA(t, false)
			return fmt.Sprintf(`{"order_id":%q,"side":"demand","terms_hash":%q}`, o.ID, o.TermsHash)
		},
	},
	"/hulian.v1.MarketService/GetOrder": {
		allowed: seesA,
		stage:   member.StageActive,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"id":%q}`, f.orderOfA(t, false).ID) },
	},
	"/hulian.v1.MarketService/ListOrders": {
		allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			f.orderOfA(t, false)
			return `{}`
		},
	},
	"/hulian.v1.MarketService/SuspendOrder": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"reason":"投诉核查"}`, f.orderOfA(t, true).ID)
		},
	},
	"/hulian.v1.MarketService/ResumeOrder": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			o := f.orderOfA(t, true)
			if _, err := f.M.Market.SuspendOrder(auth.WithActor(context.Background(), f.Operator.Actor()), o.ID, "投诉核查"); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q}`, o.ID)
		},
	},
	"/hulian.v1.MarketService/TerminateOrder": {
		allowed: []string{"operator"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"reason":"违约"}`, f.orderOfA(t, true).ID)
		},
	},
	"/hulian.v1.MarketService/RenewOrder": {
		allowed: []string{"memberA", "nodeA"},
		stage:   member.StageActive,
		body: func(t *testing.T, f *fixture) string {
			o := f.orderOfA(t, true)
			start := o.Terms.Term.End.AddDays(1)
			return fmt.Sprintf(`{"id":%q,"term":{"start":%q,"end":%q}}`, o.ID, start, start.AddDays(89))
		},
	},
	"/hulian.v1.QuotaService/GetQuota": {
		allowed: seesA,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"member_id":%q}`, f.A.ID) },
	},
	"/hulian.v1.QuotaService/ListMovements": {
		allowed: seesA,
		body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"member_id":%q}`, f.A.ID) },
	},
	"/hulian.v1.QuotaService/TopUp": {
		allowed: []string{"operator"},
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"member_id":%q,"amount_fen":10000,"payment_reference":"pay-%d"}`, f.A.ID, uniq())
		},
	},
	"/hulian.v1.QuotaService/SetCredit": {
		allowed: []string{"operator"},
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"member_id":%q,"credit_fen":5000,"expires":%q,"reason":"季度结算前临时额度"}`, f.A.ID, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		},
	},
	"/hulian.v1.QuotaService/SetAlerts": {
		allowed: []string{"operator", "memberA", "nodeA"},
		body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"member_id":%q,"threshold_fen":500}`, f.A.ID)
		},
	},
}

// procedures lists every procedure of every service in the API's proto
// package, from the descriptors of all its files.
func procedures() []string {
	var out []string
	_ = hulianv1.File_hulian_v1_platform_proto // the files register themselves when the package loads
	protoregistry.GlobalFiles.RangeFilesByPackage("hulian.v1", func(fd protoreflect.FileDescriptor) bool {
		svcs := fd.Services()
		for i := range svcs.Len() {
			s := svcs.Get(i)
			ms := s.Methods()
			for j := range ms.Len() {
				out = append(out, procedure(s, ms.Get(j)))
			}
		}
		return true
	})
	slices.Sort(out)
	return out
}

func procedure(s protoreflect.ServiceDescriptor, m protoreflect.MethodDescriptor) string {
	return "/" + string(s.FullName()) + "/" + string(m.Name())
}

// TestAuthorization tries every procedure as every role, including another
// tenant and forged credentials: a role not allowed by the table must fail
// with an authentication, permission or not-found error and change nothing;
// a role allowed must succeed; nobody but platform staff and member A sees
// member A's objects.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	procs := procedures()
	for p := range rules {
		if !slices.Contains(procs, p) {
			t.Errorf("the table has a rule for %s, which the API does not have", p)
		}
	}
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			for _, proc := range procs {
				r, ok := rules[proc]
				if !ok {
					t.Errorf("%s has no authorization rule: add it to the table in authz_test.go", proc)
					continue
				}
				for _, ro := range roles {
					t.Run(strings.TrimPrefix(proc, "/hulian.v1.")+"/"+ro.name, func(t *testing.T) {
						checkCall(t, f, proc, r, ro)
					})
				}
			}
		})
	}
}

func checkCall(t *testing.T, f *fixture, proc string, r rule, ro role) {
	if r.stage != "" {
		f.setStage(t, f.A, r.stage)
	}
	body := r.body(t, f)
	before := f.snapshot(t)
	req, err := http.NewRequest(http.MethodPost, f.URL+proc, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	rt := ro.prepare(f, req)
	res, err := (&http.Client{Transport: rt, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	allowed := slices.Contains(r.allowed, ro.name)
	switch {
	case allowed && res.StatusCode != http.StatusOK:
		t.Fatalf("%s as %s: status %d (%s), want success", proc, ro.name, res.StatusCode, got)
	case !allowed && res.StatusCode == http.StatusOK:
		t.Fatalf("%s as %s succeeded: %s", proc, ro.name, got)
	case !allowed && !slices.Contains([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}, res.StatusCode):
		t.Errorf("%s as %s: status %d (%s), want 401, 403 or 404", proc, ro.name, res.StatusCode, got)
	}
	if !allowed {
		after := f.snapshot(t)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("%s as %s was refused but changed state (-before +after):\n%s", proc, ro.name, diff)
		}
	}
	if res.StatusCode == http.StatusOK {
		if !slices.Contains(seesA, ro.name) && bytes.Contains(got, []byte(f.A.ID)) {
			t.Errorf("%s as %s leaked member A: %s", proc, ro.name, got)
		}
		if ro.name != "memberA" {
			for _, id := range append([]string{f.A.TokenID}, f.A.extraTokens...) {
				if bytes.Contains(got, []byte(id)) {
					t.Errorf("%s as %s leaked member A's token %s: %s", proc, ro.name, id, got)
				}
			}
		}
	}
}
