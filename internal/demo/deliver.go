package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/node/demand"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/exid"
)

// realtimeRequests is how many real-time requests the demo sends, each of
// at most the order's per-request limit.
const realtimeRequests = 3

// customer is one row of the demander's translated customer list.
type customer struct {
	mobile string // as the demander keeps it
	id     exid.ExID
}

// readCustomers reads the demander's customer list with its exIDs.
func readCustomers(path string) ([]customer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	hdr, err := r.Read()
	if err != nil {
		return nil, err
	}
	mi, ei := -1, -1
	for i, h := range hdr {
		switch h {
		case "mobile":
			mi = i
		case "exid":
			ei = i
		}
	}
	if mi < 0 || ei < 0 {
		return nil, fmt.Errorf("%s: no mobile and exid columns", path)
	}
	var out []customer
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		id, err := exid.Parse(rec[ei])
		if err != nil {
			return nil, err
		}
		out = append(out, customer{mobile: strings.ReplaceAll(strings.TrimPrefix(rec[mi], "+86"), " ", ""), id: id})
	}
}

// supplierHolds reports, for the demander's customers, which the supplier
// holds: what a delivery must match, computed from the population the demo
// made, not from anything the exchange returned.
func (d *Demo) supplierHolds() map[string]bool {
	held := make(map[string]bool, len(d.pop.Supplier))
	for _, i := range d.pop.Supplier {
		held[d.pop.Numbers[i]] = true
	}
	return held
}

func (d *Demo) stepRealtime(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	peer, err := d.Demander.Demand.OrderPeer(ctx, d.w.rt.orderID)
	if err != nil {
		return err
	}
	d.n.say("需求方节点向平台取得实时订单 %s 的对端：供应方 %s 的 X25519 公钥、授权标签 %v、方式 %s、每次至多 %s 个（挂牌的单次遍历限制）；双方各自以 X25519 + HKDF 派生订单密钥 k_o，平台无法派生",
		"the demander's node got real-time order %s's peer from the platform: supplier %s's X25519 key, licensed tags %v, method %s, at most %s per request (the listing's per-request traversal limit); each node derives the order key k_o with X25519 + HKDF, which the platform cannot",
		d.w.rt.orderID, peer.PeerMember, peer.Columns, peer.Method, thousands(peer.MaxTokens))
	held := d.supplierHolds()
	per := min(peer.MaxTokens, 1000)
	for r := 0; r < realtimeRequests && r*per < len(cs); r++ {
		batch := cs[r*per : min((r+1)*per, len(cs))]
		ids := make([]exid.ExID, len(batch))
		want := 0
		unsigned := 0
		for i, c := range batch {
			ids[i] = c.id
			switch {
			case d.w.unsigned[c.id]:
				unsigned++
			case held[c.mobile]:
				want++
			}
		}
		start := time.Now()
		res, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids)
		if err != nil {
			return err
		}
		took := time.Since(start)
		if res.Matched != want || len(res.Unauthorised) != unsigned {
			return errs.New(errs.Internal, "matched", fmt.Sprintf("请求 %s 匹配 %d 个，而供应方持有其中 %d 个", res.RequestID, res.Matched, want),
				fmt.Sprintf("request %s matched %d, but the supplier holds %d of them", res.RequestID, res.Matched, want))
		}
		d.w.summary.RealtimeQueried += len(ids) - unsigned
		d.w.summary.RealtimeMatched += res.Matched
		d.w.summary.ChargedFen += res.ChargeFen
		d.n.say("请求 %s：%s 个 exID → 令牌（另 %s 个客户未签署授权，未查询），附授权承诺值，经平台转发，查得 %s 个（与供应方实际持有数一致），扣费 %s，回执已验签（日志第 %d 条），用时 %d ms",
			"request %s: %s exIDs as tokens (%s more customers had not signed an authorisation and were not asked), with authorisation commitments, relayed by the platform; %s matched (as many as the supplier holds), charged %s, receipt verified (log entry %d), %d ms",
			res.RequestID, thousands(len(ids)-unsigned), thousands(unsigned), thousands(res.Matched), yuan(res.ChargeFen), res.Receipt.Seq, took.Milliseconds())
		if r == 0 {
			for i, v := range res.Values {
				if v != nil {
					d.n.say("  例：客户 %s → %s（需求方在本地把结果对回自己的客户）", "  e.g. customer %s → %s (the demander joins results back to its own customers locally)",
						mask(batch[i].mobile), strings.Join(v, " / "))
					break
				}
			}
		}
	}
	d.n.say("平台只见到令牌数量、查得数与密文承诺值：据此计量、扣费、写日志并签发回执", "the platform saw only counts and the sealed answer's commitment: enough to meter, charge, log and sign a receipt")
	return nil
}

