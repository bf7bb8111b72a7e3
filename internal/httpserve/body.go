package httpserve

import (
	"errors"
	"io"
)

// ReadBody reads a body whose declared length is n (an http.Request's
// ContentLength; -1 or 0 when unknown). When 0 < n ≤ max it reads into one
// buffer of exactly n bytes and refuses a body longer than declared: a
// delivery's body is tens of megabytes, which io.ReadAll, growing its
// buffer by doubling, would copy several times. Otherwise it reads all of
// body; bounding an undeclared body is the caller's (http.MaxBytesReader).
func ReadBody(body io.Reader, n, max int64) ([]byte, error) {
	if n <= 0 || n > max {
		return io.ReadAll(body)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, err
	}
	if m, _ := body.Read(make([]byte, 1)); m > 0 {
		return nil, errors.New("body longer than its Content-Length")
	}
	return b, nil
}
