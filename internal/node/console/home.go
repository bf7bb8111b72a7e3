package console

import (
	"net/http"
	"time"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/node/nodestore"
)

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

// eventLabels name the node's own activity in both languages.
var eventLabels = map[string]i18n.Text{
	nodestore.EventKeysGenerated:      i18n.T("生成节点密钥", "node keys generated"),
	nodestore.EventKeysRegistered:     i18n.T("向平台登记公钥", "public keys registered with the platform"),
	nodestore.EventIntegrated:         i18n.T("接入联调通过", "integration test passed"),
	nodestore.EventAccountCreated:     i18n.T("创建控制台账户", "console account created"),
	nodestore.EventAccountDisabled:    i18n.T("停用控制台账户", "console account disabled"),
	nodestore.EventPasswordSet:        i18n.T("重设密码", "password reset"),
	nodestore.EventDatasetImported:    i18n.T("导入数据集", "dataset imported"),
	nodestore.EventDatasetExcluded:    i18n.T("排除主体", "subjects excluded"),
	nodestore.EventEndpointRegistered: i18n.T("登记应答地址", "answer endpoint registered"),
	nodestore.EventDeliveryDestroyed:  i18n.T("销毁配送数据", "delivered data destroyed"),
	nodestore.EventDeliveryAttested:   i18n.T("向平台报送销毁证明", "destruction attested to the platform"),
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

type step struct {
	Label string
	Done  bool
}

type event struct {
	At     time.Time
	Kind   string
	Detail string
}

type homeData struct {
	Configured  bool
	StageLabel  string
	Reachable   bool
	KeysDiffer  bool
	StatusError string
	Steps       []step
	Next        string
	Checked     time.Time
	Events      []event
}

// home is where the node's onboarding stands, as the platform reports it,
// and what the node did lately.
func (c *console) home(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, cancel := timeout(r.Context())
	defer cancel()
	st := c.Node.Status(ctx)
	d := homeData{Configured: c.Node.MemberID() != "" && c.Node.PlatformURL() != "", Reachable: st.Reachable, Checked: st.Checked}
	if l, ok := stageLabels[st.Stage]; ok {
		d.StageLabel = l.In(v.Lang)
	}
	if st.Err != nil {
		d.StatusError = statusError(st.Err).In(v.Lang)
		if errs.KindOf(st.Err) == errs.Internal {
			c.Logger.Warn("platform status", "err", st.Err)
		}
	}
	done := st.Stage.StepsDone()
	for i, l := range stepLabels {
		d.Steps = append(d.Steps, step{Label: l.In(v.Lang), Done: i < done})
	}
	d.KeysDiffer = done >= 3 && !st.KeysMatch
	d.Next = next(st.Stage, st.KeysMatch).In(v.Lang)
	es, err := c.Node.Events(r.Context(), 20)
	if err != nil {
		return err
	}
	for _, e := range es {
		kind := e.Kind
		if l, ok := eventLabels[e.Kind]; ok {
			kind = l.In(v.Lang)
		}
		d.Events = append(d.Events, event{At: e.At, Kind: kind, Detail: e.Detail})
	}
	v.Title, v.Data = "home", d
	c.render(w, http.StatusOK, "home.html", v)
	return nil
}
