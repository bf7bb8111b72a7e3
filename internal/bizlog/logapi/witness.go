package logapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"hulian/internal/errs"
	"hulian/internal/platform/store"
)

// Witnesses is what the witness routes read and do (package
// platform/witnesses).
type Witnesses interface {
	Cosign(ctx context.Context, vkey string, msg []byte) (*store.Cosignature, error)
	Alarm(ctx context.Context, vkey string, index int64, reason string) error
	Witnessed(ctx context.Context) ([]byte, error)
}

// AlarmRequest is the JSON body of POST /log/v1/witness-alarm.
type AlarmRequest struct {
	VerifierKey string `json:"verifier_key"`
	Index       int64  `json:"first_index"`
	Reason      string `json:"reason"`
}

// CosignRequest is the JSON body of POST /log/v1/cosignature: a witness's
// cosignature verifier key and the checkpoint note carrying the platform's
// signature and the witness's cosignature.
type CosignRequest struct {
	VerifierKey string `json:"verifier_key"`
	Checkpoint  string `json:"checkpoint"`
}

// maxCosign bounds a cosignature request: a checkpoint note is a few
// hundred bytes.
const maxCosign = 16 << 10

// MountWitnesses registers the witness routes: the regulator's witness
// publishes its cosignatures, and anyone reads the newest cosigned
// checkpoint.
func MountWitnesses(mux *http.ServeMux, ws Witnesses) {
	mux.HandleFunc("POST /log/v1/cosignature", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxCosign+1))
		if err != nil {
			fail(w, r, errs.Invalidf("body", "请求体读取失败", "the request body could not be read"))
			return
		}
		var req CosignRequest
		if len(b) > maxCosign || json.Unmarshal(b, &req) != nil {
			fail(w, r, errs.Invalidf("body", "请求体须为不超过 16 KiB 的 JSON：verifier_key 与 checkpoint", "the body must be JSON of at most 16 KiB: verifier_key and checkpoint"))
			return
		}
		c, err := ws.Cosign(r.Context(), req.VerifierKey, []byte(req.Checkpoint))
		if err != nil {
			fail(w, r, err)
			return
		}
		writeJSON(w, map[string]any{"witness": c.Witness, "size": c.Size})
	})
	mux.HandleFunc("POST /log/v1/witness-alarm", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxCosign+1))
		var req AlarmRequest
		if err != nil || len(b) > maxCosign || json.Unmarshal(b, &req) != nil {
			fail(w, r, errs.Invalidf("body", "请求体须为不超过 16 KiB 的 JSON：verifier_key、first_index 与 reason", "the body must be JSON of at most 16 KiB: verifier_key, first_index and reason"))
			return
		}
		if err := ws.Alarm(r.Context(), req.VerifierKey, req.Index, req.Reason); err != nil {
			fail(w, r, err)
			return
		}
		writeJSON(w, map[string]any{"recorded": true})
	})
	mux.HandleFunc("GET /log/v1/witnessed", func(w http.ResponseWriter, r *http.Request) {
		msg, err := ws.Witnessed(r.Context())
		if err != nil {
			fail(w, r, err)
			return
		}
		text(w, msg)
	})
}
