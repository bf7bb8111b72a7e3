// Package logapi is the business log's HTTP face. It serves the log to members, the regulator and
// witnesses over plain HTTP under /log/v1/: the signed checkpoint as its
// signed-note text and proofs as JSON, which is what transparency-log
// witnesses and a curl one-liner speak, beside the Connect API.
package logapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
)

// Log is what the routes read and do: the platform's log use cases
// (package platform/logkeeper) provide it, with their permission checks.
type Log interface {
	VerifierKey(ctx context.Context) (string, error)
	CheckpointAt(ctx context.Context, size int64) (*store.Checkpoint, error)
	LatestCheckpoint(ctx context.Context) (*store.Checkpoint, error)
	Checkpoint(ctx context.Context) (*store.Checkpoint, error)
	InclusionProof(ctx context.Context, index, size int64) (leafHash []byte, proof [][]byte, err error)
	ConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error)
	Receipts(ctx context.Context, member string, from int64, limit int) ([]bizlog.Receipt, error)
	Entries(ctx context.Context, f store.LogFilter) ([]bizlog.Entry, error)
}

// Mount registers the log's routes on mux. The signing key and the
// checkpoint loop are the server's business (server.Open and Main.Run).
func Mount(mux *http.ServeMux, p Log) {
	h := &handler{p: p}
	mux.HandleFunc("GET /log/v1/key", h.key)
	mux.HandleFunc("GET /log/v1/checkpoint", h.checkpoint)
	mux.HandleFunc("POST /log/v1/checkpoint", h.makeCheckpoint)
	mux.HandleFunc("GET /log/v1/proof/inclusion", h.inclusion)
	mux.HandleFunc("GET /log/v1/proof/consistency", h.consistency)
	mux.HandleFunc("GET /log/v1/receipts", h.receipts)
	mux.HandleFunc("GET /log/v1/entries", h.entries)
}

type handler struct{ p Log }

func fail(w http.ResponseWriter, r *http.Request, err error) {
	http.Error(w, errs.Message(err, i18n.From(r.Context())), errs.KindOf(err).HTTPStatus())
}

func text(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// intParam reads an integer query parameter; def if absent.
func intParam(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Invalidf(name, "须为非负整数", "must be a non-negative integer")
	}
	return n, nil
}

func (h *handler) key(w http.ResponseWriter, r *http.Request) {
	k, err := h.p.VerifierKey(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	text(w, []byte(k+"\n"))
}

func (h *handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	var c *store.Checkpoint
	var err error
	if r.URL.Query().Has("size") {
		var size int64
		if size, err = intParam(r, "size", 0); err == nil {
			c, err = h.p.CheckpointAt(r.Context(), size)
		}
	} else {
		c, err = h.p.LatestCheckpoint(r.Context())
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	text(w, c.Note)
}

func (h *handler) makeCheckpoint(w http.ResponseWriter, r *http.Request) {
	c, err := h.p.Checkpoint(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	text(w, c.Note)
}

// InclusionProof is the JSON of GET /log/v1/proof/inclusion.
type InclusionProof struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash []byte   `json:"leaf_hash"`
	Proof    [][]byte `json:"proof"`
}

func (h *handler) inclusion(w http.ResponseWriter, r *http.Request) {
	index, err := intParam(r, "index", 0)
	if err != nil {
		fail(w, r, err)
		return
	}
	size, err := intParam(r, "size", 0)
	if err != nil {
		fail(w, r, err)
		return
	}
	leaf, proof, err := h.p.InclusionProof(r.Context(), index, size)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, InclusionProof{Index: index, Size: size, LeafHash: leaf, Proof: proof})
}

// ConsistencyProof is the JSON of GET /log/v1/proof/consistency.
type ConsistencyProof struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof [][]byte `json:"proof"`
}

func (h *handler) consistency(w http.ResponseWriter, r *http.Request) {
	from, err := intParam(r, "from", 0)
	if err != nil {
		fail(w, r, err)
		return
	}
	to, err := intParam(r, "to", 0)
	if err != nil {
		fail(w, r, err)
		return
	}
	proof, err := h.p.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		fail(w, r, err)
		return
	}
	if proof == nil {
		proof = [][]byte{}
	}
	writeJSON(w, ConsistencyProof{From: from, To: to, Proof: proof})
}

func (h *handler) receipts(w http.ResponseWriter, r *http.Request) {
	from, err := intParam(r, "from", 0)
	if err != nil {
		fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		fail(w, r, err)
		return
	}
	rs, err := h.p.Receipts(r.Context(), r.URL.Query().Get("member"), from, int(limit))
	if err != nil {
		fail(w, r, err)
		return
	}
	if rs == nil {
		rs = []bizlog.Receipt{}
	}
	writeJSON(w, rs)
}

func (h *handler) entries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.LogFilter{Member: q.Get("member"), Kind: q.Get("kind")}
	var err error
	if f.From, err = intParam(r, "from", 0); err != nil {
		fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		fail(w, r, err)
		return
	}
	f.Limit = int(limit)
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(t.name); s != "" {
			if *t.to, err = time.Parse(time.RFC3339, s); err != nil {
				fail(w, r, errs.Invalidf(t.name, "时间须为 RFC 3339 格式", "time must be RFC 3339"))
				return
			}
		}
	}
	es, err := h.p.Entries(r.Context(), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	if es == nil {
		es = []bizlog.Entry{}
	}
	writeJSON(w, es)
}
