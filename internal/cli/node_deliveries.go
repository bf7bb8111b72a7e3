package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/demand"
	"hulian/internal/protocol/ordertoken"
)

// NodeDeliveriesListCmd lists the deliveries the node received, with
// their retention deadlines and destruction state.
type NodeDeliveriesListCmd struct {
	env *Env
	nodeFlags
	Order string
	Limit int
}

func (c *NodeDeliveriesListCmd) Run(ctx context.Context) error {
	if c.Order != "" {
		if err := ordertoken.CheckOrderID(c.Order); err != nil {
			return errs.Invalidf("--order", "订单编号无效", "invalid order ID")
		}
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	ds, err := demand.New(n).Deliveries(ctx, c.Order, c.Limit)
	if err != nil {
		return err
	}
	t := func(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }
	w := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, t("订单\t请求\t供应方\t查询\t查得\t计费(分)\t留存至\t状态", "ORDER\tREQUEST\tSUPPLIER\tQUERIED\tMATCHED\tFEN\tRETAIN UNTIL\tSTATE"))
	for _, d := range ds {
		state := t("留存中", "retained")
		if d.DestroyedAt != nil {
			state = t("已销毁 ", "destroyed ") + d.DestroyedAt.Format("2006-01-02T15:04Z") + " (" + d.DestroyReason + ")"
			if d.AttestedAt != nil {
				state += fmt.Sprintf(t("，已报平台 #%d", ", attested #%d"), d.AttestSeq)
			} else {
				state += t("，待报平台", ", attestation pending")
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", d.OrderID, d.RequestID, d.Supplier, d.Queried, d.Matched, d.ChargeFen, d.RetainUntil, state)
	}
	return w.Flush()
}

// NodeDeliveriesDestroyCmd destroys an order's delivered data now, on the
// member's request, and attests it to the platform.
type NodeDeliveriesDestroyCmd struct {
	env *Env
	nodeFlags
	Order string
}

func (c *NodeDeliveriesDestroyCmd) Run(ctx context.Context) error {
	if c.Order == "" || ordertoken.CheckOrderID(c.Order) != nil {
		return errs.Invalidf("--order", "请用 --order 给出订单编号", "give the order ID with --order")
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	s, err := demand.New(n).DestroyDeliveries(ctx, c.Order)
	if err != nil {
		return err
	}
	t := func(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }
	fmt.Fprintf(c.env.Stdout, t("已销毁订单 %s 的 %d 次配送（删除 %d 个结果文件），已向平台报告 %d 次\n", "destroyed %[2]d deliveries of order %[1]s (%[3]d result files deleted); %[4]d attested to the platform\n"),
		c.Order, s.Destroyed, s.FilesDeleted, s.Attested)
	if s.AttestErr != nil {
		fmt.Fprintf(c.env.Stderr, "hulian: %s\n", t("销毁已完成，但未能报告平台（运行中的节点会每分钟重试）：", "destroyed, but the platform could not be told (the running node retries every minute): ")+errs.Message(s.AttestErr, c.env.Lang))
		return ExitError{Code: 1}
	}
	return nil
}

func newNodeDeliveriesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "deliveries this node received, their retention and destruction (X-P12) / 配送记录与销毁",
		Args:  cobra.NoArgs,
	}
	l := &NodeDeliveriesListCmd{env: env}
	list := &cobra.Command{
		Use:   "list [--order ID]",
		Short: "list deliveries with their deadlines and destruction state / 列出配送",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l.resolveDB(env)
			return l.Run(cmd.Context())
		},
	}
	l.register(list, false)
	list.Flags().StringVar(&l.Order, "order", "", "only this order / 订单编号")
	list.Flags().IntVar(&l.Limit, "limit", 200, "at most this many, the latest first")
	d := &NodeDeliveriesDestroyCmd{env: env}
	destroy := &cobra.Command{
		Use:   "destroy --order ID",
		Short: "destroy an order's delivered data now and attest it / 立即销毁并报告平台",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d.resolveDB(env)
			return d.Run(cmd.Context())
		},
	}
	d.register(destroy, false)
	destroy.Flags().StringVar(&d.Order, "order", "", "the order / 订单编号")
	cmd.AddCommand(list, destroy)
	return cmd
}
