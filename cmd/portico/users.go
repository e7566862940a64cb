package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/staff"
)

// The demo's console accounts, created in demo mode and printed at start.
const (
	demoAdminEmail    = "admin@demo.portico.invalid"
	demoAdminPassword = "portico demo admin"
	demoAgentEmail    = "agent@demo.portico.invalid"
	demoAgentPassword = "portico demo agent"
)

func (c *cli) usersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage agent and admin accounts of the agent console"}
	cmd.AddCommand(c.usersAddCmd(), c.usersListCmd(), c.usersDisableCmd(true), c.usersDisableCmd(false), c.usersPasswordCmd())
	return cmd
}

func (c *cli) usersAddCmd() *cobra.Command {
	var (
		email, name, role string
		capacity          int
		queues            []string
		fromStdin         bool
	)
	cmd := &cobra.Command{
		Use:   "add --email EMAIL --name NAME --role agent|admin",
		Short: "Add a console account; the password is read from stdin or generated and printed once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := staff.UserInput{Email: email, Name: name, Role: role, Capacity: capacity, Queues: queues}
			if err := flagProblems(in.CheckNew()); err != nil {
				return err
			}
			pw, hash, generated, err := c.newPassword(fromStdin)
			if err != nil {
				return err
			}
			u, err := staff.NewUser(in, hash)
			if err != nil {
				return err
			}
			db, _, err := c.openDB(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.CreateUser(cmd.Context(), &u); err != nil {
				return fmt.Errorf("add %s: %w", email, err)
			}
			if err := cliAudit(cmd.Context(), db, "user.created", u.ID, u.Role); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "added %s %s (%s)\n", u.Role, u.Email, u.ID)
			if generated {
				fmt.Fprintf(c.out, "password: %s\n(shown once; it is stored only as a hash)\n", pw)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "sign-in email (required)")
	f.StringVar(&name, "name", "", "display name, shown to patients (required)")
	f.StringVar(&role, "role", "", "agent or admin (required)")
	f.IntVar(&capacity, "capacity", 0, "chats at once (default handoff.capacity, followed when it changes)")
	f.StringSliceVar(&queues, "queues", nil, "queues the agent works, comma-separated (default every queue)")
	f.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin instead of generating one")
	for _, req := range []string{"email", "name", "role"} {
		_ = cmd.MarkFlagRequired(req)
	}
	return cmd
}

// flagProblems turns an account's problems into one error naming the
// flags, in their order.
func flagProblems(p staff.Problems) error {
	for _, f := range []string{"email", "name", "role", "capacity", "queues"} {
		if m, ok := p[f]; ok {
			return fmt.Errorf("--%s: %s", f, m)
		}
	}
	return nil
}

// newPassword reads a password from stdin, or generates one, and hashes
// it (staff's rules).
func (c *cli) newPassword(fromStdin bool) (pw, hash string, generated bool, err error) {
	if !fromStdin {
		pw, hash, err = staff.NewPassword()
		return pw, hash, true, err
	}
	line, err := bufio.NewReader(io.LimitReader(c.in, staff.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	pw = strings.TrimRight(line, "\r\n")
	hash, err = staff.HashChosenPassword(pw)
	if err != nil {
		return "", "", false, errors.New(bot.ErrorMessage(err))
	}
	return pw, hash, false, nil
}

func (c *cli) usersListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the console accounts",
		Args:  cobra.NoArgs,
		RunE: c.withDB(func(cmd *cobra.Command, _ []string, db Store, cfg *Config) error {
			us, err := db.Users(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "EMAIL\tNAME\tROLE\tCAPACITY\tQUEUES\tSTATUS")
			for _, u := range us {
				queues := strings.Join(u.Queues, ",")
				if queues == "" {
					queues = "all"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, capacityText(u.Capacity, cfg.Handoff.Capacity), queues, userStatus(u, time.Now()))
			}
			return w.Flush()
		}),
	}
}

// capacityText shows an account's capacity: its own, or "default (N)"
// when it follows the desk's, handoff.capacity (N).
func capacityText(own, desk int) string {
	if own > 0 {
		return strconv.Itoa(own)
	}
	return fmt.Sprintf("default (%d)", desk)
}

func userStatus(u staff.User, now time.Time) string {
	switch {
	case u.Disabled:
		return "disabled"
	case now.Before(u.LockedUntil):
		return "locked until " + u.LockedUntil.Local().Format("15:04")
	default:
		return "active"
	}
}

// userCommand runs fn on the account with the email given as the argument.
func (c *cli) userCommand(use, short string, fn func(cmd *cobra.Command, db Store, u staff.User) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: c.withDB(func(cmd *cobra.Command, args []string, db Store, _ *Config) error {
			u, err := db.UserByEmail(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return fn(cmd, db, u)
		}),
	}
}

func (c *cli) usersDisableCmd(disable bool) *cobra.Command {
	use, short, event, done := "disable EMAIL", "Disable an account and end its sessions (its open consoles close)", "user.disabled", "disabled"
	if !disable {
		use, short, event, done = "enable EMAIL", "Enable a disabled account again", "user.enabled", "enabled"
	}
	return c.userCommand(use, short, func(cmd *cobra.Command, db Store, u staff.User) error {
		if err := db.SetUserDisabled(cmd.Context(), u.ID, disable); err != nil {
			return err
		}
		if err := cliAudit(cmd.Context(), db, event, u.ID, ""); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "%s %s\n", u.Email, done)
		return nil
	})
}

