package demo

import (
	"context"
	"errors"
	"sync"
	"time"

	"hulian/internal/errs"
	"hulian/internal/witness"
)

// WitnessDir is the regulator's witness's folder in the demo directory:
// its signing key and its own copy of the log.
const WitnessDir = "regulator-witness"

// demoWitness is the regulator's witness of the demo's log, as "hulian
// log witness" runs it: a round every few seconds while the walkthrough
// runs, and one more at the end.
type demoWitness struct {
	mu    sync.Mutex // one round at a time: rounds share the copy
	w     *witness.Witness
	last  *witness.Result
	store *witness.Store
}

// startWitness starts the regulator's witness following the platform's
// log with the regulator's token.
func (d *Demo) startWitness(ctx context.Context) error {
	key, _, err := witness.LoadKey(d.Path(WitnessDir+"/witness.key"), "hulian.witness/demo-regulator")
	if err != nil {
		return err
	}
	st, err := witness.OpenStore(ctx, "sqlite://"+d.Path(WitnessDir+"/witness.db"))
	if err != nil {
		return err
	}
	dw := &demoWitness{store: st, w: &witness.Witness{Platform: d.Platform.URL(), Token: d.w.reg.token, Store: st, Signer: key.Signer, Verifier: key.Verifier}}
	d.w.witness = dw
	d.stops = append(d.stops, func() { st.Close() })
	d.run(func(ctx context.Context) error {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if _, err := dw.round(ctx); err != nil {
				var a *witness.Alarm
				if errors.As(err, &a) {
					return errs.New(errs.Internal, "witness", "监管方见证者告警："+a.Reason.ZH, "the regulator's witness raised an alarm: "+a.Reason.EN)
				}
				// The platform may be between checkpoints or busy: the
				// next round tries again.
			}
		}
	})
	d.n.say("监管方启动日志见证者（与 hulian log witness 相同）：每 2 秒复制新记录、核对检查点并联署", "the regulator started its log witness (as hulian log witness does): every 2 s it copies new entries, checks the checkpoint and cosigns it")
	return nil
}

func (dw *demoWitness) round(ctx context.Context) (*witness.Result, error) {
	dw.mu.Lock()
	defer dw.mu.Unlock()
	res, err := dw.w.Round(ctx, 1000)
	if err == nil {
		dw.last = res
	}
	return res, err
}
