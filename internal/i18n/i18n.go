// Package i18n holds the two languages of hulian's console and messages:
// Simplified Chinese first, English as a switch.
package i18n

import (
	"context"
	"os"
	"strings"
)

// Lang is a console language.
type Lang string

const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Text is one message in both languages. Messages are written in pairs at the
// place they arise so that a translation can never be missing.
type Text struct {
	ZH string
	EN string
}

// T builds a Text.
func T(zh, en string) Text { return Text{ZH: zh, EN: en} }

// In returns the message in lang, falling back to Chinese.
func (t Text) In(lang Lang) string {
	if lang == EN && t.EN != "" {
		return t.EN
	}
	if t.ZH == "" {
		return t.EN
	}
	return t.ZH
}

// Parse reads a language tag leniently ("en", "en-US", "zh", "zh_CN.UTF-8").
// Anything that is not English is Chinese, the product's first language.
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "en") {
		return EN
	}
	return ZH
}

// FromEnv picks the console language from HULIAN_LANG. LANG is deliberately
// not consulted: servers commonly run with LANG=C or en_US, and the console
// should still speak Chinese unless the operator asks otherwise.
func FromEnv() Lang {
	if v := os.Getenv("HULIAN_LANG"); v != "" {
		return Parse(v)
	}
	return ZH
}

type ctxKey struct{}

// With stores the language of the current request or command in ctx.
func With(ctx context.Context, lang Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// From returns the language stored in ctx, Chinese by default.
func From(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
		return l
	}
	return ZH
}
