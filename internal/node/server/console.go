package server

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
)

//go:embed templates/*.html
var templateFS embed.FS

// staticFS is served under /static/, so it keeps its "static" directory.
//
//go:embed static
var staticFS embed.FS

// templates are parsed once per language: the "t" function picks the
// language's half of each message pair, which keeps both halves side by
// side in the template.
var templates = map[i18n.Lang]*template.Template{
	i18n.ZH: parse(i18n.ZH),
	i18n.EN: parse(i18n.EN),
}

func parse(lang i18n.Lang) *template.Template {
	funcs := template.FuncMap{"t": func(zh, en string) string { return i18n.T(zh, en).In(lang) }}
	return template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
}

// langOf picks the console language: the "lang" cookie set by the switch,
// else Accept-Language, else Chinese.
func langOf(r *http.Request) i18n.Lang {
	if c, err := r.Cookie("lang"); err == nil {
		return i18n.Parse(c.Value)
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en") {
		return i18n.EN
	}
	return i18n.ZH
}

// switchLang sets the language cookie and returns to the console. It only
// ever redirects to "/", so it cannot be used to send people elsewhere.
func switchLang(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: "lang", Value: string(i18n.Parse(r.URL.Query().Get("to"))), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

var stageLabels = map[member.Stage]i18n.Text{
	member.StageApplied:   i18n.T("资质审核中", "qualification under review"),
	member.StageRejected:  i18n.T("资质审核未通过", "qualification rejected"),
	member.StageQualified: i18n.T("资质审核已通过", "qualified"),
	member.StageAgreed:    i18n.T("协议已签署", "agreement signed"),
	member.StageOpened:    i18n.T("账户已开通", "account opened"),
	member.StageActive:    i18n.T("接入联调已通过，可以交易", "integration passed; trading enabled"),
}

var stepLabels = [4]i18n.Text{
	i18n.T("资质审核", "Qualification review"),
	i18n.T("协议签署", "Agreement signed"),
	i18n.T("账户开通（登记节点公钥）", "Account opened (node keys registered)"),
	i18n.T("接入联调（节点签名请求）", "Integration test (node-signed request)"),
}

// next is what the member does next at stage, with this node's keys
// registered or not.
func next(stage member.Stage, keysMatch bool) i18n.Text {
	switch stage {
	case member.StageApplied:
		return i18n.T("等待运营方审核资质", "wait for the operator to review the qualification")
	case member.StageRejected:
		return i18n.T("在平台控制台修改并重新提交申请", "correct and resubmit the application in the platform console")
	case member.StageQualified:
		return i18n.T("在平台控制台签署成员协议", "sign the member agreement in the platform console")
	case member.StageAgreed:
		return i18n.T("登记本节点公钥：hulian node register-keys --token-file 令牌文件", "register this node's keys: hulian node register-keys --token-file FILE")
	case member.StageOpened:
		if !keysMatch {
			return i18n.T("平台登记的公钥不是本节点的；请使用原节点数据库，或联系运营方重新登记", "the registered keys are not this node's; use the original node database or ask the operator to re-register")
		}
		return i18n.T("运行接入联调：hulian node integrate（节点启动时也会自动进行）", "run the integration test: hulian node integrate (the node also does it on start)")
	}
	return i18n.Text{}
}

type consoleStep struct {
	Label string
	Done  bool
}

type consolePage struct {
	Lang            i18n.Lang
	MemberID        string
	PlatformURL     string
	Engine          string
	X25519, Ed25519 string
	Stage           member.Stage
	StageLabel      string
	Reachable       bool
	KeysDiffer      bool
	StatusError     string
	Steps           []consoleStep
	Next            string
	Checked         string
	Events          []nodestore.Event
	PublicURL       string
	VerifierKey     string
}

// console renders the node's one page: who it is, its public keys and its
// onboarding state as the platform reports it.
func (m *Main) console(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	n := m.Node
	pub := n.Public()
	st := n.Status(ctx)
	p := consolePage{
		Lang: lang, MemberID: n.MemberID(), PlatformURL: n.PlatformURL(), Engine: n.DB.Engine(),
		X25519: nodekey.Encode(pub.X25519), Ed25519: nodekey.Encode(pub.Ed25519),
		Stage: st.Stage, StageLabel: stageLabels[st.Stage].In(lang), Reachable: st.Reachable,
		Checked: st.Checked.Format("2006-01-02 15:04:05"),
	}
	if st.Stage == "" && st.Err == nil {
		p.StageLabel = i18n.T("未知", "unknown").In(lang)
	}
	if st.Err != nil {
		p.StatusError = statusError(st.Err).In(lang)
	}
	done := st.Stage.StepsDone()
	for i, l := range stepLabels {
		p.Steps = append(p.Steps, consoleStep{Label: l.In(lang), Done: i < done})
	}
	p.KeysDiffer = done >= 3 && !st.KeysMatch
	p.Next = next(st.Stage, st.KeysMatch).In(lang)
	if st.Err != nil && errs.KindOf(st.Err) == errs.Internal {
		m.logger.Warn("platform status", "err", st.Err)
	}
	events, err := n.Events(r.Context(), 20)
	if err != nil {
		m.logger.Error("console events", "err", err)
	}
	p.Events = events
	if p.PublicURL, err = n.PublicURL(r.Context()); err != nil {
		m.logger.Error("console endpoint", "err", err)
	}
	if p.VerifierKey, err = n.VerifierKey(r.Context()); err != nil {
		m.logger.Error("console verifier key", "err", err)
	}
	var buf bytes.Buffer
	if err := templates[lang].ExecuteTemplate(&buf, "console.html", p); err != nil {
		m.logger.Error("render console", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// nodeNow is the node's clock.
func (m *Main) nodeNow() time.Time { return m.Node.Now() }

// statusError explains why the stage is unknown. An Unauthenticated answer
// before the keys are registered is expected, so it is worded as a step to
// take rather than as a failure.
func statusError(err error) i18n.Text {
	switch errs.KindOf(err) {
	case errs.Unauthenticated:
		return i18n.T("平台尚未接受本节点的签名：本节点公钥还未登记（开户第三步），或登记的是另一套公钥",
			"the platform does not accept this node's signature yet: its public keys are not registered (onboarding step 3), or other keys are")
	case errs.Internal:
		return i18n.T("查询平台状态时出错，详见节点日志", "asking the platform failed; see the node's log")
	}
	return i18n.T(errs.Message(err, i18n.ZH), errs.Message(err, i18n.EN))
}
