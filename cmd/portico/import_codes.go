package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
)

// codesHeader is the CSV `portico patients import` takes for a remote
// directory: the accounts live there, Portico keeps only their
// activation codes (hashed). expiry is optional.
const codesHeader = "mrn,activation_code[,expiry]"

// isCodesFile reports whether a CSV header is mrn,activation_code with
// or without expiry.
func isCodesFile(header []string) bool {
	h := make([]string, len(header))
	for i, s := range header {
		h[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	}
	s := strings.Join(h, ",")
	return s == "mrn,activation_code" || s == "mrn,activation_code,expiry"
}

// peekHeader reads the first CSV record of file.
func peekHeader(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	h, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	return h, err
}

// codesReport is what a codes import found and did.
type codesReport struct {
	Rows     int
	Problems []string // "line N: column: what", never a cell's value
	More     int
	Applied  bool
}

// importCodes reads mrn,activation_code[,expiry] rows, finds every MRN in
// dir, and stores every code hashed in one transaction: all rows or none.
// An expiry is a date (YYYY-MM-DD: the code lives through that day, UTC)
// or an RFC 3339 time; without one a code lives ttl.
func importCodes(ctx context.Context, r io.Reader, dir bot.Directory, db Store, now time.Time, ttl time.Duration, dryRun bool) (codesReport, error) {
	var rep codesReport
	problem := func(line int, col, format string, args ...any) {
		if len(rep.Problems) >= patients.MaxImportProblems {
			rep.More++
			return
		}
		rep.Problems = append(rep.Problems, fmt.Sprintf("line %d: %s: %s", line, col, fmt.Sprintf(format, args...)))
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil || !isCodesFile(header) {
		return rep, fmt.Errorf("want the header %s", codesHeader)
	}
	var codes []bot.ActivationCode
	seen := map[string]int{}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", line, err)
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		rep.Rows++
		if len(row) != len(header) {
			problem(line, "row", "has %d columns, want %d", len(row), len(header))
			continue
		}
		mrn := strings.TrimSpace(row[0])
		code := bot.NormalizeActivationCode(row[1])
		expires := now.Add(ttl)
		bad := false
		switch {
		case mrn == "":
			problem(line, "mrn", "is empty")
			bad = true
		case seen[mrn] > 0:
			problem(line, "mrn", "is on line %d too", seen[mrn])
			bad = true
		}
		if !bot.ValidActivationCode(code) {
			problem(line, "activation_code", "is not a code of %d to %d letters and digits", bot.MinActivationCodeLen, bot.MaxActivationCodeLen)
			bad = true
		}
		if len(row) == 3 && strings.TrimSpace(row[2]) != "" {
			t, err := parseExpiry(row[2])
			switch {
			case err != nil:
				problem(line, "expiry", "is not a date like 2026-03-31 or a time like 2026-03-31T17:00:00Z")
				bad = true
			case !t.After(now):
				problem(line, "expiry", "is in the past")
				bad = true
			default:
				expires = t
			}
		}
		if mrn != "" {
			seen[mrn] = line
		}
		if bad {
			continue
		}
		id, err := dir.Find(ctx, bot.Lookup{MRN: mrn})
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND:
			problem(line, "mrn", "is not in the directory (or is there twice)")
			continue
		case err != nil:
			return rep, fmt.Errorf("line %d: find the MRN in the directory: %w", line, err)
		}
		acc, err := dir.Account(ctx, id)
		if err != nil {
			return rep, fmt.Errorf("line %d: read the account: %w", line, err)
		}
		if acc.Status != bot.AccountPending {
			problem(line, "mrn", "the account is %s, not pending: it cannot be activated", acc.Status)
			continue
		}
		hash, err := bot.HashActivationCode(code)
		if err != nil {
			return rep, err
		}
		codes = append(codes, bot.ActivationCode{RecordID: id, Hash: hash, Expires: expires})
	}
	if len(rep.Problems) > 0 || dryRun {
		return rep, nil
	}
	if err := db.PutActivationCodes(ctx, codes); err != nil {
		return rep, err
	}
	rep.Applied = true
	return rep, nil
}

// parseExpiry reads a date (the end of that day, UTC) or an RFC 3339 time.
func parseExpiry(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24*time.Hour - time.Nanosecond), nil
	}
	return time.Parse(time.RFC3339, s)
}

// runCodesImport is `portico patients import` of a codes file.
func (c *cli) runCodesImport(ctx context.Context, file string, db Store, cfg *Config, dryRun bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	dir, closeDir, err := cliDirectory(ctx, db, cfg)
	if err != nil {
		return err
	}
	defer closeDir()
	g := patients.NewRegistry(db, patients.Config{}, nil, zerolog.Nop())
	rep, err := importCodes(ctx, f, dir, db, time.Now(), g.ActivationTTL(), dryRun)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(c.out, "%s: %s\n", file, p)
	}
	if rep.More > 0 {
		fmt.Fprintf(c.out, "%s: … and %s\n", file, plural(rep.More, "more problem"))
	}
	bad := len(rep.Problems) + rep.More
	switch {
	case bad > 0:
		fmt.Fprintf(c.out, "%s, %s; nothing was imported\n", plural(rep.Rows, "row"), plural(bad, "problem"))
		return fmt.Errorf("%s: %s, nothing imported", file, plural(bad, "problem"))
	case dryRun:
		fmt.Fprintf(c.out, "%s of activation codes; dry run, nothing was written\n", plural(rep.Rows, "row"))
		return nil
	}
	fmt.Fprintf(c.out, "%s of activation codes imported (stored hashed)\n", plural(rep.Rows, "row"))
	return cliAudit(ctx, db, "activation_codes.imported", "", fmt.Sprintf("codes=%d directory=%s", rep.Rows, cfg.Directory.Driver))
}

// cliDirectory opens the configured directory for a command, unpadded
// (no patient is waiting on the other side).
func cliDirectory(ctx context.Context, db Store, cfg *Config) (bot.Directory, func(), error) {
	d := cfg.Directory
	d.MinLatency = 0
	d.Finder = finderNone // commands find by MRN, which is the directory's
	loc := local.New(db, cfg.passwordPolicy(), nil, zerolog.Nop())
	s, err := openDirectory(ctx, d, loc, zerolog.Nop())
	if err != nil {
		return nil, nil, err
	}
	return s.dir, func() { _ = s.close() }, nil
}
