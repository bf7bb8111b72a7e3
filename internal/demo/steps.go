package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/node"
	"hulian/internal/node/platformclient"
	"hulian/internal/node/privacy"
	nodeserver "hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/platform/api"
	pserver "hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
	"hulian/internal/rpc"
	"hulian/internal/storage"
)

// steps is the walkthrough, in order.
var steps = []step{
	{i18n.T("启动平台", "start the platform"), (*Demo).stepPlatform},
	{i18n.T("合成人群与双方的原始数据", "a synthetic population and both members' raw data"), (*Demo).stepPopulation},
	{i18n.T("运营方与监管方账户", "operator and regulator accounts"), (*Demo).stepStaff},
	{i18n.T("两家成员提交入会申请", "both members apply"), (*Demo).stepApply},
	{i18n.T("资质审核（开户联调第 1 步）", "qualification review (onboarding step 1)"), (*Demo).stepReview},
	{i18n.T("签署成员协议（第 2 步）", "member agreement (step 2)"), (*Demo).stepAgreement},
	{i18n.T("启动成员节点，登记节点公钥（第 3 步，账户开通）", "start the member nodes and register their keys (step 3, account opening)"), (*Demo).stepNodeKeys},
	{i18n.T("接入联调（第 4 步）", "integration test (step 4)"), (*Demo).stepIntegrate},
	{i18n.T("供应方起草挂牌", "the supplier drafts its listing"), (*Demo).stepListingDraft},
	{i18n.T("供应方把原始标识转换为 exID（经平台 OPRF）", "the supplier turns raw IDs into exIDs (the platform's OPRF)"), (*Demo).stepSupplierExID},
	{i18n.T("供应方节点导入数据集，运行合规检查并签名", "the supplier's node imports the dataset, runs the gate and signs the report"), (*Demo).stepImport},
	{i18n.T("供应方节点发布隐私告知，导入客户的单独同意（同意台账）", "the supplier's node publishes its privacy notice and imports its customers' separate consents (the consent ledger)"), (*Demo).stepConsent},
	{i18n.T("提交挂牌与签名的合规报告", "submit the listing with the signed gate report"), (*Demo).stepSubmit},
	{i18n.T("运营方审核挂牌", "the operator reviews the listing"), (*Demo).stepListingReview},
	{i18n.T("供应方发布挂牌", "the supplier publishes the listing"), (*Demo).stepPublish},
	{i18n.T("需求方把客户名单转换为 exID", "the demander turns its customer list into exIDs"), (*Demo).stepDemanderExID},
	{i18n.T("需求方节点导入客户的数据查询授权（挂牌要求一次验证）", "the demander's node imports its customers' query authorisations (the listing requires one-step verification)"), (*Demo).stepAuthorisations},
	{i18n.T("需求方发布实时查询需求", "the demander publishes a real-time demand"), (*Demo).stepDemand},
	{i18n.T("交易撮合", "matching"), (*Demo).stepMatch},
	{i18n.T("供应方报价", "the supplier makes an offer"), (*Demo).stepOffer},
	{i18n.T("需求方选定报价，生成订单", "the demander selects the offer: an order"), (*Demo).stepSelect},
	{i18n.T("双方签署确认单，订单生效", "both confirmations signed: the order is active"), (*Demo).stepConfirm},
	{i18n.T("供应方节点把实时订单对应到隐私告知中的目的", "the supplier's node binds the real-time order to its notice's purpose"), (*Demo).stepBindRealtime},
	{i18n.T("运营方为需求方充值额度", "the operator tops up the demander's quota"), (*Demo).stepTopUp},
	{i18n.T("实时配送", "real-time delivery"), (*Demo).stepRealtime},
	{i18n.T("技术性暂停与恢复", "a technical halt and resumption"), (*Demo).stepHalt},
	{i18n.T("权利人投诉：受理即暂停，抗辩后恢复", "a right holder's complaint: accepted, the order suspended; answered, restored"), (*Demo).stepComplaint},
	{i18n.T("数据主体撤回同意：下一次配送即少查得相应人数", "data subjects withdraw consent: the next delivery matches exactly that many fewer"), (*Demo).stepWithdraw},
	{i18n.T("需求方发布批量需求（月度客户画像批量更新）", "the demander publishes a batch demand (a monthly refresh of its customers' profiles)"), (*Demo).stepBatchDemand},
	{i18n.T("批量订单：供应方报价，需求方选定，双方签署", "the batch order: the supplier offers, the demander selects, both sign"), (*Demo).stepBatchOrder},
	{i18n.T("批量配送（需求方全部客户名单，经批量订单）", "batch delivery (the demander's whole customer list, under the batch order)"), (*Demo).stepBatch},
	{i18n.T("客户要求删除：供应方删除，并通知已获得数据的需求方一并删除", "a customer asks for deletion: the supplier deletes, and tells the demander that received the data to delete it too"), (*Demo).stepErase},
	{i18n.T("按请求销毁已配送数据并向平台出具销毁证明", "destroy delivered data on request, with an attestation to the platform"), (*Demo).stepDestroy},
	{i18n.T("本月结算单（临时，按业务日志计算）", "this month's statements (provisional, computed from the business log)"), (*Demo).stepStatements},
	{i18n.T("月末结算：出具结算单、异议与更正、供方发票与付款", "the month's close: statements issued, a dispute and its correction, the supplier's invoice and payout"), (*Demo).stepMonthClose},
	{i18n.T("业务日志检查点与全量验证", "business log checkpoint and full verification"), (*Demo).stepVerifyLog},
}

