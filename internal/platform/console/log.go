package console

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
	"hulian/internal/platform/witnesses"
)

type logData struct {
	Entries    []bizlog.Entry
	Checkpoint *store.Checkpoint
	RootHex    string
	// VerifierKey and its fingerprint, which members compare with what
	// their nodes pinned.
	VerifierKey, Fingerprint string
	Member                   string
	Kind                     string
	Since                    string
	Until                    string
	From                     int64
	Next                     int64 // the first sequence number of the next page, 0 if none
	Report                   *bizlog.Report
	Failure                  string
	// Witnesses are the regulator's own copies of the log (X-G1): how far
	// each has verified and cosigned.
	Witnesses *witnesses.Status
}

const logPage = 200

// logView is the business log for the regulator and the operator (X-G1,
// X-G4): entries by member, kind and time, the latest signed checkpoint,
// and a verification of the whole stored log.
func (c *console) logView(w http.ResponseWriter, r *http.Request) error {
	return c.showLog(w, r, nil)
}

func (c *console) showLog(w http.ResponseWriter, r *http.Request, report *bizlog.Report) error {
	ctx := r.Context()
	if err := auth.Require(ctx, auth.PermLogRead); err != nil {
		return err
	}
	q := r.URL.Query()
	d := logData{Member: q.Get("member"), Kind: q.Get("kind"), Since: q.Get("since"), Until: q.Get("until"), Report: report}
	f := store.LogFilter{Member: d.Member, Kind: d.Kind, Limit: logPage}
	if s := q.Get("from"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return errs.Invalidf("from", "起始序号须为非负整数", "the first sequence number must be a non-negative integer")
		}
		f.From, d.From = n, n
	}
	var err error
	if f.Since, err = businessDate("since", d.Since); err != nil {
		return err
	}
	if f.Until, err = businessDate("until", d.Until); err != nil {
		return err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the whole last day
	}
	if d.Entries, err = c.bizlog.Entries(ctx, f); err != nil {
		return err
	}
	if len(d.Entries) == logPage {
		d.Next = d.Entries[len(d.Entries)-1].Seq + 1
	}
	if cp, err := c.bizlog.LatestCheckpoint(ctx); err == nil {
		d.Checkpoint, d.RootHex = cp, hex.EncodeToString(cp.Root)
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	if d.VerifierKey, err = c.bizlog.VerifierKey(ctx); err != nil {
		return err
	}
	d.Fingerprint = bizlog.Fingerprint(d.VerifierKey)
	if d.Witnesses, err = c.x.Witnesses.Status(ctx); err != nil {
		return err
	}
	if report != nil && report.Failure != nil {
		d.Failure = report.Failure.Text(i18n.From(r.Context()))
	}
	c.render(w, r, http.StatusOK, "log.html", &view{Title: "log.title", Data: d})
	return nil
}

// businessDate reads a yyyy-mm-dd date of the business calendar
// (Asia/Shanghai) as the instant that day starts.
func businessDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return time.Time{}, errs.Invalidf(field, "日期格式须为 年-月-日，如 2026-11-24", "dates are written year-month-day, e.g. 2026-11-24")
	}
	return d.Start(), nil
}

// verifyLog recomputes every leaf and the tree from the stored entries and
// checks every checkpoint, then shows the log page with the result.
func (c *console) verifyLog(w http.ResponseWriter, r *http.Request) error {
	report, err := c.bizlog.Verify(r.Context())
	if err != nil {
		return err
	}
	return c.showLog(w, r, report)
}
