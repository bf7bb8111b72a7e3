package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
)

// NodePrivacyCmd serves the member's app and its operators: the key the
// app signs privacy-centre links with, and a link for one customer (for
// integration tests and for staff helping a customer).
type NodePrivacyCmd struct {
	env *Env
	nodeFlags
	ExID string
	TTL  time.Duration
	Base string // the node's public URL, to print a whole link
}

// Key prints the link key, made on first use.
func (c *NodePrivacyCmd) Key(ctx context.Context) error {
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	key, err := privacy.New(n).LinkKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stderr, i18n.T("这是成员 App 签署隐私中心链接的密钥：请只交给 App 的服务端，妥善保管", "this is the key the member's app signs privacy-centre links with: give it to the app's server only, and keep it safe").In(c.env.Lang))
	fmt.Fprintln(c.env.Stdout, hex.EncodeToString(key))
	return nil
}

// Link prints a link for one customer.
func (c *NodePrivacyCmd) Link(ctx context.Context) error {
	id, err := exid.Parse(strings.TrimSpace(c.ExID))
	if err != nil {
		return errs.Invalidf("--exid", "不是有效的 exID", "not a valid exID")
	}
	if c.TTL <= 0 || c.TTL > privacy.MaxLinkTTL {
		return errs.Invalidf("--ttl", "有效期须在 0 至 10 分钟之间", "the link lives from 0 to 10 minutes")
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	key, err := privacy.New(n).LinkKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, strings.TrimRight(c.Base, "/")+"/privacy/enter?t="+privacy.MintLink(key, id, n.Now(), c.TTL))
	return nil
}

func newNodePrivacyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "privacy", Short: "the privacy centre: the key the member's app signs links with, and a link for one customer"}
	k := &NodePrivacyCmd{env: env}
	keyCmd := &cobra.Command{Use: "link-key", Short: "print the privacy-centre link key (made on first use), for the member's app", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { k.resolveDB(env); return k.Key(cmd.Context()) }}
	k.register(keyCmd, false)
	l := &NodePrivacyCmd{env: env}
	linkCmd := &cobra.Command{Use: "link", Short: "print a single-use privacy-centre link for one customer", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { l.resolveDB(env); return l.Link(cmd.Context()) }}
	l.register(linkCmd, false)
	f := linkCmd.Flags()
	f.StringVar(&l.ExID, "exid", "", "the customer's exID")
	f.DurationVar(&l.TTL, "ttl", 10*time.Minute, "how long the link is valid (at most 10m)")
	f.StringVar(&l.Base, "base", "", "the node's public URL, e.g. https://node.example.cn")
	cmd.AddCommand(keyCmd, linkCmd)
	return cmd
}
