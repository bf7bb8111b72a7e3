package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/i18n"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/oprf"
	"hulian/internal/rpc"
)

// step is one step of the walkthrough.
type step struct {
	title i18n.Text
	run   func(d *Demo, ctx context.Context) error
}

// StepError names the step of the walkthrough that failed.
type StepError struct {
	N     int
	Title i18n.Text
	Err   error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("demo step %d (%s) failed: %v", e.N, e.Title.EN, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Text is the failure in lang, naming the step.
func (e *StepError) Text(lang i18n.Lang) string {
	return fmt.Sprintf(i18n.T("演示第 %d 步（%s）失败：%s", "demo step %d (%s) failed: %s").In(lang), e.N, e.Title.In(lang), errs.Message(e.Err, lang))
}

// Summary is what the walkthrough measured.
type Summary struct {
	People, SupplierRows, DemanderIDs int
	Overlap                           int // people both sides hold
	// Unsigned are the demander's customers without a signed query
	// authorisation, never asked; Matchable the people both sides hold
	// less those: what a full delivery must match.
	Unsigned, Matchable              int
	RealtimeQueried, RealtimeMatched int
	BatchQueried, BatchMatched       int
	BatchChunks                      int // the batch delivery's chunks, each metered on its own
	ChargedFen                       int64
	StatementFen                     int64 // the month's provisional statements, in all
	IssuedFen                        int64 // the month's statements as issued at its close
	CreditFen                        int64 // the correction's credit, returned to the demander
	PayoutFen                        int64 // paid to the supplier: the corrected statement
	PayoutDue                        string
	BookSumFen                       int64  // the book's balances summed: zero
	HaltRefused                      string // why a delivery was refused during the technical halt
	ComplaintRefused                 string // why a delivery was refused while a complaint suspended the order
	Destroyed                        int    // deliveries destroyed, both orders
	LogSize                          int64
	WitnessedSize                    int64  // the newest checkpoint the regulator's witness verified and cosigned
	Withdrawn                        int    // the supplier's customers who withdrew consent between two deliveries
	Erased                           int    // customers whose deletion travelled to the demander's results
	Notices                          int    // the correction and deletion notices the supplier's node made
	OrderID                          string // the real-time order
	BatchOrderID                     string // the batch order
}

// party is one actor of the walkthrough with its API clients.
type party struct {
	name     i18n.Text
	memberID string
	login    string
	password string
	token    string
	tokenMsg *hulianv1.Token // the token's record, without its secret
	api      *rpc.Client
	catalog  hulianv1connect.CatalogServiceClient
	market   hulianv1connect.MarketServiceClient
	quota    hulianv1connect.QuotaServiceClient
	settle   hulianv1connect.SettlementServiceClient
	oversee  hulianv1connect.SupervisionServiceClient
}

func (p *party) connect(baseURL string, lang i18n.Lang) {
	opts := []rpc.ClientOption{rpc.WithToken(p.token), rpc.WithLanguage(lang), rpc.WithTimeout(5 * time.Minute)}
	p.api = rpc.NewClient(baseURL, opts...)
	p.catalog = rpc.NewCatalogClient(baseURL, opts...)
	p.market = rpc.NewMarketClient(baseURL, opts...)
	p.quota = rpc.NewQuotaClient(baseURL, opts...)
	p.settle = rpc.NewSettlementClient(baseURL, opts...)
	p.oversee = rpc.NewSupervisionClient(baseURL, opts...)
}

// walk is the walkthrough's state, filled in step by step.
type walk struct {
	outbox        *privacy.Outbox // the supplier's privacy centre's one-time codes
	anon          *rpc.Client
	op, reg       party
	sup, dem      party
	translator    func(p *party) *exid.Translator
	epoch         int
	oprfKey       oprf.PublicKey
	listing       *catalog.Listing
	supplierExIDs string // the supplier's exID CSV
	demanderExIDs string // the demander's customer list with exIDs
	rt, bt        deal   // the real-time order and the batch order
	// settleOffset moves the settlement clock (settleClock); demoYears are
	// the years the demonstration declared itself (calendar).
	settleOffset  atomic.Int64
	demoYears     []int
	summary       Summary
	supplierFile  string
	customersFile string
	resultsFile   string
	// unsigned are the customers without a signed query authorisation,
	// whom no delivery asks for.
	unsigned map[exid.ExID]bool
	witness  *demoWitness // the regulator's witness of the log
	// withdrawn are the supplier's customers who withdrew their consent
	// in the demo: no delivery after it matches them.
	withdrawn map[exid.ExID]bool
}

// deal is one demand and the order made from it.
type deal struct {
	method    string // "realtime" or "batch", as the demand states it
	demandID  string
	offerID   string
	orderID   string
	termsHash string
}

// Walk runs the walkthrough, narrating each step; it stops at the first
// failing step and returns it as a *StepError.
func (d *Demo) Walk(ctx context.Context) (*Summary, error) {
	start := time.Now()
	d.n.plain(d.n.t("hulian 互联演示：一个平台、两个成员节点（供应方、需求方），完整走一遍数据互联。",
		"hulian demo: one platform and two member nodes (a supplier and a demander), through a whole exchange."))
	var logSize int64
	for i, s := range steps {
		d.n.heading(i+1, s.title)
		if err := s.run(d, ctx); err != nil {
			if ctx.Err() != nil && errors.Is(err, context.Canceled) {
				err = ctx.Err()
			}
			return &d.w.summary, &StepError{N: i + 1, Title: s.title, Err: err}
		}
		// Every state change on the platform is a log entry in the same
		// transaction: show how each step grew the log.
		if d.Platform != nil {
			n, err := d.logSize(ctx)
			if err != nil {
				return &d.w.summary, &StepError{N: i + 1, Title: s.title, Err: err}
			}
			if n != logSize {
				d.n.say("业务日志 +%d 条，共 %d 条", "business log +%d entries, %d in all", n-logSize, n)
			}
			logSize = n
		}
	}
	d.n.plain("")
	d.n.plain(fmt.Sprintf(d.n.t("全部 %d 步完成，用时 %s。", "all %d steps done in %s."), len(steps), secs(time.Since(start))))
	return &d.w.summary, nil
}

// newPassword makes a console password for a demo account.
func newPassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "demo-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:16]
}

// fromAPI turns a client error into the platform's own error.
func fromAPI(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return rpc.FromConnect(err)
	}
	return err
}

