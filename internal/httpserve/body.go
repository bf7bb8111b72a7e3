package httpserve

import (
	"errors"
	"io"
	"slices"
)

// ReadBody reads a body whose declared length is n (an http.Request's
// ContentLength; -1 or 0 when unknown). When 0 < n ≤ max it reads into one
// buffer of exactly n bytes and refuses a body longer than declared: a
// delivery's body is tens of megabytes, which io.ReadAll, growing its
// buffer by doubling, would copy several times. Otherwise it reads all of
// body; bounding an undeclared body is the caller's (http.MaxBytesReader).
//
// The declared length is a claim, not a promise: memory grows with the
// bytes that actually arrive, at most doubling (the buffer starts at 64 KiB
// and is given n as capacity only as data comes in), so a sender who
// declares 32 MiB and sends nothing costs no more than one who declares
// nothing.
func ReadBody(body io.Reader, n, max int64) ([]byte, error) {
	if n <= 0 || n > max {
		return io.ReadAll(body)
	}
	b := make([]byte, 0, min(n, 64<<10))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(n, 2*int64(cap(b))))-len(b))
		}
		m, err := body.Read(b[len(b):min(int64(cap(b)), n)])
		b = b[:len(b)+m]
		if err == io.EOF {
			if int64(len(b)) < n {
				return nil, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if m, _ := body.Read(make([]byte, 1)); m > 0 {
		return nil, errors.New("body longer than its Content-Length")
	}
	return b, nil
}
