package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/sqlite"
)

// The move from one SQLite node to PostgreSQL:
//
//	portico migrate --from sqlite:data/portico.db --to postgres:postgres://portico@db/portico
//
// copies everything the node kept into an empty PostgreSQL database in one
// transaction, gives the PostgreSQL store the SQLite database's outbox key
// (the sealed deliveries are copied as they are), verifies the audit chain
// there and reports how many rows of each table it copied.

// copyFlags are migrate's flags for a copy.
type copyFlags struct {
	from, to, keyFile string
}

func (f *copyFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.from, "from", "", "copy from this database: sqlite:PATH")
	cmd.Flags().StringVar(&f.to, "to", "", "copy into this empty database: postgres:URL")
	cmd.Flags().StringVar(&f.keyFile, "key-file", "", "the PostgreSQL store's outbox key file (default storage.postgres.key_file)")
}

func (f *copyFlags) set() bool { return f.from != "" || f.to != "" }

// copyStore runs a copy.
func (c *cli) copyStore(cmd *cobra.Command, f copyFlags) error {
	from, ok := strings.CutPrefix(f.from, "sqlite:")
	if !ok || from == "" {
		return fmt.Errorf("--from %q: want sqlite:PATH", f.from)
	}
	to := f.to
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		to, ok = strings.CutPrefix(to, "postgres:")
		if !ok || to == "" {
			return fmt.Errorf("--to %q: want postgres:URL", postgres.Redact(f.to))
		}
	}
	if err := postgres.CheckURL(to); err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if _, err := c.config(cmd); err != nil {
		return err
	}
	keyFile := f.keyFile
	if keyFile == "" {
		keyFile = c.v.GetString("storage.postgres.key_file")
	}
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("--from: %w", err) // sqlite.Open would create it
	}
	ctx := cmd.Context()
	log := zerolog.New(c.err).Level(zerolog.WarnLevel)
	src, err := sqlite.Open(ctx, from, log)
	if err != nil {
		return fmt.Errorf("open %s: %w", from, err)
	}
	defer src.Close()
	if err := shareKey(sqlite.KeyPath(src.Path()), keyFile); err != nil {
		return err
	}
	dst, err := postgres.Open(ctx, postgres.Options{URL: to, KeyFile: keyFile}, log)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := dst.CopyFrom(ctx, src.Reader())
	if errors.Is(err, postgres.ErrNotEmpty) {
		return fmt.Errorf("%s: %w; portico migrate copies only into an empty database", postgres.Redact(to), err)
	}
	if err != nil {
		return err
	}
	n, err := dst.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("the copied audit chain does not verify: %w", err)
	}
	fmt.Fprintf(c.out, "copied %s into %s:\n", from, postgres.Redact(to))
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, cnt := range counts {
		fmt.Fprintf(tw, "  %s\t%d\t\n", cnt.Table, cnt.Rows)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "the audit chain verifies: %d rows\noutbox key: %s (give every node this file)\n", n, keyFile)
	return nil
}

// shareKey gives the PostgreSQL store the SQLite database's outbox key:
// it copies the key file when the target has none, and refuses a
// different key, under which the copied deliveries would not open.
func shareKey(from, to string) error {
	key, err := postgres.ReadKey(from)
	if err != nil {
		return err
	}
	have, err := postgres.ReadKey(to)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return fmt.Errorf("outbox key file %s: %w", to, err)
		}
		return postgres.WriteKey(to, key)
	case err != nil:
		return err
	case !bytes.Equal(have, key):
		return fmt.Errorf("outbox key file %s holds another key than %s: the copied deliveries would not open; "+
			"point --key-file at a new path, or at a copy of %s", to, from, from)
	}
	return nil
}
