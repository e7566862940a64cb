package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

func (c *cli) tokensCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Manage API tokens for automation (flows push/pull, CI)"}
	cmd.AddCommand(c.tokensCreateCmd(), c.tokensListCmd(), c.tokensRevokeCmd())
	return cmd
}

func (c *cli) tokensCreateCmd() *cobra.Command {
	var (
		name   string
		scopes []string
	)
	cmd := &cobra.Command{
		Use:   "create --name NAME --scope flows:read|flows:write",
		Short: "Create an API token; it is printed once and stored only as its SHA-256",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := staff.TokenName(name)
			if err != nil {
				return fmt.Errorf("--name: %s", bot.ErrorMessage(err))
			}
			sc, err := staff.ParseScopes(strings.Join(scopes, ","))
			if err != nil {
				return fmt.Errorf("--scope: %w", err)
			}
			db, _, err := c.openDB(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			token, hash := staff.NewAPIToken()
			t := staff.APIToken{Name: name, Hash: hash, Scopes: sc, CreatedBy: "cli"}
			if err := db.CreateAPIToken(cmd.Context(), &t); err != nil {
				return err
			}
			if err := db.AppendAudit(cmd.Context(), bot.AuditEvent{Type: "token.create", Actor: "cli", Source: "cli",
				Outcome: "ok", Detail: "token=" + t.ID + " scopes=" + strings.Join(sc, ",")}); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "token %s (%s) with %s:\n\n  %s\n\nIt is shown only now; keep it in a secret store.\n",
				t.ID, t.Name, strings.Join(sc, ", "), token)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for, e.g. \"CI\"")
	cmd.Flags().StringSliceVar(&scopes, "scope", nil, "scope: flows:read or flows:write (repeatable)")
	return cmd
}

func (c *cli) tokensListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their values)",
		Args:  cobra.NoArgs,
		RunE: c.withDB(func(cmd *cobra.Command, _ []string, db Store, _ *Config) error {
			ts, err := db.APITokens(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tSTATUS")
			for _, t := range ts {
				status := "active"
				if t.Revoked() {
					status = "revoked " + day(t.RevokedAt)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","),
					day(t.CreatedAt), day(t.LastUsed), status)
			}
			return w.Flush()
		}),
	}
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func (c *cli) tokensRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token for good",
		Args:  cobra.ExactArgs(1),
		RunE: c.withDB(func(cmd *cobra.Command, args []string, db Store, _ *Config) error {
			if err := db.RevokeAPIToken(cmd.Context(), args[0], time.Now()); err != nil {
				return err
			}
			if err := db.AppendAudit(cmd.Context(), bot.AuditEvent{Type: "token.revoke", Actor: "cli", Source: "cli",
				Outcome: "ok", Detail: "token=" + args[0]}); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "token %s revoked\n", args[0])
			return nil
		}),
	}
}
