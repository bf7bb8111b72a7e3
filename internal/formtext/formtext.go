// Package formtext checks the free text people type into the node's forms
// and files — a plan's purpose, a party's name, a drill's findings — the
// same way everywhere: trimmed, required, bounded in characters, and an
// error that names the field and says both what is wanted and the bound.
package formtext

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"hulian/internal/errs"
)

// Required returns v trimmed, or an error on field when it is empty or
// longer than max characters; zh and en say what the field is for.
func Required(field, v string, max int, zh, en string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || utf8.RuneCountInString(v) > max {
		return "", errs.Invalidf(field, fmt.Sprintf("%s（不能为空，最长 %d 字）", zh, max), fmt.Sprintf("%s (required, at most %d characters)", en, max))
	}
	return v, nil
}

// Optional returns v trimmed, or an error on field when it is longer than
// max characters.
func Optional(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > max {
		return "", errs.Invalidf(field, fmt.Sprintf("最长 %d 字", max), fmt.Sprintf("at most %d characters", max))
	}
	return v, nil
}
