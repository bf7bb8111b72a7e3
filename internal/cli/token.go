package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/rpc"
)

// TokenCmd manages a platform account's API tokens from the command line:
// the first with the account's login and password, later ones with those
// or with a token of scope "all".
type TokenCmd struct {
	env          *Env
	Platform     string
	Login        string
	PasswordFile string
	Credentials  string

	// create
	Name   string
	Scopes string
	Days   int
	Out    string
}

func (c *TokenCmd) validateAuth() error {
	switch {
	case c.Platform == "":
		return errs.Invalidf("--platform", "须指定平台地址", "--platform is required")
	case c.Login == "" && c.Credentials == "":
		return errs.Invalidf("--login", "须以 --login（登录名与密码）或 --credentials（范围为 all 的令牌文件）认证",
			"authenticate with --login (login and password) or --credentials (a token file of scope all)")
	case c.Login != "" && c.Credentials != "":
		return errs.Invalidf("--login", "--login 与 --credentials 只能二选一", "give --login or --credentials, not both")
	}
	return nil
}

// client authenticates as the flags say, reading the password from
// --password-file, HULIAN_PASSWORD, the terminal or standard input.
func (c *TokenCmd) client() (*rpc.Client, error) {
	opts := []rpc.ClientOption{rpc.WithLanguage(c.env.Lang)}
	if c.Credentials != "" {
		tok, err := readToken(c.env, "--credentials", c.Credentials)
		if err != nil {
			return nil, err
		}
		opts = append(opts, rpc.WithToken(tok))
	} else {
		pw, err := c.password()
		if err != nil {
			return nil, err
		}
		opts = append(opts, rpc.WithPassword(c.Login, pw))
	}
	return rpc.NewClient(c.Platform, opts...), nil
}

func (c *TokenCmd) password() (string, error) {
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fileError("--password-file", c.PasswordFile, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if pw := c.env.Getenv("HULIAN_PASSWORD"); pw != "" {
		return pw, nil
	}
	if f, ok := c.env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.env.Stderr, i18n.T("密码：", "Password: ").In(c.env.Lang))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.env.Stderr)
		if err != nil {
			return "", errs.Invalidf("--login", "无法读取密码："+err.Error(), "cannot read the password: "+err.Error())
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(c.env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) || strings.TrimSpace(line) == "" {
		return "", errs.Invalidf("--password-file", "须提供密码：--password-file、环境变量 HULIAN_PASSWORD、终端输入或标准输入的第一行",
			"a password is needed: --password-file, HULIAN_PASSWORD, the terminal or the first line of standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// fileError names the file, the flag and the operating system's reason.
func fileError(flag, path string, err error) error {
	reason := errs.OSReason(err)
	return errs.Invalidf(flag, fmt.Sprintf("无法读取文件 %s：%s", path, reason), fmt.Sprintf("cannot read %s: %s", path, reason))
}

// Create makes a token and writes it to --out (0600, never over an
// existing file) or, without --out, prints the secret alone on stdout.
func (c *TokenCmd) Create(ctx context.Context) error {
	if err := c.validateAuth(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return errs.Invalidf("--name", "须为令牌命名（如用途）", "name the token (its purpose, say)")
	}
	scope, err := auth.ParseScopes(c.Scopes)
	if err != nil {
		return withFlag(err, "--scope")
	}
	if _, err := auth.TokenTTL(c.Days); err != nil {
		return withFlag(err, "--days")
	}
	var out *os.File
	if c.Out != "" {
		// Made before the token, so that a token is never made that
		// cannot be kept.
		if out, err = rpc.CreateCredentialsFile(c.Out); err != nil {
			return withFlag(err, "--out")
		}
		defer out.Close()
	}
	cl, err := c.client()
	if err != nil {
		removeEmpty(out)
		return err
	}
	scopes := strings.Split(scope.String(), ",")
	res, err := cl.Tokens.CreateToken(ctx, connect.NewRequest(&hulianv1.CreateTokenRequest{Name: c.Name, Scopes: scopes, TtlDays: int32(c.Days)}))
	if err != nil {
		removeEmpty(out)
		return apiError(err, c.Platform)
	}
	t := res.Msg.Token
	tf := rpc.Credentials{Token: res.Msg.Secret, ID: t.Id, Name: t.Name, Platform: c.Platform, Scopes: t.Scopes, Expires: t.Expires.AsTime().UTC()}
	lang := c.env.Lang
	summary := i18n.T(
		fmt.Sprintf("已创建令牌 %s「%s」，范围：%s，有效期至 %s（北京时间）", t.Id, t.Name, scope.Label(i18n.ZH), beijing(tf.Expires)),
		fmt.Sprintf("created token %s %q, scope: %s, valid until %s (Beijing time)", t.Id, t.Name, scope.Label(i18n.EN), beijing(tf.Expires))).In(lang)
	if out == nil {
		fmt.Fprintln(c.env.Stdout, res.Msg.Secret)
		fmt.Fprintln(c.env.Stderr, summary+i18n.T("。令牌只显示这一次，请妥善保存。", ". The token is shown this once; keep it safe.").In(lang))
		return nil
	}
	if err := rpc.WriteCredentialsTo(out, &tf); err != nil {
		return errs.Invalidf("--out", errs.Message(err, i18n.ZH)+fmt.Sprintf("；令牌 %s 已创建，请撤销后重试", t.Id),
			errs.Message(err, i18n.EN)+fmt.Sprintf("; token %s was created, revoke it and try again", t.Id))
	}
	fmt.Fprintln(c.env.Stdout, summary+i18n.T(
		fmt.Sprintf("；已写入 %s（仅本用户可读），用法：--credentials %s", c.Out, c.Out),
		fmt.Sprintf("; written to %s (readable by you only); use it as --credentials %s", c.Out, c.Out)).In(lang))
	return nil
}

func removeEmpty(f *os.File) {
	if f != nil {
		f.Close()
		os.Remove(f.Name())
	}
}

// withFlag names the flag a validation error came from.
func withFlag(err error, flag string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		c := *e
		c.Field = flag
		return &c
	}
	return err
}

// List prints the account's tokens, newest first.
func (c *TokenCmd) List(ctx context.Context) error {
	if err := c.validateAuth(); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	res, err := cl.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{}))
	if err != nil {
		return apiError(err, c.Platform)
	}
	lang := c.env.Lang
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T("令牌\t名称\t范围\t创建（北京时间）\t到期（北京时间）\t状态", "TOKEN\tNAME\tSCOPE\tCREATED (BEIJING)\tEXPIRES (BEIJING)\tSTATE").In(lang))
	now := time.Now()
	for _, t := range res.Msg.Tokens {
		scope, _ := auth.ParseScopes(strings.Join(t.Scopes, ","))
		state := i18n.T("有效", "live")
		switch {
		case t.Revoked != nil:
			state = i18n.T("已撤销", "revoked")
		case t.Expires != nil && !now.Before(t.Expires.AsTime()):
			state = i18n.T("已过期", "expired")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Id, t.Name, scope.Label(lang), beijing(t.Created.AsTime()), beijing(t.Expires.AsTime()), state.In(lang))
	}
	if len(res.Msg.Tokens) == 0 {
		fmt.Fprintln(tw, i18n.T("（尚无令牌）", "(no tokens yet)").In(lang))
	}
	return tw.Flush()
}

