package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
)

// importCmd is `portico patients import [--dry-run] FILE.csv`.
func (c *cli) importCmd() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import patients from CSV (all rows or none)",
		Long: "Import patients from a CSV file with the header\n" +
			"  " + patients.ImportHeader + "\n" +
			"Every row is checked and every problem listed (the first " + fmt.Sprint(patients.MaxImportProblems) + "), by line and\n" +
			"column, never with the cell's value. A file with any problem imports nothing: fix\n" +
			"them and run it again. --dry-run checks the file and counts what would change.\n\n" +
			"For a remote directory (directory.driver ldap, bridge or keycloak) the file holds\n" +
			"only activation codes, with the header\n  " + codesHeader + "\n" +
			"(expiry a date like 2026-03-31, or empty for the default): every MRN is found in the\n" +
			"directory and must be a pending account; the codes are stored hashed, all or none.",
		Args: cobra.ExactArgs(1),
		RunE: c.withDB(func(cmd *cobra.Command, args []string, db Store, cfg *Config) error {
			if h, err := peekHeader(args[0]); err == nil && isCodesFile(h) {
				return c.runCodesImport(cmd.Context(), args[0], db, cfg, dryRun) // import_codes.go
			}
			if cfg.Directory.Driver != driverLocal {
				return fmt.Errorf("%s: directory.driver is %s, which keeps the patients: import their activation codes with the header %s",
					args[0], cfg.Directory.Driver, codesHeader)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			g := patients.NewRegistry(db, patients.Config{}, nil, zerolog.Nop())
			rep, err := g.Import(cmd.Context(), f, patients.ImportOptions{DryRun: dryRun})
			if err != nil && bot.ErrorCode(err) != bot.EINVALID {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			printImport(c.out, args[0], rep, dryRun)
			if rep.Bad() > 0 {
				return fmt.Errorf("%s: %s, nothing imported", args[0], plural(rep.Bad(), "problem"))
			}
			if !rep.Applied {
				return nil
			}
			detail := fmt.Sprintf("new=%d updated=%d unchanged=%d", rep.New, rep.Updated, rep.Unchanged)
			return cliAudit(cmd.Context(), db, "patients.imported", "", detail)
		}),
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and count what would change, without writing")
	return cmd
}

// printImport writes the problems found, then the summary.
func printImport(w io.Writer, file string, rep patients.ImportReport, dryRun bool) {
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "%s: %s\n", file, p)
	}
	if rep.MoreProblems > 0 {
		fmt.Fprintf(w, "%s: … and %s\n", file, plural(rep.MoreProblems, "more problem"))
	}
	fmt.Fprintf(w, "%s: %d new, %d updated, %d unchanged", plural(rep.Rows, "row"), rep.New, rep.Updated, rep.Unchanged)
	switch {
	case rep.Bad() > 0:
		fmt.Fprintf(w, ", %s; nothing was imported\n", plural(rep.Bad(), "problem"))
	case dryRun:
		fmt.Fprintln(w, "; dry run, nothing was written")
	case rep.New+rep.Updated == 0:
		fmt.Fprintln(w, "; nothing to change")
	default:
		fmt.Fprintln(w, "; imported")
	}
}

// plural is "1 row", "2 rows"; "1 more problem", "2 more problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
