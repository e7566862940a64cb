package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
)

// openDB opens the configured database for an administration command.
func (c *cli) openDB(cmd *cobra.Command) (Store, *Config, error) {
	cfg, err := c.config(cmd)
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(cmd.Context(), cfg, zerolog.New(c.err).Level(zerolog.WarnLevel))
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	return db, cfg, nil
}

func (c *cli) migrateCmd() *cobra.Command {
	var copying copyFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema, or copy SQLite into PostgreSQL (--from, --to)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if copying.set() {
				return c.copyStore(cmd, copying)
			}
			db, cfg, err := c.openDB(cmd) // Open applies the migrations
			if err != nil {
				return err
			}
			defer db.Close()
			fmt.Fprintf(c.out, "%s is at the latest schema; migrations:\n", cfg.storeName())
			for _, m := range cfg.migrations() {
				fmt.Fprintf(c.out, "  %s\n", m)
			}
			return nil
		},
	}
	copying.add(cmd)
	return cmd
}

func (c *cli) patientsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "patients", Short: "Manage the local account directory"}
	cmd.AddCommand(c.importCmd())
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the patients of the local directory",
		Args:  cobra.NoArgs,
		RunE: c.withDB(func(cmd *cobra.Command, _ []string, db Store, _ *Config) error {
			ps, err := patients.NewRegistry(db, patients.Config{}, nil, zerolog.Nop()).List(cmd.Context())
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
		}),
	})
	cmd.AddCommand(c.unlockCmd(), c.activationCodeCmd())
	return cmd
}

// cliAudit appends an audit event for a command run by staff.
func cliAudit(ctx context.Context, db Store, typ, subject, detail string) error {
	host, _ := os.Hostname()
	err := db.AppendAudit(ctx, bot.AuditEvent{
		Type: typ, At: time.Now().UTC(), Node: host, Source: "cli", Actor: "admin:cli",
		Subject: subject, Outcome: "ok", Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// patientCommand runs fn on the patient with the MRN given as the
// argument, with the local directory over the configured database.
func (c *cli) patientCommand(use, short string, fn func(ctx context.Context, db Store, pc patientCtx) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: c.withDB(func(cmd *cobra.Command, args []string, db Store, cfg *Config) error {
			g := patients.NewRegistry(db, patients.Config{}, nil, zerolog.Nop())
			p, err := g.ByMRN(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			dir := local.New(db, cfg.passwordPolicy(), nil, zerolog.Nop())
			return fn(cmd.Context(), db, patientCtx{registry: g, dir: dir, patient: p})
		}),
	}
}

// patientCtx is what a patient command works with.
type patientCtx struct {
	registry *patients.Registry
	dir      bot.Directory
	patient  patients.Patient
}

func (c *cli) unlockCmd() *cobra.Command {
	return c.orRemote(c.localUnlockCmd(), c.remoteUnlock) // directory_cli.go
}

// orRemote runs cmd, a command on the local directory's patients, as it
// is when directory.driver is local, and remote on the MRN otherwise.
func (c *cli) orRemote(cmd *cobra.Command, remote func(ctx context.Context, db Store, cfg *Config, mrn string) error) *cobra.Command {
	localRun := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := c.config(cmd)
		if err != nil {
			return err
		}
		if cfg.Directory.Driver == driverLocal {
			return localRun(cmd, args)
		}
		return c.withDB(func(cmd *cobra.Command, args []string, db Store, cfg *Config) error {
			return remote(cmd.Context(), db, cfg, args[0])
		})(cmd, args)
	}
	return cmd
}

func (c *cli) localUnlockCmd() *cobra.Command {
	return c.patientCommand("unlock MRN",
		"Let a patient verify and sign in again after too many failures (check who they are first)",
		func(ctx context.Context, db Store, pc patientCtx) error {
			p := pc.patient
			if err := bot.UnlockRecord(ctx, db, p.RecordID); err != nil {
				return err
			}
			if err := pc.dir.Unlock(ctx, p.RecordID, ""); err != nil {
				return err
			}
			if err := cliAudit(ctx, db, "record.unlocked", p.RecordID, ""); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "%s unlocked: self-service verification and sign-in are open again\n", p.MRN)
			return nil
		})
}

func (c *cli) activationCodeCmd() *cobra.Command {
	// A remote directory keeps the account; Portico keeps its code.
	return c.orRemote(c.localActivationCodeCmd(), c.remoteActivationCode) // directory_cli.go
}

func (c *cli) localActivationCodeCmd() *cobra.Command {
	return c.patientCommand("activation-code MRN",
		"Issue a new activation code for a pending account (printed once, stored hashed)",
		func(ctx context.Context, db Store, pc patientCtx) error {
			p := pc.patient
			code, err := pc.registry.IssueActivationCode(ctx, p.RecordID)
			if err != nil {
				return err
			}
			if err := cliAudit(ctx, db, "activation_code.issued", p.RecordID, ""); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "activation code for %s: %s\n(shown once; it expires in %d days)\n",
				p.MRN, code, int(pc.registry.ActivationTTL().Hours()/24))
			return nil
		})
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
		RunE: c.withDB(func(cmd *cobra.Command, _ []string, db Store, _ *Config) error {
			n, err := db.VerifyAudit(context.WithoutCancel(cmd.Context()))
			if err != nil {
				return fmt.Errorf("audit chain broken: %w", err)
			}
			fmt.Fprintf(c.out, "audit chain intact: %d events\n", n)
			return nil
		}),
	})
	return cmd
}

// withDB returns a command body that runs fn with the configured database
// open, and closes it after.
func (c *cli) withDB(fn func(cmd *cobra.Command, args []string, db Store, cfg *Config) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, cfg, err := c.openDB(cmd)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(cmd, args, db, cfg)
	}
}