// Revoke revokes one token.
func (c *TokenCmd) Revoke(ctx context.Context, id string) error {
	if err := c.validateAuth(); err != nil {
		return err
	}
	if !strings.HasPrefix(id, "tok_") {
		return errs.Invalidf("TOKEN_ID", "令牌编号以 tok_ 开头（见 hulian token list）", "a token ID starts with tok_ (see hulian token list)")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if _, err := cl.Tokens.RevokeToken(ctx, connect.NewRequest(&hulianv1.RevokeTokenRequest{Id: id})); err != nil {
		return apiError(err, c.Platform)
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已撤销令牌 "+id, "revoked token "+id).In(c.env.Lang))
	return nil
}

// beijing formats an instant in Beijing time, to the minute.
func beijing(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "—"
	}
	return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
}

func newTokenCmd(env *Env) *cobra.Command {
	c := &TokenCmd{env: env}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "create, list and revoke API tokens / 创建、查看与撤销 API 令牌",
		Long: "API tokens authenticate commands such as hulian exid translate (--credentials FILE).\n" +
			"A token is scoped (exid, catalog, market, quota, member, or all) and expires (1 to 365 days, 90 by default).\n" +
			"API 令牌用于 hulian exid translate 等命令（--credentials 文件）。令牌有范围（exid、catalog、market、quota、member 或 all），\n" +
			"并会到期（1 到 365 天，默认 90 天）。",
	}
	authFlags := func(cmd *cobra.Command) {
		f := cmd.Flags()
		f.StringVar(&c.Platform, "platform", "", "platform URL")
		f.StringVar(&c.Login, "login", "", "your console login (the password is read from --password-file, HULIAN_PASSWORD, the terminal or stdin)")
		f.StringVar(&c.PasswordFile, "password-file", "", "file holding the password")
		f.StringVar(&c.Credentials, "credentials", "", "a token file of scope all, instead of --login")
	}
	create := &cobra.Command{
		Use:   "create --platform URL --login NAME --name NAME --scope SCOPE[,SCOPE] [--days N] [--out FILE]",
		Short: "create a token; it is shown once / 创建令牌（只显示一次）",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return c.Create(cmd.Context()) },
	}
	authFlags(create)
	create.Flags().StringVar(&c.Name, "name", "", "what the token is for")
	create.Flags().StringVar(&c.Scopes, "scope", "", "exid, catalog, market, quota, member or all, comma-separated")
	create.Flags().IntVar(&c.Days, "days", 0, "lifetime in days, 1 to 365 (default 90)")
	create.Flags().StringVar(&c.Out, "out", "", "write the token file here (mode 0600; an existing file is never overwritten)")
	list := &cobra.Command{
		Use:   "list --platform URL (--login NAME | --credentials FILE)",
		Short: "list your tokens / 列出令牌",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return c.List(cmd.Context()) },
	}
	authFlags(list)
	revoke := &cobra.Command{
		Use:   "revoke --platform URL (--login NAME | --credentials FILE) TOKEN_ID",
		Short: "revoke a token / 撤销令牌",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return c.Revoke(cmd.Context(), args[0]) },
	}
	authFlags(revoke)
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// apiError is what the platform at url answered, or that it was not
// reached there.
func apiError(err error, url string) error {
	e := rpc.FromConnect(err)
	if errs.KindOf(e) != errs.Unavailable {
		return e
	}
	return &errs.Error{Kind: errs.Unavailable, Err: err, Reason: i18n.T(
		fmt.Sprintf("未能连接平台 %s（%s）；请检查地址、网络，或平台是否在运行", url, errs.Message(e, i18n.ZH)),
		fmt.Sprintf("the platform at %s was not reached (%s); check the URL, the network, and that the platform is running", url, errs.Message(e, i18n.EN)))}
}
