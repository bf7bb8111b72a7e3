package api

import (
	"errors"
	"fmt"
	"strings"

	"hulian/internal/errs"
)

// applicationFields are the fields of the Application message, which the
// domain reports without the enclosing message's name.
var applicationFields = map[string]bool{
	"": true, "name": true, "uscc": true, "industry": true, "contact_name": true, "contact_phone": true,
	"contact_email": true, "storage_region": true, "roles": true,
}

// within returns err with its field placed inside the request message
// field parent (e.g. "uscc" → "application.uscc") when it is one of
// fields, so that the error names the field as the caller sent it.
func within(err error, parent string, fields map[string]bool) error {
	var e *errs.Error
	if !errors.As(err, &e) || !fields[e.Field] || e.Kind == errs.Internal {
		return err
	}
	c := *e
	c.Field = strings.TrimSuffix(parent+"."+e.Field, ".")
	return &c
}

// checkID validates an object ID sent by a caller: IDs are a type prefix
// and lower-case base32, made by auth.NewID.
func checkID(field, prefix, id string) error {
	if id == "" {
		return errs.Invalidf(field, "编号不能为空", "the ID is required")
	}
	if len(id) > 64 || !strings.HasPrefix(id, prefix) {
		return errs.Invalidf(field, "编号格式不正确，应以 "+prefix+" 开头", "malformed ID; it starts with "+prefix)
	}
	for _, c := range id[len(prefix):] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return errs.Invalidf(field, "编号格式不正确", "malformed ID")
		}
	}
	return nil
}

// maxText bounds free-text fields that the domain does not bound itself.
func maxText(field, s string, n int) error {
	if len([]rune(s)) > n {
		return errs.Invalidf(field, fmt.Sprintf("不超过 %d 字", n), fmt.Sprintf("at most %d characters", n))
	}
	return nil
}