// batchChunks is how many chunks the demo cuts a customer list into when
// the list is smaller than the node's default chunk: enough to show that
// each chunk is metered, charged and logged on its own.
const batchChunks = 4

// batchChunk is the chunk size for a batch of n IDs: the node's default
// (0) when that already makes more than one chunk, else n cut into
// batchChunks.
func batchChunk(n int) int {
	if n > demand.DefaultQueryChunk {
		return 0
	}
	return max(1, (n+batchChunks-1)/batchChunks)
}

func (d *Demo) stepBatch(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	held := d.supplierHolds()
	want, unsigned := 0, 0
	for _, c := range cs {
		switch {
		case d.w.unsigned[c.id]:
			unsigned++
		case held[c.mobile] && !d.w.withdrawn[c.id]:
			// Those who withdrew their consent are not answered.
			want++
		}
	}
	peer, err := d.Demander.Demand.OrderPeer(ctx, d.w.bt.orderID)
	if err != nil {
		return err
	}
	if peer.Method != batchDemand.method {
		return errs.New(errs.Internal, "method", fmt.Sprintf("订单 %s 的方式为 %s，不是批量", d.w.bt.orderID, peer.Method),
			fmt.Sprintf("order %s's method is %s, not batch", d.w.bt.orderID, peer.Method))
	}
	chunk := batchChunk(len(cs))
	size := chunk
	if size == 0 {
		size = min(peer.MaxTokens, demand.DefaultQueryChunk)
	}
	d.n.say("批量订单 %s：方式 %s，每次配送至多 %s 个令牌（实时订单的单次 %s 个遍历限制不适用于批量文件）；名单 %s 个 exID，按每块 %s 个切分",
		"batch order %s: method %s, up to %s tokens per delivery (the real-time order's per-request limit of %s does not apply to batch files); the list of %s exIDs is cut into chunks of %s",
		d.w.bt.orderID, peer.Method, thousands(peer.MaxTokens), thousands(d.w.listing.Limit.Traversal.IDsPerRequest), thousands(len(cs)), thousands(size))
	if chunk > 0 {
		d.n.say("（名单不足节点默认的一块 %s 个，演示将其分为 %d 块，以显示逐块计量）", "(the list is smaller than the node's default chunk of %s, so the demo cuts it into %d to show metering chunk by chunk)",
			thousands(demand.DefaultQueryChunk), batchChunks)
	}
	d.w.resultsFile = d.Path(Results)
	start := time.Now()
	p, err := d.Demander.Demand.QueryFile(ctx, demand.QueryJob{OrderID: d.w.bt.orderID, In: d.w.demanderExIDs, Out: d.w.resultsFile, Column: "exid", Chunk: chunk})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if int(p.Matched) != want || int(p.Rows) != len(cs) || int(p.Unauthorised) != unsigned {
		return errs.New(errs.Internal, "matched", fmt.Sprintf("批量配送 %d 行查得 %d 个，而供应方持有其中 %d 个", p.Rows, p.Matched, want),
			fmt.Sprintf("the batch of %d rows matched %d, but the supplier holds %d of them", p.Rows, p.Matched, want))
	}
	if p.Chunks < 2 && len(cs) > 1 {
		return errs.New(errs.Internal, "chunks", fmt.Sprintf("批量配送只用了 %d 块", p.Chunks), fmt.Sprintf("the batch delivery used only %d chunk", p.Chunks))
	}
	d.w.summary.BatchQueried, d.w.summary.BatchMatched, d.w.summary.BatchChunks = int(p.Rows-p.Unauthorised), int(p.Matched), int(p.Chunks)
	d.w.summary.Unsigned, d.w.summary.Matchable = unsigned, want
	d.w.summary.ChargedFen += p.ChargeFen
	d.n.say("整份名单 %s 个 exID（其中 %s 个未签署授权，结果中记为 -，未查询）经批量订单 %s 分 %s 块经平台转发，每块作为一次配送单独计量、扣费、记日志：查得 %s 个（命中率 %.1f%%，与供应方实际持有数一致），扣费 %s",
		"the whole list of %s exIDs (%s of them without a signed authorisation: \"-\" in the results, not asked) went through the platform under batch order %s in %s chunks, each a delivery metered, charged and logged on its own: %s matched (hit rate %.1f%%, as many as the supplier holds), charged %s",
		thousands(p.Rows), thousands(p.Unauthorised), d.w.bt.orderID, thousands(p.Chunks), thousands(p.Matched), 100*float64(p.Matched)/float64(max(p.Rows-p.Unauthorised, 1)), yuan(p.ChargeFen))
	d.n.say("用时 %s（%s 个/秒，含令牌计算、平台转发、供应方查找与 HPKE 封装、需求方解封）→ %s",
		"took %s (%s IDs/s, tokens, relay, the supplier's lookup and HPKE sealing, opening on the demander's side included) → %s",
		secs(took), rate(int(p.Rows), took), d.w.resultsFile)
	q, err := d.w.dem.quota.GetQuota(ctx, connect.NewRequest(&hulianv1.GetQuotaRequest{MemberId: d.w.dem.memberID}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("需求方累计扣费 %s（两个订单），可用额度 %s", "the demander was charged %s in all (both orders); %s available", yuan(q.Msg.Account.DeductedFen), yuan(q.Msg.Account.AvailableFen))
	return nil
}

// stepDestroy destroys each order's deliveries in turn, as a demander
// asked to destroy them would, and checks that the platform records every
// one destroyed.
func (d *Demo) stepDestroy(ctx context.Context) error {
	for _, o := range []struct {
		deal *deal
		name i18n.Text
	}{{&d.w.rt, i18n.T("实时订单", "real-time order")}, {&d.w.bt, i18n.T("批量订单", "batch order")}} {
		id := o.deal.orderID
		s, err := d.Demander.Demand.DestroyDeliveries(ctx, id)
		if err != nil {
			return err
		}
		if s.Unattested > 0 {
			return errs.New(errs.Unavailable, "attest", fmt.Sprintf("订单 %s 有 %d 次配送的销毁未能向平台证明：%v", id, s.Unattested, s.AttestErr),
				fmt.Sprintf("the destruction of %d deliveries of order %s could not be attested to the platform: %v", s.Unattested, id, s.AttestErr))
		}
		res, err := d.w.dem.api.Delivery.ListDeliveries(ctx, connect.NewRequest(&hulianv1.ListDeliveriesRequest{OrderId: id, Limit: 1000}))
		if err != nil {
			return fromAPI(err)
		}
		left := 0
		for _, dl := range res.Msg.Deliveries {
			if dl.DestroyedAt == nil {
				left++
			}
		}
		if left > 0 {
			return errs.New(errs.Internal, "destroyed_at", fmt.Sprintf("平台上订单 %s 仍有 %d 次配送未记销毁", id, left),
				fmt.Sprintf("%d deliveries of order %s are not recorded destroyed on the platform", left, id))
		}
		if s.Destroyed != len(res.Msg.Deliveries) {
			return errs.New(errs.Internal, "destroyed", fmt.Sprintf("订单 %s：节点销毁 %d 次配送，平台记有 %d 次", id, s.Destroyed, len(res.Msg.Deliveries)),
				fmt.Sprintf("order %s: the node destroyed %d deliveries, the platform records %d", id, s.Destroyed, len(res.Msg.Deliveries)))
		}
		d.w.summary.Destroyed += s.Destroyed
		d.n.say("%s %s：需求方节点销毁 %d 次配送（删除结果文件 %d 个），并向平台证明其中 %d 次的销毁（写入业务日志）；平台上该订单 %d 次配送均已标记销毁",
			"%s %s: the demander's node destroyed %d deliveries (%d results files deleted) and attested %d of them to the platform (in its business log); all %d of the order's deliveries on the platform are marked destroyed",
			o.name.In(d.opts.Lang), id, s.Destroyed, s.FilesDeleted, s.Attested, len(res.Msg.Deliveries))
	}
	if _, err := os.Stat(d.w.resultsFile); err == nil {
		return errs.New(errs.Internal, "results", "销毁后结果文件仍在", "the results file is still there after destruction")
	}
	return nil
}

func (d *Demo) stepVerifyLog(ctx context.Context) error {
	get := func(method, path string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, method, d.Platform.URL()+path, nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+d.w.reg.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", errs.New(errs.Unavailable, path, fmt.Sprintf("平台答复 %d：%s", resp.StatusCode, b), fmt.Sprintf("the platform answered %d: %s", resp.StatusCode, b))
		}
		return string(b), nil
	}
	note, err := get(http.MethodPost, "/log/v1/checkpoint")
	if err != nil {
		return err
	}
	key, err := get(http.MethodGet, "/log/v1/key")
	if err != nil {
		return err
	}
	key = strings.TrimSpace(key)
	first := strings.SplitN(note, "\n", 3)
	size := ""
	if len(first) > 1 {
		size = first[1]
	}
	d.n.say("监管方请平台签发检查点：日志大小 %s，签名者 %s", "the regulator had the platform sign a checkpoint: log size %s, signed by %s", size, strings.SplitN(key, "+", 2)[0])
	start := time.Now()
	rep, err := d.Platform.DB.VerifyLog(ctx, store.VerifyOptions{VerifierKey: key})
	if err != nil {
		return err
	}
	if f := rep.Failure; f != nil {
		return errs.New(errs.Internal, "log", "日志验证失败："+f.Text("zh-CN"), "log verification failed: "+f.Text("en"))
	}
	d.w.summary.LogSize = rep.Entries
	latest := int64(0)
	if rep.Latest != nil {
		latest = rep.Latest.Size
	}
	d.n.say("与 hulian log verify --db 相同的离线验证（固定验证公钥）：重新计算 %s 条记录的默克尔树，验证 %d 个检查点的签名与根（最新大小 %s）：日志完整，用时 %s",
		"the same offline verification as hulian log verify --db (verifier key pinned): recomputed the Merkle tree of %s entries and verified %d checkpoints' signatures and roots (latest size %s): the log is intact, %s",
		thousands(rep.Entries), rep.Checkpoints, thousands(latest), secs(time.Since(start)))
	// The regulator's witness takes one more round: it copies up to the
	// checkpoint just signed, audits its whole copy against what the
	// platform serves, cosigns, and the platform publishes the cosignature.
	res, err := d.w.witness.round(ctx)
	if err != nil {
		return err
	}
	if res.PublishErr != nil {
		return res.PublishErr
	}
	d.w.summary.WitnessedSize = res.Size
	d.n.say("监管方的见证者已在自己的数据库中复制全部 %s 条记录，核对了与此前每个检查点的一致性，并联署大小 %s 的检查点；平台在 /log/v1/witnessed 公布带有联署的检查点",
		"the regulator's witness holds its own copy of all %s entries, checked consistency with every checkpoint it held, and cosigned the checkpoint of size %s; the platform publishes it with the cosignature at /log/v1/witnessed",
		thousands(res.Size), thousands(res.Size))
	return nil
}
