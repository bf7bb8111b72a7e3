package console

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
)

// maxGateReport bounds an uploaded gate report: 200 tags of up to 1000
// values each stay well below it.
const maxGateReport = 8 << 20

// listingSubmit sends a listing to review with the gate report its node
// signed (`hulian gate --sign`), pasted or uploaded as a file.
func (c *console) listingSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, maxGateReport+64<<10)
	var report *gate.SignedReport
	body, err := gateReportBody(r)
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		report, err = parseGateReport(body)
	}
	if err == nil {
		_, err = c.x.Listings.SubmitListing(ctx, id, report)
	}
	if err != nil {
		l, lerr := c.x.Listings.Listing(ctx, id)
		if lerr != nil {
			return lerr
		}
		return again("listing.html", &view{Title: "listing.title", Path: "/listings/" + id, Form: submitted(r),
			Data: c.listingData(r, l), fields: []string{"gate_report"}}, gateError(err))
	}
	http.Redirect(w, r, "/listings/"+id+"?done=submitted", http.StatusSeeOther)
	return nil
}

// gateError files every error about the report under the one input, so
// that it shows next to it.
func gateError(err error) error {
	e, ok := err.(*errs.Error)
	if !ok || !strings.HasPrefix(e.Field, "gate_report") {
		return err
	}
	c := *e
	c.Field = "gate_report"
	return &c
}

// gateReportBody is the uploaded file if there is one, else the pasted text.
func gateReportBody(r *http.Request) ([]byte, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, errs.Invalidf("gate_report", "上传的报告过大或格式不正确", "the uploaded report is too large or malformed")
		}
		if f, _, err := r.FormFile("gate_report_file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, maxGateReport+1))
			if err != nil || len(b) > maxGateReport {
				return nil, errs.Invalidf("gate_report", "上传的报告过大", "the uploaded report is too large")
			}
			if len(bytes.TrimSpace(b)) > 0 {
				return b, nil
			}
		}
	}
	return []byte(r.PostFormValue("gate_report")), nil
}

func parseGateReport(b []byte) (*gate.SignedReport, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var r gate.SignedReport
	if err := d.Decode(&r); err != nil {
		return nil, errs.Invalidf("gate_report", "报告不是 hulian gate --sign 输出的 JSON："+err.Error(), "the report is not the JSON that hulian gate --sign prints: "+err.Error())
	}
	return &r, nil
}
