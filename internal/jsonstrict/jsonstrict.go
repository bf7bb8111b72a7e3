// Package jsonstrict reads the JSON documents people and peers hand the
// project — plans, registers, notices — strictly: a size bound, unknown
// keys refused (a misspelt field is an error, not a silent default), one
// document and nothing after it, and a syntax error named by its line.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"hulian/internal/errs"
)

// Read reads at most max bytes of r and decodes them into v with Decode.
// field names the input in errors (a flag such as --file).
func Read(r io.Reader, field string, max int, v any) error {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return err
	}
	if len(b) > max {
		return errs.Invalidf(field, fmt.Sprintf("文件超过 %d 字节", max), fmt.Sprintf("the file is over %d bytes", max))
	}
	return Decode(b, field, v)
}

// Decode decodes b into v: unknown keys and trailing data are errors, and
// a syntax or type error names its line.
func Decode(b []byte, field string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		at := ""
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			at = fmt.Sprintf("%d", line(b, se.Offset))
		case errors.As(err, &te):
			at = fmt.Sprintf("%d", line(b, te.Offset))
		}
		if at != "" {
			return errs.Invalidf(field, "第 "+at+" 行无法解析（JSON）："+err.Error(), "line "+at+" cannot be read (JSON): "+err.Error())
		}
		return errs.Invalidf(field, "无法解析（JSON）："+err.Error(), "cannot be read (JSON): "+err.Error())
	}
	if dec.More() {
		return errs.Invalidf(field, "JSON 文档之后还有多余的内容", "there is trailing content after the JSON document")
	}
	return nil
}

// line is the 1-based line of byte offset off in b.
func line(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}
