package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/platform/store"
)

// TestWebhookOnConsole: setting a webhook shows its signing secret once,
// on that page only; the page then lists the webhook's events with their
// state and the last attempt's outcome (here an address the platform
// refuses to call).
func TestWebhookOnConsole(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	m := p.apply(t, 1, "回调公司", "hook.co")
	op := p.browser(t)
	op.login("operator")
	r := op.post("/quota/"+m.ID+"/alerts", url.Values{"csrf": {op.csrf()}, "threshold_fen": {"10"}, "webhook_url": {"http://127.0.0.1:9/hook"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `<code id="webhook-secret" translate="no">whsec_`) || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("setting the webhook: %d\n%s", r.Status, r.Body)
	}
	if r := op.get("/quota?member=" + m.ID); strings.Contains(r.Body, "whsec_") {
		t.Error("the secret is shown again")
	}
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		return tx.EnqueueWebhook(ctx, m.ID, "evt_console", "order.activated", map[string]string{"order": "ord_x"})
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = op.get("/quota?member=" + m.ID)
		if strings.Contains(r.Body, "不是平台可以调用的公网地址") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{`id="webhook-events"`, "evt_console", "订单生效", `data-state="pending"`, "待发送", "已拒绝：不是平台可以调用的公网地址", "下次重试"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the events table lacks %q", want)
		}
	}
}
