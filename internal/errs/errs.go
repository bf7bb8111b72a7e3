// Package errs defines the few kinds of error hulian reports, each mapped to
// an HTTP status and a Connect code in one place. An *Error carries the field
// (and row, for files) it is about and a reason in both console languages, so
// that whoever sees it knows what to fix.
package errs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"hulian/internal/i18n"
)

// Kind classifies an error for callers and transports.
type Kind int

const (
	Internal           Kind = iota // a bug or an unavailable dependency
	Invalid                        // the input is malformed; fix it and retry
	NotFound                       // no such object visible to the caller
	Conflict                       // the object exists already or changed underneath
	Unauthenticated                // who is calling is unknown
	PermissionDenied               // the caller may not do this
	FailedPrecondition             // the object is not in a state that allows this
	ResourceExhausted              // a limit or quota is used up
	Unavailable                    // a peer or the service is temporarily down
)

var kindNames = [...]string{"internal", "invalid_argument", "not_found", "already_exists", "unauthenticated", "permission_denied", "failed_precondition", "resource_exhausted", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// HTTPStatus is the one mapping from kinds to HTTP status codes.
func (k Kind) HTTPStatus() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unauthenticated:
		return http.StatusUnauthorized
	case PermissionDenied:
		return http.StatusForbidden
	case FailedPrecondition:
		return http.StatusPreconditionFailed
	case ResourceExhausted:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is hulian's error value.
type Error struct {
	Kind   Kind
	Field  string    // the input field, column or flag concerned, if any
	Row    int       // the file line (1-based, the header is line 1), 0 if not about a file
	Reason i18n.Text // what is wrong, in both languages
	Err    error     // an underlying cause, never shown to remote callers
}

func (e *Error) Error() string { return e.Text(i18n.EN) }

// Text renders the error for a person in lang, with field and row.
func (e *Error) Text(lang i18n.Lang) string {
	msg := e.Reason.In(lang)
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	switch {
	case e.Row > 0 && e.Field != "":
		if lang == i18n.EN {
			return fmt.Sprintf("line %d, %s: %s", e.Row, e.Field, msg)
		}
		return fmt.Sprintf("第 %d 行，%s：%s", e.Row, e.Field, msg)
	case e.Row > 0:
		if lang == i18n.EN {
			return fmt.Sprintf("line %d: %s", e.Row, msg)
		}
		return fmt.Sprintf("第 %d 行：%s", e.Row, msg)
	case e.Field != "":
		if lang == i18n.EN {
			return fmt.Sprintf("%s: %s", e.Field, msg)
		}
		return fmt.Sprintf("%s：%s", e.Field, msg)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error of kind about field.
func New(kind Kind, field, zh, en string) *Error {
	return &Error{Kind: kind, Field: field, Reason: i18n.T(zh, en)}
}

// Invalidf is the common case: a field whose value is wrong.
func Invalidf(field, zh, en string) *Error { return New(Invalid, field, zh, en) }

// AtRow returns a copy of e located at a line of a file, counted as people
// and editors count them: the header of a CSV is line 1.
func (e *Error) AtRow(row int) *Error {
	c := *e
	c.Row = row
	return &c
}

// KindOf reports the kind of err: Internal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Message renders any error for a person: an *Error in lang, anything else
// as an internal error without its details (they go to the log, not the user).
func Message(err error, lang i18n.Lang) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Kind == Internal && e.Reason.ZH == "" && e.Reason.EN == "" {
			return i18n.T("内部错误，请稍后重试或联系运营方", "internal error; retry later or contact the operator").In(lang)
		}
		return e.Text(lang)
	}
	return i18n.T("内部错误，请稍后重试或联系运营方", "internal error; retry later or contact the operator").In(lang)
}

// ReasonOf is the reason of an *Error in both languages, to quote in
// another error's message (a supplier's refusal, a party that cannot
// trade); a foreign error's text otherwise.
func ReasonOf(err error) i18n.Text {
	if e, ok := err.(*Error); ok {
		return e.Reason
	}
	return i18n.T(err.Error(), err.Error())
}

// Wrap annotates *errp with a call description if it is a foreign error,
// keeping hulian errors (which are already meant for people) as they are.
// Use as: defer errs.Wrap(&err, "store.GetMember(%q)", id).
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	var e *Error
	if errors.As(*errp, &e) {
		return
	}
	*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
}

// InCell places err, met reading a cell, at its row and column as an
// Invalid error with the reason zh/en, followed by err's own reason when
// it has one.
func InCell(err error, field string, row int, zh, en string) *Error {
	reason := i18n.T(zh, en)
	var e *Error
	if errors.As(err, &e) && e.Reason.ZH != "" {
		reason = i18n.T(zh+"："+e.Reason.ZH, en+": "+e.Reason.EN)
	}
	return &Error{Kind: Invalid, Field: field, Row: row, Reason: reason, Err: err}
}

// OSReason is the operating system's reason for a failed file operation,
// without the path that os.PathError repeats: messages name the file
// themselves, in the user's language.
func OSReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
