package cli

import (
	"context"

	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// rawIDFlags are the flags of a node command whose key column may hold raw
// IDs, which the platform turns into exIDs: their type and the member's
// credentials file.
type rawIDFlags struct {
	IDType      string
	Credentials string
}

// pair checks that the two flags come together.
func (f *rawIDFlags) pair() error {
	switch {
	case f.IDType == "" && f.Credentials != "":
		return errs.Invalidf("--id-type", "--credentials 用于转换原始标识，请同时用 --id-type 指明标识类型", "--credentials translates raw IDs; give their type with --id-type")
	case f.IDType != "" && f.Credentials == "":
		return errs.Invalidf("--credentials", "转换原始标识须用 --credentials 指定凭据文件（含 API 令牌）", "translating raw IDs needs --credentials (a file with the API token)")
	}
	return nil
}

// idType parses --id-type, if given.
func (f *rawIDFlags) idType() (ident.Type, error) {
	if f.IDType == "" {
		return "", nil
	}
	t, err := ident.ParseType(f.IDType)
	if err != nil {
		return "", errs.Invalidf("--id-type", "不支持的标识类型："+f.IDType, "unsupported ID type: "+f.IDType)
	}
	return t, nil
}

// translator is the translation of raw IDs through platform for node n,
// and the check of one raw ID; both nil without --id-type.
func (f *rawIDFlags) translator(ctx context.Context, env *Env, n *node.Node, platform string) (func(context.Context, []string) ([]exid.Result, error), func(string) error, error) {
	typ, err := f.idType()
	if err != nil || typ == "" {
		return nil, nil, err
	}
	tr, err := rawIDTranslator(ctx, env, n, platform, f.Credentials, typ)
	if err != nil {
		return nil, nil, err
	}
	return tr.Translate, func(raw string) error { _, err := ident.Normalize(typ, raw); return err }, nil
}