func (d *Demo) stepPlatform(ctx context.Context) error {
	addr, fell := listenAddr(d.opts.PlatformPort)
	logger, err := d.logger("platform")
	if err != nil {
		return err
	}
	cfg := pserver.Config{Listen: addr, DB: "sqlite://" + d.Path(PlatformDB), Logger: logger, AllowEndpoints: netguard.Loopback,
		Calendar: d.w.calendar(), SettlementClock: d.w.settleClock, Crypto: d.opts.Crypto}
	where := i18n.T(fmt.Sprintf("数据库：%s（SQLite）；密钥加密密钥为本次演示生成：%s.kek", d.Path(PlatformDB), d.Path(PlatformDB)),
		fmt.Sprintf("store: %s (SQLite); key-encryption key generated for this demo: %s.kek", d.Path(PlatformDB), d.Path(PlatformDB)))
	if d.opts.PlatformDB != "" {
		if err := emptyDatabase(ctx, d.opts.PlatformDB); err != nil {
			return err
		}
		cfg.DB, cfg.KEKFile = d.opts.PlatformDB, d.Path(PlatformKEK)
		if _, err := keyring.CreateKEKFile(cfg.KEKFile); err != nil {
			return err
		}
		where = i18n.T(fmt.Sprintf("数据库：%s（PostgreSQL）；密钥加密密钥为本次演示生成：%s", storage.Redact(cfg.DB), cfg.KEKFile),
			fmt.Sprintf("store: %s (PostgreSQL); key-encryption key generated for this demo: %s", storage.Redact(cfg.DB), cfg.KEKFile))
	}
	m, err := pserver.Open(ctx, cfg)
	if err != nil {
		return err
	}
	d.Platform = m
	d.run(m.Run)
	d.n.say("平台已在 %s 提供控制台与 API（Connect：Protobuf/JSON over HTTP）", "the platform serves its console and API (Connect: Protobuf/JSON over HTTP) at %s", m.URL())
	if fell {
		d.n.say("端口 %d 已被占用，改用空闲端口 %s", "port %d was taken; using the free port %s instead", d.opts.PlatformPort, m.Addr())
	}
	d.n.line(where.In(d.n.lang))
	vkey, err := m.Log.VerifierKey(ctx)
	if err != nil {
		return err
	}
	d.n.say("业务日志验证公钥：%s", "business log verifier key: %s", vkey)
	if m.Platform.Profile() == keyring.ProfileGM {
		d.n.say("密码配置：国密——平台与两个节点以 SM2（SM3）签名，以 SM4-GCM 封存密钥与敏感字段；exID 仍为 ristretto255 上的 OPRF，日志树仍为 RFC 6962",
			"cryptography profile: 国密 — the platform and both nodes sign with SM2 (SM3) and seal keys and sensitive fields with SM4-GCM; exIDs stay the OPRF over ristretto255, the log's tree RFC 6962")
	}
	d.w.anon = rpc.NewClient(m.URL(), rpc.WithLanguage(d.opts.Lang))
	return nil
}

