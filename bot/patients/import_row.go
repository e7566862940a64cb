package patients

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Column positions of ImportHeader.
const (
	colMRN = iota
	colFirstName
	colLastName
	colDOB
	colZIP
	colEmail
	colPhone
	colUsername
	colActivationCode
	colStatus
	numColumns
)

// importRun is one import's state: what is on file, what the file said so
// far, and what to write.
type importRun struct {
	g         *Registry
	now       time.Time
	byMRN     map[string]Patient // the directory before the import
	usernames map[string]string  // lower-cased username → MRN, on file and in the file so far
	mrnLines  map[string]int     // MRN → the line that had it first
	userLines map[string]int     // lower-cased username → the line that had it first
	badHeader bool
	write     []Patient
	report    ImportReport
}

func newImportRun(g *Registry, existing []Patient) *importRun {
	in := &importRun{
		g: g, now: g.clock.Now(),
		byMRN: make(map[string]Patient, len(existing)), usernames: map[string]string{},
		mrnLines: map[string]int{}, userLines: map[string]int{},
	}
	for _, p := range existing {
		in.byMRN[p.MRN] = p
		if p.Username != "" {
			in.usernames[strings.ToLower(p.Username)] = p.MRN
		}
	}
	return in
}

// row checks one data line and, when it is good, counts it as new,
// updated or unchanged. Every problem of the line is reported.
func (in *importRun) row(ctx context.Context, line int, raw []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bad := func(col int, format string, args ...any) {
		in.report.problem(ImportProblem{Line: line, Column: col, Reason: fmt.Sprintf(format, args...)})
	}
	cells, err := splitCSV(raw)
	switch {
	case err != nil:
		bad(0, "%v", err)
		return nil
	case len(cells) != numColumns:
		bad(0, "%d columns, want %d", len(cells), numColumns)
		return nil
	}
	before := in.report.Bad()
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
		switch {
		case len(cells[i]) > maxImportCellBytes:
			bad(i+1, "longer than %d bytes", maxImportCellBytes)
			cells[i] = ""
		case !utf8.ValidString(cells[i]):
			bad(i+1, "not valid UTF-8")
			cells[i] = ""
		}
	}
	p, code := in.cells(cells, bad)
	in.unique(p, line, bad)
	if in.report.Bad() > before || in.badHeader {
		return nil
	}
	return in.keep(p, code)
}

// cells checks and normalises each cell of a row, reporting each bad one.
func (in *importRun) cells(c []string, bad func(col int, format string, args ...any)) (Patient, string) {
	p := Patient{MRN: c[colMRN], FirstName: c[colFirstName], LastName: c[colLastName]}
	if p.MRN == "" || len(p.MRN) > maxMRNLen {
		bad(colMRN+1, "want 1 to %d characters", maxMRNLen)
	}
	for _, col := range []int{colFirstName, colLastName} {
		if flows.FoldName(c[col]) == "" || utf8.RuneCountInString(c[col]) > maxNameLen {
			bad(col+1, "want a name of at most %d characters", maxNameLen)
		}
	}
	var err error
	if p.DOB, err = parseDOB(c[colDOB], in.now); err != nil {
		bad(colDOB+1, "%v", err)
	}
	if p.ZIP, err = parseZIP(c[colZIP]); err != nil {
		bad(colZIP+1, "%v", err)
	}
	if c[colEmail] != "" {
		if p.Email, err = parseEmail(c[colEmail]); err != nil {
			bad(colEmail+1, "%v", err)
		}
	}
	if c[colPhone] != "" {
		if p.Phone, err = NormalizePhone(c[colPhone]); err != nil {
			bad(colPhone+1, "%v", err)
		}
	}
	if p.Username = c[colUsername]; p.Username != "" && !ValidUsername(p.Username) {
		bad(colUsername+1, "want 3 to 64 letters, digits or ._-@, starting with a letter or digit")
	}
	switch s := bot.AccountStatus(c[colStatus]); {
	case s == "" || s.Valid():
		p.Status = s
	default:
		bad(colStatus+1, "want pending, active, locked or disabled")
	}
	if (p.Status == bot.AccountActive || p.Status == bot.AccountLocked) && p.Username == "" {
		bad(colStatus+1, "%s needs a username", p.Status)
	}
	code := bot.NormalizeActivationCode(c[colActivationCode])
	switch {
	case code == "":
	case p.Status != "" && p.Status != bot.AccountPending:
		bad(colActivationCode+1, "only for pending accounts, not %s", p.Status)
	case !bot.ValidActivationCode(code):
		bad(colActivationCode+1, "want %d to %d letters or digits", bot.MinActivationCodeLen, bot.MaxActivationCodeLen)
	}
	return p, code
}

// unique reports an MRN or username the file already had, or a username
// another record has.
func (in *importRun) unique(p Patient, line int, bad func(col int, format string, args ...any)) {
	if p.MRN != "" {
		if prev, dup := in.mrnLines[p.MRN]; dup {
			bad(colMRN+1, "already on line %d", prev)
		} else {
			in.mrnLines[p.MRN] = line
		}
	}
	if p.Username == "" {
		return
	}
	u := strings.ToLower(p.Username)
	if prev, dup := in.userLines[u]; dup {
		bad(colUsername+1, "already on line %d", prev)
		return
	}
	in.userLines[u] = line
	if mrn, taken := in.usernames[u]; taken && mrn != p.MRN {
		bad(colUsername+1, "taken by another record")
	}
}

// keep counts a good row and, unless it changes nothing, queues it.
func (in *importRun) keep(p Patient, code string) error {
	old, known := in.byMRN[p.MRN]
	if known && unchanged(old, p, code, in.now) {
		in.report.Unchanged++
		return nil
	}
	if code != "" {
		var err error
		if p.ActivationHash, err = bot.HashActivationCode(code); err != nil {
			return fmt.Errorf("import patients: %w", err)
		}
		p.ActivationExpires = in.now.Add(in.g.cfg.ActivationTTL)
	}
	if known {
		p.RecordID = old.RecordID
		in.report.Updated++
	} else {
		var err error
		if p.RecordID, err = newRecordID(); err != nil {
			return fmt.Errorf("import patients: %w", err)
		}
		in.report.New++
	}
	p.CreatedAt, p.UpdatedAt = in.now, in.now
	in.write = append(in.write, p)
	return nil
}

// unchanged reports whether importing p (with its activation code) would
// leave the record old as it is. Empty username, status and code cells
// keep what is on file; a code still live and the same changes nothing.
func unchanged(old, p Patient, code string, now time.Time) bool {
	same := old.FirstName == p.FirstName && old.LastName == p.LastName && old.DOB == p.DOB &&
		old.ZIP == p.ZIP && old.Email == p.Email && old.Phone == p.Phone &&
		(p.Username == "" || p.Username == old.Username) && (p.Status == "" || p.Status == old.Status)
	if code != "" {
		same = same && old.ActivationHash != "" && now.Before(old.ActivationExpires) &&
			bot.ActivationCodeMatches(old.ActivationHash, code)
	}
	return same
}