// sessionTransport authenticates with a console session: its cookie and
// CSRF token, as the console's own forms do.
type sessionTransport struct {
	secret, csrf string
}

func (t sessionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: t.secret})
	r.Header.Set("X-CSRF-Token", t.csrf)
	return http.DefaultTransport.RoundTrip(r)
}

// saveToken writes a member's API token where --credentials can read it,
// readable by the owner only, so that the commands the demo narrates can
// be tried against the running exchange.
func (d *Demo) saveToken(p *party) error {
	path := d.Path(p.login + ".token.json")
	t := p.tokenMsg
	err := rpc.WriteCredentials(path, &rpc.Credentials{Token: p.token, ID: t.GetId(), Name: t.GetName(), Platform: d.Platform.URL(),
		Scopes: t.GetScopes(), Expires: t.GetExpires().AsTime().UTC()})
	if err != nil {
		return err
	}
	d.TokenFiles = append(d.TokenFiles, TokenFile{Login: p.login, Path: path})
	return nil
}

// tokenFor logs a staff account in to the console and creates an API
// token with the session, as a member's staff does on the token page.
func (d *Demo) tokenFor(ctx context.Context, p *party, purpose string) error {
	secret, s, err := d.Platform.Platform.Login(ctx, p.login, p.password)
	if err != nil {
		return err
	}
	c := rpc.NewClient(d.Platform.URL(), rpc.WithTransport(sessionTransport{secret: secret, csrf: s.CSRF}), rpc.WithLanguage(d.opts.Lang))
	res, err := c.Tokens.CreateToken(ctx, connect.NewRequest(&hulianv1.CreateTokenRequest{Name: purpose, Scopes: []string{string(auth.ScopeAll)}}))
	if err != nil {
		return fromAPI(err)
	}
	p.token, p.tokenMsg = res.Msg.Secret, res.Msg.Token
	p.connect(d.Platform.URL(), d.opts.Lang)
	return nil
}
