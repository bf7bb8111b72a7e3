package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/mediation"
	"hulian/internal/platform/store"
)

// mediationRoutes are disputes between the members of an order (X-G4):
// a member opens one (suspending the order when it affects the exchange);
// the operator extracts the log's records, notes and settles.
func (c *console) mediationRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /mediation", c.mediationList)
	c.handle(mux, "POST /mediation", c.mediationOpen)
	c.handle(mux, "GET /mediation/{id}", c.mediationOne)
	c.handle(mux, "GET /mediation/{id}/evidence.json", c.mediationEvidence)
	c.handle(mux, "POST /mediation/{id}/{step}", c.mediationStep)
}

type mediationListData struct {
	Disputes []*store.OrderDispute
	CanOpen  bool
}

func (c *console) mediationListView(r *http.Request) (*view, error) {
	ds, err := c.x.Mediation.List(r.Context())
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(r.Context())
	return &view{Title: "md.title", Data: mediationListData{Disputes: ds, CanOpen: a.Role == auth.RoleMember}, fields: []string{"order", "reason", "suspend"}}, nil
}

func (c *console) mediationList(w http.ResponseWriter, r *http.Request) error {
	v, err := c.mediationListView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "mediation.html", v)
	return nil
}

func (c *console) mediationOpen(w http.ResponseWriter, r *http.Request) error {
	d, err := c.x.Mediation.Open(r.Context(), strings.TrimSpace(r.PostFormValue("order")), r.PostFormValue("reason"), r.PostFormValue("suspend") == "on")
	if err != nil {
		if errs.KindOf(err) == errs.PermissionDenied {
			return err
		}
		v, verr := c.mediationListView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("mediation.html", v, err)
	}
	http.Redirect(w, r, "/mediation/"+d.ID+"?done=open", http.StatusSeeOther)
	return nil
}

type mediationData struct {
	*store.OrderDispute
	Receipts []receiptRow
	CanAct   bool
}

var mediationNotices = map[string]string{"open": "md.done.open", "extract": "md.done.extract", "note": "md.done.note", "settle": "md.done.settle"}

func (c *console) mediationView(r *http.Request) (*view, error) {
	ctx := r.Context()
	d, err := c.x.Mediation.Get(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	data := mediationData{OrderDispute: d, CanAct: auth.Can(auth.ActorFrom(ctx).Role, auth.PermSupervise) && d.Status == store.OrderDisputeOpen}
	if d.Evidence != nil {
		var rs []bizlog.Receipt
		if err := json.Unmarshal(d.Evidence, &rs); err != nil {
			return nil, err
		}
		vkey, err := c.bizlog.VerifierKey(ctx)
		if err != nil {
			return nil, err
		}
		for _, rc := range rs {
			// Checked here against the log's key as either party can check
			// it offline.
			data.Receipts = append(data.Receipts, receiptRow{Seq: rc.Entry.Seq, Kind: rc.Entry.Kind, Verified: rc.Verify(vkey) == nil})
		}
	}
	return &view{Title: "md.one", Data: data, Notice: mediationNotices[r.URL.Query().Get("done")], fields: []string{"text", "resume"}}, nil
}

func (c *console) mediationOne(w http.ResponseWriter, r *http.Request) error {
	v, err := c.mediationView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "mediation_one.html", v)
	return nil
}

// mediationEvidence serves the receipts as a JSON file, for either party
// to keep and verify offline.
func (c *console) mediationEvidence(w http.ResponseWriter, r *http.Request) error {
	d, err := c.x.Mediation.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.Evidence == nil {
		return errs.New(errs.NotFound, "evidence", "运营方尚未调取日志记录", "the operator has not extracted the log records yet")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.ID+`-receipts.json"`)
	w.Write(d.Evidence)
	return nil
}

func (c *console) mediationStep(w http.ResponseWriter, r *http.Request) error {
	id, step := r.PathValue("id"), r.PathValue("step")
	if _, ok := mediationNotices[step]; !ok || step == "open" {
		return errs.New(errs.NotFound, "step", "没有这一步", "no such step")
	}
	_, err := c.x.Mediation.Mediate(r.Context(), id, mediation.Step{Kind: step, Text: r.PostFormValue("text"), Resume: r.PostFormValue("resume") == "on"})
	if err != nil {
		if k := errs.KindOf(err); k == errs.PermissionDenied || k == errs.NotFound {
			return err
		}
		v, verr := c.mediationView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("mediation_one.html", v, err)
	}
	http.Redirect(w, r, "/mediation/"+id+"?done="+step, http.StatusSeeOther)
	return nil
}