func (c *cli) usersPasswordCmd() *cobra.Command {
	var fromStdin bool
	cmd := c.userCommand("password EMAIL",
		"Set a new password (from stdin, or generated and printed once); ends the account's sessions and lock",
		func(cmd *cobra.Command, db Store, u staff.User) error {
			pw, hash, generated, err := c.newPassword(fromStdin)
			if err != nil {
				return err
			}
			if err := db.SetUserPassword(cmd.Context(), u.ID, hash); err != nil {
				return err
			}
			if err := cliAudit(cmd.Context(), db, "user.password_reset", u.ID, ""); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "password of %s changed; its sessions are ended\n", u.Email)
			if generated {
				fmt.Fprintf(c.out, "password: %s\n(shown once; it is stored only as a hash)\n", pw)
			}
			return nil
		})
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin instead of generating one")
	return cmd
}

// seedDemoStaff creates the demo's admin and agent unless they exist.
func seedDemoStaff(ctx context.Context, db Store) error {
	for _, d := range []struct{ email, name, role, password string }{
		{demoAdminEmail, "Demo Admin", bot.RoleAdmin, demoAdminPassword},
		{demoAgentEmail, "Alex (demo agent)", bot.RoleAgent, demoAgentPassword},
	} {
		_, err := db.UserByEmail(ctx, d.email)
		if err == nil {
			continue
		}
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			return fmt.Errorf("seed demo staff: %w", err)
		}
		hash, err := password.Hash(d.password)
		if err != nil {
			return err
		}
		u := staff.User{Email: d.email, Name: d.name, Role: d.role, PasswordHash: hash}
		if err := db.CreateUser(ctx, &u); err != nil {
			return fmt.Errorf("seed demo staff: %w", err)
		}
	}
	return nil
}

// demoCanned are the demo's canned responses, created when there are none.
var demoCanned = []staff.CannedResponse{
	{Shortcut: "hello", Title: "Greeting", Text: "Hi, thanks for waiting. I have read your chat with our assistant, so you will not need to repeat yourself."},
	{Shortcut: "verify", Title: "Why we verify", Text: "To protect your account we can only make changes once we have confirmed it is you, with a code sent to the contact details on file."},
	{Shortcut: "reset", Title: "Reset link", Text: "I am sending you back to our assistant to reset your password; it takes about a minute."},
	{Shortcut: "bye", Title: "Closing", Text: "Is there anything else I can help you with today? If not, have a good day."},
}

// seedDemoCanned adds the demo's canned responses to an empty list.
func seedDemoCanned(ctx context.Context, db Store) error {
	have, err := db.CannedResponses(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, c := range demoCanned {
		if err := db.PutCannedResponse(ctx, c); err != nil {
			return fmt.Errorf("seed canned responses: %w", err)
		}
	}
	return nil
}
