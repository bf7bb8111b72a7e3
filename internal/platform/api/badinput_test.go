package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/platform/api"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
	"hulian/internal/rpc/reqsign"
)

// post sends a raw request the way curl would and returns the status and
// the decoded Connect error, if any.
func post(t *testing.T, url, contentType string, body []byte, hdr http.Header) (int, connectError) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var ce connectError
	if res.StatusCode != http.StatusOK {
		if json.Unmarshal(b, &ce) != nil {
			ce.Message = string(b)
		}
	}
	return res.StatusCode, ce
}

// connectError is the Connect protocol's JSON error body.
type connectError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// TestBadInput checks that malformed requests are refused with an error
// that names the field, over JSON as curl sends it and with the clients.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			apply := f.URL + "/hulian.v1.MemberService/Apply"
			token := http.Header{"Authorization": {"Bearer " + f.OpToken}, "Accept-Language": {"en"}}
			memberTok := http.Header{"Authorization": {"Bearer " + f.A.Token}, "Accept-Language": {"en"}}
			valid := func() string {
				return fmt.Sprintf(`{"application":%s,"login":"l%d","display_name":"x","password":%q}`, jsonApplication(application()), uniq(), testPassword)
			}

			jsonCases := []struct {
				name      string
				url       string
				hdr       http.Header
				body      string
				code      string
				inMessage string
			}{
				{"unknown top-level field", apply, nil, strings.Replace(valid(), `{"application"`, `{"bogus":1,"application"`, 1), "invalid_argument", "bogus"},
				{"unknown nested field", apply, nil, strings.Replace(valid(), `"uscc"`, `"colour":"red","uscc"`, 1), "invalid_argument", "colour"},
				{"not JSON", apply, nil, `{"application":`, "invalid_argument", ""},
				{"empty body", apply, nil, ``, "invalid_argument", ""},
				{"wrong type", apply, nil, `{"login":5}`, "invalid_argument", "login"},
				{"invalid USCC", apply, nil, strings.Replace(valid(), `"uscc":"`, `"uscc":"X`, 1), "invalid_argument", "application.uscc"},
				{"missing application", apply, nil, `{"login":"abc","display_name":"x","password":"` + testPassword + `"}`, "invalid_argument", "application"},
				{"unknown role", apply, nil, strings.Replace(valid(), `["MEMBER_ROLE_SUPPLIER"]`, `[7]`, 1), "invalid_argument", "application.roles"},
				{"no role", apply, nil, strings.Replace(valid(), `["MEMBER_ROLE_SUPPLIER"]`, `[]`, 1), "invalid_argument", "application.roles"},
				{"bad industry", apply, nil, strings.Replace(valid(), `"I64"`, `"64"`, 1), "invalid_argument", "application.industry"},
				{"short password", apply, nil, strings.Replace(valid(), testPassword, "short", 1), "invalid_argument", "password"},
				{"bad login", apply, nil, strings.Replace(valid(), `"login":"l`, `"login":"L !`, 1), "invalid_argument", "login"},
				{"missing id", f.URL + "/hulian.v1.MemberService/GetMember", token, `{}`, "invalid_argument", "id"},
				{"malformed id", f.URL + "/hulian.v1.MemberService/GetMember", token, `{"id":"mem_X'; --"}`, "invalid_argument", "id"},
				{"unknown member", f.URL + "/hulian.v1.MemberService/GetMember", token, `{"id":"mem_nosuchmember"}`, "not_found", "member"},
				{"limit too large", f.URL + "/hulian.v1.MemberService/ListMembers", token, `{"limit":5000}`, "invalid_argument", "limit"},
				{"unknown stage", f.URL + "/hulian.v1.MemberService/ListMembers", token, `{"stage":42}`, "invalid_argument", "stage"},
				{"rejection without reason", f.URL + "/hulian.v1.MemberService/ReviewQualification", token, fmt.Sprintf(`{"id":%q,"approve":false}`, f.B.ID), "invalid_argument", "reason"},
				{"wrong agreement", f.URL + "/hulian.v1.MemberService/SignAgreement", memberTok, fmt.Sprintf(`{"id":%q,"agreement_version":"v0"}`, f.A.ID), "invalid_argument", "agreement_version"},
				{"short key", f.URL + "/hulian.v1.MemberService/RegisterNodeKeys", memberTok, fmt.Sprintf(`{"id":%q,"x25519_public_key":"AAAA"}`, f.A.ID), "invalid_argument", "x25519_public_key"},
				{"empty token name", f.URL + "/hulian.v1.TokenService/CreateToken", token, `{"name":" ","scopes":["all"]}`, "invalid_argument", "name"},
				{"no token scope", f.URL + "/hulian.v1.TokenService/CreateToken", token, `{"name":"ci"}`, "invalid_argument", "scope"},
				{"unknown token scope", f.URL + "/hulian.v1.TokenService/CreateToken", token, `{"name":"ci","scopes":["everything"]}`, "invalid_argument", "scope"},
				{"token too long-lived", f.URL + "/hulian.v1.TokenService/CreateToken", token, `{"name":"ci","scopes":["exid"],"ttlDays":400}`, "invalid_argument", "ttl_days"},
				{"malformed token id", f.URL + "/hulian.v1.TokenService/RevokeToken", token, `{"id":"mem_abc"}`, "invalid_argument", "id"},
			}
			// The domain checks a transition's stage before its input.
			f.setStage(t, f.A, member.StageQualified)
			f.setStage(t, f.B, member.StageApplied)
			for _, c := range jsonCases {
				t.Run(c.name, func(t *testing.T) {
					status, ce := post(t, c.url, "application/json", []byte(c.body), c.hdr)
					if status == http.StatusOK {
						t.Fatalf("accepted %s", c.body)
					}
					if c.code != "" && ce.Code != c.code {
						t.Errorf("code %q (%s), want %q", ce.Code, ce.Message, c.code)
					}
					if !strings.Contains(ce.Message, c.inMessage) {
						t.Errorf("message %q does not name %q", ce.Message, c.inMessage)
					}
				})
			}

			t.Run("unknown binary field", func(t *testing.T) {
				b, _ := proto.Marshal(&hulianv1.GetAgreementRequest{})
				b = protowire.AppendTag(b, 99, protowire.VarintType)
				b = protowire.AppendVarint(b, 1)
				status, ce := post(t, f.URL+"/hulian.v1.MemberService/GetAgreement", "application/proto", b, nil)
				if status == http.StatusOK || ce.Code != "invalid_argument" {
					t.Errorf("status %d, code %q: want invalid_argument", status, ce.Code)
				}
			})

			t.Run("oversized body", func(t *testing.T) {
				big := strings.Replace(valid(), `"display_name":"x"`, `"display_name":"`+strings.Repeat("x", api.MaxRequestBytes)+`"`, 1)
				status, ce := post(t, apply, "application/json", []byte(big), nil)
				if status == http.StatusOK || ce.Code != "resource_exhausted" {
					t.Errorf("status %d, code %q: want resource_exhausted", status, ce.Code)
				}
			})

			t.Run("duplicate USCC", func(t *testing.T) {
				ctx := context.Background()
				c := rpc.NewClient(f.URL, rpc.WithLanguage(i18n.EN))
				a := application()
				req := func(login string) *connect.Request[hulianv1.ApplyRequest] {
					return connect.NewRequest(&hulianv1.ApplyRequest{
						Application: &hulianv1.Application{Name: a.Name, Uscc: a.USCC, Industry: a.Industry, ContactName: a.ContactName,
							ContactPhone: a.ContactPhone, ContactEmail: a.ContactEmail, StorageRegion: a.StorageRegion,
							Roles: []hulianv1.MemberRole{hulianv1.MemberRole_MEMBER_ROLE_DEMANDER}},
						Login: login, DisplayName: "x", Password: testPassword,
					})
				}
				if _, err := c.Members.Apply(ctx, req(fmt.Sprintf("first%d", uniq()))); err != nil {
					t.Fatal(err)
				}
				second := fmt.Sprintf("second%d", uniq())
				_, err := c.Members.Apply(ctx, req(second))
				if connect.CodeOf(err) != connect.CodeAlreadyExists {
					t.Fatalf("second application: %v, want already exists", err)
				}
				if d := rpc.Detail(err); d == nil || d.Field != "application.uscc" || d.Kind != "already_exists" || d.ReasonZh == "" || d.ReasonEn == "" {
					t.Errorf("error detail %v, want field application.uscc with reasons in both languages", d)
				}
				// Nothing half-written: the second applicant's account does not exist.
				if _, _, err := f.M.Platform.Login(ctx, second, testPassword); !errs.Is(err, errs.Unauthenticated) {
					t.Errorf("login of the refused applicant: %v, want unauthenticated", err)
				}
			})

			t.Run("message language", func(t *testing.T) {
				ctx := context.Background()
				for lang, want := range map[i18n.Lang]string{i18n.ZH: "统一社会信用代码", i18n.EN: "unified social credit code"} {
					c := rpc.NewClient(f.URL, rpc.WithLanguage(lang))
					_, err := c.Members.Apply(ctx, connect.NewRequest(&hulianv1.ApplyRequest{Application: &hulianv1.Application{Name: "x"}}))
					var ce *connect.Error
					if !asConnect(err, &ce) || !strings.Contains(ce.Message(), want) || !strings.Contains(ce.Message(), "application.uscc") {
						t.Errorf("%s: %v, want a message naming application.uscc with %q", lang, err, want)
					}
				}
			})

			t.Run("replayed node request", func(t *testing.T) {
				body := []byte(fmt.Sprintf(`{"id":%q}`, f.A.ID))
				req, _ := http.NewRequest(http.MethodPost, f.URL+"/hulian.v1.MemberService/GetMember", nil)
				reqsign.Sign(req, body, f.A.ID, f.A.Node, time.Now())
				hdr := req.Header.Clone()
				if status, ce := post(t, req.URL.String(), "application/json", body, hdr); status != http.StatusOK {
					t.Fatalf("first request: %d %v", status, ce)
				}
				if status, ce := post(t, req.URL.String(), "application/json", body, hdr); status != http.StatusUnauthorized || !strings.Contains(ce.Message, "nonce") {
					t.Errorf("replay: %d %q, want 401 naming the nonce", status, ce.Message)
				}
			})

			t.Run("tampered node request", func(t *testing.T) {
				body := []byte(fmt.Sprintf(`{"id":%q}`, f.A.ID))
				req, _ := http.NewRequest(http.MethodPost, f.URL+"/hulian.v1.MemberService/GetMember", nil)
				reqsign.Sign(req, body, f.A.ID, f.A.Node, time.Now())
				other := []byte(fmt.Sprintf(`{"id":%q}`, f.B.ID))
				if status, _ := post(t, req.URL.String(), "application/json", other, req.Header.Clone()); status != http.StatusUnauthorized {
					t.Errorf("altered body: %d, want 401", status)
				}
			})

			t.Run("stale node request", func(t *testing.T) {
				c := rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node), rpc.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
				_, err := c.Members.GetMember(context.Background(), connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID}))
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("an hour-old signature: %v, want unauthenticated", err)
				}
			})

			t.Run("signature from another key", func(t *testing.T) {
				_, other, _ := ed25519.GenerateKey(rand.Reader)
				c := rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, other))
				_, err := c.Members.GetMember(context.Background(), connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID}))
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("signed with another key: %v, want unauthenticated", err)
				}
				// Member B's node signing as member A is the same case.
				c = rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.B.Node))
				_, err = c.Members.GetMember(context.Background(), connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID}))
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("signed with member B's key: %v, want unauthenticated", err)
				}
			})
		})
	}
}

func asConnect(err error, ce **connect.Error) bool {
	e, ok := err.(*connect.Error)
	*ce = e
	return ok
}
