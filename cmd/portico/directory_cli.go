package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/bridge/bridgecheck"
	"github.com/portico-chat/portico/connectors/finder/fhir"
)

// findByMRN opens the configured remote directory and finds the one
// account with this MRN in it; the caller closes the directory.
func findByMRN(ctx context.Context, db Store, cfg *Config, mrn string) (bot.Directory, string, func(), error) {
	dir, closeDir, err := cliDirectory(ctx, db, cfg)
	if err != nil {
		return nil, "", nil, err
	}
	id, err := dir.Find(ctx, bot.Lookup{MRN: mrn})
	if err != nil {
		closeDir()
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return nil, "", nil, fmt.Errorf("no account with MRN %s in the %s directory (or more than one)", mrn, cfg.Directory.Driver)
		}
		return nil, "", nil, fmt.Errorf("find MRN %s: %w", mrn, err)
	}
	return dir, id, closeDir, nil
}

// remoteActivationCode is `portico patients activation-code MRN` for a
// remote directory: the MRN is found there, the account must be pending,
// and the new code is kept by Portico, hashed, under the directory's
// record ID.
func (c *cli) remoteActivationCode(ctx context.Context, db Store, cfg *Config, mrn string) error {
	dir, id, closeDir, err := findByMRN(ctx, db, cfg, mrn)
	if err != nil {
		return err
	}
	defer closeDir()
	acc, err := dir.Account(ctx, id)
	if err != nil {
		return fmt.Errorf("read the account of MRN %s: %w", mrn, err)
	}
	if acc.Status != bot.AccountPending {
		return fmt.Errorf("the account of MRN %s is %s, not pending: it cannot be activated", mrn, acc.Status)
	}
	code, err := bot.NewActivationCode()
	if err != nil {
		return err
	}
	hash, err := bot.HashActivationCode(bot.NormalizeActivationCode(code))
	if err != nil {
		return err
	}
	ttl := patients.NewRegistry(db, patients.Config{}, nil, zerolog.Nop()).ActivationTTL()
	if err := db.PutActivationCode(ctx, bot.ActivationCode{RecordID: id, Hash: hash, Expires: time.Now().Add(ttl)}); err != nil {
		return err
	}
	if err := cliAudit(ctx, db, "activation_code.issued", id, "directory="+cfg.Directory.Driver); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "activation code for %s: %s\n(shown once; it expires in %d days)\n", mrn, code, int(ttl.Hours()/24))
	return nil
}

// remoteUnlock is `portico patients unlock MRN` for a remote directory:
// Portico's own pause of the record's self-service is lifted, and the
// directory's sign-in lockout.
func (c *cli) remoteUnlock(ctx context.Context, db Store, cfg *Config, mrn string) error {
	dir, id, closeDir, err := findByMRN(ctx, db, cfg, mrn)
	if err != nil {
		return err
	}
	defer closeDir()
	if err := bot.UnlockRecord(ctx, db, id); err != nil {
		return err
	}
	if err := dir.Unlock(ctx, id, ""); err != nil {
		return fmt.Errorf("unlock MRN %s in the directory: %w", mrn, err)
	}
	if err := cliAudit(ctx, db, "record.unlocked", id, "directory="+cfg.Directory.Driver); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "%s unlocked: self-service verification and sign-in are open again\n", mrn)
	return nil
}

// bridgeCmd is `portico bridge check URL`.
func (c *cli) bridgeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bridge", Short: "Work with a portal bridge (docs/bridge.md)"}
	var timeout time.Duration
	check := &cobra.Command{
		Use:   "check URL",
		Short: "Run the conformance suite against a portal bridge and say which operation fails and why",
		Long: "Run the conformance suite (docs/bridge.md, \"Conformance\") against the bridge at URL,\n" +
			"which must hold the suite's test records (cmd/portico-bridge -seed, or your own copy of\n" +
			"them). The suite changes them: load them again before the next full run. The secret,\n" +
			"CA and client certificate are directory.bridge.*'s (PORTICO_DIRECTORY_BRIDGE_SECRET).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := c.config(cmd)
			if err != nil {
				return err
			}
			b := cfg.Directory.Bridge
			if b.Secret == "" {
				b.Secret = c.v.GetString("directory.bridge.secret")
				b.CAFile, b.ClientCert, b.ClientKey = c.v.GetString("directory.bridge.ca_file"),
					c.v.GetString("directory.bridge.client_cert"), c.v.GetString("directory.bridge.client_key")
			}
			if b.Secret == "" {
				return fmt.Errorf("directory.bridge.secret is not set: the suite signs its requests with it (PORTICO_DIRECTORY_BRIDGE_SECRET)")
			}
			rep, err := bridgecheck.Run(cmd.Context(), bridgecheck.Config{
				URL: args[0], Secret: b.Secret, Timeout: timeout, CAFile: b.CAFile, ClientCert: b.ClientCert, ClientKey: b.ClientKey,
			})
			if err != nil {
				return err
			}
			if err := rep.WriteText(c.out); err != nil {
				return err
			}
			if !rep.OK() {
				return fmt.Errorf("the bridge at %s fails: %v", args[0], rep.Failed())
			}
			return nil
		},
	}
	check.Flags().DurationVar(&timeout, "timeout", 0, "per request (default 10s)")
	cmd.AddCommand(check)
	return cmd
}

// finderCmd is `portico finder check`.
func (c *cli) finderCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "finder", Short: "Work with the record finder (finder.driver)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check that the FHIR server of finder.fhir.* answers and supports what Portico asks",
		Long: "Get a token (auth: bearer or smart) and read the FHIR server's CapabilityStatement:\n" +
			"FHIR R4, Patient search with the parameters the configured mode needs, and $match\n" +
			"in match mode (docs/directories.md, \"FHIR record finder\").",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.config(cmd)
			if err != nil {
				return err
			}
			if cfg.Directory.Finder != finderFHIR {
				return fmt.Errorf("finder.driver is %s: set it to fhir, with finder.fhir.*", cfg.Directory.Finder)
			}
			f, err := fhir.New(cfg.Directory.FHIR, zerolog.New(c.err).Level(zerolog.WarnLevel))
			if err != nil {
				return err
			}
			if err := f.Check(cmd.Context()); err != nil {
				return fmt.Errorf("finder check %s: %w", redactURL(cfg.Directory.FHIR.URL), err)
			}
			fmt.Fprintf(c.out, "the FHIR server at %s answers and supports %s mode\n", redactURL(cfg.Directory.FHIR.URL), cfg.Directory.FHIR.Mode)
			return nil
		},
	})
	return cmd
}
