package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/demand"
	"hulian/internal/node/supply"
)

// NodeRectifyCmd sends the notices of corrections and deletions this
// node's data calls for to the demanders that received it, and applies
// the notices other suppliers sent this node (X-P4, O-4). A running node
// does both at every sweep; the command does it now.
type NodeRectifyCmd struct {
	env *Env
	nodeFlags
}

func (c *NodeRectifyCmd) Run(ctx context.Context) error {
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	t := func(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }
	out, serr := supply.New(n).Rectify(ctx)
	fmt.Fprintf(c.env.Stdout, t("作为供方：新发通知 %d 份（涉及 %d 人），平台已登记 %d 份，待发 %d 份\n",
		"as a supplier: %d notices made (%d people), %d logged by the platform, %d left to send\n"), out.Made, out.Subjects, out.Sent, out.Unsent)
	in, aerr := demand.New(n).ApplyRectifications(ctx)
	fmt.Fprintf(c.env.Stdout, t("作为需求方：执行通知 %d 份，改动结果 %d 行，未持有 %d 人，已向平台确认 %d 份，暂缓 %d 份\n",
		"as a demander: %d notices applied, %d result rows changed, %d people not held, %d attested to the platform, %d deferred\n"),
		in.Notices, in.Applied, in.Absent, in.Attested, in.Deferred)
	if err := errors.Join(serr, aerr); err != nil {
		fmt.Fprintf(c.env.Stderr, "hulian: %s\n", errs.Message(err, c.env.Lang))
		return ExitError{Code: 1}
	}
	return nil
}

func newNodeRectifyCmd(env *Env) *cobra.Command {
	c := &NodeRectifyCmd{env: env}
	cmd := &cobra.Command{
		Use:   "rectify",
		Short: "send and apply notices of corrections and deletions (X-P4, O-4) / 发送与执行更正、删除通知",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, false)
	return cmd
}
