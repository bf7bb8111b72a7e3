package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/node/apitoken"
	"hulian/internal/node/consent"
	"hulian/internal/protocol/exid"
	"hulian/internal/rpc"
)

// bearer adds an API token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func eventOf(in consent.Input) *hulianv1.ConsentEvent {
	var id exid.ExID
	copy(id[:], in.ExID)
	return &hulianv1.ConsentEvent{Exid: id.String(), Purpose: in.Purpose, Action: in.Action, Basis: in.Basis, NoticeVersion: int32(in.NoticeVersion),
		Method: in.Method, Evidence: in.Evidence, At: timestamppb.New(in.At), Separate: in.Separate}
}

// TestConsentAPI (P-1, X-P1): the member's systems record consents through
// the node's ConsentService with an API token: without one, with a
// made-up or a revoked one, nothing is served; a batch with one bad event
// names its index and field and writes nothing; recorded events come back
// with their place in the chain; a withdrawal recorded this way holds from
// the next delivery; the history and a signed receipt are served.
func TestConsentAPI(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(ctx, "ord_one", "exchange", "test"); err != nil {
		t.Fatal(err)
	}
	toks := &apitoken.Tokens{DB: x.supplier.Node.DB}
	secret, tok, err := toks.Create(ctx, "app backend", "test")
	if err != nil || !strings.HasPrefix(secret, apitoken.Prefix) {
		t.Fatal(secret, err)
	}
	client := func(token string) hulianv1connect.ConsentServiceClient {
		return hulianv1connect.NewConsentServiceClient(&http.Client{Transport: bearer{token, http.DefaultTransport}}, x.supplier.URL())
	}
	c := client(secret)
	at := x.supplier.Node.Now().Add(-time.Hour)
	for name, cl := range map[string]hulianv1connect.ConsentServiceClient{
		"no token":      hulianv1connect.NewConsentServiceClient(http.DefaultClient, x.supplier.URL()),
		"made-up token": client(apitoken.Prefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		"not a token":   client("secret"),
	} {
		_, err := cl.RecordConsents(ctx, connect.NewRequest(&hulianv1.RecordConsentsRequest{Events: []*hulianv1.ConsentEvent{eventOf(give(1, "exchange", at))}}))
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := eventOf(give(3, "exchange", at))
	bad.Method = "pre_ticked"
	_, err = c.RecordConsents(ctx, connect.NewRequest(&hulianv1.RecordConsentsRequest{Events: []*hulianv1.ConsentEvent{eventOf(give(1, "exchange", at)), eventOf(give(2, "exchange", at)), bad}}))
	if d := rpc.Detail(err); connect.CodeOf(err) != connect.CodeInvalidArgument || d == nil || d.Row != 3 || d.Field != "method" {
		t.Fatalf("a batch with a pre-ticked consent: %v %+v", err, d)
	}
	one := personID(1)
	if h, _ := l.History(ctx, one[:]); len(h) != 0 {
		t.Fatalf("a refused batch wrote %d events", len(h))
	}
	var evs []*hulianv1.ConsentEvent
	for i := 1; i <= 16; i++ {
		evs = append(evs, eventOf(give(i, "exchange", at)))
	}
	res, err := c.RecordConsents(ctx, connect.NewRequest(&hulianv1.RecordConsentsRequest{Events: evs}))
	if err != nil || len(res.Msg.Events) != 16 || res.Msg.Events[0].Seq == 0 || res.Msg.Events[0].State != consent.StateActive {
		t.Fatalf("record: %v %+v", err, res)
	}
	ids := []exid.ExID{personID(1), personID(2)}
	if r, err := x.demander.Query(ctx, "ord_one", ids); err != nil || r.Matched != 2 {
		t.Fatalf("before the withdrawal: %+v %v", r, err)
	}
	if _, err := c.RecordConsents(ctx, connect.NewRequest(&hulianv1.RecordConsentsRequest{Events: []*hulianv1.ConsentEvent{eventOf(withdraw(2, x.supplier.Node.Now()))}})); err != nil {
		t.Fatal(err)
	}
	if r, err := x.demander.Query(ctx, "ord_one", ids); err != nil || r.Matched != 1 {
		t.Fatalf("the next delivery after a withdrawal by the API: %+v %v", r, err)
	}
	h, err := c.GetHistory(ctx, connect.NewRequest(&hulianv1.GetHistoryRequest{Exid: personID(2).String()}))
	if err != nil || len(h.Msg.Events) != 2 || h.Msg.Events[1].Action != consent.Withdrawn {
		t.Fatalf("history: %v %+v", err, h)
	}
	rc, err := c.GetReceipt(ctx, connect.NewRequest(&hulianv1.GetReceiptRequest{Exid: personID(1).String(), Purpose: "exchange"}))
	if err != nil || strings.Count(rc.Msg.Jws, ".") != 2 {
		t.Fatalf("receipt: %v %+v", err, rc)
	}
	if err := toks.Revoke(ctx, tok.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetHistory(ctx, connect.NewRequest(&hulianv1.GetHistoryRequest{Exid: personID(1).String()})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("a revoked token: %v", err)
	}
}