// emptyDatabase refuses a platform database that holds anything: the
// walkthrough onboards its members from the start.
func emptyDatabase(ctx context.Context, dsn string) error {
	db, err := store.Open(ctx, dsn, store.Options{NoMigrate: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if r := db.Ready(ctx); r.Schema > 0 {
		return errs.New(errs.FailedPrecondition, "--db",
			fmt.Sprintf("数据库 %s 已有平台数据（结构版本 %d）。演示从开户开始完整走一遍，须用一个空的 PostgreSQL 数据库；要查看已有数据，可运行 hulian platform --db 加该地址", storage.Redact(dsn), r.Schema),
			fmt.Sprintf("the database %s already holds a platform (schema version %d). The demo walks through onboarding from the start and needs an empty PostgreSQL database; to look at what is there, run hulian platform --db with that URL", storage.Redact(dsn), r.Schema))
	}
	// A database that cannot be read otherwise is the platform's own
	// start-up to report, with its words for each cause.
	return nil
}

func (d *Demo) stepPopulation(ctx context.Context) error {
	start := time.Now()
	var numbers []string
	if d.opts.Population != "" {
		f, err := os.Open(d.opts.Population)
		if err != nil {
			return errs.Invalidf("--population", "无法打开人口文件："+err.Error(), "cannot open the population file: "+err.Error())
		}
		var dups int
		numbers, dups, err = ReadPopulation(f)
		f.Close()
		if err != nil {
			return err
		}
		d.n.say("从 %[2]s 读入 %[1]s 个不同的手机号码（去除重复 %[3]s 个）", "read %[1]s distinct mobile numbers from %[2]s (%[3]s duplicates dropped)", thousands(len(numbers)), d.opts.Population, thousands(dups))
	} else {
		var err error
		if numbers, err = Synthetic(d.opts.People, d.opts.Seed); err != nil {
			return err
		}
		d.n.say("合成 %s 个不同的中国大陆手机号码（种子 %d；号段按工信部编号计划：移动、联通、电信、广电与虚拟运营商）",
			"synthesised %s distinct mainland mobile numbers (seed %d; number blocks per the MIIT numbering plan: China Mobile, Unicom, Telecom, Broadnet and virtual operators)",
			thousands(len(numbers)), d.opts.Seed)
	}
	pop := Split(numbers, d.opts.Seed)
	k := gate.MinK
	ds, err := BuildDataset(len(pop.Supplier), k, d.opts.Seed)
	if err != nil {
		return err
	}
	d.pop, d.ds = pop, ds
	d.w.summary.People, d.w.summary.SupplierRows, d.w.summary.DemanderIDs = len(numbers), len(pop.Supplier), len(pop.Demander)
	d.w.summary.Overlap = pop.Overlap()
	if len(pop.Demander) == 0 {
		return errs.Invalidf("--people", "需求方客户名单为空：请增加人数", "the demander's customer list is empty: use more people")
	}

	// The supplier's raw base and the demander's customer list live in
	// each member's own folder: raw IDs never go further than their owner.
	for _, dir := range []string{filepath.Dir(d.Path(SupplierBase)), filepath.Dir(d.Path(Customers))} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	d.w.supplierFile = d.Path(SupplierBase)
	header := []string{"mobile"}
	for _, t := range ds.Tags {
		header = append(header, t.Key)
	}
	err = writeCSV(d.w.supplierFile, header, len(pop.Supplier), func(r int, rec []string) []string {
		rec = append(rec, pop.Numbers[pop.Supplier[r]])
		for t := range ds.Tags {
			rec = append(rec, ds.Value(t, r))
		}
		return rec
	})
	if err != nil {
		return err
	}
	d.w.customersFile = d.Path(Customers)
	err = writeCSV(d.w.customersFile, []string{"mobile"}, len(pop.Demander), func(r int, rec []string) []string {
		return append(rec, "+86 "+pop.Numbers[pop.Demander[r]])
	})
	if err != nil {
		return err
	}
	d.n.say("供应方数据：%s 人，标签 %d 个（每个取值至少 %s 人，满足 k ≥ %s）→ %s",
		"the supplier's data: %s people, %d tags (every value held by at least %s people: k ≥ %s) → %s",
		thousands(len(pop.Supplier)), len(ds.Tags), thousands(minCount(ds)), thousands(k), d.w.supplierFile)
	for _, t := range ds.Tags {
		d.n.say("  %s（%s）：%s", "  %[2]s (%[1]s): %[3]s", t.Name, t.Key, valuesLine(t))
	}
	d.n.say("需求方客户名单：%s 个号码，其中 %s 个也在供应方数据中 → %s",
		"the demander's customer list: %s numbers, %s of them also in the supplier's data → %s",
		thousands(len(pop.Demander)), thousands(d.w.summary.Overlap), d.w.customersFile)
	d.n.say("用时 %s", "took %s", secs(time.Since(start)))
	return nil
}

func minCount(ds *Dataset) int {
	m := -1
	for _, t := range ds.Tags {
		for _, c := range t.Counts {
			if m < 0 || c < m {
				m = c
			}
		}
	}
	return m
}

func valuesLine(t TagColumn) string {
	s := ""
	for i, v := range t.Values {
		if i > 0 {
			s += "  "
		}
		if i == 8 && len(t.Values) > 10 {
			s += fmt.Sprintf("… (+%d)", len(t.Values)-8)
			break
		}
		s += fmt.Sprintf("%s %s", v, thousands(t.Counts[i]))
	}
	return s
}

// writeCSV writes a header and n rows made by row.
func writeCSV(path string, header []string, n int, row func(i int, rec []string) []string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(header)
	rec := make([]string, 0, len(header))
	for i := range n {
		if err := w.Write(row(i, rec[:0])); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (d *Demo) stepStaff(ctx context.Context) error {
	p := d.Platform.Platform
	d.w.op = party{name: i18n.T("运营方", "operator"), login: "operator", password: newPassword()}
	acct, err := p.CreateStaff(ctx, auth.RoleOperator, d.w.op.login, "演示运营员", d.w.op.password, true)
	if err != nil {
		return err
	}
	d.n.say("创建首个运营方账户 %s（等同于 hulian platform admin create）", "created the first operator account %s (as hulian platform admin create does)", acct.Login)
	d.w.reg = party{name: i18n.T("监管方", "regulator"), login: "regulator", password: newPassword()}
	racct, err := p.CreateStaff(auth.WithActor(ctx, acct.Actor()), auth.RoleRegulator, d.w.reg.login, "演示监管员", d.w.reg.password, false)
	if err != nil {
		return err
	}
	d.n.say("运营方创建监管方账户 %s", "the operator created the regulator account %s", racct.Login)
	for _, pt := range []*party{&d.w.op, &d.w.reg} {
		if err := d.tokenFor(ctx, pt, "demo"); err != nil {
			return err
		}
	}
	d.n.say("两人各自登录控制台并创建 API 令牌（平台只保存令牌摘要）", "each logged in to the console and created an API token (the platform keeps only its digest)")
	if err := d.startWitness(ctx); err != nil {
		return err
	}
	d.Accounts = append(d.Accounts,
		Account{Role: i18n.T("运营方", "operator"), Login: d.w.op.login, Password: d.w.op.password},
		Account{Role: i18n.T("监管方", "regulator"), Login: d.w.reg.login, Password: d.w.reg.password})
	return nil
}

// uscc returns a valid unified social credit code for n: a fixed prefix
// and the check character GB 32100 demands.
func uscc(n int) (string, error) {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	prefix := fmt.Sprintf("91310000MA1K%05d", n%100000)
	for i := 0; i < len(chars); i++ {
		if s := prefix + string(chars[i]); ident.CheckUSCC(s) == nil {
			return s, nil
		}
	}
	return "", fmt.Errorf("no check character for %s", prefix)
}

func (d *Demo) stepApply(ctx context.Context) error {
	// The seed varies the companies' registration numbers so that demos
	// with different seeds never present the same company.
	base := int(d.opts.Seed % 90000)
	apps := []struct {
		p        *party
		name     string
		industry string
		role     hulianv1.MemberRole
		login    string
		contact  string
	}{
		{&d.w.sup, "申江消费数据科技有限公司", "I64", hulianv1.MemberRole_MEMBER_ROLE_SUPPLIER, "supplier", "王芳"},
		{&d.w.dem, "浦江零售连锁有限公司", "F52", hulianv1.MemberRole_MEMBER_ROLE_DEMANDER, "demander", "陈明"},
	}
	for i, a := range apps {
		code, err := uscc(base + i + 1)
		if err != nil {
			return err
		}
		*a.p = party{name: i18n.T(a.name, a.name), login: a.login, password: newPassword()}
		res, err := d.w.anon.Members.Apply(ctx, connect.NewRequest(&hulianv1.ApplyRequest{
			Application: &hulianv1.Application{Name: a.name, Uscc: code, Industry: a.industry, ContactName: a.contact,
				ContactPhone: "021-5555 01" + strconv.Itoa(10+i), ContactEmail: a.login + "@example.cn", StorageRegion: "CN-SH",
				Roles: []hulianv1.MemberRole{a.role}},
			Login: a.login, DisplayName: a.contact, Password: a.p.password,
		}))
		if err != nil {
			return fromAPI(err)
		}
		a.p.memberID = res.Msg.Member.Id
		roleText := i18n.T("供应方", "supplier")
		if a.role == hulianv1.MemberRole_MEMBER_ROLE_DEMANDER {
			roleText = i18n.T("需求方", "demander")
		}
		role := roleText.In(d.opts.Lang)
		d.n.say("%s（%s，统一社会信用代码 %s，数据存储地 CN-SH）申请入会：成员编号 %s，员工账户 %s",
			"%s (%s, USCC %s, storage region CN-SH) applied: member %s, staff account %s", a.name, role, code, a.p.memberID, a.login)
		d.Accounts = append(d.Accounts, Account{Role: i18n.T(roleText.ZH+"员工（"+a.name+"）", roleText.EN+" staff ("+a.name+")"), Login: a.login, Password: a.p.password})
	}
	return nil
}

func (d *Demo) stepReview(ctx context.Context) error {
	for _, m := range []*party{&d.w.sup, &d.w.dem} {
		res, err := d.w.op.api.Members.ReviewQualification(ctx, connect.NewRequest(&hulianv1.ReviewQualificationRequest{Id: m.memberID, Approve: true}))
		if err != nil {
			return fromAPI(err)
		}
		d.n.say("运营方批准 %s 的资质：%s", "the operator approved %s: %s", m.memberID, stageName(res.Msg.Member.Stage))
	}
	return nil
}

func (d *Demo) stepAgreement(ctx context.Context) error {
	ver, err := d.w.anon.Members.GetAgreement(ctx, connect.NewRequest(&hulianv1.GetAgreementRequest{}))
	if err != nil {
		return fromAPI(err)
	}
	for _, m := range []*party{&d.w.sup, &d.w.dem} {
		if err := d.tokenFor(ctx, m, "node"); err != nil {
			return err
		}
		if err := d.saveToken(m); err != nil {
			return err
		}
		res, err := m.api.Members.SignAgreement(ctx, connect.NewRequest(&hulianv1.SignAgreementRequest{Id: m.memberID, AgreementVersion: ver.Msg.Version}))
		if err != nil {
			return fromAPI(err)
		}
		d.n.say("%s 的员工登录控制台、创建 API 令牌，签署协议 %s：%s", "%s's staff logged in, created an API token and signed agreement %s: %s",
			m.memberID, ver.Msg.Version, stageName(res.Msg.Member.Stage))
	}
	return nil
}

// openNode starts a member's node on its own SQLite file.
func (d *Demo) openNode(ctx context.Context, name, file string, port int, memberID string) (*nodeserver.Main, error) {
	addr, fell := listenAddr(port)
	logger, err := d.logger(name)
	if err != nil {
		return nil, err
	}
	m, err := nodeserver.Open(ctx, nodeserver.Config{Listen: addr, NoAutoIntegrate: true, Node: node.Config{
		DB: "sqlite://" + d.Path(file), MemberID: memberID, PlatformURL: d.Platform.URL(), Region: "CN-SH",
		Logger: logger, NewPlatform: platformclient.New, Crypto: d.opts.Crypto,
	}})
	if err != nil {
		return nil, err
	}
	d.n.say("%s 节点：%s（数据库 %s，密钥加密密钥 %s.kek，数据存储地 CN-SH）", "%s node: %s (store %s, key-encryption key %s.kek, storage region CN-SH)",
		memberID, m.URL(), d.Path(file), d.Path(file))
	if fell {
		d.n.say("端口 %d 已被占用，改用空闲端口 %s", "port %d was taken; using the free port %s instead", port, m.Addr())
	}
	return m, nil
}

func (d *Demo) stepNodeKeys(ctx context.Context) error {
	var err error
	if d.Supplier, err = d.openNode(ctx, "supplier", SupplierDB, d.opts.SupplierPort, d.w.sup.memberID); err != nil {
		return err
	}
	// The supplier's privacy centre sends its one-time codes to a file
	// beside the databases: the demo has no SMS gateway or mail server.
	d.w.outbox = &privacy.Outbox{Path: d.Path(PrivacyOutbox)}
	d.Supplier.Privacy.Senders = privacy.Senders{privacy.ByMobile: d.w.outbox, privacy.ByEmail: d.w.outbox}
	if d.Demander, err = d.openNode(ctx, "demander", DemanderDB, d.opts.DemanderPort, d.w.dem.memberID); err != nil {
		return err
	}
	for _, x := range []struct {
		p *party
		m *nodeserver.Main
	}{{&d.w.sup, d.Supplier}, {&d.w.dem, d.Demander}} {
		// The node's console has accounts of its own; in the demo the
		// member's staff member gets one with the same login and password.
		if _, err := x.m.Staff.Create(ctx, x.p.login, x.p.login, x.p.password, "demo"); err != nil {
			return err
		}
		stage, err := x.m.Node.RegisterKeys(ctx, x.p.token)
		if err != nil {
			return err
		}
		if stage != member.StageOpened {
			return errs.New(errs.FailedPrecondition, "stage", "登记公钥后成员阶段应为 opened，实为 "+string(stage), "after registering keys the member should be opened, not "+string(stage))
		}
		pub := x.m.Node.Public()
		d.n.say("%s 节点生成 X25519 与 Ed25519 密钥（私钥以密钥加密密钥封存），用员工令牌登记公钥：%s；X25519 %x…",
			"%s's node generated its X25519 and Ed25519 keys (private keys sealed under its KEK) and registered the public keys with a staff token: %s; X25519 %x…",
			x.p.memberID, stage, pub.X25519[:8])
	}
	return nil
}

func (d *Demo) stepIntegrate(ctx context.Context) error {
	for _, x := range []struct {
		p *party
		m *nodeserver.Main
	}{{&d.w.sup, d.Supplier}, {&d.w.dem, d.Demander}} {
		stage, err := x.m.Node.Integrate(ctx)
		if err != nil {
			return err
		}
		if stage != member.StageActive {
			return errs.New(errs.FailedPrecondition, "stage", "接入联调后成员阶段应为 active，实为 "+string(stage), "after integration the member should be active, not "+string(stage))
		}
		d.n.say("%s 节点以自己的 Ed25519 密钥签名发出联调请求，平台验签通过：%s（日志记为 node:%s）",
			"%s's node sent the integration request signed with its Ed25519 key; the platform verified it: %s (logged as node:%s)",
			x.p.memberID, stage, x.p.memberID)
	}
	// The nodes serve from now on; on start a node registers where the
	// platform reaches its AnswerService, as `hulian node` does.
	for _, m := range []*nodeserver.Main{d.Supplier, d.Demander} {
		d.run(m.Run)
	}
	select {
	case <-d.Supplier.EndpointTried():
	case <-ctx.Done():
		return ctx.Err()
	}
	u, err := d.Supplier.Node.PublicURL(ctx)
	if err != nil {
		return err
	}
	if u == "" {
		return errs.New(errs.Unavailable, "endpoint", "供应方节点未能登记应答地址（见 supplier.log）", "the supplier's node could not register its answer endpoint (see supplier.log)")
	}
	d.n.say("两个节点开始服务；供应方节点向平台登记应答地址 %s，并固定平台的日志验证公钥", "both nodes serve; the supplier's node registered its answer endpoint %s with the platform and pinned the platform's log verifier key", u)
	return nil
}

// demoListing is the supplier's listing: the dataset's three tags and the
// six elements around them.
func (d *Demo) demoListing() *catalog.Listing {
	var tags []catalog.Tag
	for _, t := range d.ds.Tags {
		vt := catalog.ValueSingle
		if t.Segment {
			vt = catalog.ValueSegment
		}
		tags = append(tags, catalog.Tag{Key: t.Key, Name: t.Name, Category: t.Category, Description: t.Description,
			ValueType: vt, Values: t.Values, Column: t.Key})
	}
	perDay := max(int64(1_000_000), int64(2*len(d.pop.Demander)))
	return &catalog.Listing{
		Kind: catalog.Dataset, Title: "城市消费人群画像（年龄段·常住省份·线上消费水平）", Subject: catalog.SubjectPerson, IDType: ident.Mobile,
		Tags: tags,
		Limit: catalog.Limit{Description: "基于用户授权的线上交易数据加工的人群画像标签，按月更新", Keywords: []string{"消费", "画像", "年龄", "地域"},
			Language: "zh", SourceIndustry: "I64", Processing: "indirect", Sensitivity: "medium", Association: "weak", Verification: "one_step",
			Scenarios: []string{"精准营销", "会员运营"},
			Traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: perDay, RequestsPerMinute: 6000},
			Coverage:  int64(len(d.pop.Supplier)), DataSource: "accumulated", Quality: catalog.Scores{Supplier: 85}, SecurityScore: 90, RiskScore: 20},
		Term:  catalog.Term{UpdateFrequency: "monthly", StatisticsPeriod: "近 12 个月", RetentionDays: 30},
		Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 3},
	}
}

func (d *Demo) stepListingDraft(ctx context.Context) error {
	l := d.demoListing()
	res, err := d.w.sup.catalog.CreateListing(ctx, connect.NewRequest(&hulianv1.CreateListingRequest{Content: api.ContentToProto(l, true)}))
	if err != nil {
		return fromAPI(err)
	}
	l.ID, l.Version, l.MemberID = res.Msg.Listing.Id, int(res.Msg.Listing.Version), res.Msg.Listing.MemberId
	d.w.listing = l
	d.n.say("挂牌草稿 %s 第 %d 版：%s；按查得计费 %s/条；留存期限 %d 天；每次请求至多 %s 个标识",
		"draft listing %s version %d: %s; %s per hit; retention %d days; at most %s IDs a request",
		l.ID, l.Version, l.Title, yuan(l.Price.UnitPrice), l.Term.RetentionDays, thousands(l.Limit.Traversal.IDsPerRequest))
	return nil
}

// translator returns the member's exID translator for p: the platform's
// current OPRF key, fetched and pinned, and p's token for the metered
// evaluations.
func (d *Demo) translator(ctx context.Context, p *party) (*exid.Translator, error) {
	res, err := p.api.ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{}))
	if err != nil {
		return nil, fromAPI(err)
	}
	for _, k := range res.Msg.Keys {
		if !k.Current {
			continue
		}
		var pk oprf.PublicKey
		if err := pk.UnmarshalBinary(k.Key); err != nil {
			return nil, err
		}
		d.w.epoch = int(k.Epoch)
		return &exid.Translator{Eval: rpc.Evaluator{Client: p.api.ExID}, Epoch: int(k.Epoch), Key: pk, Type: ident.Mobile}, nil
	}
	return nil, errs.New(errs.Unavailable, "epoch", "平台没有当前的 OPRF 公钥", "the platform has no current OPRF key")
}

