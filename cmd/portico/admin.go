package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/connectors/portal"
	"github.com/portico-chat/portico/storage/sqlite"
)

// openDB opens the configured database for an administration command.
func (c *cli) openDB(cmd *cobra.Command) (*sqlite.DB, *Config, error) {
	cfg, err := c.config(cmd)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(cmd.Context(), cfg.SQLitePath, zerolog.New(c.err).Level(zerolog.WarnLevel))
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	return db, cfg, nil
}

func (c *cli) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, cfg, err := c.openDB(cmd) // Open applies the migrations
			if err != nil {
				return err
			}
			defer db.Close()
			fmt.Fprintf(c.out, "%s is at the latest schema; migrations:\n", cfg.SQLitePath)
			for _, m := range sqlite.Migrations() {
				fmt.Fprintf(c.out, "  %s\n", m)
			}
			return nil
		},
	}
}

func (c *cli) patientsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "patients", Short: "Manage the local account directory"}
	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import patients from CSV (all rows or none)",
		Long: "Import patients from a CSV file with the header\n" +
			"mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status\n" +
			"A bad row is reported with its line number and nothing is imported.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, cfg, err := c.openDB(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			l := portal.NewLocal(db, portal.Policy{MinLength: cfg.PasswordMin, PortalName: cfg.PortalName}, nil, zerolog.Nop())
			n, err := l.Import(cmd.Context(), f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(c.out, "imported %d patients\n", n)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the patients of the local directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, _, err := c.openDB(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			ps, err := portal.NewLocal(db, portal.Policy{}, nil, zerolog.Nop()).List(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "MRN\tNAME\tDOB\tZIP\tUSERNAME\tSTATUS\tEMAIL\tPHONE")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.MRN, p.FirstName, p.LastName, p.DOB, p.ZIP,
					p.Username, p.Status, yesNo(p.Email != ""), yesNo(p.Phone != ""))
			}
			return w.Flush()
		},
	})
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "on file"
	}
	return "-"
}

func (c *cli) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Inspect the audit log"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, _, err := c.openDB(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.VerifyAudit(context.WithoutCancel(cmd.Context()))
			if err != nil {
				return fmt.Errorf("audit chain broken: %w", err)
			}
			fmt.Fprintf(c.out, "audit chain intact: %d events\n", n)
			return nil
		},
	})
	return cmd
}
