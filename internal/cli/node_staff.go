package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/staff"
)

// readPassword reads one line from standard input: passwords never go on
// the command line, where the shell history and the process list keep
// them.
func readPassword(env *Env, given bool) (string, error) {
	if !given {
		return "", errs.Invalidf("--password-stdin", "密码须通过 --password-stdin 从标准输入提供，以免出现在命令历史中", "give the password on standard input with --password-stdin, so that it stays out of the shell history")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errs.Invalidf("--password-stdin", "未从标准输入读到密码", "no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// NodeStaffCmd manages the node console's accounts from the node's
// machine: whoever can open the node's database may.
type NodeStaffCmd struct {
	env *Env
	nodeFlags
	Login         string
	Name          string
	PasswordStdin bool
	Roles         string // comma-separated: admin, committee, security, staff
}

func (c *NodeStaffCmd) open(ctx context.Context) (*staff.Staff, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return staff.New(n.DB), func() { n.Close() }, nil
}

func (c *NodeStaffCmd) needLogin() error {
	if strings.TrimSpace(c.Login) == "" {
		return errs.Invalidf("--login", "须指定登录名", "--login is required")
	}
	return nil
}

// Add creates an account.
func (c *NodeStaffCmd) Add(ctx context.Context) error {
	if err := c.needLogin(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return errs.Invalidf("--name", "须指定姓名", "--name is required")
	}
	pw, err := readPassword(c.env, c.PasswordStdin)
	if err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	roles := staff.DefaultRoles
	if c.Roles != "" {
		if roles, err = staff.ParseRoles(c.Roles); err != nil {
			return err
		}
	}
	a, err := s.Create(ctx, c.Login, c.Name, pw, "cli:"+currentUser(), roles...)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s %s (%s) %s\n", i18n.T("已创建节点控制台账户", "created node console account").In(c.env.Lang), a.Login, a.DisplayName, strings.Join(a.Roles, ","))
	return nil
}

// SetRoles replaces an account's roles.
func (c *NodeStaffCmd) SetRoles(ctx context.Context) error {
	if err := c.needLogin(); err != nil {
		return err
	}
	roles, err := staff.ParseRoles(c.Roles)
	if err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.SetRoles(ctx, c.Login, roles, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已设置角色：", "roles set: ").In(c.env.Lang)+c.Login+" "+strings.Join(roles, ","))
	return nil
}

// Passwd replaces an account's password and logs it out everywhere.
func (c *NodeStaffCmd) Passwd(ctx context.Context) error {
	if err := c.needLogin(); err != nil {
		return err
	}
	pw, err := readPassword(c.env, c.PasswordStdin)
	if err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.SetPassword(ctx, c.Login, pw, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已重设密码，原有会话已失效：", "password replaced and sessions ended: ").In(c.env.Lang)+c.Login)
	return nil
}

// Disable stops an account from logging in.
func (c *NodeStaffCmd) Disable(ctx context.Context) error {
	if err := c.needLogin(); err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.Disable(ctx, c.Login, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已停用：", "disabled: ").In(c.env.Lang)+c.Login)
	return nil
}

// List prints the accounts.
func (c *NodeStaffCmd) List(ctx context.Context) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	as, err := s.Accounts(ctx)
	if err != nil {
		return err
	}
	lang := c.env.Lang
	w := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, i18n.T("登录名\t姓名\t角色\t创建时间（北京时间）\t状态", "LOGIN\tNAME\tROLES\tCREATED (BEIJING)\tSTATE").In(lang))
	for _, a := range as {
		state := i18n.T("可登录", "active").In(lang)
		if a.Disabled != nil {
			state = i18n.T("已停用", "disabled").In(lang)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", a.Login, a.DisplayName, strings.Join(a.Roles, ","), a.Created.In(calendar.Shanghai).Format("2006-01-02 15:04"), state)
	}
	return w.Flush()
}

func newNodeStaffCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "staff", Short: "manage the node console's accounts (add, list, passwd, disable, roles)"}
	sub := func(use, short string, withLogin, withPassword bool, run func(*NodeStaffCmd, context.Context) error) *cobra.Command {
		c := &NodeStaffCmd{env: env}
		s := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		if withLogin {
			s.Flags().StringVar(&c.Login, "login", "", "login name")
		}
		if withPassword {
			s.Flags().BoolVar(&c.PasswordStdin, "password-stdin", false, "read the password from standard input")
		}
		if use == "add" {
			s.Flags().StringVar(&c.Name, "name", "", "display name")
		}
		if use == "add" || use == "roles" {
			s.Flags().StringVar(&c.Roles, "roles", "", "roles, comma-separated: admin, committee (data management committee), security, staff; add's default is admin,committee / 角色")
		}
		return s
	}
	cmd.AddCommand(
		sub("add", "create a console account", true, true, (*NodeStaffCmd).Add),
		sub("list", "list the console accounts", false, false, (*NodeStaffCmd).List),
		sub("passwd", "replace an account's password (ends its sessions)", true, true, (*NodeStaffCmd).Passwd),
		sub("disable", "stop an account from logging in (ends its sessions)", true, false, (*NodeStaffCmd).Disable),
		sub("roles", "replace an account's roles (--roles) / 设置角色", true, false, (*NodeStaffCmd).SetRoles),
	)
	return cmd
}