// translate runs a CSV translation for p and narrates it.
func (d *Demo) translate(ctx context.Context, p *party, in, out string, keepRaw bool) error {
	tr, err := d.translator(ctx, p)
	if err != nil {
		return err
	}
	before, err := d.logSize(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	last := time.Now()
	prog, err := tr.TranslateCSV(ctx, exid.Job{In: in, Out: out, Column: "mobile", KeepRaw: keepRaw, Progress: func(p exid.Progress) {
		if time.Since(last) >= 5*time.Second {
			last = time.Now()
			d.n.say("… 已转换 %s 个（%s 个/秒）", "… %s translated (%s IDs/s)", thousands(p.Translated), rate(int(p.Translated), time.Since(start)))
		}
	}})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if prog.Rejected > 0 {
		return errs.Invalidf("mobile", fmt.Sprintf("%d 个号码未通过格式规整", prog.Rejected), fmt.Sprintf("%d numbers failed normalisation", prog.Rejected))
	}
	after, err := d.logSize(ctx)
	if err != nil {
		return err
	}
	d.n.say("本地规整并盲化 %s 个号码，平台以纪元 %d 的密钥求值并附 DLEQ 证明，本地验证后得到 exID：用时 %s（%s 个/秒）",
		"normalised and blinded %s numbers locally; the platform evaluated them with its epoch %d key and a DLEQ proof, verified locally: %s (%s IDs/s)",
		thousands(prog.Translated), tr.Epoch, secs(took), rate(int(prog.Translated), took))
	d.n.say("平台只见到盲化元素，按批计量并记入业务日志 %d 条（只记数量）→ %s", "the platform saw only blinded elements, metered them and logged %d entries (counts only) → %s", after-before, out)
	return nil
}

// logSize is the business log's size now.
func (d *Demo) logSize(ctx context.Context) (n int64, err error) {
	err = d.Platform.DB.Read(ctx, func(tx *store.Tx) error { n, err = tx.LogSize(ctx); return err })
	return n, err
}

func (d *Demo) stepSupplierExID(ctx context.Context) error {
	d.w.supplierExIDs = d.Path(SupplierExIDs)
	return d.translate(ctx, &d.w.sup, d.w.supplierFile, d.w.supplierExIDs, false)
}

func (d *Demo) stepImport(ctx context.Context) error {
	lj, err := json.Marshal(d.w.listing)
	if err != nil {
		return err
	}
	f, err := os.Open(d.w.supplierExIDs)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	res, err := d.Supplier.Supply.ImportDataset(ctx, supply.DatasetImport{Name: datasetName, Listing: bytes.NewReader(lj), In: f, IDColumn: "exid",
		Status: gate.Deidentified, Source: "自有门店与线上商城的会员消费记录，依会员协议收集，经会员单独同意向需求方提供"})
	if err != nil {
		return err
	}
	if !res.Pass {
		return errs.New(errs.FailedPrecondition, "gate", fmt.Sprintf("合规检查未通过：%d 个取值少于 %d 人，%d 项禁止内容", res.Table.Failures, res.Table.K, len(res.Findings)),
			fmt.Sprintf("the gate failed: %d values under %d people, %d prohibited findings", res.Table.Failures, res.Table.K, len(res.Findings)))
	}
	d.n.say("数据集 %s 第 %d 版：%s 行，以 exID 为键存于供应方节点，原始号码不入库（%s）", "dataset %s version %d: %s rows keyed by exID on the supplier's node; no raw number stored (%s)",
		res.Name, res.Version, thousands(res.Rows), secs(time.Since(start)))
	d.n.say("合规检查：禁止内容 %d 项；%d 个标签取值全部 ≥ k=%d：通过；报告已用节点 Ed25519 密钥签名",
		"gate: %d prohibited findings; all %d tag values ≥ k=%d: PASS; the report is signed with the node's Ed25519 key",
		len(res.Findings), len(res.Table.Values), res.Table.K)
	return nil
}

// datasetName is the supplier's dataset on its node.
const datasetName = "consumer-profile"

func (d *Demo) stepSubmit(ctx context.Context) error {
	ds, err := d.Supplier.Supply.Dataset(ctx, datasetName)
	if err != nil {
		return err
	}
	res, err := d.w.sup.catalog.SubmitListing(ctx, connect.NewRequest(&hulianv1.SubmitListingRequest{Id: d.w.listing.ID, GateReport: api.GateReportToProto(ds.Report)}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("挂牌 %s 提交审核：%s；平台用登记的节点公钥验证报告签名（报告只含各取值的人数）", "listing %s submitted: %s; the platform verified the report's signature with the registered node key (the report holds only counts per value)",
		d.w.listing.ID, res.Msg.Listing.Status)
	return nil
}

func (d *Demo) stepListingReview(ctx context.Context) error {
	if _, err := d.w.op.catalog.StartReview(ctx, connect.NewRequest(&hulianv1.StartReviewRequest{Id: d.w.listing.ID})); err != nil {
		return fromAPI(err)
	}
	res, err := d.w.op.catalog.DecideListing(ctx, connect.NewRequest(&hulianv1.DecideListingRequest{Id: d.w.listing.ID, Approve: true, Note: "要素齐全，合规报告有效"}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("运营方开始审核并批准：%s", "the operator started the review and approved: %s", res.Msg.Listing.Status)
	return nil
}

func (d *Demo) stepPublish(ctx context.Context) error {
	res, err := d.w.sup.catalog.PublishListing(ctx, connect.NewRequest(&hulianv1.PublishListingRequest{Id: d.w.listing.ID}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("挂牌 %s 已发布，标价 %s", "listing %s published at %s", d.w.listing.ID, yuan(res.Msg.Listing.ListedFen))
	return nil
}

func (d *Demo) stepDemanderExID(ctx context.Context) error {
	d.w.demanderExIDs = d.Path(CustomersExIDs)
	return d.translate(ctx, &d.w.dem, d.w.customersFile, d.w.demanderExIDs, true)
}

// demandSpec is what a demand of the walkthrough asks for.
type demandSpec struct {
	method                string
	title, purpose, scope string
	scenario              string
	methodText            i18n.Text
}

// realtimeDemand is the first demand: customers looked up as they come.
var realtimeDemand = demandSpec{method: "realtime", title: "存量会员画像补全", purpose: "会员分层运营与营销人群筛选", scope: "本公司存量会员",
	scenario: "精准营销", methodText: i18n.T("实时查询", "real-time queries")}

// batchDemand is the second: the whole customer list refreshed once a
// month, as files.
var batchDemand = demandSpec{method: "batch", title: "月度客户画像批量更新", purpose: "月度客户画像批量更新", scope: "本公司全部客户名单",
	scenario: "会员运营", methodText: i18n.T("批量文件", "batch files")}

// publishDemand publishes spec for the demander into o.
func (d *Demo) publishDemand(ctx context.Context, o *deal, spec demandSpec) error {
	today := calendar.DateOf(time.Now())
	res, err := d.w.dem.market.PublishDemand(ctx, connect.NewRequest(&hulianv1.PublishDemandRequest{Demand: &hulianv1.Demand{
		Title: spec.title, Purpose: spec.purpose, Scope: spec.scope, Method: spec.method, Scenario: spec.scenario,
		Term:       &hulianv1.DateRange{Start: today.String(), End: today.AddDays(89).String()},
		Categories: []string{"basic", "behaviour"}, Tags: []string{"age_band", "spend_level"}, EnterpriseNature: "private",
		MonthlyVolume: int64(len(d.pop.Demander)), HitRateBp: 8000, BudgetFen: 10_000_000,
	}}))
	if err != nil {
		return fromAPI(err)
	}
	o.method, o.demandID = spec.method, res.Msg.Demand.Id
	d.n.say("需求 %s：目的“%s”，方式 %s（%s），期限 %s 至 %s，月量 %s，预算 %s/月",
		"demand %s: purpose %s, method %s (%s), term %s to %s, %s IDs a month, budget %s a month",
		o.demandID, spec.purpose, spec.method, spec.methodText.In(d.opts.Lang), today, today.AddDays(89), thousands(len(d.pop.Demander)), yuan(10_000_000))
	return nil
}

func (d *Demo) stepDemand(ctx context.Context) error {
	return d.publishDemand(ctx, &d.w.rt, realtimeDemand)
}

// match ranks the listings for o's demand and narrates the supplier's.
func (d *Demo) match(ctx context.Context, o *deal) error {
	res, err := d.w.dem.market.Match(ctx, connect.NewRequest(&hulianv1.MatchRequest{DemandId: o.demandID}))
	if err != nil {
		return fromAPI(err)
	}
	for _, m := range res.Msg.Ranked {
		if m.Listing.GetId() == d.w.listing.ID {
			expl := m.ExplanationZh
			if d.opts.Lang == i18n.EN {
				expl = m.ExplanationEn
			}
			d.n.say("第 %d 名：挂牌 %s，得分 %d/100，预计月费 %s", "rank %d: listing %s, score %d/100, expected %s a month", m.Rank, m.Listing.GetId(), m.Score, yuan(m.MonthlyFen))
			d.n.line("  " + expl)
			return nil
		}
	}
	return errs.New(errs.NotFound, "listing", "撮合结果中没有供应方的挂牌", "the supplier's listing is not among the matches")
}

func (d *Demo) stepMatch(ctx context.Context) error { return d.match(ctx, &d.w.rt) }

// offer has the supplier offer its listing for o's demand.
func (d *Demo) offer(ctx context.Context, o *deal, note string) error {
	res, err := d.w.sup.market.MakeOffer(ctx, connect.NewRequest(&hulianv1.MakeOfferRequest{DemandId: o.demandID, ListingId: d.w.listing.ID, Note: note}))
	if err != nil {
		return fromAPI(err)
	}
	o.offerID = res.Msg.Offer.Id
	offers, err := d.w.dem.market.ListOffers(ctx, connect.NewRequest(&hulianv1.ListOffersRequest{DemandId: o.demandID}))
	if err != nil {
		return fromAPI(err)
	}
	for _, of := range offers.Msg.Offers {
		if of.Offer.Id == o.offerID {
			d.n.say("报价 %s：%s/条（查得计费），平台按需求月量估算月费 %s", "offer %s: %s per hit; the platform estimates %s a month at the demand's volume",
				of.Offer.Id, yuan(of.Offer.Price.GetUnitPrice()), yuan(of.Estimate.GetTotalFen()))
		}
	}
	return nil
}

func (d *Demo) stepOffer(ctx context.Context) error {
	return d.offer(ctx, &d.w.rt, "按挂牌价供应，留存 30 天")
}

// selectOffer has the demander select o's offer: an order.
func (d *Demo) selectOffer(ctx context.Context, o *deal) error {
	res, err := d.w.dem.market.SelectOffer(ctx, connect.NewRequest(&hulianv1.SelectOfferRequest{OfferId: o.offerID}))
	if err != nil {
		return fromAPI(err)
	}
	ord := res.Msg.Order
	if ord.Terms.GetMethod() != o.method {
		return errs.New(errs.Internal, "method", fmt.Sprintf("订单 %s 的方式为 %s，而需求的方式为 %s", ord.Id, ord.Terms.GetMethod(), o.method),
			fmt.Sprintf("order %s's method is %s, but the demand's is %s", ord.Id, ord.Terms.GetMethod(), o.method))
	}
	o.orderID, o.termsHash = ord.Id, ord.TermsHash
	d.n.say("订单 %s（方式 %s）：%s；条款哈希 %s…（目的、范围、方式、期限、价格、留存 %d 天、遍历限制）",
		"order %s (method %s): %s; terms hash %s… (purpose, scope, method, term, price, retention %d days, traversal limits)",
		ord.Id, ord.Terms.GetMethod(), ord.Status, ord.TermsHash[:16], ord.Terms.GetRetentionDays())
	return nil
}

func (d *Demo) stepSelect(ctx context.Context) error {
	if err := d.selectOffer(ctx, &d.w.rt); err != nil {
		return err
	}
	d.w.summary.OrderID = d.w.rt.orderID
	return nil
}

// confirm has both sides sign o's confirmations, which makes it active.
func (d *Demo) confirm(ctx context.Context, o *deal) error {
	if _, err := d.w.dem.market.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.orderID, Side: "demand", TermsHash: o.termsHash})); err != nil {
		return fromAPI(err)
	}
	d.n.say("需求方签署数据需求确认单", "the demander signed the data demand confirmation")
	res, err := d.w.sup.market.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.orderID, Side: "supply", TermsHash: o.termsHash}))
	if err != nil {
		return fromAPI(err)
	}
	if res.Msg.Order.Status != "active" {
		return errs.New(errs.FailedPrecondition, "order", "双方签署后订单应生效，实为 "+res.Msg.Order.Status, "after both signatures the order should be active, not "+res.Msg.Order.Status)
	}
	d.n.say("供应方签署数据供应确认单：订单 %s %s", "the supplier signed the data supply confirmation: order %s %s", o.orderID, res.Msg.Order.Status)
	return nil
}

func (d *Demo) stepConfirm(ctx context.Context) error { return d.confirm(ctx, &d.w.rt) }

// stepBatchDemand: after the real-time trial the demander wants its whole
// list refreshed monthly, which is another method and so another demand
// and order: the terms both sides sign fix the method.
func (d *Demo) stepBatchDemand(ctx context.Context) error {
	if err := d.publishDemand(ctx, &d.w.bt, batchDemand); err != nil {
		return err
	}
	return d.match(ctx, &d.w.bt)
}

func (d *Demo) stepBatchOrder(ctx context.Context) error {
	if err := d.offer(ctx, &d.w.bt, "按挂牌价供应，按月批量文件交付，留存 30 天"); err != nil {
		return err
	}
	if err := d.selectOffer(ctx, &d.w.bt); err != nil {
		return err
	}
	if err := d.confirm(ctx, &d.w.bt); err != nil {
		return err
	}
	d.w.summary.BatchOrderID = d.w.bt.orderID
	return d.bindOrder(ctx, d.w.bt.orderID)
}

func (d *Demo) stepTopUp(ctx context.Context) error {
	// Enough for every customer to be matched twice over at the listed
	// price, rounded up to a thousand yuan.
	need := int64(2*len(d.pop.Demander)) * d.w.listing.Price.UnitPrice
	amount := (need/100_000 + 1) * 100_000
	res, err := d.w.op.quota.TopUp(ctx, connect.NewRequest(&hulianv1.TopUpRequest{MemberId: d.w.dem.memberID, AmountFen: amount,
		PaymentReference: "DEMO-" + d.w.rt.orderID, Note: "演示充值"}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("运营方记录需求方付款 %s（付款参考号 DEMO-%s）：可用额度 %s", "the operator recorded the demander's payment of %s (reference DEMO-%s): %s available",
		yuan(amount), d.w.rt.orderID, yuan(res.Msg.Account.AvailableFen))
	return nil
}

// stageName is an onboarding stage as the console names it.
func stageName(s hulianv1.Stage) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "STAGE_"))
}
