package patients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// ImportHeader is the exact header line of a patient CSV file.
const ImportHeader = "mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status"

// Import limits. The file is read a line at a time, never whole: a line or
// a cell past its limit is reported and skipped, whatever its size.
const (
	// maxImportRows bounds one import's memory; split bigger files.
	maxImportRows = 500_000
	// maxImportLineBytes is the longest line read: a row of the widest
	// legal cells is under 1.5 KiB.
	maxImportLineBytes = 4 << 10
	// maxImportCellBytes is the longest cell looked at; every column's
	// own rule is narrower.
	maxImportCellBytes = 512
	// MaxImportProblems is how many problems one run reports, one per
	// line; the rest are only counted.
	MaxImportProblems = 100
	maxMRNLen         = 64
	recordIDBytes     = 16
)

// importColumns are ImportHeader's names, in order.
var importColumns = strings.Split(ImportHeader, ",")

// ImportOptions change what Import does.
type ImportOptions struct {
	// DryRun checks every row and counts what would change, and writes
	// nothing.
	DryRun bool
}

// ImportProblem is one bad line or cell of an import file. It never holds
// the cell's value: the file is patients' data, and problems are printed
// and may be pasted into a ticket.
type ImportProblem struct {
	Line   int    // 1-based line of the file
	Column int    // 1-based column; 0 when the problem is the whole line
	Reason string // what is wrong, in plain words
}

func (p ImportProblem) String() string {
	if p.Column == 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	return fmt.Sprintf("line %d, column %d (%s): %s", p.Line, p.Column, importColumns[p.Column-1], p.Reason)
}

// ImportReport is what an import found and did.
type ImportReport struct {
	Rows                    int             // data rows read
	New, Updated, Unchanged int             // good rows by what they do to the directory
	Problems                []ImportProblem // the first MaxImportProblems, in file order
	MoreProblems            int             // problems past those
	Applied                 bool            // the new and updated rows were written
}

// Bad is the number of problems found.
func (r ImportReport) Bad() int { return len(r.Problems) + r.MoreProblems }

func (r *ImportReport) problem(p ImportProblem) {
	if len(r.Problems) < MaxImportProblems {
		r.Problems = append(r.Problems, p)
		return
	}
	r.MoreProblems++
}

// Import reads patients from CSV (header ImportHeader; see
// docs/connectors.md) and inserts or updates them by MRN. Every row is
// checked and every problem reported (up to MaxImportProblems); only a
// file without any is written, all of it in one transaction: an import is
// all or nothing. Rows identical to their record are not written again.
// Activation codes are stored hashed and expire after the registry's
// ActivationTTL. With problems, the error is EINVALID and the report
// lists them; an error reading or writing is returned as such.
func (g *Registry) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	existing, err := g.records.Patients(ctx)
	if err != nil {
		return ImportReport{}, fmt.Errorf("import patients: %w", err)
	}
	in := newImportRun(g, existing)
	if err := in.read(ctx, r); err != nil {
		return in.report, err
	}
	rep := in.report
	switch {
	case rep.Bad() > 0:
		return rep, &bot.Error{Code: bot.EINVALID, Message: fmt.Sprintf("%d problems; nothing was imported", rep.Bad())}
	case o.DryRun || len(in.write) == 0:
		return rep, nil
	}
	if err := g.records.ImportPatients(ctx, in.write); err != nil {
		return rep, fmt.Errorf("import patients: %w", err)
	}
	rep.Applied = true
	g.log.Info().Int("new", rep.New).Int("updated", rep.Updated).Int("unchanged", rep.Unchanged).Msg("patients imported")
	return rep, nil
}

// read checks the header and every row of r.
func (in *importRun) read(ctx context.Context, r io.Reader) error {
	lines := bufio.NewReaderSize(r, maxImportLineBytes)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(lines)
		if errors.Is(err, io.EOF) && line == nil && !tooLong {
			if n == 1 {
				in.report.problem(ImportProblem{Line: 1, Reason: fmt.Sprintf("empty file: want the header %q", ImportHeader)})
			}
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("import patients: read line %d: %w", n, err)
		}
		switch {
		case tooLong:
			if n > 1 {
				in.report.Rows++
			} else {
				in.badHeader = true
			}
			in.report.problem(ImportProblem{Line: n, Reason: fmt.Sprintf("longer than %d bytes", maxImportLineBytes)})
		case n == 1:
			in.header(line)
		case len(bytes.TrimSpace(line)) > 0:
			if in.report.Rows == maxImportRows {
				in.report.problem(ImportProblem{Line: n, Reason: fmt.Sprintf("more than %d rows: split the file", maxImportRows)})
				return nil
			}
			in.report.Rows++
			if err := in.row(ctx, n, line); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// readLine returns the next line without its line ending. A line longer
// than the reader's buffer is read to its end and dropped (tooLong).
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	line, err = r.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		tooLong = true
		_, err = r.ReadSlice('\n')
	}
	if tooLong {
		return nil, true, err
	}
	if len(line) == 0 && err != nil {
		return nil, false, err
	}
	return bytes.TrimRight(line, "\r\n"), false, err
}

// header checks the first line.
func (in *importRun) header(line []byte) {
	line = bytes.TrimPrefix(line, []byte("\ufeff")) // a BOM from Excel
	cells, err := splitCSV(line)
	if err != nil {
		in.report.problem(ImportProblem{Line: 1, Reason: "header: " + err.Error()})
		in.badHeader = true
		return
	}
	if got := strings.Join(cells, ","); got != ImportHeader {
		in.report.problem(ImportProblem{Line: 1, Reason: fmt.Sprintf("the header must be exactly %q", ImportHeader)})
		in.badHeader = true
	}
}

// splitCSV splits one line into its cells. A quoted cell must close on its
// line: patients' fields never hold a line break.
func splitCSV(line []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(line))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cells, err := cr.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.Err // the line is named by the caller
	}
	return cells, err
}

// newRecordID returns a random record ID, "pt_" and 32 hex digits.
func newRecordID() (string, error) {
	b := make([]byte, recordIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new record id: %w", err)
	}
	return "pt_" + hex.EncodeToString(b), nil
}
