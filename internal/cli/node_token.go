package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/i18n"
	"hulian/internal/node/apitoken"
)

// NodeTokenCmd manages the node's API tokens (for the member's own
// systems calling the node's ConsentService) from the node's machine.
type NodeTokenCmd struct {
	env *Env
	nodeFlags
	Name string
	ID   string
}

func (c *NodeTokenCmd) open(ctx context.Context) (*apitoken.Tokens, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return &apitoken.Tokens{DB: n.DB}, func() { n.Close() }, nil
}

// Create makes a token and prints its secret, once.
func (c *NodeTokenCmd) Create(ctx context.Context) error {
	t, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	secret, tok, err := t.Create(ctx, c.Name, "cli:"+currentUser())
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stderr, i18n.T("已创建令牌 "+tok.ID+"（"+tok.Name+"）。以下密钥只显示这一次，请妥善保存：", "token "+tok.ID+" ("+tok.Name+") created. The secret below is shown this once; keep it safe:").In(c.env.Lang))
	fmt.Fprintln(c.env.Stdout, secret)
	return nil
}

// List prints the tokens, without secrets.
func (c *NodeTokenCmd) List(ctx context.Context) error {
	t, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	toks, err := t.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T("编号\t名称\t创建时间（北京时间）\t状态", "ID\tName\tCreated (Beijing)\tState").In(c.env.Lang))
	for _, k := range toks {
		state := i18n.T("有效", "live")
		if !k.Revoked.IsZero() {
			state = i18n.T("已吊销 "+k.Revoked.In(calendar.Shanghai).Format("2006-01-02 15:04"), "revoked "+k.Revoked.In(calendar.Shanghai).Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Created.In(calendar.Shanghai).Format("2006-01-02 15:04"), state.In(c.env.Lang))
	}
	return tw.Flush()
}

// Revoke revokes a token from its next use on.
func (c *NodeTokenCmd) Revoke(ctx context.Context) error {
	t, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := t.Revoke(ctx, c.ID, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已吊销 "+c.ID, "revoked "+c.ID).In(c.env.Lang))
	return nil
}

func newNodeTokenCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: i18n.T("管理节点 API 令牌（成员自身系统调用同意台账 API 所用）", "manage the node's API tokens (for the member's own systems calling the consent ledger's API)").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeTokenCmd, context.Context) error) (*cobra.Command, *NodeTokenCmd) {
		c := &NodeTokenCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	create, cc := sub("create --name NAME", i18n.T("创建令牌并显示其密钥（仅此一次）", "make a token and print its secret (this once)"), (*NodeTokenCmd).Create)
	create.Flags().StringVar(&cc.Name, "name", "", i18n.T("令牌名称，如调用它的系统", "the token's name, e.g. the system that uses it").In(env.Lang))
	list, _ := sub("list", i18n.T("列出令牌", "list the tokens"), (*NodeTokenCmd).List)
	revoke, rc := sub("revoke --id ID", i18n.T("吊销令牌", "revoke a token"), (*NodeTokenCmd).Revoke)
	revoke.Flags().StringVar(&rc.ID, "id", "", i18n.T("令牌编号", "the token's ID").In(env.Lang))
	cmd.AddCommand(create, list, revoke)
	return cmd
}
